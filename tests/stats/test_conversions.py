"""Tests for the data conversions of evsynth.stats (Cochrane Handbook, Wan 2014, Luo 2018)."""

from __future__ import annotations

import math
import statistics
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from evsynth.stats import (
    change_sd,
    combine_groups,
    correlation_from_change,
    design_effect,
    effective_sample_size,
    mean_sd_from_median,
    rescale,
    rescale_sd,
    sd_from_ci,
    sd_from_se,
    split_shared_control,
)

#: Tolerance for values computed independently in the test (other formula arrangement, the
#: standard library instead of SciPy): only floating-point rounding separates them.
RTOL = 1e-12

PHI_INV = NormalDist().inv_cdf  # standard normal quantile, from the standard library

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------------------------
# SD from SE and CI (Cochrane Handbook 6.5.2.2)
# --------------------------------------------------------------------------------------------


def test_sd_from_se_handbook_formula():
    # SD = SE * sqrt(N)
    assert sd_from_se(2.3, 25) == pytest.approx(11.5, rel=RTOL)
    assert isinstance(sd_from_se(2.3, 25), float)
    np.testing.assert_allclose(sd_from_se([1.0, 0.5, 0.2], [16, 100, 2]), [4.0, 5.0, 0.2 * 2**0.5])
    np.testing.assert_allclose(sd_from_se([1.0, 0.5], 16), [4.0, 2.0])  # scalar n is shared


def test_sd_from_ci_large_sample_handbook_divisors():
    # Handbook 6.5.2.2: for large samples a 95% CI is 3.92 SEs wide (2 x 1.96), a 90% CI 3.29
    # and a 99% CI 5.15 (divisors rounded to 2 decimals in the Handbook, hence rel=1e-3).
    n = 400  # sqrt(n) = 20
    assert sd_from_ci(50.0, 53.92, n) == pytest.approx(20.0, rel=1e-3)
    assert sd_from_ci(50.0, 53.29, n, level=0.90) == pytest.approx(20.0, rel=1e-3)
    assert sd_from_ci(50.0, 55.15, n, level=99) == pytest.approx(20.0, rel=1e-3)
    # exactly, with the normal quantile
    assert sd_from_ci(0.0, 2 * 1.959963984540054, n) == pytest.approx(20.0, rel=RTOL)


def test_sd_from_ci_small_sample_handbook_t_example():
    # Handbook 6.5.2.2: for a sample of 25 the 95% t value (24 df) is 2.0639, so the divisor
    # 3.92 becomes 2 x 2.0639 = 4.128. A CI 4.128 wide then gives SD = sqrt(25) = 5 (to the
    # rounding of 2.0639). 2.0638985616280245 is t(0.975, 24) to double precision.
    assert sd_from_ci(7.0, 11.128, 25) == pytest.approx(5.0, rel=1e-4)
    assert sd_from_ci(7.0, 11.128, 25) == pytest.approx(
        5 * 4.128 / (2 * 2.0638985616280245), rel=RTOL
    )


def test_sd_from_ci_distribution_choice():
    from scipy import stats

    width, z = 4.0, 1.959963984540054
    t58, t199 = stats.t.ppf(0.975, 58), stats.t.ppf(0.975, 199)
    # the critical values agree with printed t tables (4 decimals)
    assert (round(t58, 4), round(t199, 4)) == (2.0017, 1.9720)
    # "auto": t below 60 participants, normal from 60 on
    assert sd_from_ci(0.0, width, 59) == pytest.approx(math.sqrt(59) * width / (2 * t58), RTOL)
    assert sd_from_ci(0.0, width, 60) == pytest.approx(math.sqrt(60) * width / (2 * z), RTOL)
    # forced
    assert sd_from_ci(0.0, width, 59, distribution="z") == pytest.approx(
        math.sqrt(59) * width / (2 * z), RTOL
    )
    assert sd_from_ci(0.0, width, 200, distribution="T") == pytest.approx(
        math.sqrt(200) * width / (2 * t199), RTOL
    )
    # vectorised, mixed
    out = sd_from_ci([0.0, 0.0], [width, width], [59, 60])
    np.testing.assert_allclose(out, [math.sqrt(59) * 2 / t58, math.sqrt(60) * 2 / z], rtol=RTOL)


