"""The library pages: access per persona, content, search, comparison, queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from uplift.apps.library.choices import GoalKind, LevelKind
from uplift.apps.library.models import (
    Category,
    Goal,
    Level,
    Mapping,
    MappingEntry,
    Outcome,
    Practice,
    ProcessArea,
    ProcessModel,
    Variant,
)
from uplift.domain.library_compare import (
    AreaComparison,
    AreaOutline,
    ChangedPractice,
    ModelComparison,
    PracticeOutline,
)

pytestmark = pytest.mark.django_db


# -- fixtures ---------------------------------------------------------------------------


def _area(model, abbreviation, name, order, *, category=None, level=None, **fields):
    return ProcessArea.objects.create(
        model=model,
        abbreviation=abbreviation,
        name=name,
        order=order,
        category=category,
        maturity_level=level,
        **fields,
    )


def _goal(area, identifier, title, order=0):
    return Goal.objects.create(
        model=area.model,
        process_area=area,
        kind=GoalKind.SPECIFIC,
        identifier=identifier,
        title=title,
        order=order,
    )


def _practice(goal, identifier, title, order, **fields):
    return Practice.objects.create(
        model=goal.model,
        process_area=goal.process_area,
        goal=goal,
        identifier=identifier,
        title=title,
        order=order,
        **fields,
    )


@pytest.fixture
def library():
    """CMMI-DEV 1.3 (latest) and 1.2, and CMMI-SVC 1.3, small but with every part."""
    dev = ProcessModel.objects.create(
        identifier="CMMI-DEV",
        version="1.3",
        name="CMMI for Development",
        description="Best practices for development.",
        source={"title": "CMMI for Development, Version 1.3", "url": "https://example.org/dev"},
        representations=["staged", "continuous"],
    )
    old_dev = ProcessModel.objects.create(
        identifier="CMMI-DEV", version="1.2", name="CMMI for Development", is_latest=False
    )
    svc = ProcessModel.objects.create(
        identifier="CMMI-SVC", version="1.3", name="CMMI for Services"
    )
    Level.objects.create(model=dev, kind=LevelKind.MATURITY, number=2, name="Managed")
    Level.objects.create(model=dev, kind=LevelKind.MATURITY, number=3, name="Defined")
    project = Category.objects.create(model=dev, name="Project Management", order=0)
    support = Category.objects.create(model=dev, name="Support", order=1)
    process = Category.objects.create(model=dev, name="Process Management", order=2)

    pp = _area(dev, "PP", "Project Planning", 0, category=project, level=2)
    _practice(_goal(pp, "SG 1", "Establish Estimates"), "SP 1.1", "Estimate the Scope", 0)
    reqm = _area(
        dev,
        "REQM",
        "Requirements Management",
        1,
        category=project,
        level=2,
        purpose="Manage requirements and keep plans consistent with them.",
    )
    reqm_goal = _goal(reqm, "SG 1", "Manage Requirements")
    _practice(
        reqm_goal,
        "SP 1.1",
        "Understand Requirements",
        0,
        summary="Develop an understanding with the requirements providers.",
        description="As the project matures, requirements are refined.",
        example_work_products=["Lists of criteria for distinguishing providers"],
        subpractices=[
            {
                "text": "Establish criteria for appropriate providers.",
                "notes": "Criteria keep the sources few.",
                "examples": ["Clearly and properly stated"],
            }
        ],
        references=["PP", "RD"],
    )
    commitment = _practice(reqm_goal, "SP 1.2", "Obtain Commitment to Requirements", 1)
    _practice(reqm_goal, "SP 1.2.1", "Record commitments", 2, parent=commitment)
    opf = _area(dev, "OPF", "Organizational Process Focus", 2, category=process, level=3)
    _practice(_goal(opf, "SG 1", "Determine Opportunities"), "SP 1.1", "Establish Needs", 0)
    cm = _area(dev, "CM", "Configuration Management", 3, category=support, level=2)
    _practice(_goal(cm, "SG 1", "Establish Baselines"), "SP 1.1", "Identify Items", 0)
    generic = Goal.objects.create(
        model=dev,
        kind=GoalKind.GENERIC,
        identifier="GG 2",
        title="Institutionalize a Managed Process",
        capability_level=2,
    )
    Practice.objects.create(
        model=dev,
        goal=generic,
        identifier="GP 2.1",
        title="Establish an Organizational Policy",
        summary="Maintain a policy for planning and performing the process.",
    )
    variant = Variant.objects.create(model=dev, identifier="CMMI-DEV+IPPD", name="With IPPD")
    variant.process_areas.add(opf)
    Outcome.objects.create(model=dev, identifier="O1", title="Predictable projects")

    old_reqm = _area(old_dev, "REQM", "Requirements Management", 0)
    _practice(
        _goal(old_reqm, "SG 1", "Manage Requirements"), "SP 1.1", "Understand Requirements", 0
    )

    svc_reqm = _area(svc, "REQM", "Requirements Management", 0)
    svc_goal = _goal(svc_reqm, "SG 1", "Manage Requirements")
    _practice(svc_goal, "SP 1.1", "Understand Requirements", 0)
    _practice(svc_goal, "SP 1.2", "Obtain Commitment to the Requirements", 1)
    _practice(svc_goal, "SP 1.3", "Manage Requirements Changes", 2)
    irp = _area(svc, "IRP", "Incident Resolution and Prevention", 1)
    _practice(_goal(irp, "SG 1", "Prepare"), "SP 1.1", "Establish an Approach", 0)
    svc_cm = _area(svc, "CM", "Configuration Management", 2)
    _practice(_goal(svc_cm, "SG 1", "Establish Baselines"), "SP 1.1", "Identify Items", 0)

    mapping = Mapping.objects.create(
        model=dev, identifier="dev-to-svc", name="DEV to SVC", target_model=svc
    )
    entry = MappingEntry.objects.create(mapping=mapping, source_area=reqm, order=0)
    entry.target_areas.add(svc_reqm)
    entry = MappingEntry.objects.create(mapping=mapping, source_area=cm, order=1)
    entry.target_areas.add(svc_cm)
    return {"dev": dev, "old_dev": old_dev, "svc": svc}


@pytest.fixture
def reader(django_user_model):
    """Alice may read the library."""
    user = django_user_model.objects.create_user("alice", password="alice-secret-1")
    user.user_permissions.add(Permission.objects.get(codename="view_processmodel"))
    return user


@pytest.fixture
def outsider(django_user_model):
    """Bob is signed in but has no library permission."""
    return django_user_model.objects.create_user("bob", password="bob-secret-1")


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


LIBRARY_URLS = [
    reverse("library:model_list"),
    reverse("library:model_detail", args=["CMMI-DEV", "1.3"]),
    reverse("library:process_area_detail", args=["CMMI-DEV", "1.3", "REQM"]),
    reverse("library:search") + "?q=requirements",
    reverse("library:compare") + "?left=CMMI-DEV@1.3&right=CMMI-SVC@1.3",
]


# -- access -----------------------------------------------------------------------------


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize("url", LIBRARY_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize("url", LIBRARY_URLS)
def test_signed_in_users_without_the_permission_are_refused(client, outsider, url):
    client.force_login(outsider)

    response = client.get(url)

    assert response.status_code == 403


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize("url", LIBRARY_URLS)
def test_readers_see_every_library_page(reader_client, url):
    response = reader_client.get(url)

    assert response.status_code == 200


def test_the_navigation_marks_the_library_as_current(reader_client, library):
    response = reader_client.get(reverse("library:model_detail", args=["CMMI-DEV", "1.3"]))

    current = [item.label for item in response.context["navigation"] if item.current]
    assert current == ["Model library"]
    assert b'<a href="/library/" aria-current="page">Model library</a>' in response.content


# -- list -------------------------------------------------------------------------------


def test_the_list_shows_every_version_with_counts_and_the_latest_badge(reader_client, library):
    response = reader_client.get(reverse("library:model_list"))

    rows = [
        (m.reference, m.is_latest, m.process_area_count, m.goal_count, m.practice_count)
        for m in response.context["page_obj"].object_list
    ]
    assert rows == [
        ("CMMI-DEV@1.2", False, 1, 1, 1),
        ("CMMI-DEV@1.3", True, 4, 4, 6),
        ("CMMI-SVC@1.3", True, 3, 3, 5),
    ]
    assert response.content.count(b'<span class="badge badge--success">latest</span>') == 2


def test_the_list_filters_by_words_and_latest_only(reader_client, library):
    response = reader_client.get(
        reverse("library:model_list"), {"q": "development", "latest": "true"}
    )

    assert [m.reference for m in response.context["page_obj"].object_list] == ["CMMI-DEV@1.3"]


def test_the_list_sorts_by_a_whitelisted_key_descending(reader_client, library):
    response = reader_client.get(reverse("library:model_list"), {"sort": "-practices"})

    assert [m.reference for m in response.context["page_obj"].object_list] == [
        "CMMI-DEV@1.3",
        "CMMI-SVC@1.3",
        "CMMI-DEV@1.2",
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "password"}, b"Cannot sort by"),
        ({"sort": "-"}, b"Cannot sort by"),
        ({"colour": "red"}, b"Unknown parameter: colour."),
        ({"per_page": "many"}, b"per_page must be a whole number."),
        ({"export": "xlsx"}, b"Cannot export as"),
        ({"latest": "maybe"}, b"Invalid filter"),
    ],
)
def test_a_malformed_list_request_is_a_bad_request_with_a_message(
    reader_client, library, params, message
):
    response = reader_client.get(reverse("library:model_list"), params)

    assert response.status_code == 400
    assert message in response.content


def test_the_page_size_is_bounded(reader_client, library):
    response = reader_client.get(reverse("library:model_list"), {"per_page": "100000"})

    assert response.context["paginator"].per_page == 500


def test_the_list_exports_the_filtered_rows_as_csv(reader_client, library):
    response = reader_client.get(
        reverse("library:model_list"), {"export": "csv", "latest": "true", "sort": "-name"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="process-models.csv"'
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "Identifier,Version,Name,Latest,Process areas,Goals,Practices,"
        "Generic goals,Generic practices",
        "CMMI-SVC,1.3,CMMI for Services,true,3,3,5,0,0",
        "CMMI-DEV,1.3,CMMI for Development,true,4,4,6,1,1",
    ]


def test_an_htmx_request_gets_only_the_table(reader_client, library):
    response = reader_client.get(reverse("library:model_list"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"<table" in response.content


def test_an_empty_library_says_how_to_load_a_model(reader_client):
    response = reader_client.get(reverse("library:model_list"))

    assert b"No models loaded yet" in response.content
    assert b"<code>uplift library import FILE</code>" in response.content


# -- model detail -----------------------------------------------------------------------


def test_the_model_page_groups_areas_by_level_and_by_category(reader_client, library):
    response = reader_client.get(reverse("library:model_detail", args=["CMMI-DEV", "1.3"]))

    detail = response.context["detail"]
    assert [(g.title, [a.abbreviation for a in g.process_areas]) for g in detail.staged] == [
        ("Maturity level 2: Managed", ["PP", "REQM", "CM"]),
        ("Maturity level 3: Defined", ["OPF"]),
    ]
    assert [(g.title, [a.abbreviation for a in g.process_areas]) for g in detail.continuous] == [
        ("Project Management", ["PP", "REQM"]),
        ("Support", ["CM"]),
        ("Process Management", ["OPF"]),
    ]
    content = response.content.decode()
    assert 'href="/library/CMMI-DEV/1.3/REQM/"' in content
    assert 'id="gp-2-1"' in content
    assert "CMMI-DEV+IPPD" in content
    assert "Predictable projects" in content
    assert 'href="/library/CMMI-SVC/1.3/REQM/"' in content  # mapping target
    assert 'href="https://example.org/dev"' in content


def test_the_target_model_lists_incoming_mappings(reader_client, library):
    response = reader_client.get(reverse("library:model_detail", args=["CMMI-SVC", "1.3"]))

    assert [m.identifier for m in response.context["detail"].mappings_in] == ["dev-to-svc"]
    assert b'href="/library/CMMI-DEV/1.3/"' in response.content


@pytest.mark.parametrize(("identifier", "version"), [("CMMI-DEV", "9.9"), ("NOPE", "1.3")])
def test_an_unknown_model_version_is_not_found(reader_client, library, identifier, version):
    response = reader_client.get(reverse("library:model_detail", args=[identifier, version]))

    assert response.status_code == 404


def _grow(model):
    """Add areas, goals, nested practices, a variant member and mapping entries."""
    variant = model.variants.first()
    mapping = model.mappings.first()
    for number in range(5):
        area = _area(model, f"X{number}", f"Extra {number}", 10 + number, level=2)
        goal = _goal(area, "SG 1", "Extra goal")
        parent = _practice(goal, "SP 1.1", "Extra practice", 0, references=["REQM", "PP"])
        _practice(goal, "SP 1.1.1", "Nested practice", 1, parent=parent)
        if variant:
            variant.process_areas.add(area)
        if mapping:
            entry = MappingEntry.objects.create(mapping=mapping, source_area=area, order=5)
            entry.target_areas.add(*mapping.target_model.process_areas.all())


def test_the_model_page_reads_in_a_bounded_number_of_queries(
    reader_client, library, django_assert_max_num_queries
):
    url = reverse("library:model_detail", args=["CMMI-DEV", "1.3"])
    with django_assert_max_num_queries(17):
        reader_client.get(url)
    _grow(library["dev"])

    with django_assert_max_num_queries(17):
        response = reader_client.get(url)

    assert len(response.context["detail"].staged[0].process_areas) == 8


# -- process area -----------------------------------------------------------------------


def test_the_process_area_page_shows_practices_with_details_and_anchors(reader_client, library):
    response = reader_client.get(
        reverse("library:process_area_detail", args=["CMMI-DEV", "1.3", "REQM"])
    )

    (goal,) = response.context["detail"].goals
    assert [(row.practice.identifier, row.depth) for row in goal.practices] == [
        ("SP 1.1", 0),
        ("SP 1.2", 0),
        ("SP 1.2.1", 1),
    ]
    content = response.content.decode()
    assert 'id="sp-1-1"' in content
    assert 'class="practice practice--depth-1" id="sp-1-2-1"' in content
    assert "Manage requirements and keep plans consistent with them." in content
    assert "Lists of criteria for distinguishing providers" in content
    assert "Establish criteria for appropriate providers." in content
    assert "Criteria keep the sources few." in content
    assert "Clearly and properly stated" in content
    assert "ML 2 · Managed" in content
    # PP exists in the model and is linked; RD does not and stays plain text.
    assert 'href="/library/CMMI-DEV/1.3/PP/" title="Project Planning">PP</a>' in content
    assert ">RD</a>" not in content


@pytest.mark.parametrize(
    "args", [("CMMI-DEV", "1.3", "IRP"), ("CMMI-DEV", "9.9", "REQM"), ("X", "1", "REQM")]
)
def test_an_unknown_process_area_is_not_found(reader_client, library, args):
    response = reader_client.get(reverse("library:process_area_detail", args=args))

    assert response.status_code == 404


def test_the_process_area_page_reads_in_a_bounded_number_of_queries(
    reader_client, library, django_assert_max_num_queries
):
    reqm = ProcessArea.objects.get(model=library["dev"], abbreviation="REQM")
    url = reverse("library:process_area_detail", args=["CMMI-DEV", "1.3", "REQM"])
    with django_assert_max_num_queries(9):
        reader_client.get(url)
    for number in range(5):
        goal = _goal(reqm, f"SG {number + 2}", "Another goal", number + 1)
        parent = _practice(goal, f"SP {number + 2}.1", "More", 0, references=["PP", "CM"])
        _practice(goal, f"SP {number + 2}.1.1", "Nested", 1, parent=parent)

    with django_assert_max_num_queries(9):
        response = reader_client.get(url)

    assert len(response.context["detail"].goals) == 6


# -- search -----------------------------------------------------------------------------


def test_search_finds_practices_of_one_model_and_links_to_their_anchor(reader_client, library):
    response = reader_client.get(
        reverse("library:search"), {"q": "requirements", "model": "CMMI-DEV@1.3"}
    )

    found = [
        (p.process_area.abbreviation, p.identifier)
        for p in response.context["page_obj"].object_list
    ]
    assert found == [("REQM", "SP 1.1"), ("REQM", "SP 1.2")]
    content = response.content.decode()
    assert 'href="/library/CMMI-DEV/1.3/REQM/#sp-1-1"' in content
    assert "Understand <mark>Requirements</mark>" in content


def test_search_across_models_requires_every_word(reader_client, library):
    response = reader_client.get(reverse("library:search"), {"q": "understand requirements"})

    found = [p.model.reference for p in response.context["page_obj"].object_list]
    assert found == ["CMMI-DEV@1.2", "CMMI-DEV@1.3", "CMMI-SVC@1.3"]


def test_search_links_generic_practices_to_the_model_page(reader_client, library):
    response = reader_client.get(reverse("library:search"), {"q": "policy"})

    assert [p.identifier for p in response.context["page_obj"].object_list] == ["GP 2.1"]
    assert b'href="/library/CMMI-DEV/1.3/#gp-2-1"' in response.content


def test_an_empty_search_shows_help(reader_client, library):
    response = reader_client.get(reverse("library:search"))

    assert response.context["page_obj"] is None
    assert b"A practice matches when every word occurs" in response.content


def test_a_search_without_match_says_so(reader_client, library):
    response = reader_client.get(reverse("library:search"), {"q": "zebra"})

    assert "No practice matches “zebra”." in response.content.decode()


def test_search_results_are_paginated_by_25(reader_client, library):
    goal = Goal.objects.get(process_area__abbreviation="IRP")
    for number in range(30):
        _practice(goal, f"SP 9.{number}", f"Extra practice {number}", 10 + number)

    response = reader_client.get(reverse("library:search"), {"q": "extra", "page": "2"})

    page = response.context["page_obj"]
    assert (page.number, page.paginator.count) == (2, 30)
    assert [p.identifier for p in page.object_list] == [f"SP 9.{n}" for n in range(25, 30)]


# -- compare ----------------------------------------------------------------------------


def test_compare_reports_shared_changed_and_unique_areas_and_practices(reader_client, library):
    response = reader_client.get(
        reverse("library:compare"), {"left": "CMMI-DEV@1.3", "right": "CMMI-SVC@1.3"}
    )

    assert response.context["comparison"] == ModelComparison(
        left="CMMI-DEV@1.3",
        right="CMMI-SVC@1.3",
        shared_areas=(
            AreaComparison(
                abbreviation="REQM",
                left_name="Requirements Management",
                right_name="Requirements Management",
                shared=(PracticeOutline("SP 1.1", "Understand Requirements"),),
                changed=(
                    ChangedPractice(
                        "SP 1.2",
                        "Obtain Commitment to Requirements",
                        "Obtain Commitment to the Requirements",
                    ),
                ),
                only_left=(PracticeOutline("SP 1.2.1", "Record commitments"),),
                only_right=(PracticeOutline("SP 1.3", "Manage Requirements Changes"),),
            ),
            AreaComparison(
                abbreviation="CM",
                left_name="Configuration Management",
                right_name="Configuration Management",
                shared=(PracticeOutline("SP 1.1", "Identify Items"),),
                changed=(),
                only_left=(),
                only_right=(),
            ),
        ),
        only_left=(
            AreaOutline(
                "PP", "Project Planning", (PracticeOutline("SP 1.1", "Estimate the Scope"),)
            ),
            AreaOutline(
                "OPF",
                "Organizational Process Focus",
                (PracticeOutline("SP 1.1", "Establish Needs"),),
            ),
        ),
        only_right=(
            AreaOutline(
                "IRP",
                "Incident Resolution and Prevention",
                (PracticeOutline("SP 1.1", "Establish an Approach"),),
            ),
        ),
    )
    assert b'<span class="badge badge--warning">changed</span>' in response.content


def test_compare_refuses_an_unknown_model_in_the_form(reader_client, library):
    response = reader_client.get(
        reverse("library:compare"), {"left": "CMMI-DEV@9.9", "right": "CMMI-SVC@1.3"}
    )

    assert response.context["comparison"] is None
    assert response.context["form"].errors["left"] == [
        "Select a valid choice. CMMI-DEV@9.9 is not one of the available choices."
    ]


def test_compare_without_parameters_shows_the_form_only(reader_client, library):
    response = reader_client.get(reverse("library:compare"))

    assert response.context["comparison"] is None
    assert b"Choose two model versions" in response.content
