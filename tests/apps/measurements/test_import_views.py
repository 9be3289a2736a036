"""The observation import pages: upload and preview, mapping, import; the list.

Personas: anonymous, ``practitioner`` (reads, may not import) and
``process_group_member`` (imports).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.apps.measurements.test_import import GOOD
from uplift.apps.accounts.roles import Role
from uplift.apps.measurements.models import Observation, ObservationImport

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
    return client.post(URL, {"step": "import", "token": token, **mapping}, follow=follow)


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

    assert response.redirect_chain[-1][0] == LIST_URL
    assert Observation.objects.count() == 4
    batch = ObservationImport.objects.get()
    assert (batch.filename, batch.rows, batch.created_by) == ("q1.csv", 4, process_group_member)
    html = response.content.decode()
    assert "4 new, 0 already stored, 0 replaced" in html
    assert "q1.csv" in html
    assert stored_uploads() == []


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

    assert response.status_code == 302
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

    response = import_(importer, token_of(preview), columns(preview))

    assert response.status_code == 400
    problems = response.context["problems"]
    assert {(p.line, p.field) for p in problems} == {(6, "work_activity"), (7, "observed_at")}
    html = response.content.decode()
    assert "nothing was imported" in html
    assert "<strong>line 6</strong> (column work_activity)" in html
    assert not Observation.objects.exists()
    assert not ObservationImport.objects.exists()
    assert token_of(response)  # the mapping can be changed and the import tried again


def test_a_mapping_without_a_required_column_is_refused(importer):
    preview = upload(importer, GOOD)
    mapping = columns(preview) | {"column_3": "ignore"}

    response = import_(importer, token_of(preview), mapping)

    assert response.status_code == 400
    assert any(p.field == "value" and p.line == 1 for p in response.context["problems"])
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
    assert response.status_code == 302
    assert list(Observation.objects.values_list("value", flat=True)) == [7.5]


def test_the_measure_list_links_to_the_import_for_those_who_may_import(
    importer, practitioner, client_for
):
    measures_url = reverse("measurements:measure_list")

    assert URL in importer.get(measures_url).content.decode()
    assert URL not in client_for(practitioner).get(measures_url).content.decode()