def test_sd_validation():
    with pytest.raises(ValueError, match=r"^se\[1\] is .*> 0"):
        sd_from_se([1.0, 0.0], [10, 10])
    with pytest.raises(ValueError, match=r"^n\[0\] is .*>= 2"):
        sd_from_se(1.0, 1)
    with pytest.raises(ValueError, match=r"^se\[2\] is .*finite"):
        sd_from_se([1.0, 1.0, np.nan], 10)
    with pytest.raises(ValueError, match="n has length 2 but se has length 3"):
        sd_from_se([1.0, 1.0, 1.0], [10, 10])
    with pytest.raises(ValueError, match=r"ci_low\[1\] \(3\.0\) must be < ci_high\[1\] \(3\.0\)"):
        sd_from_ci([1.0, 3.0], [2.0, 3.0], 10)
    with pytest.raises(ValueError, match=r"ci_low\[0\] \(5\.0\) must be < ci_high\[0\]"):
        sd_from_ci(5.0, 2.0, 10)
    with pytest.raises(ValueError, match=r"^ci_high\[1\] is .*finite"):
        sd_from_ci([1.0, 1.0], [2.0, np.inf], 10)
    with pytest.raises(ValueError, match=r"^n\[1\] is .*>= 2"):
        sd_from_ci([1.0, 1.0], [2.0, 2.0], [10, 0])
    with pytest.raises(ValueError, match="distribution must be one of"):
        sd_from_ci(1.0, 2.0, 10, distribution="normal")
    with pytest.raises(ValueError, match="level must be"):
        sd_from_ci(1.0, 2.0, 10, level=1.0)


@given(sd=positive, n=st.integers(2, 10_000))
def test_sd_from_ci_inverts_the_interval(sd, n):
    # build the t interval for a mean with this SD, then recover the SD
    from scipy import stats

    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert sd_from_ci(10.0 - half, 10.0 + half, n, distribution="t") == pytest.approx(sd, 1e-9)


# --------------------------------------------------------------------------------------------
# Mean and SD from median, quartiles and range (Luo 2018, Wan 2014)
# --------------------------------------------------------------------------------------------
# No published worked example with enough digits was found, so the expected values are
# derived by hand from the papers' formulas with independent arithmetic: the standard
# library's NormalDist for the quantiles (the implementation uses SciPy) and the weights
# written out as printed in the papers.


def _xi(n):  # Wan et al. 2014, eq. (7): 2 Phi^-1((n - 0.375) / (n + 0.25))
    return 2 * PHI_INV((n - 0.375) / (n + 0.25))


def _eta(n):  # Wan et al. 2014, eq. (13): 2 Phi^-1((0.75 n - 0.125) / (n + 0.25))
    return 2 * PHI_INV((0.75 * n - 0.125) / (n + 0.25))


def test_scenario_1_minimum_median_maximum():
    # n = 20, a = 1, m = 4, b = 9. Luo eq. (7): w = 4 / (4 + 20^0.75), 20^0.75 = 9.4574161,
    # so w = 0.2972339
    n, a, m, b = 20, 1.0, 4.0, 9.0
    w = 4 / (4 + 20**0.75)
    mean, sd = mean_sd_from_median(m, n, minimum=a, maximum=b)
    assert mean == pytest.approx(w * (a + b) / 2 + (1 - w) * m, rel=RTOL)
    assert mean == pytest.approx(4.2972339, abs=1e-7)  # 4 + w * (5 - 4)
    assert sd == pytest.approx((b - a) / _xi(n), rel=RTOL)
    # xi(20) = 2 Phi^-1(19.625 / 20.25) = 2 Phi^-1(0.9691358) = 2 * 1.8682417 = 3.7364833
    assert sd == pytest.approx(8 / 3.7364833, rel=1e-7)


def test_scenario_2_quartiles():
    # n = 100, q1 = 40, m = 55, q3 = 60. Luo eq. (11): w = 0.7 + 0.39 / n = 0.7039
    n, q1, m, q3 = 100, 40.0, 55.0, 60.0
    mean, sd = mean_sd_from_median(m, n, q1=q1, q3=q3)
    assert mean == pytest.approx(0.7039 * 50 + 0.2961 * 55, rel=RTOL)  # = 51.4805
    assert sd == pytest.approx((q3 - q1) / _eta(n), rel=RTOL)


