"""Edge cases of the engine: each tested, each with the behaviour metafor has or a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evsynth as es
from evsynth.stats import ConvergenceWarning

from ._data import dataset, fit_ref

RTOL = 1e-6


def test_single_study_pools_to_itself_and_says_heterogeneity_is_undefined():
    with pytest.warns(UserWarning, match="single study.*undefined"):
        res = es.meta_analysis([0.42], [0.09])
    assert res.k == 1
    assert res.estimate == 0.42
    assert res.se == pytest.approx(0.3)
    assert res.tau2 == 0
    assert np.isnan(res.i2) and np.isnan(res.h2) and np.isnan(res.q_pvalue)
    assert res.weights.tolist() == [100.0]
    assert "cannot be estimated from a single study" in res.summary()


def test_single_study_hksj_reports_z_and_says_so():
    with pytest.warns(UserWarning, match="HKSJ t-test needs k >= 2"):
        res = es.meta_analysis([0.42], [0.09], test="hksj")
    assert np.isfinite(res.se) and res.se == pytest.approx(0.3)
    assert res.ci_low == pytest.approx(0.42 - 1.959963984540054 * 0.3)


def test_two_studies_match_metafor():
    yi, vi = dataset("edge_k2")
    for method in ("DL", "REML", "PM"):
        ref = fit_ref("edge_k2", method, "hksj")
        res = es.meta_analysis(yi, vi, method=method, test="hksj")
        assert res.ci_low == pytest.approx(ref["ci_low"], rel=RTOL)
        assert res.tau2 == pytest.approx(ref["tau2"], rel=RTOL)


def test_identical_variances_every_estimator_agrees_on_the_mean():
    yi, vi = dataset("edge_equal_vi")
    assert np.ptp(vi) == 0
    est = {m: es.meta_analysis(yi, vi, method=m).estimate for m in ("FE", "DL", "REML", "PM")}
    # equal variances give equal weights whatever tau2 is: the mean of yi
    for v in est.values():
        assert v == pytest.approx(np.mean(yi), rel=1e-12)


@pytest.mark.parametrize("method", ["REML", "ML", "PM", "EB", "DL", "HE", "HS"])
def test_boundary_tau2_is_exactly_zero(method):
    yi, vi = dataset("edge_boundary")
    res = es.meta_analysis(yi, vi, method=method)
    assert res.q < res.q_df
    assert res.tau2 == 0.0
    ref = fit_ref("edge_boundary", method, "z")
    assert ref["tau2"] == pytest.approx(0.0, abs=1e-8)
    assert res.estimate == pytest.approx(ref["estimate"], rel=RTOL)


@pytest.mark.parametrize("method", ["REML", "ML", "PM", "EB"])
def test_non_convergence_warns_and_falls_back_to_dl(method):
    yi, vi = dataset("bcg")
    with pytest.warns(ConvergenceWarning, match="did not converge.*falling back to DL"):
        res = es.meta_analysis(yi, vi, method=method, maxiter=1)
    dl = es.meta_analysis(yi, vi, method="DL")
    assert not res.converged
    assert res.method == "DL"
    assert res.tau2 == dl.tau2 and res.estimate == dl.estimate
    assert "did not converge" in res.summary()


def test_non_convergence_in_a_batch_falls_back_only_where_needed():
    yi, vi = dataset("bcg")
    Y = np.vstack([yi, yi * 0.01])
    V = np.vstack([vi, vi])
    with pytest.warns(ConvergenceWarning, match="1 of 2 analyses"):
        res = es.meta_analysis_batch(Y, V, maxiter=2)
    assert res.converged.tolist() == [False, True]
    assert res.method_used.tolist() == ["DL", "REML"]


def test_fe_with_hksj_warns_as_metafor():
    yi, vi = dataset("bcg")
    with pytest.warns(UserWarning, match="not meant for a common-effect"):
        es.meta_analysis(yi, vi, method="FE", test="hksj")


# ---- bad input: a ValueError naming the argument and the index, never a silent NaN ----


@pytest.mark.parametrize(
    ("yi", "vi", "match"),
    [
        ([0.1, np.nan, 0.3], [0.1, 0.1, 0.1], r"yi\[1\] is nan"),
        ([0.1, 0.2, 0.3], [0.1, -0.1, 0.1], r"vi\[1\] is -0.1; every value must be > 0"),
        ([0.1, 0.2, 0.3], [0.1, 0.1, 0.0], r"vi\[2\] is 0.0"),
        ([0.1, 0.2, 0.3], [0.1, np.inf, 0.1], r"vi\[1\] is inf"),
        ([0.1, 0.2], [0.1, 0.1, 0.1], r"yi has length 2 but vi has length 3|vi has length 3"),
        ([], [], r"yi is empty"),
        ([[0.1, 0.2]], [[0.1, 0.2]], r"yi must be 1-D"),
        (["a", "b"], [0.1, 0.1], r"yi must be numeric"),
    ],
)
def test_bad_input_names_argument_and_index(yi, vi, match):
    with pytest.raises(ValueError, match=match):
        es.meta_analysis(yi, vi)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "XYZ"}, r"method must be one of 'FE', 'DL', 'REML'"),
        ({"test": "knha2"}, r"test must be one of 'z', 'hksj'"),
        ({"level": 150}, r"level must be a number in \(0, 1\)"),
        ({"level": 0}, r"level must be a number in \(0, 1\)"),
        ({"maxiter": 0}, r"maxiter must be a positive integer"),
        ({"labels": ["a"]}, r"labels has length 1 but yi has length 3"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        es.meta_analysis([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], **kwargs)


def test_method_names_are_case_insensitive_and_level_accepts_percent():
    a = es.meta_analysis([0.1, 0.5, 0.3], [0.1, 0.1, 0.2], method="reml", level=95)
    b = es.meta_analysis([0.1, 0.5, 0.3], [0.1, 0.1, 0.2], method="REML", level=0.95)
    assert a.method == "REML" and a.ci_low == b.ci_low


@pytest.mark.parametrize(
    ("Y", "V", "match"),
    [
        ([[0.1, np.nan]], [[0.1, 0.1]], r"Y\[0, 1\] is nan but V\[0, 1\] is 0.1"),
        ([[0.1, 0.2], [np.nan, np.nan]], [[0.1, 0.1], [np.nan, np.nan]], r"Y\[1\] has no studies"),
        ([[0.1, 0.2]], [[0.1, -1.0]], r"V\[0, 1\] is -1.0"),
        ([[0.1, 0.2]], [[0.1, 0.2, 0.3]], r"Y has shape \(1, 2\) but V has shape \(1, 3\)"),
        ([[0.1, np.inf]], [[0.1, 0.1]], r"Y\[0, 1\] is inf"),
    ],
)
def test_batch_bad_input(Y, V, match):
    with pytest.raises(ValueError, match=match):
        es.meta_analysis_batch(Y, V)


def test_effect_sizes_object_is_accepted():
    ef = es.effect_sizes(
        "MD", m1=[5, 6], sd1=[1, 1.5], n1=[20, 30], m2=[4, 6.5], sd2=[1, 1], n2=[20, 25]
    )
    res = es.meta_analysis(ef, method="DL")
    assert res.measure == "MD"
    assert res.k == 2
    with pytest.raises(ValueError, match="vi must not be given"):
        es.meta_analysis(ef, [0.1, 0.1])


def test_result_is_frozen():
    res = es.meta_analysis([0.1, 0.5, 0.3], [0.1, 0.1, 0.2])
    with pytest.raises(AttributeError):
        res.estimate = 1.0


def test_confidence_and_prediction_intervals_at_other_levels():
    yi, vi = dataset("bcg")
    res = es.meta_analysis(yi, vi, test="hksj")
    lo, hi = res.confidence_interval()
    assert (lo, hi) == pytest.approx((res.ci_low, res.ci_high), rel=1e-12)
    lo90, hi90 = res.confidence_interval(0.90)
    assert res.ci_low < lo90 < hi90 < res.ci_high
    assert res.prediction_interval() == pytest.approx((res.pi_low, res.pi_high), rel=1e-12)


def test_k1_does_not_warn_about_anything_else():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        es.meta_analysis([0.3], [0.1], method="REML")
    assert len(rec) == 1
