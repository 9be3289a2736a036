"""The observation import pages: upload and preview, mapping, import; the list.

Personas: anonymous, ``practitioner`` (reads, may not import) and
``process_group_member`` (imports).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from tests.apps.measurements.test_import import GOOD
from uplift.apps.accounts.roles import Role
from uplift.apps.measurements.models import Observation, ObservationImport, ObservationImportJob

pytestmark = pytest.mark.django_db

URL = reverse("measurements:observation_import")
LIST_URL = reverse("measurements:observation_import_list")
RENAMED = (
    "Metric,Project,When,Reading,Note\n"
    "cycle-time,alpha,2024-01-01,12.5,first\n"
    "cycle-time,alpha,2024-01-02,13,second\n"
)


@pytest.fixture(autouse=True)
def _setup(
    measures: dict[str, Any], work_activities: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    """Every test has the three measures and the three work activities, and its own
    MEDIA_ROOT (where uploads wait between preview and import)."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def importer(process_group_member: User, client_for: Any) -> Client:
    return client_for(process_group_member)


def upload(client: Client, text: str, name: str = "q1.csv", **extra: Any) -> Any:
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(URL, {"step": "preview", "file": file, "sheet": ""}, **extra)


def token_of(response: Any) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "the preview carries the upload's token"
    return found.group(1)


def columns(response: Any) -> dict[str, str]:
    """The preview's mapping form: ``{column_<i>: chosen}``."""
    form = response.context["mapping_form"]
    return {name: str(form[name].value()) for name in form.fields if name.startswith("column_")}