def test_scenario_3_five_numbers():
    # n = 50, a = 2, q1 = 10, m = 15, q3 = 22, b = 41.
    # Luo eq. (15): w1 = 2.2 / (2.2 + n^0.75), w2 = 0.7 - 0.72 / n^0.55.
    # Wan eq. (16): SD = (b - a) / (2 xi(n)) + (q3 - q1) / (2 eta(n)).
    n, a, q1, m, q3, b = 50, 2.0, 10.0, 15.0, 22.0, 41.0
    w1 = 2.2 / (2.2 + 50**0.75)
    w2 = 0.7 - 0.72 / 50**0.55
    mean, sd = mean_sd_from_median(m, n, q1=q1, q3=q3, minimum=a, maximum=b)
    expected_mean = w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m
    assert mean == pytest.approx(expected_mean, rel=RTOL)
    assert sd == pytest.approx((b - a) / (2 * _xi(n)) + (q3 - q1) / (2 * _eta(n)), rel=RTOL)


def test_large_sample_iqr_rule():
    # Handbook 6.5.2.5: for normal data the IQR is about 1.35 SDs wide (2 x 0.6745 = 1.349),
    # which eta(n) approaches as n grows.
    _, sd = mean_sd_from_median(50.0, 10**7, q1=40.0, q3=60.0)
    assert sd == pytest.approx(20 / 1.3489795, rel=1e-6)


def test_median_vectorised_and_types():
    mean, sd = mean_sd_from_median([4.0, 10.0], [20, 45], minimum=[1.0, 2.0], maximum=[9.0, 30.0])
    assert mean.shape == sd.shape == (2,)
    m0, s0 = mean_sd_from_median(4.0, 20, minimum=1.0, maximum=9.0)
    assert isinstance(m0, float) and isinstance(s0, float)
    assert (mean[0], sd[0]) == pytest.approx((m0, s0), rel=RTOL)
    # scalar n shared by all
    mean, sd = mean_sd_from_median([4.0, 5.0], 20, q1=[3.0, 4.0], q3=[6.0, 7.0])
    assert mean.shape == (2,)


def test_median_validation():
    with pytest.raises(ValueError, match="q1 is given without q3"):
        mean_sd_from_median(5.0, 20, q1=3.0)
    with pytest.raises(ValueError, match="maximum is given without minimum"):
        mean_sd_from_median(5.0, 20, maximum=9.0, q1=3.0, q3=6.0)
    with pytest.raises(ValueError, match="missing: minimum, maximum, q1, q3"):
        mean_sd_from_median(5.0, 20)
    with pytest.raises(ValueError, match=r"q1\[1\] \(6\.0\) must be <= median\[1\] \(5\.0\)"):
        mean_sd_from_median([5.0, 5.0], [20, 20], q1=[3.0, 6.0], q3=[7.0, 7.0])
    with pytest.raises(ValueError, match=r"median\[0\] \(9\.0\) must be <= maximum\[0\]"):
        mean_sd_from_median(9.0, 20, minimum=1.0, maximum=8.0)
    with pytest.raises(ValueError, match=r"minimum\[0\] \(2\.0\) must be <= q1\[0\]"):
        mean_sd_from_median(5.0, 20, minimum=2.0, q1=1.0, q3=6.0, maximum=9.0)
    with pytest.raises(ValueError, match=r"minimum\[0\] \(5\.0\) must be < maximum\[0\]"):
        mean_sd_from_median(5.0, 20, minimum=5.0, maximum=5.0)
    with pytest.raises(ValueError, match=r"q1\[0\] \(5\.0\) must be < q3\[0\]"):
        mean_sd_from_median(5.0, 20, q1=5.0, q3=5.0)
    with pytest.raises(ValueError, match=r"^n\[1\] is .*>= 2"):
        mean_sd_from_median([5.0, 5.0], [20, 1], q1=3.0, q3=6.0)
    with pytest.raises(ValueError, match=r"^q3\[0\] is .*finite"):
        mean_sd_from_median(5.0, 20, q1=3.0, q3=np.nan)
    with pytest.raises(ValueError, match="q3 has length 3 but median has length 2"):
        mean_sd_from_median([5.0, 5.0], 20, q1=[3.0, 3.0], q3=[6.0, 6.0, 6.0])


@given(
    n=st.integers(2, 5000),
    quantiles=st.lists(finite, min_size=5, max_size=5, unique=True).map(sorted),
    shift=finite,
    scale=positive,
)
def test_median_estimators_are_location_scale_equivariant(n, quantiles, shift, scale):
    a, q1, m, q3, b = quantiles
    assume(b - a > 1e-6 and q3 - q1 > 1e-6)
    base = mean_sd_from_median(m, n, q1=q1, q3=q3, minimum=a, maximum=b)
    moved = mean_sd_from_median(
        shift + scale * m,
        n,
        q1=shift + scale * q1,
        q3=shift + scale * q3,
        minimum=shift + scale * a,
        maximum=shift + scale * b,
    )
    assert moved[0] == pytest.approx(shift + scale * base[0], rel=1e-9, abs=1e-6 * scale)
    assert moved[1] == pytest.approx(scale * base[1], rel=1e-9)


