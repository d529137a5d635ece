"""Figures of evsynth.report: layout (no overlaps, nothing clipped), numbers, files."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

import evsynth as es
from evsynth.report import forest_plot, funnel_plot, save_figure
from tests.stats._data import DATASETS, dataset

NORMAND = Path(es.__file__).parent / "data" / "normand1999.csv"
MINUS = "\u2212"
LONG = "Study {i}: a long descriptive trial label, e.g. first author et al. 20{i:02d}"


def f(x: float, digits: int = 2) -> str:
    """Independent re-implementation of the figure's number format (typographic minus)."""
    s = f"{x:.{digits}f}"
    if s.startswith("-"):
        s = s[1:] if float(s) == 0 else MINUS + s[1:]
    return s


def revman_p(p: float) -> str:
    if p < 1e-5:
        return "P < 0.00001"
    if p < 1e-4:
        return "P < 0.0001"
    for decimals, floor in ((2, 0.01), (3, 0.001), (4, 0.0001)):
        if p >= floor:
            return f"P = {p:.{decimals}f}"
    raise AssertionError  # pragma: no cover


def texts(fig) -> list[Text]:
    """The visible, non-empty texts of ``fig`` (tick labels included), after a draw."""
    if getattr(fig, "_test_drawn", False) is False:
        fig.canvas.draw()
        fig._test_drawn = True
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def by_gid(fig, gid: str) -> Text:
    index = getattr(fig, "_test_gids", None)
    if index is None:
        index = {}
        for t in texts(fig):
            index.setdefault(t.get_gid(), []).append(t)
        fig._test_gids = index
    found = index.get(gid, [])
    assert len(found) == 1, gid
    return found[0]


def assert_clean_layout(fig) -> None:
    renderer = fig.canvas.get_renderer()
    ts = texts(fig)
    boxes = [t.get_window_extent(renderer) for t in ts]
    fig_box = fig.bbox
    for t, b in zip(ts, boxes, strict=True):
        assert b.x0 >= fig_box.x0 - 0.5 and b.x1 <= fig_box.x1 + 0.5, t.get_text()
        assert b.y0 >= fig_box.y0 - 0.5 and b.y1 <= fig_box.y1 + 0.5, t.get_text()
    for i in range(len(ts)):
        for j in range(i + 1, len(ts)):
            a, b = boxes[i], boxes[j]
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 0 or overlap_y <= 0, (ts[i].get_text(), ts[j].get_text())


def contrast_result(k: int, test: str = "z", long_labels: bool = True):
    pool_y, pool_v = dataset("hackshaw1998")
    extra_y, extra_v = dataset("bcg")
    yi = np.concatenate([pool_y, extra_y])[:k]
    vi = np.concatenate([pool_v, extra_v])[:k]
    labels = [LONG.format(i=i + 1) if long_labels else f"S{i + 1}" for i in range(k)]
    return es.meta_analysis(yi, vi, method="REML", test=test, labels=labels)


def normand():
    d = pd.read_csv(NORMAND)
    ef = es.effect_sizes("MD", m1=d.m1, sd1=d.sd1, n1=d.n1, m2=d.m2, sd2=d.sd2, n2=d.n2)
    return d, ef


