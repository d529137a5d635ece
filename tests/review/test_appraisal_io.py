"""rob.csv and grade.csv: how they load, and each kind of bad input with its message."""

from __future__ import annotations

import pytest

from evsynth.review import load_review
from tests.review._folders import only_problem, problems_of

ROB_HEADER = "study_id,outcome_id,tool,1.1,1.2,1.3,D1,D2,overall,reason,notes\n"
GRADE_HEADER = "outcome_id,comparator_id,timepoint,domain,rating,reason\n"


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_rob_rows_load_with_answers_judgements_and_default_tools(folder):
    write(
        folder,
        "rob.csv",
        ROB_HEADER
        + "adams2012,,,y,PY,NA,,,,,allocation by sealed envelopes\n"
        + "adams2012,pain,,Y,Y,N,,high,high,assessor saw the diaries,\n"
        + "dubois2019,,,,,,Low,some_concerns,Some concerns,,\n"
        + "chen2017,,ROBINS-I,,,,moderate,serious,serious,,\n",
    )
    rob = load_review(folder).risk_of_bias
    assert [(r.study_id, r.outcome_id, r.tool, r.line) for r in rob] == [
        ("adams2012", None, "rob2", 2),
        ("adams2012", "pain", "rob2", 3),
        ("dubois2019", None, "rob2_cluster", 4),  # a cluster trial: RoB 2's cluster variant
        ("chen2017", None, "robins_i", 5),
    ]
    assert rob[0].answers == {"1.1": "Y", "1.2": "PY"} and rob[0].judgements == {}
    assert rob[1].judgements == {"D2": "high", "Overall": "high"}
    assert rob[1].reason == "assessor saw the diaries"
    assert rob[2].judgements == {"D1": "low", "D2": "some concerns", "Overall": "some concerns"}
    assert rob[3].judgements == {"D1": "moderate", "D2": "serious", "Overall": "serious"}


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("smith1999,,,Y,Y,N,,,,,", "study_id", "unknown study 'smith1999' (not in studies.csv)"),
        ("adams2012,sleep,,Y,Y,N,,,,,", "outcome_id", "unknown outcome 'sleep'"),
        ("adams2012,,,Y,maybe,N,,,,,", "1.2", "must be one of Y, PY, PN, N, NI (or empty)"),
        ("adams2012,,,,,,unclear,,,,", "D1", "must be one of ['low', 'some concerns', 'high']"),
        ("adams2012,,,,,,,,moderate,,", "overall", "got 'moderate'"),
        ("adams2012,,RoB 1,Y,Y,N,,,,,", "tool", "must be one of ['rob2', 'rob2_cluster'"),
        ("adams2012,,,,,,,,,just a note,", None, "has neither signalling answers nor judgements"),
        (",,,Y,Y,N,,,,,", "study_id", "is required"),
    ],
)
def test_rob_bad_rows(folder, row, field, message):
    write(folder, "rob.csv", ROB_HEADER + row + "\n")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("rob.csv", 2, field)
    assert message in problem.message


def test_rob_second_assessment_of_a_study_is_an_error(folder):
    write(folder, "rob.csv", ROB_HEADER + "adams2012,,,Y,Y,N,,,,,\n" * 2)
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (3, "study_id")
    assert problem.message == "second assessment of study 'adams2012' (first on line 2)"


def test_rob_header_problems(folder):
    write(folder, "rob.csv", "study,D1\nadams2012,low\n")
    assert str(only_problem(folder)) == (
        "rob.csv, line 1, field 'study_id': required column is missing"
    )
    write(folder, "rob.csv", "study_id,Domain 1,notes\nadams2012,low,\n")
    found = problems_of(folder)
    assert [p.field for p in found] == ["Domain 1", None]
    assert "neither a signalling question" in found[0].message


def test_every_problem_of_rob_and_grade_is_reported_at_once(folder):
    write(folder, "rob.csv", ROB_HEADER + "smith1999,,,Y,Y,N,,,,,\nadams2012,,,Y,x,N,,,,,\n")
    write(folder, "grade.csv", GRADE_HEADER + "pain,usual_care,short,indirectness,serious,\n")
    found = problems_of(folder)
    assert [(p.file, p.line, p.field) for p in found] == [
        ("rob.csv", 2, "study_id"),
        ("rob.csv", 3, "1.2"),
        ("grade.csv", 2, "reason"),
    ]


def test_grade_rows_load(folder):
    write(
        folder,
        "grade.csv",
        GRADE_HEADER
        + "pain,,,indirectness,serious,peer support delivered by nurses in two trials\n"
        + "pain,usual_care,short,indirectness,not serious,all trials delivered by peers\n"
        + "function,waitlist,,large_effect,one level,SMD above 0.8 in every trial\n",
    )
    rows = load_review(folder).grade_decisions
    assert [(r.outcome_id, r.comparator_id, r.timepoint, r.domain, r.levels) for r in rows] == [
        ("pain", None, None, "indirectness", -1),
        ("pain", "usual_care", "short", "indirectness", 0),
        ("function", "waitlist", None, "large_effect", 1),
    ]
    assert [r.specificity for r in rows] == [0, 2, 1]
    assert rows[0].applies_to("pain", "waitlist", "long")
    assert not rows[1].applies_to("pain", "waitlist", "short")


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("sleep,,,indirectness,serious,x", "outcome_id", "unknown 'sleep': not an outcome"),
        ("pain,sham,,indirectness,serious,x", "comparator_id", "unknown 'sham': not a comparator"),
        ("pain,,week6,indirectness,serious,x", "timepoint", "not a timepoint window"),
        ("pain,,,directness,serious,x", "domain", "must be one of ['risk_of_bias'"),
        ("pain,,,imprecision,moderate,x", "rating", "must be one of ['not serious', 'serious'"),
        ("pain,,,large_effect,serious,x", "rating", "['none', 'one level', 'two levels']"),
        ("pain,,,imprecision,serious,", "reason", "is required: say why"),
    ],
)
def test_grade_bad_rows(folder, row, field, message):
    write(folder, "grade.csv", GRADE_HEADER + row + "\n")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("grade.csv", 2, field)
    assert message in problem.message


def test_grade_duplicate_and_missing_columns(folder):
    write(folder, "grade.csv", GRADE_HEADER + "pain,,,imprecision,serious,a\n" * 2)
    assert only_problem(folder).message.startswith("imprecision is rated twice for this cell")
    write(folder, "grade.csv", "outcome_id,domain,rating\npain,imprecision,serious\n")
    assert str(only_problem(folder)) == (
        "grade.csv, line 1, field 'reason': required column is missing"
    )


def test_grade_settings_come_from_review_toml(folder):
    with (folder / "review.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[grade]\ni2_serious = 60\nimprecision_rule = "pollock"\n')
    grade = load_review(folder).protocol.grade
    assert (grade.i2_serious, grade.imprecision_rule, grade.i2_moderate) == (60, "pollock", 40)


def test_bad_grade_settings_are_named(folder):
    text = (folder / "review.toml").read_text(encoding="utf-8")
    lines = text.count("\n")
    text += '\n[grade]\ni2_serious = 120\nois = 400\nimprecision_rule = "gut"\n'
    (folder / "review.toml").write_text(text, encoding="utf-8")
    found = problems_of(folder)
    assert [(p.line, p.field) for p in found] == [
        (lines + 3, "grade.i2_serious"),
        (lines + 4, "grade.ois"),
        (lines + 5, "grade.imprecision_rule"),
    ]
    assert found[0].message == "must be a number in [0, 100]; got 120"
    assert found[1].message.startswith("unknown key; the [grade] settings are [")