@given(n=st.integers(2, 5000), centre=finite, half_range=positive, half_iqr=positive)
def test_symmetric_summaries_give_the_median(n, centre, half_range, half_iqr):
    half_iqr = min(half_iqr, half_range)
    mean, _ = mean_sd_from_median(
        centre,
        n,
        q1=centre - half_iqr,
        q3=centre + half_iqr,
        minimum=centre - half_range,
        maximum=centre + half_range,
    )
    assert mean == pytest.approx(centre, rel=1e-12, abs=1e-9)


# --------------------------------------------------------------------------------------------
# Combining groups (Handbook Table 6.5.a)
# --------------------------------------------------------------------------------------------


def test_combine_groups_hand_computation():
    # N = 10 + 20 = 30; M = (10 * 5 + 20 * 8) / 30 = 7;
    # SD^2 = (9 * 4 + 19 * 9 + 10 * 20 / 30 * (5 - 8)^2) / 29 = (36 + 171 + 60) / 29 = 267 / 29
    n, mean, sd = combine_groups(10, 5.0, 2.0, 20, 8.0, 3.0)
    assert (n, mean) == (30.0, 7.0)
    assert sd == pytest.approx(math.sqrt(267 / 29), rel=RTOL)
    ns, means, sds = combine_groups([10, 5], [5.0, 1.0], [2.0, 1.0], [20, 5], [8.0, 1.0], 3.0)
    np.testing.assert_allclose(ns, [30.0, 10.0])
    np.testing.assert_allclose(means, [7.0, 1.0])
    # equal means: SD^2 = (4 * 1 + 4 * 9) / 9
    np.testing.assert_allclose(sds, [math.sqrt(267 / 29), math.sqrt(40 / 9)], rtol=RTOL)


@given(
    x=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30),
    y=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30),
)
def test_combine_groups_equals_pooling_the_raw_data(x, y):
    mx, sx, my, sy = (
        statistics.fmean(x),
        statistics.stdev(x),
        statistics.fmean(y),
        statistics.stdev(y),
    )
    n, mean, sd = combine_groups(len(x), mx, sx, len(y), my, sy)
    assert n == len(x) + len(y)
    assert mean == pytest.approx(statistics.fmean(x + y), rel=1e-9, abs=1e-9)
    assert sd == pytest.approx(statistics.stdev(x + y), rel=1e-7, abs=1e-7)


@given(n=st.integers(1, 10_000), m=finite, sd=st.floats(0, 1e3))
def test_combining_a_group_with_itself_keeps_the_mean(n, m, sd):
    total, mean, pooled = combine_groups(n, m, sd, n, m, sd)
    assert total == 2 * n
    assert mean == pytest.approx(m, rel=1e-15, abs=1e-12)
    # the SD shrinks slightly: 2 (n - 1) sd^2 / (2n - 1)
    assert pooled == pytest.approx(sd * math.sqrt(2 * (n - 1) / (2 * n - 1)), rel=1e-12)


def test_combine_groups_validation():
    with pytest.raises(ValueError, match=r"^n2\[1\] is .*>= 1"):
        combine_groups([5, 5], 1.0, 1.0, [5, 0], 2.0, 1.0)
    with pytest.raises(ValueError, match=r"^sd1\[0\] is .*>= 0"):
        combine_groups(5, 1.0, -1.0, 5, 2.0, 1.0)
    with pytest.raises(ValueError, match=r"^m2\[0\] is .*finite"):
        combine_groups(5, 1.0, 1.0, 5, np.nan, 1.0)
    with pytest.raises(ValueError, match="m2 has length 3 but n1 has length 2"):
        combine_groups([5, 5], 1.0, 1.0, 5, [1.0, 2.0, 3.0], 1.0)


# --------------------------------------------------------------------------------------------
# Rescaling
# --------------------------------------------------------------------------------------------