def arm_result(k: int, test: str = "z"):
    """Arm-level data with k studies (normand1999 repeated, long labels)."""
    d, _ = normand()
    d = pd.concat([d] * (k // len(d) + 1), ignore_index=True).iloc[:k].copy()
    d["study"] = [LONG.format(i=i + 1) for i in range(k)]
    ef = es.effect_sizes("MD", m1=d.m1, sd1=d.sd1, n1=d.n1, m2=d.m2, sd2=d.sd2, n2=d.n2)
    res = es.meta_analysis(ef, method="REML", test=test, labels=list(d.study))
    return d, res


@pytest.mark.parametrize("k", [2, 5, 13, 40])
@pytest.mark.parametrize("test", ["z", "hksj"])
@pytest.mark.parametrize("arm", [False, True])
@pytest.mark.parametrize("mcid", [None, 10.0])
def test_forest_layout_and_numbers(k, test, arm, mcid):
    if arm:
        d, res = arm_result(k, test)
        fig = forest_plot(res, study_data=d, mcid=mcid, title="Pain intensity, short term")
    else:
        d, res = None, contrast_result(k, test)
        fig = forest_plot(res, mcid=None if mcid is None else 0.5, measure_label="Log OR")
    assert_clean_layout(fig)

    lo, hi = res.study_confidence_intervals()
    for i in range(k):
        assert by_gid(fig, f"forest-study-{i}").get_text() == res.labels[i]
        assert by_gid(fig, f"forest-effect-{i}").get_text() == (
            f"{f(res.yi[i])} [{f(lo[i])}, {f(hi[i])}]"
        )
        assert by_gid(fig, f"forest-weight-{i}").get_text() == f"{res.weights[i]:.1f}%"
    total = f"{f(res.estimate)} [{f(res.ci_low)}, {f(res.ci_high)}]"
    assert by_gid(fig, "forest-total-effect").get_text() == total
    assert by_gid(fig, "forest-total-weight").get_text() == "100.0%"
    het = by_gid(fig, "forest-heterogeneity").get_text()
    assert het == (
        f"Heterogeneity: Tau² = {res.tau2:.2f}; Chi² = {res.q:.2f}, df = {k - 1} "
        f"({revman_p(res.q_pvalue)}); I² = {res.i2:.0f}%"
    )
    overall = by_gid(fig, "forest-overall").get_text()
    if test == "z":
        assert overall == f"Test for overall effect: Z = {abs(res.statistic):.2f} " + (
            f"({revman_p(res.pvalue)})"
        )
    else:
        assert overall == (
            f"Test for overall effect: t = {abs(res.statistic):.2f}, df = {k - 1} "
            f"({revman_p(res.pvalue)})"
        )
    model = by_gid(fig, "forest-head-model").get_text()
    assert model == ("IV, Random (HKSJ), 95% CI" if test == "hksj" else "IV, Random, 95% CI")
    pi = [t for t in texts(fig) if t.get_gid() == "forest-pi"]
    if k >= 3:
        assert pi[0].get_text() == f"[{f(res.pi_low)}, {f(res.pi_high)}]"
    else:
        assert pi == []
    if arm:
        assert by_gid(fig, "forest-n1-0").get_text() == str(int(d.n1.iloc[0]))
        assert by_gid(fig, "forest-total-n1").get_text() == str(int(d.n1.sum()))
        assert by_gid(fig, "forest-total-n2").get_text() == str(int(d.n2.sum()))


def test_forest_height_grows_with_k():
    heights = [forest_plot(contrast_result(k)).get_figheight() for k in (2, 13, 40)]
    assert heights[0] < heights[1] < heights[2]


def test_forest_long_label_widens_study_column():
    short = forest_plot(contrast_result(5, long_labels=False))
    long = forest_plot(contrast_result(5, long_labels=True))
    assert long.get_figwidth() > short.get_figwidth() + 1


@pytest.mark.parametrize("lower_is_better", [True, False])
def test_favours_labels_on_the_correct_side(lower_is_better):
    _, res = arm_result(9)
    fig = forest_plot(res, favours=("peer support", "control"), lower_is_better=lower_is_better)
    renderer = fig.canvas.get_renderer()
    ax = next(a for a in fig.axes if a.get_gid() == "forest-axes")
    fig.canvas.draw()
    x_null = ax.transData.transform((0.0, 0.0))[0]
    left = by_gid(fig, "forest-favours-left")
    right = by_gid(fig, "forest-favours-right")
    assert left.get_window_extent(renderer).x1 <= x_null
    assert right.get_window_extent(renderer).x0 >= x_null
    intervention, control = "Favours peer support", "Favours control"
    if lower_is_better:
        assert (left.get_text(), right.get_text()) == (intervention, control)
    else:
        assert (left.get_text(), right.get_text()) == (control, intervention)


def test_forest_axis_is_symmetric_round_and_covers_everything():
    _, res = arm_result(9)
    fig = forest_plot(res, mcid=10)
    ax = next(a for a in fig.axes if a.get_gid() == "forest-axes")
    xmin, xmax = ax.get_xlim()
    assert xmin == -xmax
    assert xmax in (100.0, 50.0, 200.0)
    lo, hi = res.study_confidence_intervals()
    assert xmin <= min(lo.min(), res.pi_low) and xmax >= max(hi.max(), res.pi_high)
    assert list(ax.get_xticks()) == [-xmax, -xmax / 2, 0, xmax / 2, xmax]


def test_forest_user_xlim_clips_with_arrows():
    _, res = arm_result(9)
    fig = forest_plot(res, xlim=(-20, 20))
    ax = next(a for a in fig.axes if a.get_gid() == "forest-axes")
    assert ax.get_xlim() == (-20.0, 20.0)
    arrows = [ln for ln in ax.lines if ln.get_marker() in ("<", ">")]
    lo, hi = res.study_confidence_intervals()
    expected = int(np.sum(lo < -20) + np.sum(hi > 20) + (res.pi_low < -20) + (res.pi_high > 20))
    assert len(arrows) == expected > 0
    assert_clean_layout(fig)


def test_forest_study_data_as_records_and_mapping():
    d, ef = normand()
    res = es.meta_analysis(ef, method="DL", labels=list(d.study))
    records = d.to_dict("records")
    by_label = {r["study"]: r for r in records}
    for data in (records, by_label, {c: d[c].to_numpy() for c in d.columns}):
        fig = forest_plot(res, study_data=data)
        assert by_gid(fig, "forest-m1-3").get_text() == str(int(d.m1.iloc[3]))
    with pytest.raises(ValueError, match="study_data"):
        forest_plot(res, study_data=d.iloc[:4])


def test_forest_common_effect_has_no_tau2():
    yi, vi = dataset("bcg")
    res = es.meta_analysis(yi, vi, method="FE", labels=DATASETS["bcg"]["labels"])
    fig = forest_plot(res)
    assert by_gid(fig, "forest-heterogeneity").get_text().startswith("Heterogeneity: Chi² = ")
    assert by_gid(fig, "forest-head-model").get_text() == "IV, Fixed, 95% CI"
    assert not [t for t in texts(fig) if t.get_gid() == "forest-pi"]
    assert_clean_layout(fig)


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (3e-6, "P < 0.00001"),
        (7.2e-5, "P < 0.0001"),
        (0.000967, "P = 0.0010"),
        (0.00043, "P = 0.0004"),
        (0.0023, "P = 0.002"),
        (0.0099, "P = 0.010"),
        (0.034, "P = 0.03"),
        (0.26, "P = 0.26"),
        (1.0, "P = 1.00"),
    ],
)
def test_revman_p_format(p, text):
    from evsynth.report._style import fmt_p

    assert fmt_p(p) == text


