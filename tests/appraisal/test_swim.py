"""SWiM: direction of effect per study (70% rule), the sign test and the reporting items."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from evsynth.appraisal._swim import (
    DIRECTIONS,
    SWIM_ITEMS,
    SignTestResult,
    effect_direction,
    sign_test,
)


def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided sign-test p by hand: twice the smaller tail of Binomial(n, 1/2)."""
    tail = sum(math.comb(n, i) for i in range(min(k, n - k) + 1)) / 2**n
    return min(1.0, 2 * tail)


# ---- effect_direction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effect", "lower_is_better", "expected"),
    [
        (2.5, False, "benefit"),
        (-2.5, False, "harm"),
        (-2.5, True, "benefit"),
        (2.5, True, "harm"),
        (0.0, True, "mixed"),
        (0, False, "mixed"),
        (1e-12, False, "benefit"),
    ],
)
def test_single_estimate_gives_its_sign(effect, lower_is_better, expected):
    assert effect_direction(effect, lower_is_better=lower_is_better) == expected
    assert effect_direction([effect], lower_is_better=lower_is_better) == expected


@pytest.mark.parametrize(
    ("effects", "expected"),
    [
        ([1, 2, 3], "benefit"),
        ([1, 2, -3], "mixed"),  # 2 of 3 = 67% < 70%
        ([1, 2, 3, -4], "benefit"),  # 3 of 4 = 75%
        ([-1, -2, -3, 4], "harm"),
        ([1, -1], "mixed"),
        ([1, 1, -1, -1], "mixed"),
        ([-1, -1, -1, -1, -1, -1, -1, 1, 1, 1], "harm"),
    ],
)
def test_several_estimates_need_seventy_percent_agreement(effects, expected):
    assert effect_direction(effects, lower_is_better=False) == expected


def test_exactly_seventy_percent_is_enough_and_just_under_is_not():
    seven_of_ten = [1.0] * 7 + [-1.0] * 3
    assert effect_direction(seven_of_ten, lower_is_better=False) == "benefit"
    assert effect_direction(seven_of_ten, lower_is_better=True) == "harm"
    # 69 of 100 misses the threshold, 70 of 100 meets it.
    assert effect_direction([1.0] * 69 + [-1.0] * 31, lower_is_better=False) == "mixed"
    assert effect_direction([1.0] * 70 + [-1.0] * 30, lower_is_better=False) == "benefit"
    # 7 of 10 also meets 0.7 however the float product rounds (0.7 * 10, 0.7 * 20, ...).
    for n in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100):
        agree = 7 * n // 10
        effects = [1.0] * agree + [-1.0] * (n - agree)
        assert effect_direction(effects, lower_is_better=False) == "benefit", n


def test_zeros_count_in_the_denominator_but_for_no_direction():
    assert effect_direction([0.0, 0.0, 0.0], lower_is_better=True) == "mixed"
    assert effect_direction([1.0, 1.0, 1.0, 0.0], lower_is_better=False) == "benefit"  # 75%
    assert effect_direction([1.0, 1.0, 0.0], lower_is_better=False) == "mixed"  # 67%
    assert effect_direction([-1.0, 0.0], lower_is_better=True) == "mixed"  # 50%


def test_direction_ignores_significance_only_point_estimates_count():
    # Tiny, surely non-significant estimates still have a direction.
    assert effect_direction([0.001, 0.002, 0.003], lower_is_better=False) == "benefit"


def test_custom_threshold_and_array_input():
    effects = np.array([1.0, 2.0, -3.0])
    assert effect_direction(effects, lower_is_better=False) == "mixed"
    assert effect_direction(effects, lower_is_better=False, threshold=0.6) == "benefit"
    assert effect_direction(effects, lower_is_better=False, threshold=1) == "mixed"
    assert effect_direction(iter([np.float64(-1.0), np.int64(-2)]), lower_is_better=True) == (
        "benefit"
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"effects": [], "lower_is_better": True}, ValueError, "at least one"),
        ({"effects": [1.0, math.nan], "lower_is_better": True}, ValueError, "finite"),
        ({"effects": math.inf, "lower_is_better": True}, ValueError, "finite"),
        ({"effects": ["1.0"], "lower_is_better": True}, TypeError, "numbers"),
        ({"effects": [True], "lower_is_better": True}, TypeError, "numbers"),
        ({"effects": [1.0], "lower_is_better": "yes"}, TypeError, "lower_is_better"),
        ({"effects": [1.0], "lower_is_better": True, "threshold": 0.5}, ValueError, "0.5"),
        ({"effects": [1.0], "lower_is_better": True, "threshold": 1.2}, ValueError, "threshold"),
        ({"effects": [1.0], "lower_is_better": True, "threshold": "0.7"}, TypeError, "number"),
    ],
)
def test_effect_direction_rejects_bad_input(kwargs, error, match):
    effects = kwargs.pop("effects")
    with pytest.raises(error, match=match):
        effect_direction(effects, **kwargs)


# ---- sign_test ----------------------------------------------------------------------------


