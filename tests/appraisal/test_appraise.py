"""``appraise`` on review folders: RoB from rob.csv (answers, judgements, overrides, errors),
GRADE per pooled cell with grade.csv's decisions, the sensitivity analysis without studies at
high risk of bias, SWiM for the unpooled cells, and the shipped peer-support example."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import evsynth as es
from evsynth.appraisal import CERTAINTY_LEVELS, effect_direction
from evsynth.appraisal._appraise import _decisions
from evsynth.review import ReviewError
from tests.review import _folders
from tests.review._folders import edit

#: the writable copy of the minimal review folder (tests/review's fixture, found by this name)
folder = _folders.folder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "peer-support-msk"

#: answers that give "low" in every domain of an individually randomised trial
ALL_LOW = {
    "1.1": "Y",
    "1.2": "Y",
    "1.3": "N",
    "2.1": "N",
    "2.2": "N",
    "2.6": "Y",
    "3.1": "Y",
    "4.1": "N",
    "4.2": "N",
    "4.3": "N",
    "5.1": "Y",
    "5.2": "N",
    "5.3": "N",
}
#: answers through several branches: D1 some concerns, D2 high, D3 low, D4 some concerns,
#: D5 some concerns
MIXED = {
    "1.1": "Y",
    "1.2": "NI",
    "1.3": "N",
    "2.1": "Y",
    "2.2": "PY",
    "2.3": "Y",
    "2.4": "Y",
    "2.5": "N",
    "2.6": "Y",
    "3.1": "N",
    "3.2": "Y",
    "4.1": "N",
    "4.2": "PN",
    "4.3": "Y",
    "4.4": "PY",
    "4.5": "PN",
    "5.1": "Y",
    "5.2": "N",
    "5.3": "NI",
}
#: domain 1b of the cluster variant, low
CLUSTER_LOW = {"1b.1": "Y", "1b.3": "N"}
GRADE_HEADER = "outcome_id,comparator_id,timepoint,domain,rating,reason\n"


def judged(**others: str) -> dict[str, str]:
    """RoB 2 domain judgements D1 ... D5 (low unless given)."""
    return {f"D{i}": others.get(f"D{i}", "low") for i in range(1, 6)}


def robins(**others: str) -> dict[str, str]:
    """ROBINS-I domain judgements D1 ... D7 (low unless given)."""
    return {f"D{i}": others.get(f"D{i}", "low") for i in range(1, 8)}


def write_rob(folder: Path, *rows: dict[str, str]) -> None:
    """rob.csv with one line per row (line 2 onwards); columns in first-seen order."""
    columns = ["study_id", *dict.fromkeys(k for row in rows for k in row if k != "study_id")]
    with (folder / "rob.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def appraised(folder: Path) -> es.appraisal.Appraisal:
    review = es.load_review(folder)
    return es.appraise(review, es.synthesise(review))


def appraise_problems(folder: Path):
    """The problems ``appraise`` reports (it must fail; loading must not)."""
    review = es.load_review(folder)
    synthesis = es.synthesise(review)
    with pytest.raises(ReviewError) as info:
        es.appraise(review, synthesis)
    return info.value.problems


def assessment(appraisal, study_id: str, outcome_id: str | None = None):
    (found,) = [
        a for a in appraisal.risk_of_bias if (a.study_id, a.outcome_id) == (study_id, outcome_id)
    ]
    return found


def cell_of(appraisal, outcome: str, comparator: str, window: str):
    return appraisal.for_cell(appraisal.synthesis.cell(outcome, comparator, window))


# ------------------------------------------------------------------ RoB from signalling answers


def test_answers_give_the_same_judgements_and_path_as_rob2(folder):
    write_rob(folder, {"study_id": "adams2012", **MIXED}, {"study_id": "baker2015", **ALL_LOW})
    appraisal = appraised(folder)
    for study_id, label, answers in (
        ("adams2012", "Adams 2012", MIXED),
        ("baker2015", "Baker 2015", ALL_LOW),
    ):
        expected = es.rob2(answers, study=label)
        found = assessment(appraisal, study_id)
        assert found.tool == "rob2"
        assert found.domains == expected.domains
        assert found.overall == expected.overall
        assert found.path == expected.path
        assert found.proposed == {**expected.domains, "Overall": expected.overall}
        assert (found.overridden, found.reason) == ((), None)
    assert assessment(appraisal, "adams2012").domains == judged(
        D1="some concerns", D2="high", D4="some concerns", D5="some concerns"
    )
    assert assessment(appraisal, "adams2012").overall == "high"
    assert assessment(appraisal, "baker2015").overall == "low"


def test_a_cluster_trial_defaults_to_the_cluster_variant(folder):
    write_rob(folder, {"study_id": "dubois2019", **ALL_LOW, **CLUSTER_LOW})
    found = assessment(appraised(folder), "dubois2019")
    expected = es.rob2({**ALL_LOW, **CLUSTER_LOW}, variant="cluster", study="Dubois 2019")
    assert found.tool == "rob2_cluster"
    assert list(found.domains) == ["D1", "D1b", "D2", "D3", "D4", "D5"]
    assert (found.domains, found.overall, found.path) == (
        expected.domains,
        expected.overall,
        expected.path,
    )


def test_a_cluster_trial_needs_the_domain_1b_answers(folder):
    write_rob(folder, {"study_id": "dubois2019", **ALL_LOW})
    found = appraise_problems(folder)
    # 1b.2 is asked only after 1b.1's answer, so it is not reported on its own
    assert [(p.file, p.line, p.field) for p in found] == [
        ("rob.csv", 2, "1b.1"),
        ("rob.csv", 2, "1b.3"),
    ]
    assert all("Dubois 2019" in p.message and "no answer" in p.message for p in found)


def test_an_explicit_tool_wins_over_the_cluster_default(folder):
    write_rob(folder, {"study_id": "dubois2019", "tool": "rob2", **ALL_LOW})
    found = assessment(appraised(folder), "dubois2019")
    assert found.tool == "rob2"
    assert list(found.domains) == ["D1", "D2", "D3", "D4", "D5"]


# ------------------------------------------------------------------ reviewer overrides


@pytest.mark.parametrize(
    ("extra", "field", "mine", "algorithm"),
    [({"D2": "high"}, "D2", "high", "low"), ({"overall": "high"}, "overall", "high", "low")],
)
def test_an_override_without_a_reason_is_an_error(folder, extra, field, mine, algorithm):
    write_rob(
        folder, {"study_id": "baker2015", **ALL_LOW}, {"study_id": "adams2012", **ALL_LOW, **extra}
    )
    (problem,) = appraise_problems(folder)
    assert (problem.file, problem.line, problem.field) == ("rob.csv", 3, field)
    assert problem.message == (
        f"study 'Adams 2012': the reviewer's {mine!r} differs from the algorithm's "
        f"{algorithm!r}; an override needs a reason (column 'reason')"
    )


def test_a_domain_override_with_a_reason_is_final_and_keeps_the_proposal(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, "D2": "high", "reason": "open label"})
    found = assessment(appraised(folder), "adams2012")
    assert found.domains == judged(D2="high")
    assert found.overall == "high"  # recomputed: a domain high -> high
    assert found.overridden == ("D2",)
    assert found.reason == "open label"
    assert found.proposed == {**judged(), "Overall": "low"}
    assert found.judgements == {**judged(D2="high"), "Overall": "high"}


@pytest.mark.parametrize(
    ("answers", "override", "overall"),
    [
        (ALL_LOW, {"D3": "some concerns"}, "some concerns"),  # none high, not all low
        (ALL_LOW, {"D5": "high"}, "high"),
        (MIXED, {"D2": "low", "D4": "low", "D5": "low"}, "some concerns"),  # D1 still concerns
        (MIXED, {"D1": "low", "D2": "low", "D4": "low", "D5": "low"}, "low"),
    ],
)
def test_a_domain_override_recomputes_the_overall_by_the_overall_rule(
    folder, answers, override, overall
):
    write_rob(folder, {"study_id": "adams2012", **answers, **override, "reason": "re-read"})
    found = assessment(appraised(folder), "adams2012")
    assert found.overall == overall
    assert found.overridden == tuple(override)
    assert found.proposed["Overall"] == es.rob2(answers).overall


def test_an_overall_override_with_a_reason_is_final_and_logged_in_the_path(folder):
    reason = "some concerns in three domains lower confidence substantially"
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, "overall": "high", "reason": reason})
    found = assessment(appraised(folder), "adams2012")
    assert (found.overall, found.overridden) == ("high", ("Overall",))
    assert found.domains == judged()
    assert found.proposed["Overall"] == "low"
    assert found.path["Overall"] == f"reviewer: {reason}"


def test_a_judgement_equal_to_the_algorithms_is_no_override(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, "D2": "low", "overall": "low"})
    found = assessment(appraised(folder), "adams2012")
    assert (found.overall, found.overridden, found.reason) == ("low", (), None)
    assert "Overall" not in found.path


def test_a_domain_and_an_overall_override_without_a_reason_are_both_reported(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, "D2": "high", "overall": "low"})
    found = appraise_problems(folder)
    assert [(p.line, p.field) for p in found] == [(2, "D2"), (2, "overall")]


def test_the_overall_problem_names_the_overall_that_the_domains_imply(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, "D2": "high", "overall": "low"})
    overall_problem = appraise_problems(folder)[1]
    assert "differs from the algorithm's 'low'" not in overall_problem.message
    assert "'high'" in overall_problem.message


def test_a_domain_the_variant_lacks_is_a_rob_csv_problem(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, "D1b": "low", "reason": "x"})
    (problem,) = appraise_problems(folder)
    assert (problem.file, problem.line, problem.field) == ("rob.csv", 2, "D1b")


# ------------------------------------------------------------------ inconsistent answers


def test_inconsistent_answers_give_one_problem_per_question(folder):
    answers = {**MIXED, "2.3": "N"}  # 2.4 and 2.5 no longer apply
    del answers["1.2"]
    write_rob(folder, {"study_id": "adams2012", **answers})
    found = appraise_problems(folder)
    assert [(p.file, p.line, p.field) for p in found] == [
        ("rob.csv", 2, "1.2"),
        ("rob.csv", 2, "2.4"),
        ("rob.csv", 2, "2.5"),
    ]
    assert "no answer, but 1.2" in found[0].message
    assert "2.4 does not apply" in found[1].message
    assert all("Adams 2012" in p.message for p in found)


def test_every_problem_of_every_row_is_reported_at_once(folder):
    missing_1_2 = {q: a for q, a in ALL_LOW.items() if q != "1.2"}
    write_rob(
        folder,
        {"study_id": "adams2012", **missing_1_2},
        {"study_id": "baker2015", **ALL_LOW, "D2": "high"},
        {"study_id": "chen2017", "tool": "robins_i", **ALL_LOW},
        {"study_id": "dubois2019", **ALL_LOW},
        {"study_id": "evans2020", **ALL_LOW},  # fine
        {"study_id": "fischer2021", **judged(), "D5": ""},
    )
    found = appraise_problems(folder)
    assert [(p.file, p.line, p.field) for p in found] == [
        ("rob.csv", 2, "1.2"),
        ("rob.csv", 3, "D2"),
        ("rob.csv", 4, None),
        ("rob.csv", 5, "1b.1"),
        ("rob.csv", 5, "1b.3"),
        ("rob.csv", 7, "D5"),
    ]


def test_an_answer_of_another_variant_names_that_variant(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW, **CLUSTER_LOW})
    found = appraise_problems(folder)
    assert [p.field for p in found] == ["1b.1", "1b.3"]
    assert "belongs to the cluster variant" in found[0].message


# ------------------------------------------------------------------ judgements without answers


def test_judgement_only_rows_apply_the_overall_rule(folder):
    write_rob(
        folder,
        {"study_id": "adams2012", **judged(D3="some concerns")},
        {"study_id": "dubois2019", **judged(), "D1b": "high"},
    )
    appraisal = appraised(folder)
    adams = assessment(appraisal, "adams2012")
    assert adams.domains == judged(D3="some concerns")
    assert adams.overall == "some concerns"
    assert adams.proposed == {**judged(D3="some concerns"), "Overall": "some concerns"}
    assert adams.path == dict.fromkeys(judged(), "judged by reviewer")
    assert adams.overridden == ()
    dubois = assessment(appraisal, "dubois2019")
    assert (dubois.tool, dubois.overall, dubois.domains["D1b"]) == ("rob2_cluster", "high", "high")


def test_judgement_only_rows_need_every_domain_of_the_variant(folder):
    write_rob(
        folder, {"study_id": "adams2012", "D1": "low"}, {"study_id": "dubois2019", **judged()}
    )
    found = appraise_problems(folder)
    assert [(p.line, p.field) for p in found] == [
        (2, "D2"),
        (2, "D3"),
        (2, "D4"),
        (2, "D5"),
        (3, "D1b"),
    ]


def test_a_judgement_only_overall_that_breaks_the_rule_needs_a_reason(folder):
    write_rob(folder, {"study_id": "adams2012", **judged(D2="some concerns"), "overall": "high"})
    (problem,) = appraise_problems(folder)
    assert (problem.line, problem.field) == (2, "overall")
    write_rob(
        folder,
        {"study_id": "adams2012", **judged(D2="some concerns"), "overall": "high", "reason": "r"},
    )
    found = assessment(appraised(folder), "adams2012")
    assert (found.overall, found.overridden, found.proposed["Overall"]) == (
        "high",
        ("Overall",),
        "some concerns",
    )


def test_an_overall_only_row_is_taken_as_given(folder):
    write_rob(folder, {"study_id": "baker2015", "overall": "high", "reason": "per protocol only"})
    found = assessment(appraised(folder), "baker2015")
    assert (found.tool, found.domains, found.overall) == ("rob2", {}, "high")
    assert found.proposed == {"Overall": "high"}
    assert (found.path, found.overridden, found.reason) == ({}, (), "per protocol only")
    assert found.judgements == {"Overall": "high"}


def test_robins_i_rows_combine_the_seven_domains(folder):
    domains = robins(D1="moderate", D5="serious")
    write_rob(
        folder,
        {"study_id": "chen2017", "tool": "robins_i", **domains},
        {"study_id": "fischer2021", "tool": "ROBINS-I", "overall": "moderate"},
    )
    appraisal = appraised(folder)
    chen = assessment(appraisal, "chen2017")
    expected = es.robins_i(domains, study="Chen 2017")
    assert (chen.tool, chen.figure_tool) == ("robins_i", "robins-i")
    assert (chen.domains, chen.overall) == (expected.domains, expected.overall)
    assert chen.overall == "serious"
    assert chen.path == dict.fromkeys(domains, "judged by reviewer")
    fischer = assessment(appraisal, "fischer2021")
    assert (fischer.tool, fischer.domains, fischer.overall) == ("robins_i", {}, "moderate")
    # every study of the cell is non-randomised: GRADE starts at low
    grade = cell_of(appraisal, "pain", "waitlist", "short").grade
    assert (grade.design, grade.start) == ("observational", "low")


def test_robins_i_rows_need_all_seven_domains(folder):
    write_rob(folder, {"study_id": "chen2017", "tool": "robins_i", **judged()})
    found = appraise_problems(folder)
    assert [(p.line, p.field) for p in found] == [(2, "D6"), (2, "D7")]


def test_a_robins_i_row_with_answers_is_an_error(folder):
    write_rob(folder, {"study_id": "chen2017", "tool": "robins_i", **ALL_LOW, **robins()})
    (problem,) = appraise_problems(folder)
    assert (problem.file, problem.line, problem.field) == ("rob.csv", 2, None)
    assert problem.message == (
        "ROBINS-I takes domain judgements (D1 ... D7), not signalling answers"
    )


def test_a_robins_i_overall_override_needs_a_reason(folder):
    write_rob(
        folder, {"study_id": "chen2017", "tool": "robins_i", **robins(), "overall": "serious"}
    )
    (problem,) = appraise_problems(folder)
    assert (problem.line, problem.field) == (2, "overall")
    assert "Chen 2017" in problem.message


# ------------------------------------------------------------------ outcome-specific rows


def test_outcome_specific_rows_win_for_their_outcomes_cells(folder):
    write_rob(
        folder,
        {"study_id": "adams2012", **judged()},
        {"study_id": "adams2012", "outcome_id": "pain", **judged(D4="high")},
        {"study_id": "baker2015", "outcome_id": "function", **judged(D4="some concerns")},
        {"study_id": "evans2020", **judged()},
    )
    appraisal = appraised(folder)
    for cell in appraisal.cells:
        assert len(cell.rob) == cell.cell.k
        for row, found in zip(cell.cell.rows, cell.rob, strict=True):
            if found is not None:
                assert found.study_id == row.study_id
                assert found.outcome_id in (None, cell.cell.outcome.id)
    pain = cell_of(appraisal, "pain", "usual_care", "medium")
    assert [r.study_id for r in pain.cell.rows] == [
        "adams2012",
        "dubois2019",
        "evans2020",
        "evans2020",
    ]
    assert [a and (a.outcome_id, a.overall) for a in pain.rob] == [
        ("pain", "high"),
        None,
        (None, "low"),
        (None, "low"),  # both arms of the three-arm trial
    ]
    function = cell_of(appraisal, "function", "usual_care", "medium")
    assert [a.outcome_id for a in function.rob] == [None, None]
    assert cell_of(appraisal, "function", "usual_care", "long").rob[0].overall == "some concerns"
    assert cell_of(appraisal, "pain", "usual_care", "long").rob == (None,)
    # the traffic-light plot takes the study-level row
    assert [(label, a.outcome_id) for label, a in appraisal.study_level()] == [
        ("Adams 2012", None),
        ("Baker 2015", "function"),
        ("Evans 2020", None),
    ]


# ------------------------------------------------------------------ GRADE


def test_every_pooled_cell_has_a_grade_and_no_unpooled_one(folder):
    write_rob(folder, {"study_id": "adams2012", **ALL_LOW})
    appraisal = appraised(folder)
    assert len(appraisal.cells) == len(appraisal.synthesis.cells)
    for cell in appraisal.cells:
        if cell.cell.pooled:
            assert cell.grade is not None and cell.suggestion is not None
            assert cell.grade.certainty in CERTAINTY_LEVELS
            assert cell.statement
        else:
            assert (cell.grade, cell.suggestion, cell.statement) == (None, None, "")


def test_grade_decisions_take_the_most_specific_row_per_domain(folder):
    # file order: outcome, cell, outcome x comparator -- neither the first nor the last wins
    (folder / "grade.csv").write_text(
        GRADE_HEADER
        + "pain,,,indirectness,very serious,R-outcome\n"
        + "pain,usual_care,medium,indirectness,not serious,R-cell\n"
        + "pain,usual_care,,indirectness,serious,R-comparator\n"
        + "pain,,,imprecision,serious,R-imprecision\n",
        encoding="utf-8",
    )
    appraisal = appraised(folder)
    expected = {
        ("usual_care", "medium"): (0, "R-cell"),
        ("usual_care", "short"): (-1, "R-comparator"),
        ("waitlist", "short"): (-2, "R-outcome"),
    }
    for (comparator, window), (levels, reason) in expected.items():
        grade = cell_of(appraisal, "pain", comparator, window).grade
        rating = grade.domains["indirectness"]
        assert (rating.levels, rating.reason, rating.source) == (levels, reason, "reviewer")
        assert grade.domains["imprecision"].reason == "R-imprecision"
    decisions = _decisions(
        appraisal.review, appraisal.synthesis.cell("pain", "usual_care", "medium")
    )
    assert [(d.domain, d.levels, d.reason) for d in decisions] == [
        ("indirectness", 0, "R-cell"),
        ("imprecision", -1, "R-imprecision"),
    ]
    function = cell_of(appraisal, "function", "usual_care", "medium").grade
    assert function.domains["indirectness"].source == "not assessed"


def test_a_serious_indirectness_lowers_the_certainty_by_one_level(folder):
    key = ("pain", "usual_care", "medium")
    before = cell_of(appraised(folder), *key).grade
    assert before.certainty != "very low"
    reason = "peers were nurses in two of the trials"
    (folder / "grade.csv").write_text(
        GRADE_HEADER + f"pain,usual_care,medium,indirectness,serious,{reason}\n", encoding="utf-8"
    )
    after = cell_of(appraised(folder), *key).grade
    assert CERTAINTY_LEVELS.index(after.certainty) == CERTAINTY_LEVELS.index(before.certainty) - 1
    assert f"Indirectness: downgraded one level: {reason}" in after.footnotes
    assert len(after.footnotes) == len(before.footnotes) + 1
    # the other cells are untouched
    assert (
        cell_of(appraised(folder), "pain", "usual_care", "short")
        .grade.domains["indirectness"]
        .source
        == "not assessed"
    )


# ------------------------------------------------------------------ sensitivity without high RoB


@pytest.mark.parametrize(
    ("toml_old", "toml_new", "method", "test"),
    [
        (None, None, "REML", "z"),
        ('method = "REML"\ntest = "z"', 'method = "DL"\ntest = "hksj"', "DL", "hksj"),
        ('model = "random"\nmethod = "REML"', 'model = "fixed"\nmethod = "FE"', "FE", "z"),
    ],
)
def test_sensitivity_equals_meta_analysis_of_the_remaining_studies(
    folder, toml_old, toml_new, method, test
):
    if toml_old is not None:
        edit(folder, "review.toml", toml_old, toml_new)
    write_rob(
        folder,
        {"study_id": "adams2012", **judged(D2="high")},
        {"study_id": "dubois2019", **ALL_LOW, **CLUSTER_LOW},
        {"study_id": "evans2020", **judged(D5="some concerns")},  # kept: not high
    )
    found = cell_of(appraised(folder), "pain", "usual_care", "medium")
    cell = found.cell
    keep = [i for i, r in enumerate(cell.rows) if r.study_id != "adams2012"]
    assert len(keep) == 3
    expected = es.meta_analysis(cell.yi[keep], cell.vi[keep], method=method, test=test)
    result = found.sensitivity_low_rob
    assert (result.k, result.method, result.test) == (3, method, test)
    assert list(result.labels) == [cell.labels[i] for i in keep]
    for name in ("estimate", "se", "ci_low", "ci_high", "pvalue", "tau2"):
        np.testing.assert_allclose(getattr(result, name), getattr(expected, name), rtol=1e-12)
    assert found.sensitivity_note == "1 study at high risk of bias excluded"


@pytest.mark.parametrize("judgement", ["serious", "critical"])
def test_sensitivity_excludes_serious_and_critical_robins_i_studies(folder, judgement):
    write_rob(
        folder,
        {"study_id": "adams2012", "tool": "robins_i", **robins(D1=judgement)},
        {"study_id": "dubois2019", "tool": "robins_i", **robins(D1="moderate")},
        {"study_id": "evans2020", "tool": "robins_i", **robins(D7="no information")},
    )
    found = cell_of(appraised(folder), "pain", "usual_care", "medium")
    overall = [a.overall for a in found.rob]  # Evans 2020's two arms last
    assert overall == [judgement, "moderate", "no information", "no information"]
    assert found.sensitivity_low_rob.k == 3
    assert "Adams 2012" not in found.sensitivity_low_rob.labels
    assert found.sensitivity_note == "1 study at high risk of bias excluded"


def test_sensitivity_notes(folder):
    pain_short = ("pain", "usual_care", "short")  # Adams 2012 and Baker 2015
    found = cell_of(appraised(folder), *pain_short)  # no rob.csv
    assert found.sensitivity_low_rob is None
    assert found.sensitivity_note == "not run: no risk-of-bias assessments"

    write_rob(folder, {"study_id": "adams2012", **ALL_LOW}, {"study_id": "baker2015", **MIXED})
    found = cell_of(appraised(folder), *pain_short)
    assert found.sensitivity_low_rob is None
    assert found.sensitivity_note == "not run: 1 study would remain after excluding 1 at high risk"

    write_rob(folder, {"study_id": "adams2012", **ALL_LOW}, {"study_id": "baker2015", **judged()})
    found = cell_of(appraised(folder), *pain_short)
    assert found.sensitivity_low_rob is None
    assert found.sensitivity_note == "not needed: no study at high risk of bias"

    # an overall-only judgement counts; an unassessed study is kept
    write_rob(folder, {"study_id": "baker2015", "overall": "high"})
    found = cell_of(appraised(folder), *pain_short)
    assert found.sensitivity_note == "not run: 1 study would remain after excluding 1 at high risk"


def test_sensitivity_note_counts_a_multi_arm_trial_once(folder):
    write_rob(
        folder,
        {"study_id": "adams2012", **judged()},
        {"study_id": "dubois2019", **ALL_LOW, **CLUSTER_LOW},
        {"study_id": "evans2020", **judged(D2="high")},
    )
    found = cell_of(appraised(folder), "pain", "usual_care", "medium")
    assert found.sensitivity_low_rob.k == 2
    assert found.sensitivity_note == "1 study at high risk of bias excluded"


# ------------------------------------------------------------------ SWiM


def _expected_direction(y: float, lower_is_better: bool) -> str:
    benefit = -y if lower_is_better else y
    return "benefit" if benefit > 0 else "harm" if benefit < 0 else "mixed"


@pytest.fixture
def qol_harm(folder):
    """The minimal folder with Fischer 2021's quality of life turned against peer support."""
    edit(
        folder,
        "outcomes.csv",
        "SF-12 mental component,0,100,true,47.1",
        "SF-12 mental component,0,100,true,43.1",
    )
    return folder


