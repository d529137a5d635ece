"""Published worked examples, reproduced to the publications' own rounding.

The numbers below were typed from the publications' tables. I read them (with the page and
table of each) in the test suite of R's metafor, which checks metafor against the same tables:
github.com/wviechtb/metafor, tests/testthat/test_analysis_example_normand1999.r,
test_analysis_example_raudenbush2009.r and test_analysis_example_viechtbauer2005.r. The
tolerance of each check is half a unit in the last digit the publication prints (named below);
metafor's own tests use the same criterion (``round(x, d) == published``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evsynth as es

TOL_2DP = 0.005  # values printed with 2 decimals
TOL_3DP = 0.0005  # values printed with 3 decimals
EPS = 1e-9  # floating-point slack on top of the rounding half-unit


def assert_rounds_to(actual: float, published: float, tol: float, what: str) -> None:
    assert abs(actual - published) <= tol + EPS, (
        f"{what}: {actual!r} does not round to the published {published!r} (+/- {tol})"
    )


# ---------------------------------------------------------------------------------------------
# Normand, S.-L. T. (1999). Meta-analysis: formulating, evaluating, combining, and reporting.
# Statistics in Medicine, 18(3), 321-359. doi:10.1002/(SICI)1097-0258(19990215)18:3<321::AID-
# SIM28>3.0.CO;2-P
# Length of hospital stay (days), specialist vs routine care after stroke, 9 trials.
# Data: Table VIII (p. 351) = metadat::dat.normand1999. Results: Table IX (p. 352).
# The paper computes each trial's mean difference with the pooled SD of the two arms.

NORMAND_N1 = np.array([155, 31, 75, 18, 8, 57, 34, 110, 60], dtype=float)
NORMAND_M1 = np.array([55, 27, 64, 66, 14, 19, 52, 21, 30], dtype=float)
NORMAND_SD1 = np.array([47, 7, 17, 20, 8, 7, 45, 16, 27], dtype=float)
NORMAND_N2 = np.array([156, 32, 71, 18, 13, 52, 33, 183, 52], dtype=float)
NORMAND_M2 = np.array([75, 29, 119, 137, 18, 18, 41, 31, 23], dtype=float)
NORMAND_SD2 = np.array([64, 4, 29, 48, 11, 4, 34, 27, 20], dtype=float)


def _normand_yi_vi():
    n1, n2 = NORMAND_N1, NORMAND_N2
    sdp2 = ((n1 - 1) * NORMAND_SD1**2 + (n2 - 1) * NORMAND_SD2**2) / (n1 + n2 - 2)
    return NORMAND_M1 - NORMAND_M2, sdp2 * (1 / n1 + 1 / n2)


def test_normand1999_table_viii_effect_sizes():
    yi, vi = _normand_yi_vi()
    # Table VIII (p. 351): mean differences and their variances (2 decimals)
    np.testing.assert_array_equal(yi, [-20, -2, -55, -71, -4, 1, 11, -10, 7])
    published_vi = [40.59, 2.05, 15.28, 150.22, 20.19, 1.22, 95.38, 8.03, 20.69]
    for i, (v, p) in enumerate(zip(vi, published_vi, strict=True)):
        assert_rounds_to(v, p, TOL_2DP, f"vi[{i}]")


@pytest.mark.parametrize(
    ("method", "estimate", "ci_low", "ci_high", "tau2"),
    [
        # Table IX (p. 352): fixed effect, random effects (DerSimonian-Laird), random effects
        # (REML); 2 decimals
        ("FE", -3.49, -5.03, -1.96, None),
        ("DL", -14.10, -24.45, -3.75, 218.72),
        ("REML", -15.12, -32.67, 2.43, 685.20),
    ],
)
def test_normand1999_table_ix(method, estimate, ci_low, ci_high, tau2):
    yi, vi = _normand_yi_vi()
    res = es.meta_analysis(yi, vi, method=method)
    assert_rounds_to(res.estimate, estimate, TOL_2DP, f"{method} estimate")
    assert_rounds_to(res.ci_low, ci_low, TOL_2DP, f"{method} ci_low")
    assert_rounds_to(res.ci_high, ci_high, TOL_2DP, f"{method} ci_high")
    if tau2 is not None:
        assert_rounds_to(res.tau2, tau2, TOL_2DP, f"{method} tau2")


# ---------------------------------------------------------------------------------------------
# Raudenbush, S. W. (2009). Analyzing effect sizes: random-effects models. In H. Cooper,
# L. V. Hedges, & J. C. Valentine (Eds.), The Handbook of Research Synthesis and Meta-Analysis
# (2nd ed., ch. 16, pp. 295-315). New York: Russell Sage Foundation.
# Teacher expectancy and pupil IQ, 19 studies (Raudenbush 1984; Raudenbush & Bryk 1985,
# Table 1) = metadat::dat.raudenbush1985: standardized mean differences yi, variances vi, and
# weeks of teacher-pupil contact before the expectancy induction.

RAUDENBUSH_YI = np.array(
    [0.03, 0.12, -0.14, 1.18, 0.26, -0.06, -0.02, -0.32, 0.27, 0.80,
     0.54, 0.18, -0.02, 0.23, -0.18, -0.06, 0.30, 0.07, -0.07]
)  # fmt: skip
RAUDENBUSH_VI = np.array(
    [0.0156, 0.0216, 0.0279, 0.1391, 0.1362, 0.0106, 0.0106, 0.0484, 0.0269, 0.0630,
     0.0912, 0.0497, 0.0835, 0.0841, 0.0253, 0.0279, 0.0193, 0.0088, 0.0303]
)  # fmt: skip
RAUDENBUSH_WEEKS = np.array([2, 21, 19, 0, 0, 3, 17, 24, 0, 1, 0, 0, 1, 2, 17, 5, 1, 2, 7])

# Table 16.3 (p. 309), 3 decimals: tau^2, mean effect, its SE, z (or t) statistic and 95% CI
# for each tau^2 estimator, with the conventional (z) and the Knapp-Hartung (t) inference.
RAUDENBUSH_TABLE_16_3 = {
    # method: (tau2, mu, se, z, ci_low, ci_high)
    "z": {
        "FE": (0.000, 0.060, 0.036, 1.655, -0.011, 0.132),
        "ML": (0.013, 0.078, 0.047, 1.637, -0.015, 0.171),
        "REML": (0.019, 0.084, 0.052, 1.621, -0.018, 0.185),
        "DL": (0.026, 0.089, 0.056, 1.601, -0.020, 0.199),
        "HE": (0.080, 0.114, 0.079, 1.443, -0.041, 0.270),
    },
    "hksj": {
        "FE": (0.000, 0.060, 0.051, 1.173, -0.048, 0.168),
        "ML": (0.013, 0.078, 0.059, 1.311, -0.047, 0.202),
        "REML": (0.019, 0.084, 0.062, 1.359, -0.046, 0.213),
        "DL": (0.026, 0.089, 0.064, 1.405, -0.044, 0.223),
        "HE": (0.080, 0.114, 0.071, 1.608, -0.035, 0.264),
    },
}


@pytest.mark.parametrize(
    ("test", "method"),
    [(t, m) for t, rows in RAUDENBUSH_TABLE_16_3.items() for m in rows],
)
def test_raudenbush2009_table_16_3(test, method):
    tau2, mu, se, stat, ci_low, ci_high = RAUDENBUSH_TABLE_16_3[test][method]
    with warnings.catch_warnings():
        # Knapp-Hartung with the FE model is in the table; metafor warns that the method is
        # not meant for FE models, and evsynth may too.
        if method == "FE" and test == "hksj":
            warnings.simplefilter("ignore")
        res = es.meta_analysis(RAUDENBUSH_YI, RAUDENBUSH_VI, method=method, test=test)
    what = f"{method}/{test}"
    assert_rounds_to(res.tau2, tau2, TOL_3DP, f"{what} tau2")
    assert_rounds_to(res.estimate, mu, TOL_3DP, f"{what} estimate")
    assert_rounds_to(res.se, se, TOL_3DP, f"{what} se")
    assert_rounds_to(res.statistic, stat, TOL_3DP, f"{what} statistic")
    assert_rounds_to(res.ci_low, ci_low, TOL_3DP, f"{what} ci_low")
    assert_rounds_to(res.ci_high, ci_high, TOL_3DP, f"{what} ci_high")


def test_raudenbush2009_table_16_2_fixed_effect_q():
    # Table 16.2 (p. 301): homogeneity statistic Q = 35.83 (2 decimals) on 18 df
    res = es.meta_analysis(RAUDENBUSH_YI, RAUDENBUSH_VI, method="FE")
    assert_rounds_to(res.q, 35.83, TOL_2DP, "Q")
    assert res.q_df == 18


def test_raudenbush2009_table_16_2_mixed_effects_model():
    # Table 16.2 (p. 301): REML mixed-effects model with weeks of prior contact capped at 3:
    # tau^2 = 0.000, coefficients 0.407 and -0.157 (3 decimals), z = 4.68 and -4.39 and
    # residual Q = 16.57 (2 decimals).
    weeks_c = np.minimum(RAUDENBUSH_WEEKS, 3).astype(float)
    mr = es.meta_regression(RAUDENBUSH_YI, RAUDENBUSH_VI, {"weeks_c": weeks_c}, method="REML")
    assert_rounds_to(mr.tau2, 0.0, TOL_3DP, "tau2")
    assert_rounds_to(mr.coef[0], 0.407, TOL_3DP, "intercept")
    assert_rounds_to(mr.coef[1], -0.157, TOL_3DP, "slope of weeks")
    assert_rounds_to(mr.statistic[0], 4.68, TOL_2DP, "z of intercept")
    assert_rounds_to(mr.statistic[1], -4.39, TOL_2DP, "z of weeks")
    assert_rounds_to(mr.qe, 16.57, TOL_2DP, "residual Q")


# ---------------------------------------------------------------------------------------------
# Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the
# random-effects model. Journal of Educational and Behavioral Statistics, 30(3), 261-293.
# doi:10.3102/10769986030003261
# Two illustrative data sets (section "Examples"); tau^2 by estimator, 3 decimals: example 1
# on p. 271, example 2 on p. 272.

VIECHTBAUER_EXAMPLES = {
    "example1": {
        "yi": [-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232],
        "vi": [0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040],
        "tau2": {
            "HS": 0.228,
            "HE": 0.148,
            "DL": 0.277,
            "ML": 0.197,
            "REML": 0.223,
            "EB": 0.192,
            "SJ": 0.199,
        },
    },
    "example2": {
        "yi": [0.100, -0.162, -0.090, -0.049, -0.046, -0.010, -0.431, -0.261, 0.134,
               0.019, 0.175, 0.056, 0.045, 0.103, 0.121, -0.482, 0.290, 0.342],
        "vi": [0.016, 0.015, 0.050, 0.050, 0.032, 0.052, 0.036, 0.024, 0.034,
               0.033, 0.031, 0.034, 0.039, 0.167, 0.134, 0.096, 0.016, 0.035],
        "tau2": {
            "HS": 0.010,
            "HE": 0.000,
            "DL": 0.013,
            "ML": 0.013,
            "REML": 0.016,
            "EB": 0.010,
            "SJ": 0.025,
        },
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("example", "method"),
    [(ex, m) for ex, spec in VIECHTBAUER_EXAMPLES.items() for m in spec["tau2"]],
)
def test_viechtbauer2005_tau2_by_estimator(example, method):
    spec = VIECHTBAUER_EXAMPLES[example]
    res = es.meta_analysis(spec["yi"], spec["vi"], method=method)
    assert_rounds_to(res.tau2, spec["tau2"][method], TOL_3DP, f"{example} {method} tau2")
