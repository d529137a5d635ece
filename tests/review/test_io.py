"""Loading a review folder: the valid minimal folder, XLSX tables, and every kind of bad input."""

from __future__ import annotations

import csv

import pytest

from evsynth.review import LAYOUTS, Problem, Review, ReviewError, load_review
from tests.review._folders import MINIMAL, edit, only_problem, problems_of

# ---------------------------------------------------------------------------- the valid folder


def test_minimal_folder_loads():
    review = load_review(MINIMAL)
    assert isinstance(review, Review)
    p = review.protocol
    assert p.intervention_label == "peer support"
    assert p.question.startswith("Are peer support interventions")
    assert p.eligibility["study_designs"][0] == "RCT"
    assert [o.id for o in p.outcomes] == ["pain", "function", "self_efficacy", "quality_of_life"]
    pain = p.outcome("pain")
    assert (pain.direction, pain.measure, pain.rescale_to, pain.mcid) == (
        "lower_is_better",
        "MD",
        (0.0, 100.0),
        10.0,
    )
    assert p.outcome("quality_of_life").pool is False
    assert p.outcome("function").measure == "SMD"
    assert [c.label for c in p.comparators] == ["Usual care", "Waitlist"]
    assert [(w.id, w.start_week, w.end_week) for w in p.timepoints] == [
        ("short", 0, 12),
        ("medium", 13, 51),
        ("long", 52, 1000),
    ]
    assert p.window_for(12).id == "short" and p.window_for(12.5) is None
    assert p.analysis.method == "REML" and p.analysis.test == "z"
    assert [(m.column, m.kind) for m in p.moderators][2] == ("duration_weeks", "numeric")
    assert len(review.studies) == 6 and len(review.outcome_rows) == 19


def test_minimal_studies_keep_types_and_extra_columns():
    studies = load_review(MINIMAL).studies
    dubois = studies["dubois2019"]
    assert dubois.cluster is True and dubois.icc == 0.05 and dubois.mean_cluster_size == 10
    assert dubois.n_randomised == 238 and dubois.label == "Dubois 2019"
    assert dubois.extra == {"condition": "osteoarthritis"}
    assert dubois.value("condition") == "osteoarthritis" and dubois.value("peer_type") == "paid"
    assert studies["adams2012"].cluster is False and studies["adams2012"].icc is None


def test_minimal_rows_have_layouts_and_physical_line_numbers():
    rows = load_review(MINIMAL).outcome_rows
    layouts = {r.layout for r in rows}
    assert layouts == set(LAYOUTS)
    contrast = next(r for r in rows if r.study_id == "dubois2019" and r.outcome_id == "pain")
    assert contrast.line == 7 and contrast.is_contrast and contrast.measure == "MD"
    assert contrast.notes.endswith("already accounts for clustering")
    after = next(r for r in rows if r.arm == "group" and r.outcome_id == "pain")
    assert after.line == 9  # the quoted notes cell above spans lines 7-8
    assert after.control_group == "evans-uc"
    nrs = next(r for r in rows if r.study_id == "baker2015" and r.timepoint_weeks == 52)
    assert (nrs.layout, nrs.se1, nrs.n2, nrs.scale_max) == ("arm_se", 0.33, 37, 10)
    sf36 = next(r for r in rows if r.instrument == "SF-36 physical functioning")
    assert sf36.higher_is_better is True
    median = next(r for r in rows if r.layout == "arm_median")
    assert (median.median1, median.q1_1, median.q3_2) == (40, 25, 62)


def test_problem_and_error_text(folder):
    edit(folder, "outcomes.csv", "48.2,20.1,", "48.2,-2.5,")
    problem = only_problem(folder)
    assert str(problem) == "outcomes.csv, line 2, field 'sd1': must be > 0; got -2.5"
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    assert str(info.value) == str(problem)
    assert isinstance(info.value, ValueError)


# ------------------------------------------------------------------------------ missing files


