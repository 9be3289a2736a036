"""The rating engine against the rules of shared/domain/rating-rules-and-concepts.md §1.

Every case is worked by hand from the reference; the table rows cite its sections.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uplift.domain.ratings import (
    AppraisalScope,
    AreaRating,
    AreaSpec,
    Characterization,
    GoalRating,
    GoalSpec,
    Judgment,
    PracticeValue,
    RatingError,
    RatingSettings,
    aggregate_practice,
    capability_level,
    normalize_goal_ref,
    normalize_practice_ref,
    rate_appraisal,
)

FI, LI, PI, NI, NY = (PracticeValue(v) for v in ("FI", "LI", "PI", "NI", "NY"))
S, U, NR, P = (GoalRating(v) for v in ("satisfied", "unsatisfied", "not_rated", "pending"))


# --- fixtures: a tiny two-level model ------------------------------------------------


def area(abbr: str, level: int, specific_goals: int = 1, practices: int = 2) -> AreaSpec:
    """An area with ``specific_goals`` goals of ``practices`` practices, GG 2 and GG 3."""
    sgs = tuple(
        GoalSpec(f"{abbr} SG {g}", tuple(f"{abbr} SP {g}.{p}" for p in range(1, practices + 1)))
        for g in range(1, specific_goals + 1)
    )
    ggs = (
        GoalSpec(f"{abbr} GG 2", (f"{abbr} GP 2.1", f"{abbr} GP 2.2"), generic_level=2),
        GoalSpec(f"{abbr} GG 3", (f"{abbr} GP 3.1",), generic_level=3),
    )
    return AreaSpec(abbr, level, sgs, ggs)


MODEL = (area("REQM", 2), area("PP", 2), area("OPF", 3), area("OPP", 4), area("OPM", 5))


def scope(
    target: int | None = 2,
    *,
    representation: str = "staged",
    not_applicable: frozenset[str] = frozenset(),
    in_scope: frozenset[str] | None = None,
) -> AppraisalScope:
    if in_scope is None:
        in_scope = frozenset(
            a.abbreviation
            for a in MODEL
            if representation == "continuous" or (a.maturity_level or 0) <= (target or 0)
        )
    return AppraisalScope(
        representation=representation,  # type: ignore[arg-type]
        areas=MODEL,
        in_scope=in_scope,
        not_applicable=not_applicable,
        target_maturity_level=target if representation == "staged" else None,
    )


def all_practices(areas: tuple[AreaSpec, ...] = MODEL, generic_levels=(2, 3)) -> list[str]:
    refs = []
    for a in areas:
        for goal in a.specific_goals:
            refs.extend(goal.practices)
        for goal in a.generic_goals:
            if goal.generic_level in generic_levels:
                refs.extend(goal.practices)
    return refs


def uniform(value: PracticeValue, units: tuple[str, ...] = ("alpha", "beta")) -> dict:
    """Every practice of the model characterized ``value`` at every unit."""
    return {ref: {u: Characterization(value) for u in units} for ref in all_practices()}


# --- references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("REQM SP 1.1", "REQM SP 1.1"),
        ("REQM.SP1.1", "REQM SP 1.1"),
        ("REQM SP1.1", "REQM SP 1.1"),
        ("reqm gp 2.10", "REQM GP 2.10"),
        ("REQM SG 1", None),
        ("SP 1.1", None),
    ],
)
def test_practice_references_are_normalized_in_every_accepted_spelling(text, expected):
    assert normalize_practice_ref(text) == expected


def test_goal_references_are_normalized():
    assert normalize_goal_ref("REQM.SG1") == "REQM SG 1"
    assert normalize_goal_ref("pp gg 2") == "PP GG 2"
    assert normalize_goal_ref("PP SP 1.1") is None


# --- §1.3 aggregation table --------------------------------------------------------------


@pytest.mark.parametrize(
    ("instances", "value", "candidates", "needs_judgment"),
    [
        ((NY, NY), NY, (NY,), False),  # row 1: all NY
        ((FI, NY, FI), FI, (FI,), False),  # row 2: only FI/NY
        ((FI, LI, NY), LI, (LI,), False),  # row 3: only FI/LI/NY with an LI
        ((LI,), LI, (LI,), False),
        ((FI, PI), None, (LI, PI), True),  # row 4: strong and weak → judgment
        ((LI, NI, NY), None, (LI, PI), True),
        ((PI, NI, NY), PI, (PI,), False),  # row 5: rule by default
        ((PI,), PI, (PI,), False),
        ((NI, NY), NI, (NI,), False),  # row 6
        ((), None, (), False),  # not characterized
    ],
)
def test_instance_values_aggregate_per_the_reference_table(
    instances, value, candidates, needs_judgment
):
    result = aggregate_practice(instances)

    assert (result.value, result.candidates, result.needs_judgment) == (
        value,
        candidates,
        needs_judgment,
    )


def test_all_weak_row_asks_for_judgment_when_the_setting_says_so():
    result = aggregate_practice((PI, NI), RatingSettings(all_weak_rule="judgment"))

    assert (result.value, result.candidates, result.needs_judgment) == (None, (PI, NI), True)
    # Only PI present: no choice to make even under the setting.
    assert aggregate_practice((PI, NY), RatingSettings(all_weak_rule="judgment")).value is PI


# --- §1.4 goal ratings ---------------------------------------------------------------------


def rate(chars: Mapping, target: int = 2, **kwargs):
    return rate_appraisal(scope(target), chars, **kwargs)


def test_every_practice_fully_implemented_satisfies_every_goal_and_reaches_the_target():
    result = rate(uniform(FI), target=2)

    assert result.goals["REQM SG 1"].rating is S
    assert result.areas["REQM"].rating is AreaRating.SATISFIED
    assert result.areas["REQM"].capability_level == 2  # GG 3 not in a ML 2 scope
    assert result.maturity_level == 2
    assert result.open_judgments == ()


def test_a_practice_not_characterized_leaves_its_goal_not_rated():
    chars = uniform(FI)
    del chars["REQM SP 1.2"]

    result = rate(chars)

    assert result.goals["REQM SG 1"].rating is NR
    assert "not characterized: REQM SP 1.2" in result.goals["REQM SG 1"].reason
    assert result.areas["REQM"].rating is AreaRating.NOT_RATED
    assert result.maturity_level is None


def test_a_practice_not_yet_at_ou_level_leaves_its_goal_not_rated():
    chars = uniform(FI)
    chars["PP SP 1.1"] = {"alpha": Characterization(NY), "beta": Characterization(NY)}

    result = rate(chars)

    assert result.goals["PP SG 1"].rating is NR
    assert "not yet: PP SP 1.1" in result.goals["PP SG 1"].reason


@pytest.mark.parametrize("weak", [PI, NI])
def test_any_partially_or_not_implemented_practice_forces_the_goal_unsatisfied(weak):
    chars = uniform(FI)
    chars["REQM SP 1.1"] = {
        "alpha": Characterization(weak, ("no traceability matrix",)),
        "beta": Characterization(weak),
    }
    chars["REQM SP 1.2"] = {}  # even with another practice missing

    result = rate(chars)

    goal = result.goals["REQM SG 1"]
    assert goal.rating is U
    assert goal.weaknesses == ("no traceability matrix",)  # names the weakness behind it
    assert result.areas["REQM"].rating is AreaRating.UNSATISFIED
    assert result.areas["REQM"].capability_level == 0
    assert result.maturity_level is None


def test_largely_implemented_goal_is_presumed_satisfied_and_keeps_its_weaknesses():
    chars = uniform(FI)
    chars["REQM SP 1.1"] = {"alpha": Characterization(LI, ("changes not logged",))}

    result = rate(chars)

    assert result.goals["REQM SG 1"].rating is S
    assert result.goals["REQM SG 1"].weaknesses == ("changes not logged",)


def test_team_can_judge_a_largely_implemented_goal_unsatisfied_with_a_rationale():
    chars = uniform(FI)
    chars["REQM SP 1.1"] = {"alpha": Characterization(LI, ("changes not logged",))}

    result = rate(
        chars, goal_judgments={"REQM SG 1": Judgment("unsatisfied", "changes lost in 3 of 5")}
    )

    goal = result.goals["REQM SG 1"]
    assert (goal.rating, goal.judged) == (U, True)
    assert "changes lost in 3 of 5" in goal.reason
    assert result.maturity_level is None


def test_strict_setting_leaves_a_largely_implemented_goal_pending_until_judged():
    chars = uniform(FI)
    chars["REQM SP 1.1"] = {"alpha": Characterization(LI)}
    strict = RatingSettings(goal_weakness_judgment="require")

    pending = rate(chars, settings=strict)
    judged = rate(
        chars,
        settings=strict,
        goal_judgments={"REQM SG 1": Judgment("satisfied", "minor, isolated")},
    )

    assert pending.goals["REQM SG 1"].rating is P
    assert [(o.kind, o.ref) for o in pending.open_judgments] == [("goal", "REQM SG 1")]
    assert pending.maturity_level is None  # never guessed
    assert judged.goals["REQM SG 1"].rating is S
    assert judged.maturity_level == 2


def test_goal_judgment_where_none_is_called_for_is_ignored_with_a_warning():
    result = rate(uniform(FI), goal_judgments={"REQM SG 1": Judgment("unsatisfied", "why")})

    assert result.goals["REQM SG 1"].rating is S
    assert result.warnings == ("REQM SG 1: no judgment is called for; the recorded one is ignored",)


# --- judgments on practices ---------------------------------------------------------------


def mixed() -> dict:
    chars = uniform(FI)
    chars["PP SP 1.2"] = {"alpha": Characterization(FI), "beta": Characterization(NI, ("none",))}
    return chars


def test_mixed_strong_and_weak_instances_wait_for_a_team_judgment():
    result = rate(mixed())

    assert result.practices["PP SP 1.2"].needs_judgment
    assert result.practices["PP SP 1.2"].value is None
    assert result.goals["PP SG 1"].rating is P
    assert result.areas["PP"].rating is AreaRating.PENDING
    assert result.areas["PP"].capability_level is None
    assert result.maturity_level is None
    assert [(o.kind, o.ref, o.candidates) for o in result.open_judgments] == [
        ("practice", "PP SP 1.2", ("LI", "PI"))
    ]


@pytest.mark.parametrize(("value", "goal", "level"), [("LI", S, 2), ("PI", U, None)])
def test_recorded_practice_judgment_decides_the_goal_and_the_level(value, goal, level):
    result = rate(mixed(), practice_judgments={"PP SP 1.2": Judgment(value, "beta is new")})

    assert result.practices["PP SP 1.2"].value == PracticeValue(value)
    assert result.practices["PP SP 1.2"].judged
    assert result.goals["PP SG 1"].rating is goal
    assert result.maturity_level == level
    assert result.open_judgments == ()


def test_a_pending_practice_does_not_hide_a_weak_one_in_the_same_goal():
    chars = mixed()
    chars["PP SP 1.1"] = {"alpha": Characterization(NI)}

    result = rate(chars)

    assert result.goals["PP SG 1"].rating is U  # determined whatever the judgment


def test_practice_judgment_outside_the_candidates_is_refused():
    with pytest.raises(RatingError, match=r"PP SP 1.2: the judgment must be LI or PI, not 'FI'"):
        rate(mixed(), practice_judgments={"PP SP 1.2": Judgment("FI", "optimism")})


def test_judgment_without_rationale_is_refused():
    with pytest.raises(RatingError, match=r"PP SP 1\.2: a judgment needs a rationale"):
        rate(mixed(), practice_judgments={"PP SP 1.2": Judgment("LI", "  ")})


# --- §1.5 capability levels -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specific", "gg2", "gg3", "level"),
    [
        (U, S, S, 0),  # CL0: some specific goal not satisfied
        (S, U, S, 1),  # CL1: specific goals (GG 1) only
        (S, S, U, 2),  # CL2: + GG 2
        (S, S, S, 3),  # CL3: + GG 3
        (S, S, NR, 2),  # GG 3 not appraised: stops at 2
        (S, P, S, None),  # open judgment decides it
        (NR, S, S, None),
    ],
)
def test_capability_level_follows_the_generic_goals(specific, gg2, gg3, level):
    assert capability_level(specific, {2: gg2, 3: gg3}) == level


def test_continuous_appraisal_reports_capability_levels_and_no_maturity_level():
    chars = uniform(FI)
    for ref in ("OPF GP 3.1",):
        chars[ref] = {"alpha": Characterization(NI)}

    result = rate_appraisal(scope(representation="continuous"), chars)

    assert result.areas["OPF"].capability_level == 2
    assert result.areas["REQM"].capability_level == 3
    assert result.maturity_level is None


# --- §1.6 maturity levels ------------------------------------------------------------------------


def test_ml3_requires_gg3_of_the_ml2_process_areas_too():
    chars = uniform(FI)
    chars["REQM GP 3.1"] = {"alpha": Characterization(PI)}

    result = rate(chars, target=3)

    assert result.goals["REQM GG 3"].rating is U
    assert result.maturity_level == 2


def test_setting_can_drop_gg3_for_ml2_areas():
    chars = uniform(FI)
    chars["REQM GP 3.1"] = {"alpha": Characterization(PI)}

    result = rate(chars, target=3, settings=RatingSettings(gg3_for_ml2_at_ml3=False))

    assert result.maturity_level == 3


def test_not_applicable_area_does_not_block_the_maturity_level():
    chars = uniform(FI)
    chars["PP SP 1.1"] = {"alpha": Characterization(NI)}

    result = rate_appraisal(scope(3, not_applicable=frozenset({"PP"})), chars)

    assert result.areas["PP"].rating is AreaRating.NOT_APPLICABLE
    assert "PP SG 1" not in result.goals
    assert result.maturity_level == 3


def test_maturity_level_is_never_above_the_target_nor_below_two():
    assert rate(uniform(FI), target=5).maturity_level == 5
    assert rate(uniform(FI), target=4).maturity_level == 4
    assert rate(uniform(NI), target=5).maturity_level is None


def test_an_area_left_out_of_a_narrowed_scope_caps_the_maturity_level():
    narrowed = scope(3, in_scope=frozenset({"REQM", "PP"}))

    result = rate_appraisal(narrowed, uniform(FI))

    assert result.maturity_level == 2  # OPF (ML 3) was not appraised


def test_open_judgment_at_level_three_keeps_the_level_unknown_even_with_ml2_reached():
    chars = uniform(FI)
    chars["OPF SP 1.1"] = {"alpha": Characterization(FI), "beta": Characterization(PI)}

    result = rate(chars, target=3)

    assert result.maturity_level is None
    assert [o.ref for o in result.open_judgments] == ["OPF SP 1.1"]


# --- §1.7 equivalent staging ----------------------------------------------------------------------


def continuous_with(levels: dict[str, int]) -> dict:
    """Characterizations giving each area the capability level asked for."""
    chars = uniform(FI)
    for abbr, level in levels.items():
        if level < 3:
            chars[f"{abbr} GP 3.1"] = {"alpha": Characterization(NI)}
        if level < 2:
            chars[f"{abbr} GP 2.1"] = {"alpha": Characterization(NI)}
        if level < 1:
            chars[f"{abbr} SP 1.1"] = {"alpha": Characterization(NI)}
    return chars


@pytest.mark.parametrize(
    ("levels", "equivalent"),
    [
        ({}, 5),  # every area at CL3
        ({"OPM": 2}, 4),
        ({"OPP": 2}, 3),
        ({"OPF": 2}, 2),
        ({"REQM": 2}, 2),  # ML2 needs CL2 only; ML3 needs the ML2 areas at CL3
        ({"PP": 1}, None),  # ML2 area below CL2: no maturity level
    ],
)
def test_equivalent_staging_maps_a_profile_to_a_maturity_level(levels, equivalent):
    result = rate_appraisal(scope(representation="continuous"), continuous_with(levels))

    assert result.equivalent_maturity_level == equivalent


def test_json_shape_matches_the_documented_contract():
    result = rate(mixed(), practice_judgments={"PP SP 1.2": Judgment("LI", "beta is new")})

    data = result.as_json()

    assert data["practices"]["PP SP 1.2"] == {
        "value": "LI",
        "needs_judgment": True,
        "candidates": ["LI", "PI"],
        "judged": True,
    }
    assert data["goals"]["PP SG 1"] == "satisfied"
    assert data["process_areas"]["PP"] == {"rating": "satisfied", "capability_level": 2}
    assert (data["maturity_level"], data["equivalent_maturity_level"]) == (2, None)
    assert data["open_judgments"] == []


# --- properties ---------------------------------------------------------------------

ORDER = {NI: 0, PI: 1, LI: 2, FI: 3}
GOAL_ORDER = {U: 0, S: 1}
VALUES = st.sampled_from([FI, LI, PI, NI])
REFS = all_practices()


def worst_judgments(result) -> dict[str, Judgment]:
    """Resolve every open practice judgment to its lowest candidate."""
    return {
        o.ref: Judgment(o.candidates[-1], "worst case")
        for o in result.open_judgments
        if o.kind == "practice"
    }


def rate_resolved(chars, target=3):
    first = rate(chars, target=target)
    return rate(chars, target=target, practice_judgments=worst_judgments(first))


@settings(max_examples=150, deadline=None)
@given(
    cells=st.dictionaries(
        st.sampled_from(REFS), st.lists(VALUES, min_size=1, max_size=3), min_size=len(REFS) // 2
    ),
    raise_ref=st.sampled_from(REFS),
    raise_unit=st.integers(0, 2),
)
def test_raising_an_instance_value_never_lowers_a_rating(cells, raise_ref, raise_unit):
    chars = uniform(FI)
    for ref, values in cells.items():
        chars[ref] = {f"u{i}": Characterization(v) for i, v in enumerate(values)}
    before = rate_resolved(chars)
    better = {ref: dict(units) for ref, units in chars.items()}
    unit = f"u{raise_unit}"
    current = better[raise_ref].get(unit)
    if current is None or current.value is FI:
        return
    higher = [v for v in (FI, LI, PI, NI) if ORDER[v] > ORDER[current.value]]
    better[raise_ref][unit] = Characterization(higher[-1])  # one step up

    after = rate_resolved(better)

    for ref, goal in before.goals.items():
        if goal.rating in GOAL_ORDER and after.goals[ref].rating in GOAL_ORDER:
            assert GOAL_ORDER[after.goals[ref].rating] >= GOAL_ORDER[goal.rating], ref
    for abbr, a in before.areas.items():
        assert (after.areas[abbr].capability_level or 0) >= (a.capability_level or 0), abbr
    assert (after.maturity_level or 0) >= (before.maturity_level or 0)


@settings(max_examples=100, deadline=None)
@given(ref=st.sampled_from(REFS), target=st.integers(2, 5))
def test_adding_a_fully_implemented_instance_never_lowers_a_rating(ref, target):
    chars = uniform(LI)
    chars[ref] = {"alpha": Characterization(PI)}
    before = rate_resolved(chars, target)
    chars[ref] = {**chars[ref], "gamma": Characterization(FI)}

    after = rate_resolved(chars, target)

    assert (after.maturity_level or 0) >= (before.maturity_level or 0)
    for abbr, a in before.areas.items():
        assert (after.areas[abbr].capability_level or 0) >= (a.capability_level or 0)


@settings(max_examples=100, deadline=None)
@given(ref=st.sampled_from(REFS))
def test_removing_a_weakness_never_lowers_a_rating(ref):
    """A weakness removed turns an LI instance into FI; the goal cannot get worse."""
    chars = uniform(FI)
    chars[ref] = {"alpha": Characterization(LI, ("gap",))}
    judged = {f"{ref.split()[0]} SG 1": Judgment("unsatisfied", "the gap matters")}
    before = rate(chars, target=3, goal_judgments=judged)
    chars[ref] = {"alpha": Characterization(FI)}

    after = rate(chars, target=3, goal_judgments=judged)

    assert (after.maturity_level or 0) >= (before.maturity_level or 0)
    for goal_ref, goal in before.goals.items():
        assert GOAL_ORDER.get(after.goals[goal_ref].rating, 1) >= GOAL_ORDER.get(goal.rating, 1)