def test_sign_test_five_of_six():
    res = sign_test(["benefit"] * 5 + ["harm"])
    assert (res.n_benefit, res.n_harm, res.n_mixed, res.n) == (5, 1, 0, 6)
    assert res.pvalue == pytest.approx(0.21875, abs=1e-12)
    assert res.pvalue == pytest.approx(2 * (1 + 6) / 64)
    assert res.summary() == "5 of 6 studies favour the intervention (sign test p = 0.22)"


@pytest.mark.parametrize("n_benefit", range(0, 13))
@pytest.mark.parametrize("n_harm", [0, 1, 3, 7, 12])
def test_sign_test_matches_scipy_and_hand_binomial_sums(n_benefit, n_harm):
    if n_benefit + n_harm == 0:
        return
    res = sign_test(["benefit"] * n_benefit + ["harm"] * n_harm + ["mixed", None])
    n = n_benefit + n_harm
    assert res.n == n
    assert res.n_mixed == 1
    assert res.pvalue == pytest.approx(stats.binomtest(n_benefit, n, 0.5).pvalue, rel=1e-12)
    assert res.pvalue == pytest.approx(binomial_two_sided(n_benefit, n), rel=1e-12)


def test_sign_test_known_values():
    assert sign_test(["benefit"] * 6).pvalue == pytest.approx(2 / 64)  # 0.03125
    assert sign_test(["benefit"] * 3 + ["harm"] * 3).pvalue == pytest.approx(1.0)
    assert sign_test(["harm"]).pvalue == pytest.approx(1.0)
    assert sign_test(["benefit"] * 9 + ["harm"]).pvalue == pytest.approx(22 / 1024)


def test_mixed_studies_are_excluded_from_n():
    with_mixed = sign_test(["benefit"] * 5 + ["harm"] + ["mixed"] * 4)
    without = sign_test(["benefit"] * 5 + ["harm"])
    assert with_mixed.n == without.n == 6
    assert with_mixed.n_mixed == 4
    assert with_mixed.pvalue == without.pvalue
    assert with_mixed.summary() == (
        "5 of 6 studies favour the intervention (sign test p = 0.22; "
        "4 studies with mixed or no clear direction excluded)"
    )


def test_sign_test_with_no_studies_or_only_mixed_has_nan_p():
    empty = sign_test([])
    assert (empty.n, empty.n_mixed) == (0, 0)
    assert math.isnan(empty.pvalue)
    all_mixed = sign_test(["mixed"] * 3)
    assert (all_mixed.n_benefit, all_mixed.n_harm, all_mixed.n_mixed, all_mixed.n) == (0, 0, 3, 0)
    assert math.isnan(all_mixed.pvalue)
    assert all_mixed.summary().startswith("No study with a clear direction of effect")
    assert "3 studies with mixed" in all_mixed.summary()
    assert sign_test([None, None]).n == 0


def test_summary_names_the_majority_and_agrees_in_number():
    assert sign_test(["harm"] * 4 + ["benefit"]).summary() == (
        "4 of 5 studies favour the control (sign test p = 0.38)"
    )
    assert sign_test(["benefit"]).summary() == (
        "1 of 1 study favours the intervention (sign test p = 1.00)"
    )
    assert sign_test(["benefit"] * 10).summary() == (
        "10 of 10 studies favour the intervention (sign test p = 0.002)"
    )
    assert "p < 0.001" in sign_test(["benefit"] * 12).summary()
    assert "1 study with mixed" in sign_test(["benefit", "mixed"]).summary()


def test_sign_test_result_is_frozen():
    res = sign_test(["benefit", "harm"])
    assert isinstance(res, SignTestResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n = 3  # type: ignore[misc]


def test_sign_test_takes_effect_direction_output():
    per_study = [[-1.0, -2.0], [-0.5], [3.0], [-1.0, 1.0]]
    directions = [effect_direction(e, lower_is_better=True) for e in per_study]
    assert directions == ["benefit", "benefit", "harm", "mixed"]
    res = sign_test(directions)
    assert (res.n_benefit, res.n_harm, res.n_mixed, res.n) == (2, 1, 1, 3)


@pytest.mark.parametrize(
    ("directions", "error", "match"),
    [
        (["benefit", "Benefit"], ValueError, r"directions\[1\] is 'Benefit'"),
        (["benefit", "significant"], ValueError, "expected one of"),
        ("benefit", TypeError, "single string"),
    ],
)
def test_sign_test_rejects_bad_directions(directions, error, match):
    with pytest.raises(error, match=match):
        sign_test(directions)


# ---- SWiM items ---------------------------------------------------------------------------


def test_swim_items_are_the_nine_reporting_items():
    assert len(SWIM_ITEMS) == 9
    assert [number for number, _, _ in SWIM_ITEMS] == list(range(1, 10))
    names = [name.lower() for _, name, _ in SWIM_ITEMS]
    for word in (
        "grouping",
        "metric",
        "synthesis method",
        "prioritising",
        "heterogeneity",
        "certainty",
        "presentation",
        "reporting",
        "limitations",
    ):
        assert sum(word in name for name in names) == 1, word
    for _, name, description in SWIM_ITEMS:
        assert name and description and "\n" not in description


def test_directions_constant():
    assert DIRECTIONS == ("benefit", "harm", "mixed")
