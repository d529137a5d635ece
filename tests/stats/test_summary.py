"""summary() follows metafor's printed layout.

Expected lines are metafor 3.8-1's output for dat.bcg (log risk ratios):

    dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
    print(rma(yi, vi, data = dat))
    print(rma(yi, vi, data = dat, method = "DL", test = "knha"))
    print(rma(yi, vi, data = dat, method = "FE"))
    confint(rma(yi, vi, data = dat), control = list(tol = 1e-12))

(the significance legend is printed with ASCII quotes here).
"""

from __future__ import annotations

import warnings

import evsynth as es

from ._data import dataset

YI, VI = dataset("bcg")


def test_random_effects_summary_matches_metafor_lines():
    text = es.meta_analysis(YI, VI).summary()
    for line in [
        "Random-Effects Model (k = 13; tau^2 estimator: REML)",
        "tau^2 (estimated amount of total heterogeneity): 0.3132 (SE = 0.1664)",
        "tau (square root of estimated tau^2 value):      0.5597",
        "I^2 (total heterogeneity / total variability):   92.22%",
        "H^2 (total variability / sampling variability):  12.86",
        "Q(df = 12) = 152.2330, p-val < .0001",
        "estimate      se     zval    pval    ci.lb    ci.ub",
        " -0.7145  0.1798  -3.9744  <.0001  -1.0669  -0.3622  ***",
        "95% prediction interval: [-1.8667, 0.4376]",
    ]:
        assert line in text.splitlines(), line


def test_hksj_summary_has_t_and_df_columns():
    text = es.meta_analysis(YI, VI, method="DL", test="hksj").summary()
    lines = text.splitlines()
    assert "estimate      se     tval  df    pval    ci.lb    ci.ub" in lines
    assert " -0.7141  0.1807  -3.9520  12  0.0019  -1.1078  -0.3204  **" in lines


def test_common_effect_summary_has_no_tau2_and_no_prediction_interval():
    text = es.meta_analysis(YI, VI, method="FE").summary()
    assert "Common-Effect Model (k = 13)" in text
    assert "tau^2" not in text and "prediction interval" not in text
    assert " -0.4303  0.0405  -10.6247  <.0001  -0.5097  -0.3509  ***" in text.splitlines()


def test_heterogeneity_ci_summary():
    text = es.heterogeneity_ci(es.meta_analysis(YI, VI)).summary()
    assert "tau^2     0.3132   0.1197   1.1115" in text
    assert "H^2      12.8558   5.5311  43.0677" in text


def test_summary_frames():
    res = es.meta_analysis(YI, VI, labels=[f"Trial {i}" for i in range(13)])
    frame = res.summary_frame()
    assert list(frame["study"])[:2] == ["Trial 0", "Trial 1"]
    assert frame.iloc[-1]["study"] == "RE model"
    assert abs(frame["weight"].iloc[:-1].sum() - 100) < 1e-9
    batch = es.meta_analysis_batch([YI, YI * 2], [VI, VI * 4])
    assert batch.summary_frame().shape[0] == 2


def test_other_summaries_render():
    res = es.meta_analysis(YI, VI)
    assert "Test for Funnel Plot Asymmetry: t = " in es.egger_test(res).summary()
    assert "missing studies on the right side: 1" in es.trim_and_fill(res).summary()
    assert "-Study 13" in es.leave_one_out(res).summary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sg = es.subgroup_analysis(YI, VI, ["a"] * 6 + ["b"] * 7)
    assert "Test for subgroup differences: Chi^2 = " in sg.summary()
    mr = es.meta_regression(YI, VI, {"x": list(range(13))})
    assert "Test of Moderators (coefficients 2:2):" in mr.summary()
    assert "QM(df = 1) = " in mr.summary()