def test_unpooled_cells_get_a_direction_per_row_and_a_sign_test(qol_harm):
    appraisal = appraised(qol_harm)
    unpooled = [c for c in appraisal.cells if not c.cell.pooled]
    assert {(c.cell.outcome.id, c.cell.k) for c in unpooled} == {
        ("pain", 1),
        ("function", 1),
        ("self_efficacy", 1),
        ("quality_of_life", 2),  # pool = false
    }
    for found in unpooled:
        lower = found.cell.outcome.direction == "lower_is_better"
        assert found.directions == tuple(_expected_direction(y, lower) for y in found.cell.yi)
        assert found.sign_test == es.appraisal.sign_test(found.directions)
    qol = cell_of(appraisal, "quality_of_life", "waitlist", "short")
    assert qol.directions == ("benefit", "harm")
    assert (qol.sign_test.n_benefit, qol.sign_test.n_harm, qol.sign_test.pvalue) == (1, 1, 1.0)
    # pooled cells carry no SWiM
    for found in appraisal.cells:
        if found.cell.pooled:
            assert (found.directions, found.sign_test) == ((), None)


def test_the_sign_test_counts_a_multi_arm_trial_once(folder):
    edit(folder, "review.toml", "mcid = 10\n", "mcid = 10\npool = false\n")
    # Evans 2020's online arm now favours control: its two arms disagree -> mixed
    edit(
        folder,
        "outcomes.csv",
        "online,evans-uc,VAS,0,100,false,48.0",
        "online,evans-uc,VAS,0,100,false,53.0",
    )
    found = cell_of(appraised(folder), "pain", "usual_care", "medium")
    assert not found.cell.pooled
    assert found.directions == ("benefit", "benefit", "benefit", "harm")
    assert found.sign_test == es.appraisal.sign_test(["benefit", "benefit", "mixed"])
    assert (found.sign_test.n, found.sign_test.n_mixed) == (2, 1)