@pytest.mark.parametrize("name", ["review.toml", "studies.csv", "outcomes.csv"])
def test_missing_file(folder, name):
    (folder / name).unlink()
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == (name, None, None)
    assert problem.message.startswith("file is missing")


def test_folder_that_does_not_exist(tmp_path):
    problem = only_problem(tmp_path / "nowhere")
    assert problem.message == "is not a folder"


def test_missing_required_column(folder):
    edit(folder, "outcomes.csv", "study_id,outcome_id,comparator_id,timepoint_weeks,", "sid,")
    found = problems_of(folder)
    assert {(p.file, p.line, p.field) for p in found} >= {
        ("outcomes.csv", 1, "study_id"),
        ("outcomes.csv", 1, "outcome_id"),
    }
    assert all(p.message == "required column is missing" for p in found)


# ------------------------------------------------------------------------------- review.toml


def test_toml_syntax_error_has_its_line(folder):
    edit(folder, "review.toml", 'label = "Function"', 'label = "Function')
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("review.toml", 27, None)
    assert problem.message.startswith("is not valid TOML")


def test_missing_required_protocol_field(folder):
    edit(folder, "review.toml", 'intervention_label = "peer support"\n', "")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == (
        "review.toml",
        3,
        "review.intervention_label",
    )
    assert problem.message == "is required"


def test_missing_required_table(folder):
    text = (folder / "review.toml").read_text()
    text = text.replace("[[comparator]]", "[[comparators]]")
    (folder / "review.toml").write_text(text)
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (None, "comparator")
    assert problem.message == "at least one [[comparator]] block is required"


def test_unknown_key(folder):
    edit(folder, "review.toml", "mcid = 10", "mcdi = 10")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (23, "outcome.mcdi")
    assert problem.message == "unknown key; got 10"


def test_bad_direction(folder):
    edit(
        folder,
        "review.toml",
        'direction = "lower_is_better"\nmeasure = "SMD"',
        'direction = "lower"',
    )
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("review.toml", 28, "outcome.direction")
    assert problem.message == (
        "must be one of 'higher_is_better' or 'lower_is_better'; got 'lower'"
    )


def test_bad_measure(folder):
    edit(folder, "review.toml", 'measure = "SMD"', 'measure = "RR"')
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (29, "outcome.measure")
    assert problem.message == "must be one of 'auto', 'MD' or 'SMD'; got 'RR'"


def test_bad_method(folder):
    edit(folder, "review.toml", 'method = "REML"', 'method = "REMLX"')
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (58, "analysis.method")
    assert problem.message == (
        "must be one of 'FE', 'DL', 'REML', 'ML', 'PM', 'HE', 'SJ', 'HS', 'EB'; got 'REMLX'"
    )


def test_bad_test(folder):
    edit(folder, "review.toml", 'test = "z"', 'test = "knapp"')
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (59, "analysis.test")
    assert problem.message == "must be one of 'z' or 'hksj'; got 'knapp'"


def test_fixed_model_with_random_effects_method(folder):
    edit(folder, "review.toml", 'model = "random"', 'model = "fixed"')
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (58, "analysis.method")
    assert problem.message == "model 'fixed' needs method 'FE'; got 'REML'"


@pytest.mark.parametrize(
    ("value", "shown"), [("[100, 0]", "[100, 0]"), ("[0, 50, 100]", "[0, 50, 100]"), ("100", "100")]
)
def test_rescale_to_not_two_increasing_numbers(folder, value, shown):
    edit(folder, "review.toml", "rescale_to = [0, 100]", f"rescale_to = {value}")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("review.toml", 22, "outcome.rescale_to")
    assert problem.message == f"must be two increasing numbers [low, high]; got {shown}"


def test_timepoint_window_inverted(folder):
    edit(folder, "review.toml", "weeks = [13, 51]", "weeks = [51, 13]")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (53, "timepoints.medium")
    assert problem.message == "window is inverted: start 51 > end 13"