def test_rescale_hand_computation():
    assert rescale(6.5, (0, 10), (0, 100)) == pytest.approx(65.0, rel=RTOL)
    # a 1-5 scale to 0-100: x' = (x - 1) * 25
    np.testing.assert_allclose(rescale([1.0, 2.0, 5.0], (1, 5), (0, 100)), [0.0, 25.0, 100.0])
    # reversed: x'' = 0 + 100 - x'
    np.testing.assert_allclose(
        rescale([1.0, 2.0, 5.0], (1, 5), (0, 100), reverse=True), [100.0, 75.0, 0.0]
    )
    # per-study ranges
    np.testing.assert_allclose(rescale([5.0, 5.0], ([0, 0], [10, 20]), (0, 100)), [50.0, 25.0])
    assert rescale_sd(1.5, (0, 10), (0, 100)) == pytest.approx(15.0, rel=RTOL)
    np.testing.assert_allclose(rescale_sd([1.0, 2.0], ([0, 1], [10, 5]), (0, 100)), [10.0, 50.0])


@given(x=st.floats(0, 1), a=finite, wa=positive, b=finite, wb=positive, reverse=st.booleans())
def test_rescale_round_trip(x, a, wa, b, wb, reverse):
    value = a + x * wa
    assume(a <= value <= a + wa)
    there = rescale(value, (a, a + wa), (b, b + wb), reverse=reverse)
    back = rescale(min(max(there, b), b + wb), (b, b + wb), (a, a + wa), reverse=reverse)
    assert back == pytest.approx(value, rel=1e-9, abs=1e-9 * max(wa, abs(a), 1))


@given(
    data=st.lists(st.floats(0, 10), min_size=2, max_size=20),
    reverse=st.booleans(),
)
def test_rescaled_data_have_the_rescaled_sd(data, reverse):
    moved = rescale(data, (0, 10), (-50, 50), reverse=reverse)
    assert statistics.stdev(moved) == pytest.approx(
        rescale_sd(statistics.stdev(data), (0, 10), (-50, 50)), rel=1e-9, abs=1e-9
    )
    assert statistics.fmean(moved) == pytest.approx(
        rescale(statistics.fmean(data), (0, 10), (-50, 50), reverse=reverse), abs=1e-9
    )


def test_rescale_validation():
    with pytest.raises(ValueError, match=r"values\[1\] is -2\.0, outside from_range \[0\.0, 10"):
        rescale([1.0, -2.0], (0, 10), (0, 100))
    with pytest.raises(ValueError, match=r"from_range low\[0\] \(10\.0\) must be < from_range"):
        rescale(5.0, (10, 0), (0, 100))
    with pytest.raises(ValueError, match=r"to_range low\[0\] \(0\.0\) must be < to_range"):
        rescale_sd(1.0, (0, 10), (0, 0))
    with pytest.raises(ValueError, match="to_range must be a pair"):
        rescale(5.0, (0, 10), 100)
    with pytest.raises(ValueError, match=r"^values\[0\] is .*finite"):
        rescale([np.nan], (0, 10), (0, 100))
    with pytest.raises(ValueError, match=r"^sd\[1\] is .*>= 0"):
        rescale_sd([1.0, -1.0], (0, 10), (0, 100))
    with pytest.raises(ValueError, match=r"^from_high\[0\] is .*finite"):
        rescale_sd(1.0, (0, np.inf), (0, 100))


# --------------------------------------------------------------------------------------------
# Change from baseline (Handbook 6.5.2.8)
# --------------------------------------------------------------------------------------------


def test_change_sd_handbook_worked_example():
    # Cochrane Handbook 5.1.0, section 16.4.6.4 (same formula, for paired differences):
    # SD_E = 2.38, SD_C = 2.21, imputed Corr = 0.68, n = 10. SD_diff =
    # sqrt(2.38^2 + 2.21^2 - 2 * 0.68 * 2.38 * 2.21) = sqrt(3.395172) and the Handbook reports
    # SE = SD_diff / sqrt(10) = 0.583.
    sd = change_sd(2.38, 2.21, 0.68)
    assert sd == pytest.approx(math.sqrt(3.395172), rel=RTOL)
    assert round(sd / math.sqrt(10), 3) == 0.583


def test_change_sd_edges_and_vectors():
    # r = 0: sqrt(3^2 + 4^2) = 5; r = 1 with equal SDs: 0 exactly (no NaN); r = -1: b + f
    np.testing.assert_allclose(change_sd([3.0, 2.0, 3.0], [4.0, 2.0, 4.0], [0, 1, -1]), [5, 0, 7])
    assert correlation_from_change(3.0, 4.0, 5.0) == pytest.approx(0.0, abs=1e-15)
    # (6.4^2 + 7.1^2 - 4.5^2) / (2 * 6.4 * 7.1) = 71.12 / 90.88
    assert correlation_from_change(6.4, 7.1, 4.5) == pytest.approx(71.12 / 90.88, rel=RTOL)