def test_swim_groups_by_comparator_with_one_column_per_outcome(qol_harm):
    appraisal = appraised(qol_harm)
    assert [g.comparator_label for g in appraisal.swim] == ["Usual care", "Waitlist"]
    usual, waitlist = appraisal.swim
    assert usual.outcomes == ("Pain intensity", "Function", "Self-efficacy")
    assert usual.directions == {
        "Baker 2015": {
            "Pain intensity": "benefit",
            "Function": "benefit",
            "Self-efficacy": "benefit",
        }
    }
    assert waitlist.outcomes == ("Function", "Self-efficacy", "Quality of life")
    assert waitlist.directions == {
        "Chen 2017": {"Function": "benefit", "Quality of life": "benefit"},
        "Fischer 2021": {"Self-efficacy": "benefit", "Quality of life": "harm"},
    }
    for group in appraisal.swim:
        assert list(group.sign_tests) == list(group.outcomes)
        for outcome in group.outcomes:
            column = [row.get(outcome) for row in group.directions.values()]
            assert group.sign_tests[outcome] == es.appraisal.sign_test(column)
        assert all(not c.cell.pooled for c in group.cells)
        assert {c.cell.comparator.label for c in group.cells} == {group.comparator_label}
    assert waitlist.sign_tests["Quality of life"].n == 2