def test_timepoint_windows_overlap(folder):
    edit(folder, "review.toml", "weeks = [13, 51]", "weeks = [10, 51]")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (53, "timepoints.medium")
    assert problem.message == "window [10, 51] overlaps window 'short' [0, 12]"


def test_timepoint_window_in_short_form(folder):
    edit(folder, "review.toml", 'long = { label = "Long-term", weeks = [52, 1000] }', "long = [52]")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (54, "timepoints.long")
    assert problem.message == "must be two numbers [start_week, end_week], each >= 0; got [52]"


@pytest.mark.parametrize(
    ("table", "old", "line"), [("outcome", "function", 26), ("comparator", "waitlist", 48)]
)
def test_duplicate_ids(folder, table, old, line):
    first = "pain" if table == "outcome" else "usual_care"
    edit(folder, "review.toml", f'id = "{old}"', f'id = "{first}"')
    found = problems_of(folder)
    dup = [p for p in found if p.file == "review.toml"]
    assert len(dup) == 1
    assert (dup[0].line, dup[0].field) == (line, f"{table}.id")
    assert dup[0].message == f"duplicate {table} id {first!r}; ids must be unique"


def test_moderator_column_not_in_studies(folder):
    edit(folder, "review.toml", 'column = "peer_type"', 'column = "peer_role"')
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("review.toml", 68, "moderator.column")
    assert problem.message.startswith("column 'peer_role' is not in studies.csv (its columns: ")


# ------------------------------------------------------------------------------- studies.csv


def test_duplicate_study_id(folder):
    edit(folder, "studies.csv", "baker2015,Baker 2015", "adams2012,Baker 2015")
    found = [p for p in problems_of(folder) if p.file == "studies.csv"]
    assert [(p.line, p.field, p.message) for p in found] == [
        (3, "study_id", "duplicate study_id 'adams2012' (first on line 2)")
    ]


def test_cluster_without_icc(folder):
    edit(folder, "studies.csv", "true,0.05,10", "true,,10")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("studies.csv", 5, "icc")
    assert problem.message == "is required when cluster is true (for the design effect)"


def test_numeric_moderator_with_text(folder):
    edit(folder, "studies.csv", "volunteer,6,false", "volunteer,six,false")
    found = problems_of(folder)
    # duration_weeks is a known numeric column, so the row check catches it first
    assert [(p.file, p.line, p.field, p.message) for p in found] == [
        ("studies.csv", 3, "duration_weeks", "must be a number; got 'six'")
    ]


def test_numeric_moderator_on_extra_column(folder):
    edit(
        folder,
        "review.toml",
        'column = "condition"\nlabel = "Pain condition"\nkind = "categorical"',
        'column = "condition"\nkind = "numeric"',
    )
    found = problems_of(folder)
    assert len(found) == 6
    assert (found[0].file, found[0].line, found[0].field) == ("studies.csv", 2, "condition")
    assert found[0].message == (
        "moderator 'condition' is numeric, so this must be a number; got 'osteoarthritis'"
    )


# ------------------------------------------------------------------------------ outcomes.csv


def test_unknown_study_id(folder):
    edit(folder, "outcomes.csv", "baker2015,pain,usual_care,12", "bakr2015,pain,usual_care,12")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("outcomes.csv", 4, "study_id")
    assert problem.message == "unknown study 'bakr2015'; it is not in studies.csv"


def test_unknown_outcome_id(folder):
    edit(folder, "outcomes.csv", "adams2012,function,", "adams2012,disability,")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (12, "outcome_id")
    assert problem.message == (
        "unknown outcome 'disability'; review.toml defines 'pain', 'function', "
        "'self_efficacy', 'quality_of_life'"
    )


def test_unknown_comparator_id(folder):
    edit(folder, "outcomes.csv", "chen2017,pain,waitlist", "chen2017,pain,wait_list")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (6, "comparator_id")
    assert problem.message == (
        "unknown comparator 'wait_list'; review.toml defines 'usual_care', 'waitlist'"
    )