def import_(client: Client, token: str, mapping: dict[str, str], *, follow: bool = False) -> Any:
    """Post the import step; the job it records runs when its transaction commits (the
    tests' task backend runs it at once)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(URL, {"step": "import", "token": token, **mapping})
    if not follow or response.status_code != 303:
        return response
    page = client.get(response["Location"], follow=True)
    page.redirect_chain = [(response["Location"], 303), *page.redirect_chain]
    return page


def job_url(job: ObservationImportJob) -> str:
    return reverse("measurements:observation_import_job", args=[job.pk])


def stored_uploads() -> list[Path]:
    return list((Path(django_settings.MEDIA_ROOT) / "imports").glob("*.upload"))


def test_the_preview_shows_the_first_rows_and_the_guessed_mapping(importer):
    response = upload(importer, GOOD)

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.header == ("measure", "work_activity", "observed_at", "value", "source")
    assert len(preview.rows) == 4
    assert columns(response) == {
        "column_0": "measure",
        "column_1": "work_activity",
        "column_2": "observed_at",
        "column_3": "value",
        "column_4": "source",
    }
    html = response.content.decode()
    assert "2024-01-02T10:30:00+02:00" in html
    assert 'id="upload-progress"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert not Observation.objects.exists()


def test_a_preview_shows_only_the_first_ten_rows(importer):
    rows = "".join(f"cycle-time,alpha,2024-01-{day:02d},{day},\n" for day in range(1, 21))

    response = upload(importer, "measure,work_activity,observed_at,value,source\n" + rows)

    assert len(response.context["preview"].rows) == 10


def test_an_htmx_upload_answers_with_the_page_body_only(importer):
    response = upload(importer, GOOD, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="preview-rows"' in html


def test_an_import_with_the_guessed_mapping_writes_every_row_and_reports_the_counts(
    importer, process_group_member
):
    preview = upload(importer, GOOD)

    response = import_(importer, token_of(preview), columns(preview), follow=True)

    job = ObservationImportJob.objects.get()
    assert response.redirect_chain == [(job_url(job), 303)]
    assert Observation.objects.count() == 4
    batch = ObservationImport.objects.get()
    assert (batch.filename, batch.rows, batch.created_by) == ("q1.csv", 4, process_group_member)
    assert (job.state, job.batch, job.inserted, job.created_by) == (
        "succeeded",
        batch,
        4,
        process_group_member,
    )
    html = response.content.decode()
    assert "4 new, 0 already stored, 0 replaced" in html
    assert 'id="import-progress" max="100" value="100"' in html
    assert "hx-trigger" not in html  # ended: no more polling
    assert "q1.csv" in html
    assert stored_uploads() == []
    assert not list((Path(django_settings.MEDIA_ROOT) / "imports").glob("*.job"))


def test_an_import_with_remapped_columns_reads_the_file_under_the_users_names(importer):
    preview = upload(importer, RENAMED, name="renamed.csv")
    assert preview.context["preview"].missing  # "Reading" is no synonym of value
    mapping = {
        "column_0": "measure",
        "column_1": "work_activity",
        "column_2": "observed_at",
        "column_3": "value",
        "column_4": "ignore",
    }

    response = import_(importer, token_of(preview), mapping)

    assert response.status_code == 303
    assert sorted(Observation.objects.values_list("value", "source")) == [
        (12.5, ""),
        (13.0, ""),
    ]


def test_the_same_file_imported_again_writes_nothing_and_says_so(importer):
    first = upload(importer, GOOD)
    import_(importer, token_of(first), columns(first))
    again = upload(importer, GOOD)

    response = import_(importer, token_of(again), columns(again), follow=True)

    assert Observation.objects.count() == 4
    assert ObservationImport.objects.count() == 1
    assert "was imported already" in response.content.decode()


def test_a_bad_file_lists_its_problems_with_line_and_column_and_writes_nothing(importer):
    bad = GOOD + "cycle-time,nowhere,2024-02-01,1,\ncycle-time,alpha,01/02/2024,1,\n"
    preview = upload(importer, bad)

    response = import_(importer, token_of(preview), columns(preview), follow=True)

    assert response.status_code == 200
    job = ObservationImportJob.objects.get()
    assert (job.state, job.problems_total, job.batch) == ("failed", 2, None)
    problems = response.context["problems"]
    assert {(p["line"], p["field"]) for p in problems} == {(6, "work_activity"), (7, "observed_at")}
    html = response.content.decode()
    assert "nothing was imported" in html
    assert "<strong>line 6</strong> (column work_activity)" in html
    assert not Observation.objects.exists()
    assert not ObservationImport.objects.exists()
    # The file is given back: the mapping can be changed and the import tried again.
    remap = importer.get(f"{URL}?token={job.upload}")
    assert token_of(remap) == job.upload
    assert stored_uploads() == [
        Path(django_settings.MEDIA_ROOT) / "imports" / f"{job.upload}.upload"
    ]


def test_a_mapping_without_a_required_column_is_refused(importer):
    preview = upload(importer, GOOD)
    mapping = columns(preview) | {"column_3": "ignore"}

    response = import_(importer, token_of(preview), mapping, follow=True)

    assert ObservationImportJob.objects.get().state == "failed"
    assert any(p["field"] == "value" and p["line"] == 1 for p in response.context["problems"])
    assert not Observation.objects.exists()


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_at_the_preview(importer):
    file = SimpleUploadedFile("data.xlsx", b"PK\x03\x04 not really a workbook")

    response = importer.post(URL, {"step": "preview", "file": file})

    assert response.status_code == 400
    assert response.context["problems"]
    assert stored_uploads() == []


def test_another_users_token_is_refused(importer, make_user, client_for):
    preview = upload(importer, GOOD)
    other = client_for(make_user(Role.PROCESS_GROUP, username="other"))

    response = import_(other, token_of(preview), columns(preview))

    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_a_made_up_token_is_refused(importer):
    response = import_(importer, "../../etc/passwd", {})

    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(anonymous):
    for url in (URL, LIST_URL):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = upload(anonymous, GOOD)
    assert response.status_code == 302
    assert stored_uploads() == []


def test_a_practitioner_may_list_imports_but_not_import(practitioner, client_for):
    client = client_for(practitioner)

    assert client.get(URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.get(LIST_URL).status_code == 200
    assert not Observation.objects.exists()
    assert stored_uploads() == []


def test_the_list_shows_file_rows_and_who(importer, process_group_member):
    preview = upload(importer, GOOD)
    import_(importer, token_of(preview), columns(preview))

    response = importer.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "q1.csv" in html
    assert process_group_member.get_username() in html or "Import observations" in html
    assert list(response.context["imports"]) == list(ObservationImport.objects.all())


def test_a_workbooks_named_sheet_is_previewed_and_imported(importer):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Data")
    sheet.append(["measure", "work_activity", "observed_at", "value"])
    sheet.append(["cycle-time", "gamma", "2024-05-01", 7.5])
    buffer = io.BytesIO()
    book.save(buffer)
    file = SimpleUploadedFile("book.xlsx", buffer.getvalue())

    preview = importer.post(URL, {"step": "preview", "file": file, "sheet": "Data"})

    assert preview.status_code == 200
    assert preview.context["preview"].format == "xlsx"
    assert preview.context["preview"].rows == (("cycle-time", "gamma", "2024-05-01", "7.5"),)
    response = import_(importer, token_of(preview), columns(preview))
    assert response.status_code == 303
    assert list(Observation.objects.values_list("value", flat=True)) == [7.5]


def test_the_measure_list_links_to_the_import_for_those_who_may_import(
    importer, practitioner, client_for
):
    measures_url = reverse("measurements:measure_list")

    assert URL in importer.get(measures_url).content.decode()
    assert URL not in client_for(practitioner).get(measures_url).content.decode()


# --- the job page ---------------------------------------------------------------------------


def queued_job(importer: Client) -> ObservationImportJob:
    """A job recorded through the page, its task not run (no commit in a test)."""
    preview = upload(importer, GOOD)
    response = importer.post(
        URL, {"step": "import", "token": token_of(preview), **columns(preview)}
    )
    assert response.status_code == 303
    return ObservationImportJob.objects.get()


def test_a_queued_job_shows_a_polled_progress_bar_and_a_refresh_link(importer):
    job = queued_job(importer)

    response = importer.get(job_url(job))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<progress id="import-progress" max="100" value="0"' in html
    assert 'aria-describedby="import-progress-text"' in html
    assert f'hx-get="{job_url(job)}" hx-trigger="every 1s"' in html
    assert "Waiting for the worker to start the import." in html
    assert f'<a href="{job_url(job)}">Refresh</a>' in html
    assert "uplift worker" not in html  # queued for less than WORKER_WAIT
    assert not Observation.objects.exists()


def test_a_job_queued_for_long_names_the_worker_command(importer):
    job = queued_job(importer)
    ObservationImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(seconds=60)
    )

    html = importer.get(job_url(job)).content.decode()

    assert 'id="import-no-worker"' in html
    assert "<code>uplift worker</code>" in html


def test_htmx_polls_get_the_status_section_only(importer):
    job = queued_job(importer)

    response = importer.get(job_url(job), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="import-job"')


def test_the_list_shows_waiting_and_failed_jobs_above_the_imports(importer):
    job = queued_job(importer)
    failed = ObservationImportJob.objects.create(
        created_by=job.created_by,
        upload="x" * 43,
        filename="bad.csv",
        state="failed",
        message="The file was refused; nothing was imported: 2 problems.",
    )

    response = importer.get(LIST_URL)

    assert [pair[0] for pair in response.context["jobs"]] == [failed, job]
    html = response.content.decode()
    assert 'id="observation-import-jobs"' in html
    assert job_url(job) in html
    assert "bad.csv" in html


def test_a_job_is_seen_by_its_creator_and_by_who_may_view_imports_only(
    importer, practitioner, outsider, client_for, make_user
):
    job = queued_job(importer)
    importer_only = make_user(username="importer.only")
    importer_only.user_permissions.add(
        Permission.objects.get(codename="add_observation", content_type__app_label="measurements")
    )

    assert client_for(practitioner).get(job_url(job)).status_code == 200
    assert client_for(outsider).get(job_url(job)).status_code == 404
    assert client_for(importer_only).get(job_url(job)).status_code == 404
    missing = reverse("measurements:observation_import_job", args=[job.pk + 1000])
    assert importer.get(missing).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_from_a_job(importer, anonymous):
    job = queued_job(importer)

    response = anonymous.get(job_url(job))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
