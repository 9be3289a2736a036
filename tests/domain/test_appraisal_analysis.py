"""Path to the target and comparison of two results, worked by hand.

The tiny model: every area has SG 1 (two SPs), GG 2 (GP 2.1, GP 2.2) and GG 3
(GP 3.1); REQM and PP are ML 2, OPF ML 3, OPP ML 4, OPM ML 5.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from uplift.domain.appraisal_analysis import (
    AnalysisError,
    AreaChange,
    ChangeCounts,
    ChangeStatus,
    GoalChange,
    LevelChange,
    PathSummary,
    PracticeChange,
    PracticeGap,
    UnitGap,
    compare_results,
    parse_profile,
    path_to_target,
    practice_rank,
    target_profile,
)
from uplift.domain.ratings import (
    AppraisalResult,
    AppraisalScope,
    AreaRating,
    AreaResult,
    AreaSpec,
    Characterization,
    GoalRating,
    GoalResult,
    GoalSpec,
    Judgment,
    OpenJudgment,
    PracticeResult,
    PracticeValue,
    RatingSettings,
    rate_appraisal,
)

FI, LI, PI, NI, NY = (PracticeValue(v) for v in ("FI", "LI", "PI", "NI", "NY"))
S, U, NR, P = (GoalRating(v) for v in ("satisfied", "unsatisfied", "not_rated", "pending"))
IMPROVED, SLIPPED, UNCHANGED, CHANGED, NEW, DROPPED = (
    ChangeStatus(v) for v in ("improved", "slipped", "unchanged", "changed", "new", "dropped")
)
UNITS = ("alpha", "beta")


def area(abbr: str, level: int) -> AreaSpec:
    return AreaSpec(
        abbr,
        level,
        (GoalSpec(f"{abbr} SG 1", (f"{abbr} SP 1.1", f"{abbr} SP 1.2")),),
        (
            GoalSpec(f"{abbr} GG 2", (f"{abbr} GP 2.1", f"{abbr} GP 2.2"), generic_level=2),
            GoalSpec(f"{abbr} GG 3", (f"{abbr} GP 3.1",), generic_level=3),
        ),
    )


MODEL = (area("REQM", 2), area("PP", 2), area("OPF", 3), area("OPP", 4), area("OPM", 5))


def scope(
    target: int | None = 2,
    *,
    in_scope: tuple[str, ...] = ("REQM", "PP"),
    not_applicable: tuple[str, ...] = (),
) -> AppraisalScope:
    return AppraisalScope(
        representation="staged" if target else "continuous",
        areas=MODEL,
        in_scope=frozenset(in_scope),
        not_applicable=frozenset(not_applicable),
        target_maturity_level=target,
    )


def practices_of(abbr: str, levels: tuple[int, ...] = (2, 3)) -> list[str]:
    refs = [f"{abbr} SP 1.1", f"{abbr} SP 1.2", f"{abbr} GP 2.1", f"{abbr} GP 2.2"]
    return refs + ([f"{abbr} GP 3.1"] if 3 in levels else [])


def cells(
    areas: tuple[str, ...], value: PracticeValue = FI, levels: tuple[int, ...] = (2, 3)
) -> dict[str, dict[str, Characterization]]:
    """Every practice of the areas ``value`` at alpha and beta."""
    return {
        ref: {unit: Characterization(value) for unit in UNITS}
        for abbr in areas
        for ref in practices_of(abbr, levels)
    }


def rate(
    the_scope: AppraisalScope,
    the_cells: Mapping[str, Mapping[str, Characterization]],
    goal_judgments: Mapping[str, Judgment] | None = None,
) -> AppraisalResult:
    return rate_appraisal(the_scope, the_cells, goal_judgments=goal_judgments)


# --- the target as a profile ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "the_settings", "expected"),
    [
        (2, RatingSettings(), {"REQM": 2, "PP": 2}),
        (3, RatingSettings(), {"REQM": 3, "PP": 3, "OPF": 3}),
        (3, RatingSettings(gg3_for_ml2_at_ml3=False), {"REQM": 2, "PP": 2, "OPF": 3}),
        (5, RatingSettings(), {"REQM": 3, "PP": 3, "OPF": 3, "OPP": 3, "OPM": 3}),
        ({"PP": 1, "REQM": 3, "OPF": 0}, RatingSettings(), {"REQM": 3, "PP": 1}),
    ],
)
def test_a_target_needs_a_capability_level_of_each_area(target, the_settings, expected):
    assert target_profile(scope(), target, the_settings) == expected


def test_a_maturity_level_target_leaves_out_areas_agreed_not_applicable():
    assert target_profile(scope(not_applicable=("PP",)), 3) == {"REQM": 3, "OPF": 3}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (1, "a target maturity level is 2 to 5, not 1"),
        (6, "a target maturity level is 2 to 5, not 6"),
        ({"XYZ": 2, "ABC": 1}, "not a process area of the model: ABC, XYZ"),
        ({"REQM": 4}, "REQM: a target capability level is 0 to 3, not 4"),
        ({"REQM": -1}, "REQM: a target capability level is 0 to 3, not -1"),
    ],
)
def test_a_target_the_model_cannot_have_is_refused(target, message):
    with pytest.raises(AnalysisError, match=f"^{message}$"):
        target_profile(scope(), target)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("REQM:2,PP:3", {"REQM": 2, "PP": 3}),
        (" reqm = 2 , pp:0 ,", {"REQM": 2, "PP": 0}),
    ],
)
def test_a_profile_is_read_from_area_level_pairs(text, expected):
    assert parse_profile(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "name at least one process area, e.g. REQM:2,PP:3"),
        ("REQM", "'REQM' is not AREA:LEVEL, e.g. REQM:2"),
        ("REQM:two", "'REQM:two' is not AREA:LEVEL, e.g. REQM:2"),
        ("REQM:2,reqm:3", "REQM is named twice"),
    ],
)
def test_a_malformed_profile_is_refused(text, message):
    with pytest.raises(AnalysisError, match=f"^{message}$"):
        parse_profile(text)


# --- path to the target ------------------------------------------------------------------------


def test_a_reached_target_leaves_nothing_to_close():
    the_scope = scope()
    path = path_to_target(rate(the_scope, cells(("REQM", "PP"))), the_scope, 2, units=UNITS)

    assert path.reached
    assert path.met == ("REQM", "PP")
    assert path.summary == PathSummary(0, 0, 0, 0)
    assert path.summary.text == "Nothing to close: the target is reached"


def test_the_path_lists_short_goals_their_practices_units_and_open_judgments():
    """REQM SP 1.1 FI/PI (judgment open), REQM GP 2.1 not characterized, PP SP 1.2 NI/NI."""
    the_cells = cells(("REQM", "PP"), levels=(2,))
    the_cells["REQM SP 1.1"] = {
        "alpha": Characterization(FI),
        "beta": Characterization(PI, ("no traceability",)),
    }
    del the_cells["REQM GP 2.1"]
    the_cells["PP SP 1.2"] = {
        "alpha": Characterization(NI, ("no estimates",)),
        "beta": Characterization(NI, ("guesses",)),
    }
    the_scope = scope()
    result = rate(the_scope, the_cells)

    path = path_to_target(result, the_scope, 2, the_cells, UNITS)

    assert [(a.abbreviation, a.target_level, a.rating) for a in path.areas] == [
        ("REQM", 2, AreaRating.PENDING),
        ("PP", 2, AreaRating.UNSATISFIED),
    ]
    reqm_sg1, reqm_gg2 = path.areas[0].goals
    assert (reqm_sg1.ref, reqm_sg1.rating, reqm_sg1.rated) == ("REQM SG 1", P, True)
    assert reqm_sg1.practices == (
        PracticeGap(
            "REQM SP 1.1",
            None,
            "needs_judgment",
            (LI, PI),
            (UnitGap("beta", PI, ("no traceability",)),),
        ),
    )
    assert reqm_sg1.open_judgments == (OpenJudgment("practice", "REQM SP 1.1", ("LI", "PI")),)
    assert (reqm_gg2.ref, reqm_gg2.rating) == ("REQM GG 2", NR)
    assert reqm_gg2.practices == (
        PracticeGap(
            "REQM GP 2.1",
            None,
            "not_characterized",
            (),
            (UnitGap("alpha", None), UnitGap("beta", None)),
        ),
    )
    (pp_sg1,) = path.areas[1].goals
    assert pp_sg1.rating is U
    assert pp_sg1.weaknesses == ("no estimates", "guesses")
    assert pp_sg1.practices == (
        PracticeGap(
            "PP SP 1.2",
            NI,
            "not_implemented",
            (),
            (UnitGap("alpha", NI, ("no estimates",)), UnitGap("beta", NI, ("guesses",))),
        ),
    )
    assert path.summary == PathSummary(2, 3, 3, 1)
    assert path.summary.text == (
        "2 process areas, 3 goals, 3 practices to close; 1 open judgment to record"
    )
    assert not path.reached


def test_a_goal_judged_unsatisfied_shows_its_largely_implemented_practices_and_weaknesses():
    the_cells = cells(("REQM", "PP"), levels=(2,))
    the_cells["REQM SP 1.2"] = {
        "alpha": Characterization(LI, ("late reviews",)),
        "beta": Characterization(FI),
    }
    the_scope = scope()
    result = rate(the_scope, the_cells, {"REQM SG 1": Judgment("unsatisfied", "reviews matter")})

    path = path_to_target(result, the_scope, 2, the_cells, UNITS)

    (gap,) = path.areas[0].goals
    assert (gap.ref, gap.rating, gap.reason) == ("REQM SG 1", U, "team judgment: reviews matter")
    assert gap.practices == (
        PracticeGap(
            "REQM SP 1.2", LI, "weaknesses", (), (UnitGap("alpha", LI, ("late reviews",)),)
        ),
    )
    assert path.summary.text == "1 process area, 1 goal, 1 practice to close"


def test_largely_implemented_practices_are_left_out_when_a_practice_is_below_li():
    the_cells = cells(("REQM",), levels=(2,))
    the_cells["REQM SP 1.1"] = {"alpha": Characterization(LI, ("w",)), "beta": Characterization(LI)}
    the_cells["REQM SP 1.2"] = {"alpha": Characterization(PI), "beta": Characterization(NI)}
    the_scope = scope(in_scope=("REQM",))

    path = path_to_target(rate(the_scope, the_cells), the_scope, {"REQM": 1}, the_cells, UNITS)

    (gap,) = path.areas[0].goals
    assert [(p.ref, p.value, p.issue) for p in gap.practices] == [
        ("REQM SP 1.2", PI, "partially_implemented")
    ]
    assert [(u.unit, u.value) for u in gap.practices[0].units] == [("alpha", PI), ("beta", NI)]


def test_not_yet_practices_name_the_units_that_have_not_reached_them():
    the_cells = cells(("REQM",), levels=(2,))
    the_cells["REQM GP 2.2"] = {"alpha": Characterization(NY), "beta": Characterization(NY)}
    the_scope = scope(in_scope=("REQM",))

    path = path_to_target(rate(the_scope, the_cells), the_scope, {"REQM": 2}, the_cells, UNITS)

    (gap,) = path.areas[0].goals
    assert (gap.ref, gap.rating) == ("REQM GG 2", NR)
    assert gap.practices == (
        PracticeGap("REQM GP 2.2", NY, "not_yet", (), (UnitGap("alpha", NY), UnitGap("beta", NY))),
    )


def test_a_higher_target_rates_unrated_goals_from_the_cells_and_names_areas_out_of_scope():
    """An ML 2 appraisal, every practice FI but PP GP 3.1 NI at beta; the path to ML 3."""
    the_cells = cells(("REQM", "PP"))
    the_cells["PP GP 3.1"] = {"alpha": Characterization(FI), "beta": Characterization(NI)}
    the_scope = scope(2)
    result = rate(the_scope, the_cells)
    assert result.maturity_level == 2
    assert "REQM GG 3" not in result.goals

    path = path_to_target(result, the_scope, 3, the_cells, UNITS)

    assert path.met == ("REQM",)  # its GG 3 is satisfied by the cells
    assert [(a.abbreviation, a.in_scope) for a in path.areas] == [("PP", True), ("OPF", False)]
    (pp_gg3,) = path.areas[0].goals
    assert (pp_gg3.ref, pp_gg3.rating, pp_gg3.rated) == ("PP GG 3", P, False)
    assert pp_gg3.reason == (
        "not rated by the appraisal; from the cells: waiting for practice judgments: PP GP 3.1"
    )
    assert [g.ref for g in path.areas[1].goals] == ["OPF SG 1", "OPF GG 2", "OPF GG 3"]
    assert path.areas[1].rating is None
    assert path.out_of_scope == ("OPF",)
    assert path.open_judgments == ()  # the engine opened none: GG 3 was not rated
    assert path.summary.text == "2 process areas, 4 goals, 6 practices to close"


def test_areas_agreed_not_applicable_need_nothing():
    the_scope = scope(2, in_scope=("REQM",), not_applicable=("PP",))
    result = rate(the_scope, cells(("REQM",)))

    path = path_to_target(result, the_scope, 2, units=UNITS)

    assert path.reached
    assert path.not_applicable == ("PP",)
    assert path.profile == {"REQM": 2}


def test_the_path_as_json_has_the_target_summary_and_gaps():
    the_cells = cells(("REQM",), levels=(2,))
    the_cells["REQM SP 1.1"] = {"alpha": Characterization(PI, ("=cmd",))}
    the_scope = scope(in_scope=("REQM",))
    path = path_to_target(rate(the_scope, the_cells), the_scope, {"REQM": 1}, the_cells, UNITS)

    data = path.as_json()

    assert data["target"] == {"maturity_level": None, "profile": {"REQM": 1}}
    assert data["summary"] == {
        "process_areas": 1,
        "goals": 1,
        "practices": 1,
        "open_judgments": 0,
        "text": "1 process area, 1 goal, 1 practice to close",
    }
    assert data["process_areas"] == [
        {
            "abbreviation": "REQM",
            "target_level": 1,
            "rating": "unsatisfied",
            "capability_level": 0,
            "in_scope": True,
            "goals": [
                {
                    "ref": "REQM SG 1",
                    "generic_level": None,
                    "rating": "unsatisfied",
                    "reason": "REQM SP 1.1 is partially or not implemented",
                    "rated": True,
                    "weaknesses": ["=cmd"],
                    "open_judgments": [],
                    "practices": [
                        {
                            "ref": "REQM SP 1.1",
                            "value": "PI",
                            "issue": "partially_implemented",
                            "candidates": [],
                            "units": [{"unit": "alpha", "value": "PI", "weaknesses": ["=cmd"]}],
                        }
                    ],
                }
            ],
        }
    ]
    assert (data["reached"], data["met"], data["out_of_scope"]) == (False, [], [])


# --- comparison ---------------------------------------------------------------------------------


def test_the_practice_scale_runs_from_fi_down_to_ny():
    assert [practice_rank(v) for v in (FI, LI, PI, NI, NY)] == [5, 4, 3, 2, 1]


def practice(value: PracticeValue | None, candidates: tuple[PracticeValue, ...] = ()):
    if value is not None and not candidates:
        candidates = (value,)
    return PracticeResult(value, value is None and bool(candidates), candidates)


def result(
    practices: Mapping[str, PracticeResult] | None = None,
    goals: Mapping[str, GoalRating] | None = None,
    areas: Mapping[str, tuple[AreaRating, int | None]] | None = None,
    maturity_level: int | None = None,
    open_judgments: tuple[OpenJudgment, ...] = (),
    equivalent: int | None = None,
) -> AppraisalResult:
    return AppraisalResult(
        practices or {},
        {ref: GoalResult(rating, "") for ref, rating in (goals or {}).items()},
        {abbr: AreaResult(rating, level) for abbr, (rating, level) in (areas or {}).items()},
        maturity_level,
        equivalent,
        open_judgments,
    )


@pytest.mark.parametrize(
    ("before", "after", "status", "steps"),
    [
        (practice(FI), practice(LI), SLIPPED, -1),
        (practice(PI), practice(FI), IMPROVED, 2),
        (practice(NY), practice(NI), IMPROVED, 1),
        (practice(LI), practice(LI), UNCHANGED, 0),
        (practice(NI), practice(NY), SLIPPED, -1),
        (practice(None), practice(FI), CHANGED, 0),  # not characterized before
        (practice(None, (LI, PI)), practice(PI), CHANGED, 0),  # judgment open before
        (practice(LI), practice(None, (LI, PI)), CHANGED, 0),
        (practice(None, (LI, PI)), practice(None, (LI, PI)), UNCHANGED, 0),
        (practice(None), practice(None, (LI, PI)), CHANGED, 0),
        (None, practice(FI), NEW, 0),
        (practice(FI), None, DROPPED, 0),
    ],
)
def test_practices_compare_on_the_fi_li_pi_ni_ny_scale(before, after, status, steps):
    a = result({"REQM SP 1.1": before} if before else {})
    b = result({"REQM SP 1.1": after} if after else {})

    (change,) = compare_results(a, b).practices

    assert change == PracticeChange(
        "REQM SP 1.1",
        before.value if before else None,
        after.value if after else None,
        status,
    )
    assert change.steps == steps


@pytest.mark.parametrize(
    ("before", "after", "status"),
    [
        (U, S, IMPROVED),
        (NR, S, IMPROVED),
        (P, S, IMPROVED),
        (S, U, SLIPPED),
        (S, P, SLIPPED),
        (NR, U, CHANGED),
        (U, P, CHANGED),
        (S, S, UNCHANGED),
        (U, U, UNCHANGED),
    ],
)
def test_goals_improve_when_they_become_satisfied_and_slip_when_they_stop_being(
    before, after, status
):
    (change,) = compare_results(
        result(goals={"PP SG 1": before}), result(goals={"PP SG 1": after})
    ).goals

    assert change == GoalChange("PP SG 1", before, after, status)


SAT, UNS, NA, PEND = (
    AreaRating(v) for v in ("satisfied", "unsatisfied", "not_applicable", "pending")
)


@pytest.mark.parametrize(
    ("before", "after", "status"),
    [
        ((UNS, 0), (SAT, 2), IMPROVED),
        ((UNS, 1), (UNS, 2), IMPROVED),  # continuous: a higher capability level
        ((SAT, 3), (UNS, 2), SLIPPED),
        ((SAT, 2), (UNS, 2), SLIPPED),  # same level, no longer satisfied
        ((PEND, None), (SAT, 2), IMPROVED),
        ((NA, None), (SAT, 2), CHANGED),
        ((SAT, 2), (NA, None), CHANGED),
        ((SAT, 2), (SAT, 2), UNCHANGED),
    ],
)
def test_process_areas_compare_by_capability_level_then_by_rating(before, after, status):
    (change,) = compare_results(result(areas={"PP": before}), result(areas={"PP": after})).areas

    assert change == AreaChange("PP", before[0], after[0], before[1], after[1], status)


OPEN = (OpenJudgment("goal", "PP SG 1", ("satisfied", "unsatisfied")),)


@pytest.mark.parametrize(
    ("before", "before_open", "after", "after_open", "status"),
    [
        (2, (), 3, (), IMPROVED),
        (3, (), 2, (), SLIPPED),
        (None, (), 2, (), IMPROVED),  # below 2 before
        (2, (), None, (), SLIPPED),  # below 2 after
        (2, (), None, OPEN, CHANGED),  # undetermined after
        (None, OPEN, 2, (), CHANGED),
        (None, OPEN, None, (), UNCHANGED),
        (2, (), 2, OPEN, UNCHANGED),
    ],
)
def test_maturity_levels_compare_unless_an_open_judgment_leaves_one_undetermined(
    before, before_open, after, after_open, status
):
    comparison = compare_results(
        result(maturity_level=before, open_judgments=before_open),
        result(maturity_level=after, open_judgments=after_open),
    )

    assert comparison.maturity_level == LevelChange(before, after, status)
    assert comparison.equivalent_maturity_level == LevelChange(None, None, UNCHANGED)


def test_two_rated_appraisals_compare_area_by_area_with_counts_and_json():
    """Before: REQM SP 1.1 PI (REQM unsatisfied), PP all FI. After: the scope is REQM only,
    REQM SP 1.1 FI and REQM SP 1.2 LI."""
    before_cells = cells(("REQM", "PP"), levels=(2,))
    before_cells["REQM SP 1.1"] = {"alpha": Characterization(PI), "beta": Characterization(PI)}
    before_cells["PP SP 1.2"] = {"alpha": Characterization(FI), "beta": Characterization(FI)}
    after_cells = cells(("REQM",), levels=(2,))
    after_cells["REQM SP 1.2"] = {"alpha": Characterization(LI), "beta": Characterization(FI)}
    before = rate(scope(2), before_cells)
    after = rate(scope(2, in_scope=("REQM",)), after_cells)

    comparison = compare_results(before, after)

    assert [(a.abbreviation, a.status) for a in comparison.areas] == [
        ("REQM", IMPROVED),
        ("PP", DROPPED),
    ]
    assert comparison.maturity_level == LevelChange(None, None, UNCHANGED)  # PP out of scope
    assert [(p.ref, p.steps) for p in comparison.improved_practices] == [("REQM SP 1.1", 2)]
    assert [(p.ref, p.steps) for p in comparison.slipped_practices] == [("REQM SP 1.2", -1)]
    counts = comparison.counts()
    assert counts["process_areas"] == ChangeCounts(improved=1, dropped=1)
    assert counts["goals"] == ChangeCounts(improved=1, unchanged=1, dropped=2)
    assert counts["practices"] == ChangeCounts(improved=1, slipped=1, unchanged=2, dropped=4)
    data = comparison.as_json()
    assert data["summary"]["process_areas"] == {
        "improved": 1,
        "slipped": 0,
        "unchanged": 0,
        "changed": 0,
        "new": 0,
        "dropped": 1,
    }
    assert data["process_areas"][0] == {
        "abbreviation": "REQM",
        "before": "unsatisfied",
        "after": "satisfied",
        "before_capability_level": 0,
        "after_capability_level": 2,
        "status": "improved",
    }
    assert data["practices"][0] == {
        "ref": "REQM SP 1.1",
        "before": "PI",
        "after": "FI",
        "status": "improved",
        "steps": 2,
    }
    assert data["maturity_level"] == {"before": None, "after": None, "status": "unchanged"}


def test_practices_are_listed_biggest_move_first():
    before = result({"A SP 1.1": practice(LI), "A SP 1.2": practice(NI), "A SP 1.3": practice(PI)})
    after = result({"A SP 1.1": practice(FI), "A SP 1.2": practice(FI), "A SP 1.3": practice(LI)})

    improved = compare_results(before, after).improved_practices

    assert [p.ref for p in improved] == ["A SP 1.2", "A SP 1.1", "A SP 1.3"]