def test_timepoint_outside_every_window(folder):
    edit(folder, "outcomes.csv", "adams2012,pain,usual_care,8,", "adams2012,pain,usual_care,12.5,")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (2, "timepoint_weeks")
    assert problem.message == (
        "12.5 weeks is outside every timepoint window "
        "(short [0, 12], medium [13, 51], long [52, 1000])"
    )


def test_sd_not_positive(folder):
    edit(folder, "outcomes.csv", "38.2,11.0,", "38.2,0,")
    problem = only_problem(folder)
    assert str(problem) == "outcomes.csv, line 16, field 'sd1': must be > 0; got 0"


def test_n_below_two(folder):
    edit(folder, "outcomes.csv", ",,,,,,54,,,,,,", ",,,,,,1,,,,,,")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (3, "n2")
    assert problem.message == "must be >= 2; got 1"


def test_non_numeric_cell(folder):
    edit(folder, "outcomes.csv", "5.1,2.0,", '"5,1",2.0,')
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (4, "m1")
    assert problem.message == "must be a number; got '5,1'"


def test_bad_boolean_cell(folder):
    edit(
        folder,
        "outcomes.csv",
        "SF-36 physical functioning,0,100,true",
        "SF-36 physical functioning,0,100,maybe",
    )
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (14, "higher_is_better")
    assert problem.message == "must be true or false; got 'maybe'"


def test_arm_level_and_contrast_on_one_row(folder):
    edit(folder, "outcomes.csv", "38.2,11.0,", "38.2,11.0,")
    edit(folder, "outcomes.csv", "35.1,11.5,,,,,,,54,,,,,,", "35.1,11.5,,,,,,,54,3.1,1.2,,,,")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (16, "estimate")
    assert problem.message == (
        "row has both arm-level data (m1, sd1, m2, sd2) and contrast-level data "
        "(estimate, se); use one layout per row"
    )


def test_row_with_missing_columns(folder):
    edit(
        folder,
        "outcomes.csv",
        "36.0,12.1,,,,,,,36,33.2,12.4,,,,,,,37,",
        "36.0,12.1,,,,,,,36,33.2,,,,,,,,,",
    )
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (17, "sd2")
    assert problem.message == (
        "no usable data layout: arm-level data is missing sd2 (or se2, or ci2_low and ci2_high), n2"
    )


def test_row_with_no_data(folder):
    edit(folder, "outcomes.csv", "6.8,1.9,,,,,,,120,6.3,2.0,,,,,,,118,", ",,,,,,,,,,,,,,,,,,")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (18, None)
    assert problem.message.startswith("no usable data layout: give m1, sd1, n1, m2, sd2, n2")


def test_contrast_without_se_or_ci(folder):
    edit(folder, "outcomes.csv", "-0.15,0.21,,,SMD", "-0.15,,,,SMD")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (15, "se")
    assert problem.message == (
        "no usable data layout: contrast-level data needs se or ci_low and ci_high; "
        "missing se, ci_low, ci_high"
    )


def test_scale_min_not_below_scale_max(folder):
    edit(folder, "outcomes.csv", "PSEQ,0,60", "PSEQ,60,60")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (16, "scale_min")
    assert problem.message == "must be < scale_max; got 60 >= 60"


def test_md_outcome_on_different_ranges_without_rescale_to(folder):
    edit(folder, "review.toml", "rescale_to = [0, 100]\n", "")
    found = problems_of(folder)
    assert [(p.line, p.field) for p in found] == [
        (4, "scale_max"),
        (5, "scale_max"),
        (6, "scale_max"),
    ]
    assert found[0].message == (
        "outcome 'pain' is pooled as MD without rescale_to, but this row's scale [0, 10] "
        "differs from line 2's [0, 100]; set rescale_to in review.toml or use measure 'SMD'"
    )


def test_rescaled_outcome_needs_scale_range(folder):
    edit(folder, "outcomes.csv", "usual_care,8,,,VAS,0,100,", "usual_care,8,,,VAS,,,")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (2, "scale_min")
    assert problem.message.startswith("is required: outcome 'pain' has rescale_to")