@given(b=positive, f=positive, r=st.floats(-0.99, 0.99))
def test_correlation_from_change_inverts_change_sd(b, f, r):
    assume(0.01 < b / f < 100)
    sd = change_sd(b, f, r)
    assert correlation_from_change(b, f, sd) == pytest.approx(r, abs=1e-8)


def test_change_validation():
    with pytest.raises(ValueError, match=r"^correlation\[1\] is 1\.5; every value must be in"):
        change_sd(1.0, 1.0, [0.5, 1.5])
    with pytest.raises(ValueError, match=r"^sd_final\[0\] is .*> 0"):
        change_sd(1.0, 0.0, 0.5)
    with pytest.raises(ValueError, match=r"^sd_baseline\[0\] is .*finite"):
        change_sd(np.nan, 1.0, 0.5)
    with pytest.raises(ValueError, match=r"sd_change\[1\] \(10\.0\) is inconsistent with"):
        correlation_from_change([3.0, 3.0], [4.0, 4.0], [5.0, 10.0])
    with pytest.raises(ValueError, match=r"^sd_change\[0\] is .*> 0"):
        correlation_from_change(3.0, 4.0, 0.0)


# --------------------------------------------------------------------------------------------
# Cluster trials (Handbook 23.1.4) and shared control groups (Handbook 23.3.4)
# --------------------------------------------------------------------------------------------


def test_design_effect_and_effective_sample_size():
    # 1 + (10 - 1) * 0.02 = 1.18; 295 / 1.18 = 250
    assert design_effect(10, 0.02) == pytest.approx(1.18, rel=RTOL)
    assert effective_sample_size(295, 10, 0.02) == pytest.approx(250.0, rel=RTOL)
    np.testing.assert_allclose(design_effect([1, 21, 5], [0.5, 0.05, 0.0]), [1.0, 2.0, 1.0])
    np.testing.assert_allclose(effective_sample_size([100, 90], 21, 0.05), [50.0, 45.0])


def test_cluster_validation():
    with pytest.raises(ValueError, match=r"^icc\[1\] is 1\.2; every value must be in"):
        design_effect(10, [0.1, 1.2])
    with pytest.raises(ValueError, match=r"^icc\[0\] is -0\.1"):
        effective_sample_size(100, 10, -0.1)
    with pytest.raises(ValueError, match=r"^mean_cluster_size\[0\] is 0\.5; every value must"):
        design_effect(0.5, 0.1)
    with pytest.raises(ValueError, match=r"^n\[2\] is .*> 0"):
        effective_sample_size([10, 20, 0], 5, 0.1)


def test_split_shared_control():
    np.testing.assert_array_equal(split_shared_control(25, 3), [9, 8, 8])
    np.testing.assert_array_equal(split_shared_control(20, 2), [10, 10])
    np.testing.assert_array_equal(split_shared_control(7, 1), [7])
    np.testing.assert_array_equal(split_shared_control(np.int64(5), 5.0), [1, 1, 1, 1, 1])
    assert split_shared_control(25, 3).dtype.kind == "i"


@given(n_control=st.integers(1, 100_000), n_arms=st.integers(1, 50))
def test_split_shared_control_properties(n_control, n_arms):
    assume(n_arms <= n_control)
    sizes = split_shared_control(n_control, n_arms)
    assert len(sizes) == n_arms
    assert sizes.sum() == n_control
    assert sizes.max() - sizes.min() <= 1


def test_split_shared_control_validation():
    with pytest.raises(ValueError, match=r"n_arms \(4\) is larger than n_control \(3\)"):
        split_shared_control(3, 4)
    with pytest.raises(ValueError, match=r"n_control must be a whole number; got 2\.5"):
        split_shared_control(2.5, 2)
    with pytest.raises(ValueError, match="n_arms must be a whole number; got True"):
        split_shared_control(10, True)
    with pytest.raises(ValueError, match="n_arms must be >= 1; got 0"):
        split_shared_control(10, 0)
    with pytest.raises(ValueError, match="n_control must be a whole number; got nan"):
        split_shared_control(float("nan"), 2)
    with pytest.raises(ValueError, match="n_control must be a whole number"):
        split_shared_control("12", 2)
