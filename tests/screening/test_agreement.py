"""Cohen's kappa, its standard error and CI, percent agreement and PABAK.

Reference values: tests/fixtures/kappa/kappa.json, made by make_kappa_fixtures.R beside it
from R's psych::cohen.kappa() and vcd::Kappa() (both use the large-sample variance of Fleiss,
Cohen & Everitt 1969); and Cohen's (1968) worked example, whose published proportions give
p_o = .70, p_e = .41 and kappa = .29/.59 exactly.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime
from pathlib import Path

import pytest

from evsynth.screening import (
    AGREEMENT_CSV_FIELDS,
    ScreeningError,
    ScreeningEvent,
    agreement,
    agreement_csv_rows,
    cohen_kappa,
    derive_states,
)

RTOL = 1e-6
FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "kappa" / "kappa.json").read_text(encoding="utf-8")
)
CASES = {case["name"]: case for case in FIXTURE["cases"]}
T0 = datetime(2024, 3, 1)
TA, FT = "title_abstract", "full_text"


def close(actual, expected, rtol=RTOL):
    return math.isclose(actual, expected, rel_tol=rtol, abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_kappa_and_its_variance_match_r_psych(name):
    case = CASES[name]
    result = cohen_kappa(case["table"])
    assert close(result.kappa, case["psych_kappa"][0]), case["psych_call"]
    assert close(result.se**2, case["psych_var_kappa"][0]), case["psych_call"]
    low, high = result.confidence_interval(0.95)
    assert close(low, case["psych_ci95"][0]) and close(high, case["psych_ci95"][1])


@pytest.mark.parametrize("name", sorted(CASES))
def test_kappa_its_ase_and_confint_match_r_vcd(name):
    case = CASES[name]
    result = cohen_kappa(case["table"])
    assert close(result.kappa, case["vcd_kappa"][0]), case["vcd_call"]
    assert close(result.se, case["vcd_ase"][0]), case["vcd_call"]
    for level, key in ((0.95, "vcd_ci95"), (0.90, "vcd_ci90")):
        low, high = result.confidence_interval(level)
        assert close(low, case[key][0]) and close(high, case[key][1]), case[key + "_call"]


def test_the_fixture_says_where_it_came_from():
    assert FIXTURE["psych_version"] and FIXTURE["vcd_version"]
    assert len(CASES) == 8
    assert all(c["psych_call"].startswith("psych::cohen.kappa(") for c in CASES.values())


def test_cohen_1968_worked_example():
    # Cohen (1968), Psychol Bull 70:213-220: proportions .44 .07 .09 / .05 .20 .05 /
    # .01 .03 .06 (as counts of 200); Cohen reports kappa = .492.
    result = cohen_kappa([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    assert close(result.observed, 0.70, 1e-12) and close(result.expected, 0.41, 1e-12)
    assert close(result.kappa, 29 / 59, 1e-12)
    assert round(result.kappa, 3) == 0.492
    assert close(result.percent_agreement, 70.0, 1e-12)


def test_pabak_for_k_categories():
    two = cohen_kappa([[40, 5], [7, 948]])
    assert close(two.pabak, 2 * 0.988 - 1, 1e-12)
    four = cohen_kappa([[20, 2, 1, 0], [3, 15, 0, 1], [0, 2, 4, 0], [0, 0, 0, 2]])
    po = 41 / 50
    assert close(four.pabak, (4 * po - 1) / 3, 1e-12)
    # An unused category changes PABAK (k), never kappa.
    padded = cohen_kappa([[40, 5, 0], [7, 948, 0], [0, 0, 0]])
    assert close(padded.kappa, two.kappa, 1e-12) and close(padded.se, two.se, 1e-12)
    assert close(padded.pabak, (3 * 0.988 - 1) / 2, 1e-12)


def test_perfect_agreement_has_kappa_one_and_no_spread():
    result = cohen_kappa([[10, 0], [0, 5]])
    assert (result.kappa, result.se, result.pabak) == (1.0, 0.0, 1.0)
    assert result.confidence_interval() == (1.0, 1.0)


def test_kappa_is_undefined_when_both_raters_used_one_same_category():
    result = cohen_kappa([[12, 0], [0, 0]], categories=("include", "exclude"))
    assert math.isnan(result.kappa) and math.isnan(result.se)
    assert all(math.isnan(x) for x in result.confidence_interval())
    assert (result.percent_agreement, result.pabak) == (100.0, 1.0)


def test_the_confidence_interval_is_clipped_to_minus_one_one():
    low, high = cohen_kappa([[1, 1], [0, 2]]).confidence_interval(0.99)
    assert low == -1.0 or high == 1.0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2, 3], [4, 5, 6]], "square with at least 2 categories"),
        ([[5]], "square with at least 2 categories"),
        ([[1, -1], [0, 2]], "counts"),
        ([[1.5, 1], [0, 2]], "counts"),
        ([[0, 0], [0, 0]], "holds no records"),
    ],
)
def test_a_bad_table_is_refused(table, message):
    with pytest.raises(ScreeningError, match=message):
        cohen_kappa(table)


def test_categories_must_name_each_row_once():
    with pytest.raises(ScreeningError, match="categories must name the table's 2 categories"):
        cohen_kappa([[1, 0], [0, 1]], categories=("include", "include"))


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, True, "0.95"])
def test_the_level_must_be_between_zero_and_one(level):
    with pytest.raises(ScreeningError, match="level must be strictly between 0 and 1"):
        cohen_kappa([[3, 1], [1, 3]]).confidence_interval(level)


# --- from the screening states ----------------------------------------------------------------


def votes(record, stage, pairs):
    return [
        ScreeningEvent(
            record, who, stage, decision,
            reason="Not an RCT" if stage == FT and decision == "exclude" else None, at=T0,
        )
        for who, decision in pairs
    ]  # fmt: skip


def test_agreement_per_stage_and_pair_over_closed_records_only():
    events = []
    table = {("include", "include"): 5, ("include", "exclude"): 2, ("exclude", "exclude"): 20,
             ("maybe", "exclude"): 3, ("exclude", "include"): 1}  # fmt: skip
    i = 0
    for (first, second), count in table.items():
        for _ in range(count):
            events += votes(f"r{i}", TA, [("ana", first), ("ben", second)])
            i += 1
    events += votes("open", TA, [("ana", "include")])  # not closed: not counted
    events += votes("x1", TA, [("ana", "exclude"), ("cy", "exclude")])
    results = agreement(derive_states(events))
    assert [(r.stage, r.reviewers, r.n) for r in results] == [
        (TA, None, 32),
        (TA, ("ana", "ben"), 31),
        (TA, ("ana", "cy"), 1),
    ]
    pair = results[1]
    assert pair.categories == ("include", "exclude", "maybe")
    assert pair.table == ((5, 2, 0), (1, 20, 0), (0, 3, 0))
    assert pair.kappa == cohen_kappa(pair.table).kappa
    assert close(pair.pabak, (3 * 25 / 31 - 1) / 2, 1e-12)
    assert results[0].table == ((5, 2, 0), (1, 21, 0), (0, 3, 0))


def test_rater_one_is_the_first_name_whoever_voted_first():
    events = votes("r1", TA, [("ben", "include"), ("ana", "exclude")])
    (_, pair) = agreement(derive_states(events))
    assert pair.reviewers == ("ana", "ben")
    assert pair.table == ((0, 0, 0), (1, 0, 0), (0, 0, 0))


def test_three_voters_count_once_per_pair():
    events = votes("r1", TA, [("ana", "include"), ("ben", "include"), ("cy", "exclude")])
    results = agreement(derive_states(events, required=3))
    assert [(r.reviewers, r.n) for r in results] == [
        (None, 3), (("ana", "ben"), 1), (("ana", "cy"), 1), (("ben", "cy"), 1),
    ]  # fmt: skip


def test_full_text_has_its_own_categories_and_they_can_be_chosen():
    events = votes("r1", TA, [("ana", "include"), ("ben", "include")])
    events += votes("r1", FT, [("ana", "not_retrieved"), ("ben", "exclude")])
    results = agreement(derive_states(events))
    ft = [r for r in results if r.stage == FT]
    assert ft[0].categories == ("include", "exclude", "maybe", "not_retrieved")
    chosen = agreement(derive_states(events), categories={TA: ("include", "exclude")})
    assert chosen[0].categories == ("include", "exclude")
    with pytest.raises(ScreeningError, match="falls outside the categories include, exclude"):
        agreement(derive_states(events), categories={FT: ("include", "exclude")})
    with pytest.raises(ScreeningError, match="unknown stage 'abstract'"):
        agreement(derive_states(events), categories={"abstract": ("include",)})


def test_no_closed_records_no_results():
    assert agreement(derive_states(votes("r1", TA, [("ana", "include")]))) == ()


def test_csv_export():
    events = []
    for i, pair in enumerate(
        [("include", "include"), ("exclude", "exclude"), ("include", "exclude")]
    ):
        events += votes(f"r{i}", TA, [("ana", pair[0]), ("ben", pair[1])])
    events += votes("s1", TA, [("cy", "exclude"), ("dee", "exclude")])  # kappa undefined
    rows = agreement_csv_rows(agreement(derive_states(events)), level=0.9)
    out = io.StringIO()
    writer = csv.DictWriter(out, AGREEMENT_CSV_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["reviewer_1"], r["reviewer_2"], r["records"]) for r in read] == [
        ("all", "all", "4"), ("ana", "ben", "3"), ("cy", "dee", "1"),
    ]  # fmt: skip
    assert read[1]["percent_agreement"] == "66.666667"
    assert read[1]["categories"] == "include|exclude|maybe"
    assert read[1]["ci_level"] == "0.9"
    assert (read[2]["kappa"], read[2]["se"], read[2]["ci_low"]) == ("", "", "")
    assert read[2]["pabak"] == "1.000000"