def test_swim_merges_a_studys_windows_of_one_outcome_by_the_70_percent_rule(folder):
    edit(folder, "review.toml", "mcid = 10\n", "mcid = 10\npool = false\n")
    appraisal = appraised(folder)
    usual = appraisal.swim[0]
    pain_cells = [c for c in usual.cells if c.cell.outcome.id == "pain"]
    assert [c.cell.window.id for c in pain_cells] == ["short", "medium", "long"]
    for study_label, by_outcome in usual.directions.items():
        values = [
            float(y)
            for c in pain_cells
            for label, y in zip(c.cell.labels, c.cell.yi, strict=True)
            if label.split(" (")[0] == study_label
        ]
        if values:
            assert by_outcome["Pain intensity"] == effect_direction(values, lower_is_better=True)


# ------------------------------------------------------------------ the shipped example


def test_the_peer_support_example_appraises():
    review = es.load_review(EXAMPLE)
    appraisal = es.appraise(review, es.synthesise(review))
    pooled = [c for c in appraisal.cells if c.cell.pooled]
    assert pooled
    assert all(c.grade.certainty in ("high", "moderate", "low", "very low") for c in pooled)
    overrides = [a for a in appraisal.risk_of_bias if a.overridden]
    assert len(overrides) == 1
    (override,) = overrides
    assert override.reason
    assert override.path["Overall"] == f"reviewer: {override.reason}"
    assert len(appraisal.study_level()) == len(review.studies)