@pytest.mark.parametrize("contour", [False, True])
@pytest.mark.parametrize("with_egger", [False, True])
def test_funnel_plot(contour, with_egger):
    yi, vi = dataset("bcg")
    res = es.meta_analysis(yi, vi, method="REML", labels=DATASETS["bcg"]["labels"])
    egger = es.egger_test(res) if with_egger else None
    fig = funnel_plot(res, egger=egger, contour=contour, measure_label="Log risk ratio")
    assert_clean_layout(fig)
    ax = next(a for a in fig.axes if a.get_gid() == "funnel-axes")
    ymin, ymax = ax.get_ylim()
    assert ymin > ymax == 0  # inverted, precise studies at the top
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], res.yi)
    np.testing.assert_allclose(offsets[:, 1], np.sqrt(res.vi))
    egger_texts = [t for t in texts(fig) if t.get_gid() == "funnel-egger"]
    if with_egger:
        p = f"p = {egger.pvalue:.2f}" if egger.pvalue >= 0.01 else None
        assert (
            egger_texts[0]
            .get_text()
            .startswith(f"Egger's test: t = {f(egger.statistic)}, df = {egger.df}, ")
        )
        if p:
            assert egger_texts[0].get_text().endswith(p)
    else:
        assert egger_texts == []


def test_save_figure_svg_and_png(tmp_path):
    d, ef = normand()
    res = es.meta_analysis(ef, method="REML", labels=list(d.study))
    fig = forest_plot(res, study_data=d)
    paths = save_figure(fig, tmp_path / "figs" / "forest.pain", formats=("svg", "png"))
    assert [p.name for p in paths] == ["forest.pain.svg", "forest.pain.png"]

    root = ET.parse(paths[0]).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    svg_text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Orpington-Moderate" in svg_text  # kept as text, selectable
    assert "Heterogeneity" in svg_text

    data = paths[1].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == round(fig.get_figwidth() * 300)
    assert height == round(fig.get_figheight() * 300)
    # reproducible bytes
    again = save_figure(fig, tmp_path / "again", formats=("svg",))
    assert again[0].read_bytes() == paths[0].read_bytes()
    with pytest.raises(ValueError, match="format"):
        save_figure(fig, tmp_path / "x", formats=("bmp",))


