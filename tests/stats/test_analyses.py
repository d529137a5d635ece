"""Validation and internal consistency of the analyses built on the engine."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evsynth as es
from evsynth.stats._metareg import fit_tau2_general

from ._data import dataset

YI, VI = dataset("bcg")
METHODS = ["FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"]


@pytest.mark.parametrize("method", METHODS)
def test_matrix_fitter_with_intercept_only_equals_the_batch_engine(method):
    """The meta-regression fitter and the closed-form engine are independent codes."""
    tau2, converged, _it, _m = fit_tau2_general(YI, VI, np.ones((len(YI), 1)), method)
    assert converged
    assert tau2 == pytest.approx(es.meta_analysis(YI, VI, method=method).tau2, rel=1e-9, abs=1e-12)


def test_categorical_moderator_is_dummy_coded_against_the_first_sorted_level():
    groups = ["b", "a", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]
    fit = es.meta_regression(YI, VI, {"arm": groups}, method="DL")
    assert fit.coef_names == ("intercept", "arm[b]", "arm[c]")
    assert fit.qm_df == 2


def test_hksj_meta_regression_reports_an_f_test():
    fit = es.meta_regression(YI, VI, {"x": np.arange(13.0)}, test="hksj")
    assert fit.qm_df == (1, 11)
    assert fit.df == 11
    # with one moderator F equals the square of its t statistic
    assert fit.qm == pytest.approx(fit.statistic[1] ** 2, rel=1e-12)


@pytest.mark.parametrize(
    ("moderators", "match"),
    [
        (None, "moderators is required"),
        ({}, "moderators is empty"),
        ({"x": [1.0] * 12}, r"moderators\['x'\] has shape \(12,\) but there are 13 studies"),
        ({"x": [1.0] * 12 + [np.nan]}, r"moderators\['x'\]\[12\] is nan"),
        ({"g": ["a"] * 13}, r"moderators\['g'\] has a single level 'a'"),
        ({"g": ["a"] * 12 + [None]}, r"moderators\['g'\]\[12\] is missing"),
        ({"x": np.arange(13.0), "y": 2 * np.arange(13.0)}, "collinear"),
    ],
)
def test_meta_regression_bad_moderators(moderators, match):
    with pytest.raises(ValueError, match=match):
        es.meta_regression(YI, VI, moderators)


def test_meta_regression_needs_more_studies_than_coefficients():
    with pytest.raises(ValueError, match="2 studies cannot estimate 2 coefficients"):
        es.meta_regression([0.1, 0.2], [0.1, 0.1], {"x": [1.0, 2.0]})


def test_subgroups_in_order_of_first_appearance_and_single_study_groups_warn():
    groups = ["z"] * 6 + ["a"] * 6 + ["solo"]
    with pytest.warns(UserWarning, match="'solo' contain a single study"):
        sg = es.subgroup_analysis(YI, VI, groups, method="DL")
    assert list(sg.groups) == ["z", "a", "solo"]
    assert sg.groups["solo"].estimate == YI[-1]
    assert sg.q_between_df == 2
    assert sg.overall.k == 13


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        (None, "groups is required"),
        (["a"] * 12, "groups has length 12 but yi has length 13"),
        (["a"] * 13, "single subgroup"),
        (["a"] * 12 + [""], r"groups\[12\] is missing"),
    ],
)
def test_subgroup_bad_groups(groups, match):
    with pytest.raises(ValueError, match=match):
        es.subgroup_analysis(YI, VI, groups)


def test_q_between_is_zero_for_identical_subgroups():
    y = np.concatenate([YI[:6], YI[:6]])
    v = np.concatenate([VI[:6], VI[:6]])
    sg = es.subgroup_analysis(y, v, ["a"] * 6 + ["b"] * 6)
    assert sg.q_between == pytest.approx(0, abs=1e-20)
    assert sg.q_between_pvalue == pytest.approx(1.0)


def test_heterogeneity_ci_refuses_fe_and_single_study():
    with pytest.raises(ValueError, match="common-effect"):
        es.heterogeneity_ci(es.meta_analysis(YI, VI, method="FE"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = es.meta_analysis([0.1], [0.1])
    with pytest.raises(ValueError, match="single study"):
        es.heterogeneity_ci(one)
    with pytest.raises(ValueError, match="must be a MetaAnalysisResult"):
        es.heterogeneity_ci("not a fit")


def test_heterogeneity_ci_bounds_bracket_and_zero_when_q_is_small():
    yi, vi = dataset("edge_boundary")
    ci = es.heterogeneity_ci(es.meta_analysis(yi, vi))
    assert ci.tau2_low == 0.0 and ci.i2_low == 0.0
    assert ci.tau2_high > 0


def test_leave_one_out_needs_two_studies_and_warns_for_two():
    with pytest.warns(UserWarning, match="leaving one of two studies out"):
        loo = es.leave_one_out(es.meta_analysis(YI[:2], VI[:2]))
    assert loo.estimate.tolist() == [YI[1], YI[0]]


def test_egger_and_trim_and_fill_need_three_studies():
    two = es.meta_analysis(YI[:2], VI[:2])
    with pytest.raises(ValueError, match="at least 3 studies"):
        es.egger_test(two)
    with pytest.raises(ValueError, match="at least 3 studies"):
        es.trim_and_fill(two)
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        es.trim_and_fill(es.meta_analysis(YI, VI), side="up")


def test_trim_and_fill_imputes_mirror_images_about_the_trimmed_estimate():
    res = es.meta_analysis(YI, VI, method="FE")
    tf = es.trim_and_fill(res, side="left")
    assert tf.side == "left"
    assert tf.result.k == res.k + tf.k0
    assert tf.result.labels[-1] == f"Filled {tf.k0}" if tf.k0 else True


def test_trim_and_fill_with_equal_variances_defaults_to_left():
    yi, vi = dataset("edge_equal_vi")
    tf = es.trim_and_fill(es.meta_analysis(yi, vi))
    assert tf.side == "left"