def test_duplicate_row_of_multi_arm_trial_without_arm(folder):
    edit(folder, "outcomes.csv", "26,online,evans-uc", "26,group,evans-uc")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (10, "arm")
    assert problem.message.startswith("duplicate row: same study, outcome, comparator, timepoint")


def test_smd_contrast_for_md_outcome(folder):
    edit(folder, "outcomes.csv", "-4.2,,-9.0,0.6,MD", "-0.2,,-0.5,0.1,SMD")
    problem = only_problem(folder)
    assert (problem.line, problem.field) == (7, "measure")
    assert problem.message == "outcome 'pain' is pooled as MD but this contrast is an SMD"


# ------------------------------------------------------------------------- all problems at once


def test_all_problems_are_reported_at_once(folder):
    edit(folder, "review.toml", 'test = "z"', 'test = "t"')
    edit(folder, "outcomes.csv", "48.2,20.1,", "48.2,-2.5,")
    edit(folder, "outcomes.csv", "5.1,2.0,,,,,,,40,", "5.1,2.0,,,,,,,1,")
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    found = info.value.problems
    assert [(p.file, p.line, p.field) for p in found] == [
        ("review.toml", 59, "analysis.test"),
        ("outcomes.csv", 2, "sd1"),
        ("outcomes.csv", 4, "n1"),
    ]
    assert str(info.value).splitlines() == [str(p) for p in found]


def test_errors_across_three_files_and_no_partial_result(folder):
    edit(folder, "studies.csv", "0.05,10", ",10")
    edit(folder, "review.toml", 'direction = "higher_is_better"', 'direction = "up"')
    edit(folder, "outcomes.csv", "adams2012,pain,usual_care,8", "nobody,pain,usual_care,8")
    found = problems_of(folder)
    assert [p.file for p in found] == ["review.toml", "studies.csv", "outcomes.csv"]
    assert all(isinstance(p, Problem) for p in found)


# ------------------------------------------------------------------------------------- XLSX


def _to_xlsx(folder, stem: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with (folder / f"{stem}.csv").open(newline="", encoding="utf-8") as fh:
        for i, cells in enumerate(csv.reader(fh)):
            sheet.append([_number(c) if i else c for c in cells])
    book.save(folder / f"{stem}.xlsx")
    (folder / f"{stem}.csv").unlink()


def _number(cell: str):
    for kind in (int, float):
        try:
            return kind(cell)
        except ValueError:
            pass
    return cell or None


def test_xlsx_tables_load_like_csv(folder):
    _to_xlsx(folder, "studies")
    _to_xlsx(folder, "outcomes")
    review = load_review(folder)
    expected = load_review(MINIMAL)
    assert review.studies == expected.studies
    # XLSX rows are one line each, so rows after the multi-line cell move up by one
    assert [r.layout for r in review.outcome_rows] == [r.layout for r in expected.outcome_rows]
    assert [(r.study_id, r.n1, r.m1) for r in review.outcome_rows] == [
        (r.study_id, r.n1, r.m1) for r in expected.outcome_rows
    ]


def test_xlsx_problem_names_the_sheet_row(folder):
    edit(folder, "outcomes.csv", "48.2,20.1,", "48.2,-2.5,")
    _to_xlsx(folder, "outcomes")
    problem = only_problem(folder)
    assert str(problem) == "outcomes.xlsx, line 2, field 'sd1': must be > 0; got -2.5"


def test_missing_key_in_a_block_points_at_the_block(folder):
    edit(folder, "review.toml", 'label = "Function"\n', "")
    problem = only_problem(folder)
    assert (problem.line, problem.field, problem.message) == (25, "outcome.label", "is required")


def test_semicolon_separated_csv(folder):
    path = folder / "studies.csv"
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    assert load_review(folder).studies["dubois2019"].icc == 0.05