def test_summary_forest_plot_draws_every_pooled_cell_without_overlap():
    from evsynth.report import summary_forest_plot

    example = Path(__file__).parents[2] / "examples" / "peer-support-msk"
    synthesis = es.synthesise(es.load_review(example))
    fig = summary_forest_plot(synthesis)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    shown = {t.get_text() for t in texts}
    for cell in synthesis.pooled_cells:
        r = cell.result
        assert f"{f(r.estimate)} [{f(r.ci_low)}, {f(r.ci_high)}]" in shown


def subgroup_example(k: int = 9):
    d, _ = normand()
    d = pd.concat([d] * (k // len(d) + 1), ignore_index=True).iloc[:k].copy()
    d["study"] = [f"Trial {i + 1}" for i in range(k)]
    d["format"] = ["group" if i % 3 else "one-to-one" for i in range(k)]
    ef = es.effect_sizes("MD", m1=d.m1, sd1=d.sd1, n1=d.n1, m2=d.m2, sd2=d.sd2, n2=d.n2)
    sg = es.subgroup_analysis(ef.yi, ef.vi, list(d.format), labels=list(d.study))
    return d, sg


@pytest.mark.parametrize("arm", [False, True])
def test_subgroup_forest_plot_shows_each_subgroup_and_the_test_for_differences(arm):
    d, sg = subgroup_example()
    records = d.to_dict("records") if arm else None
    fig = forest_plot(sg, study_data=records, title="Pain by format")
    assert_clean_layout(fig)
    names = list(sg.groups)
    order = [lab for fit in sg.groups.values() for lab in fit.labels]
    overall_weight = dict(zip(sg.overall.labels, sg.overall.weights, strict=True))
    for i, lab in enumerate(order):
        assert by_gid(fig, f"forest-study-{i}").get_text() == lab
        assert by_gid(fig, f"forest-weight-{i}").get_text() == f"{overall_weight[lab]:.1f}%"
        if arm:
            row = d.set_index("study").loc[lab]
            assert by_gid(fig, f"forest-n1-{i}").get_text() == str(int(row.n1))
    for g, name in enumerate(names):
        fit = sg.groups[name]
        assert by_gid(fig, f"forest-subgroup-{g}").get_text() == name
        assert by_gid(fig, f"forest-subtotal-{g}-effect").get_text() == (
            f"{f(fit.estimate)} [{f(fit.ci_low)}, {f(fit.ci_high)}]"
        )
        share = sum(overall_weight[lab] for lab in fit.labels)
        assert by_gid(fig, f"forest-subtotal-{g}-weight").get_text() == f"{share:.1f}%"
        assert by_gid(fig, f"forest-subgroup-het-{g}").get_text() == (
            f"Heterogeneity: Tau² = {fit.tau2:.2f}; Chi² = {fit.q:.2f}, df = {fit.k - 1} "
            f"({revman_p(fit.q_pvalue)}); I² = {fit.i2:.0f}%"
        )
        assert by_gid(fig, f"forest-subgroup-overall-{g}").get_text() == (
            f"Test for overall effect: Z = {abs(fit.statistic):.2f} ({revman_p(fit.pvalue)})"
        )
        if arm:
            n1 = int(d[d.format == name].n1.sum())
            assert by_gid(fig, f"forest-subtotal-{g}-n1").get_text() == str(n1)
    assert by_gid(fig, "forest-subgroup-differences").get_text() == (
        f"Test for subgroup differences: Chi² = {sg.q_between:.2f}, df = 1 "
        f"({revman_p(sg.q_between_pvalue)}), I² = {sg.i2_between:.1f}%"
    )
    total = sg.overall
    assert by_gid(fig, "forest-total-effect").get_text() == (
        f"{f(total.estimate)} [{f(total.ci_low)}, {f(total.ci_high)}]"
    )
    ax = next(a for a in fig.axes if a.get_gid() == "forest-axes")
    diamonds = {p.get_gid() for p in ax.patches}
    assert diamonds == {"forest-diamond", "forest-diamond-0", "forest-diamond-1"}


def test_subgroup_forest_plot_needs_study_labels():
    sg = es.subgroup_analysis([0.1, 0.2, 0.3, 0.4], [0.1] * 4, ["a", "a", "b", "b"])
    fig = forest_plot(sg)  # default labels are unique and shared with the overall fit
    assert by_gid(fig, "forest-subgroup-1").get_text() == "b"


def test_forest_risk_of_bias_columns():
    from matplotlib.colors import to_hex

    _, res = arm_result(5)
    judgements = ["low", "some concerns", "high", "low"]
    rob = {
        lab: {"D1": j, "D2": "low", "D5": "high", "Overall": j}
        for lab, j in zip(res.labels[:4], judgements, strict=True)
    }
    fig = forest_plot(res, risk_of_bias=rob)
    assert_clean_layout(fig)
    colours = {"low": "#02c100", "some concerns": "#e2df07", "high": "#bf0000"}
    dots = {ln.get_gid(): ln for ln in fig.artists if (ln.get_gid() or "").startswith("forest-rob")}
    for i, j in enumerate(judgements):
        assert to_hex(dots[f"forest-rob-dot-{i}-D1"].get_markerfacecolor()) == colours[j]
        assert to_hex(dots[f"forest-rob-dot-{i}-D5"].get_markerfacecolor()) == colours["high"]
        assert f"forest-rob-dot-{i}-D3" not in dots  # no domain D3 anywhere: no column
    assert not [g for g in dots if g.startswith("forest-rob-dot-4-")]  # study without RoB
    heads = [by_gid(fig, f"forest-rob-head-{d}").get_text() for d in ("D1", "D2", "D5")]
    assert heads == ["D1", "D2", "D5"]
    legend = [t.get_text() for t in texts(fig) if (t.get_gid() or "").startswith("forest-rob-leg")]
    assert "(D1) Bias arising from the randomisation process" in legend
    assert "(O) Overall risk of bias" in legend
    with pytest.raises(ValueError, match=r"risk_of_bias\['Study 1.*'D1'.*'unclear'"):
        forest_plot(res, risk_of_bias={res.labels[0]: {"D1": "unclear"}})
    with pytest.raises(ValueError, match="unknown domains"):
        forest_plot(res, risk_of_bias={res.labels[0]: {"D9": "low"}})
