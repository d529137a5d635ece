"""Forest plots in the RevMan 5 layout: one meta-analysis, or one split into subgroups."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import MaxNLocator

from evsynth.report._rob_plots import rob_colours, rob_domain_names, rob_symbol
from evsynth.report._style import (
    ACCENT,
    GREY,
    INK,
    LINE_WIDTH,
    MINUS,
    fmt_data,
    fmt_num,
    fmt_p,
    font,
    new_figure,
    style_x_axis,
)
from evsynth.report._style import TextMeasurer as _Measurer

__all__ = ["forest_plot"]

_ARM_COLUMNS = ("m1", "sd1", "n1", "m2", "sd2", "n2")

# Layout constants, in inches unless named otherwise.
_FONT_SIZE = 8.0
_TICK_FONT_SIZE = 7.5
_MARGIN = 0.15
_GAP = 0.14  # between neighbouring columns
_WIDE_GAP = 0.28  # after the study column, between arm groups, before the plot
_MIN_PLOT_WIDTH = 2.4
_ROB_DOT = 0.15  # diameter of a risk-of-bias dot
#: the judgement symbols drawn as markers: + low, − some concerns / moderate, × high / serious
_SYMBOL_MARKERS = {"+": "+", "\u2212": "_", "\u00d7": "x"}
_ROB_ORDER = ("D1", "D1b", "DS", "D2", "D3", "D4", "D5", "D6", "D7")


@dataclass
class _Column:
    key: str
    header: str
    align: str = "right"  # "left", "right" or "center"
    gap_before: float = _GAP
    width: float = 0.0
    x0: float = 0.0
    group: str | None = None

    @property
    def anchor(self) -> float:
        return {"left": self.x0, "right": self.x0 + self.width}.get(
            self.align, self.x0 + self.width / 2
        )


@dataclass
class _Row:
    """One line of the plot: a study, a subgroup heading, a (sub)total, a note or a gap."""

    kind: str  # "study", "heading", "subtotal", "total", "pi", "note", "gap"
    cells: dict[str, str] = field(default_factory=dict)
    gid: str = ""
    study: int | None = None  # index into the study arrays
    fit: object = None  # the MetaAnalysisResult of a subtotal / total row
    text: str = ""  # a heading's or a note's text
    y: float = 0.0

    @property
    def bold(self) -> bool:
        return self.kind in ("heading", "subtotal", "total")


def _arm_data(study_data, labels: Sequence[str]) -> dict[str, np.ndarray]:
    """The six arm-level columns from a DataFrame-like, a mapping of columns, a mapping of
    study label to record, or a sequence of records, in the order of ``labels``."""
    k = len(labels)
    if hasattr(study_data, "columns") or (
        isinstance(study_data, Mapping) and all(c in study_data for c in _ARM_COLUMNS)
    ):
        cols = {c: np.asarray(study_data[c], dtype=float).ravel() for c in _ARM_COLUMNS}
        for key in ("study", "label", "labels"):
            names = study_data[key] if key in study_data else None
            if names is not None:
                names = [str(n) for n in names]
                if set(labels) <= set(names) and len(set(names)) == len(names):
                    order = [names.index(lab) for lab in labels]
                    cols = {c: v[order] for c, v in cols.items()}
                break
    elif isinstance(study_data, Mapping):
        missing = [lab for lab in labels if lab not in study_data]
        if missing:
            raise ValueError(f"study_data has no entry for studies {missing}")
        cols = {c: np.array([float(study_data[lab][c]) for lab in labels]) for c in _ARM_COLUMNS}
    elif isinstance(study_data, Sequence):
        records = list(study_data)
        key = next((n for n in ("study", "label") if records and n in records[0]), None)
        if key is not None and sorted(str(r[key]) for r in records) == sorted(labels):
            by_label = {str(r[key]): r for r in records}
            records = [by_label[lab] for lab in labels]
        cols = {c: np.array([float(rec[c]) for rec in records]) for c in _ARM_COLUMNS}
    else:
        raise TypeError(
            "study_data must be a DataFrame, a mapping of columns m1, sd1, n1, m2, sd2, n2, "
            "a mapping of study label to such a record, or a sequence of records"
        )
    for c, v in cols.items():
        if v.shape != (k,):
            raise ValueError(f"study_data column {c!r} has {v.size} values for {k} studies")
    return cols


def _nice_limit(needed: float) -> float:
    """The smallest of 1, 2, 4, 5 (times a power of ten) that is at least ``needed``."""
    if not math.isfinite(needed) or needed <= 0:
        return 1.0
    exp = math.floor(math.log10(needed))
    for base in (1, 2, 4, 5, 10):
        lim = base * 10.0**exp
        if lim >= needed * (1 - 1e-9):
            return lim
    return 10.0 ** (exp + 1)  # pragma: no cover - unreachable


def _tick_label(x: float) -> str:
    s = f"{x:.10g}"
    if "e" in s:
        s = f"{x:.3g}"
    return s.replace("-", MINUS) if x != 0 else "0"


def _heterogeneity_text(fit, digits: int = 2) -> str:
    if fit.k < 2:
        return "Heterogeneity: Not applicable"
    het = [f"Chi² = {fit.q:.{digits}f}, df = {fit.q_df} ({fmt_p(fit.q_pvalue)})"]
    if fit.is_random_effects:
        het.insert(0, f"Tau² = {fit.tau2:.{digits}f}")
    return "Heterogeneity: " + "; ".join(het) + f"; I² = {fit.i2:.0f}%"


def _overall_effect_text(fit) -> str:
    stat = abs(float(fit.statistic))
    if fit.test == "hksj" and math.isfinite(fit.df):
        test = f"t = {stat:.2f}, df = {fit.df:g} ({fmt_p(fit.pvalue)})"
    else:
        test = f"Z = {stat:.2f} ({fmt_p(fit.pvalue)})"
    return f"Test for overall effect: {test}"


def _subgroup_differences_text(subgroups) -> str:
    return (
        f"Test for subgroup differences: Chi² = {subgroups.q_between:.2f}, "
        f"df = {subgroups.q_between_df} ({fmt_p(subgroups.q_between_pvalue)}), "
        f"I² = {subgroups.i2_between:.1f}%"
    )


def _rob_domains(risk_of_bias: Mapping, labels: Sequence[str]) -> list[str]:
    present: set[str] = set()
    for lab in labels:
        present |= {d for d in (risk_of_bias.get(lab) or {}) if d != "Overall"}
    unknown = sorted(present - set(_ROB_ORDER))
    if unknown:
        raise ValueError(
            f"risk_of_bias has unknown domains {unknown}; use D1..D5 (RoB 2, with D1b or DS) "
            "or D1..D7 (ROBINS-I), and 'Overall'"
        )
    return [d for d in _ROB_ORDER if d in present]


def forest_plot(
    result,
    *,
    study_data=None,
    measure_label: str = "Mean difference",
    favours: tuple[str, str] = ("peer support", "control"),
    lower_is_better: bool = True,
    mcid: float | None = None,
    show_prediction_interval: bool = True,
    digits: int = 2,
    title: str | None = None,
    xlim: tuple[float, float] | None = None,
    risk_of_bias: Mapping[str, Mapping[str, str]] | None = None,
    rob_tool: str = "rob2",
    rob_palette: str = "cochrane",
) -> Figure:
    """Draw a forest plot of a meta-analysis in the RevMan 5 layout.

    Columns, left to right: study; the intervention and control arms' mean, SD and number of
    participants (with ``study_data``) or each study's estimate and standard error (without);
    weight; the effect with its confidence interval as text; the plot, with squares whose
    area is proportional to the weight, confidence-interval whiskers (arrows where they run
    past the axis), the pooled diamond, the prediction interval, optional MCID lines and the
    "Favours ..." labels under the axis; and, with ``risk_of_bias``, one coloured dot per
    risk-of-bias domain and the overall judgement, as RevMan shows them. Under the table: the
    heterogeneity statistics and the test for the overall effect, worded and rounded as
    RevMan 5 prints them.

    Given a subgroup analysis (``es.subgroup_analysis``), the studies are grouped under
    subgroup headings, each subgroup with its subtotal diamond, heterogeneity and test for the
    overall effect; the total and the test for subgroup differences close the plot. Study
    weights are then percentages of the overall analysis, and a subtotal's weight is the sum
    of its studies' weights, as in RevMan.

    Every number is taken from ``result`` (and ``study_data``); nothing is re-estimated.

    Parameters
    ----------
    result : MetaAnalysisResult or SubgroupAnalysisResult
        The fitted meta-analysis (``es.meta_analysis``) or subgroup analysis
        (``es.subgroup_analysis``; its fits must carry study labels).
    study_data : DataFrame, mapping or sequence of mappings, optional
        Arm-level data with ``m1, sd1, n1`` (intervention) and ``m2, sd2, n2`` (control) per
        study, as a DataFrame or mapping of columns (in the order of the studies, or matched
        on a ``study``/``label`` column), a mapping of study label to record, or a sequence
        of records. Without it the plot shows each study's estimate and SE.
    measure_label : str
        Name of the effect measure, used in the column headers.
    favours : (str, str)
        Names of the intervention and the control, for the arm headers and the
        "Favours ..." labels.
    lower_is_better : bool
        Whether a negative difference favours the intervention (e.g. pain scores). Decides
        on which side of the null line each "Favours ..." label sits.
    mcid : float, optional
        Minimal clinically important difference: dashed lines at ``-mcid`` and ``+mcid``.
    show_prediction_interval : bool
        Draw the prediction interval (random-effects fits with at least 3 studies).
    digits : int
        Decimals of the effects, confidence limits and heterogeneity statistics.
    title : str, optional
        Title above the table.
    xlim : (float, float), optional
        Axis range; by default symmetric around 0, covering every confidence interval, the
        diamonds, the prediction interval and the MCID, with round limits.
    risk_of_bias : mapping of study label to {domain: judgement}, optional
        Judgements per study (``"D1"`` ... and ``"Overall"``), drawn as coloured dots with
        the judgement's symbol right of the plot; a study without an entry gets empty cells.
    rob_tool : {"rob2", "robins-i"}
        The tool of ``risk_of_bias``: its judgements and the domain names in the legend.
    rob_palette : {"cochrane", "colourblind"}
        Colours of the risk-of-bias dots.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with an Agg canvas, not registered with pyplot. Its size follows from the
        content: the height grows with the number of studies, the column widths with the
        measured widths of their texts.

    Examples
    --------
    >>> import evsynth as es
    >>> from evsynth.report import forest_plot
    >>> res = es.meta_analysis([-1.2, -0.4, -0.9], [0.2, 0.1, 0.3], labels=["A", "B", "C"])
    >>> fig = forest_plot(res)
    >>> bool(fig.get_figwidth() > 4)
    True
    >>> sg = es.subgroup_analysis([-1.2, -0.4, -0.9, -0.1], [0.2, 0.1, 0.3, 0.1],
    ...                           ["group", "group", "one-to-one", "one-to-one"],
    ...                           labels=["A", "B", "C", "D"])
    >>> fig = forest_plot(sg, risk_of_bias={"A": {"D1": "low", "Overall": "high"}})
    >>> bool(fig.get_figheight() > 3)
    True
    """
    subgroups = result if hasattr(result, "groups") and hasattr(result, "q_between") else None
    overall = subgroups.overall if subgroups is not None else result
    if subgroups is not None:
        groups = [(name, fit) for name, fit in subgroups.groups.items()]
        labels = [str(s) for _, fit in groups for s in fit.labels]
        all_labels = [str(s) for s in overall.labels]
        if sorted(labels) != sorted(all_labels) or len(set(labels)) != len(labels):
            raise ValueError(
                "the subgroup fits must carry unique study labels that match the overall fit; "
                "pass labels= to es.subgroup_analysis"
            )
        pos = {lab: i for i, lab in enumerate(all_labels)}
        order = [pos[lab] for lab in labels]
    else:
        groups = []
        labels = [str(s) for s in overall.labels]
        order = list(range(int(overall.k)))
    k = len(labels)
    yi = np.asarray(overall.yi, dtype=float)[order]
    se = np.asarray(overall.sei, dtype=float)[order]
    lo, hi = (np.asarray(a, dtype=float)[order] for a in overall.study_confidence_intervals())
    weights = np.asarray(overall.weights, dtype=float)[order]
    random = bool(overall.is_random_effects)
    level_txt = f"{100 * overall.level:g}%"
    arms = None if study_data is None else _arm_data(study_data, labels)
    rob_domains = [] if risk_of_bias is None else [*_rob_domains(risk_of_bias, labels), "Overall"]
    if risk_of_bias is not None:
        colours = rob_colours(rob_tool, rob_palette)
        for lab in labels:
            for dom, judgement in (risk_of_bias.get(lab) or {}).items():
                if judgement is not None and str(judgement).lower() not in colours:
                    raise ValueError(
                        f"risk_of_bias[{lab!r}][{dom!r}] is {judgement!r}; expected one of "
                        f"{sorted(colours)}"
                    )

    body = font(_FONT_SIZE)
    bold = font(_FONT_SIZE, weight="bold")
    title_font = font(_FONT_SIZE + 2, weight="bold")
    fig = new_figure()
    measure = _Measurer(fig)
    f = lambda x: fmt_num(x, digits)  # noqa: E731
    effect_text = lambda fit: (  # noqa: E731
        f"{f(fit.estimate)} [{f(fit.ci_low)}, {f(fit.ci_high)}]"
    )

    # ---- columns and rows -----------------------------------------------------------------
    model = (
        ("IV, Random" + (" (HKSJ)" if overall.test == "hksj" else "")) if random else "IV, Fixed"
    )
    effect_header = (measure_label, f"{model}, {level_txt} CI")
    cols = [_Column("study", "Study or Subgroup", align="left", gap_before=0.0)]
    if arms is not None:
        for arm, keys in enumerate((("m1", "sd1", "n1"), ("m2", "sd2", "n2"))):
            group = favours[arm][:1].upper() + favours[arm][1:]
            cols += [
                _Column(keys[0], "Mean", gap_before=_WIDE_GAP, group=group),
                _Column(keys[1], "SD", group=group),
                _Column(keys[2], "Total", group=group),
            ]
    else:
        cols += [
            _Column("estimate", measure_label, gap_before=_WIDE_GAP),
            _Column("se", "SE"),
        ]
    cols += [
        _Column("weight", "Weight", gap_before=_WIDE_GAP),
        _Column("effect", "", align="center"),
    ]

    def study_row(i: int) -> _Row:
        cells = {"study": labels[i], "weight": f"{weights[i]:.1f}%"}
        cells["effect"] = f"{f(yi[i])} [{f(lo[i])}, {f(hi[i])}]"
        if arms is not None:
            for key in _ARM_COLUMNS:
                cells[key] = fmt_data(arms[key][i], 0 if key.startswith("n") else 2)
        else:
            cells["estimate"] = f(yi[i])
            cells["se"] = fmt_num(se[i], max(digits, 2) + 1)
        return _Row("study", cells, gid=str(i), study=i)

    def total_row(kind: str, fit, idx: Sequence[int], label: str, gid: str) -> _Row:
        cells = {
            "study": label,
            "weight": f"{np.sum(weights[list(idx)]):.1f}%",
            "effect": effect_text(fit),
        }
        if arms is not None:
            for key in ("n1", "n2"):
                cells[key] = fmt_data(float(np.sum(arms[key][list(idx)])), 0)
        return _Row(kind, cells, gid=gid, fit=fit)

    rows: list[_Row] = []
    if subgroups is None:
        rows += [study_row(i) for i in range(k)]
        rows.append(_Row("gap"))
    else:
        start = 0
        for g, (name, fit) in enumerate(groups):
            idx = list(range(start, start + int(fit.k)))
            start += int(fit.k)
            rows.append(_Row("heading", text=name, gid=str(g)))
            rows += [study_row(i) for i in idx]
            rows.append(total_row("subtotal", fit, idx, f"Subtotal ({level_txt} CI)", str(g)))
            rows.append(_Row("note", text=_heterogeneity_text(fit, digits), gid=f"het-{g}"))
            rows.append(_Row("note", text=_overall_effect_text(fit), gid=f"overall-{g}"))
            rows.append(_Row("gap"))
    rows.append(total_row("total", overall, range(k), f"Total ({level_txt} CI)", "total"))
    show_pi = (
        show_prediction_interval
        and random
        and overall.k >= 3
        and np.isfinite(overall.pi_low)
        and np.isfinite(overall.pi_high)
    )
    pi_text = f"[{f(overall.pi_low)}, {f(overall.pi_high)}]" if show_pi else ""
    if show_pi:
        rows.append(_Row("pi", {"study": "Prediction interval", "effect": pi_text}))

    for c in cols:
        widths = [measure.width(c.header, bold)]
        for r in rows:
            widths.append(measure.width(r.cells.get(c.key, ""), bold if r.bold else body))
        if c.key == "effect":
            widths += [measure.width(h, bold) for h in effect_header]
        if c.key == "study":
            widths += [measure.width(r.text, bold) for r in rows if r.kind == "heading"]
        c.width = max(widths)
    # A group header ("Peer support") must fit over its three columns.
    for group in dict.fromkeys(c.group for c in cols if c.group):
        members = [c for c in cols if c.group == group]
        span = sum(c.width for c in members) + _GAP * (len(members) - 1)
        need = measure.width(group, bold)
        if need > span:
            for c in members:
                c.width += (need - span) / len(members)

    x = _MARGIN
    for c in cols:
        x += c.gap_before
        c.x0 = x
        x += c.width
    fav_left, fav_right = (
        (f"Favours {favours[0]}", f"Favours {favours[1]}")
        if lower_is_better
        else (f"Favours {favours[1]}", f"Favours {favours[0]}")
    )
    fav_w = max(measure.width(fav_left, body), measure.width(fav_right, body))
    plot_w = max(
        _MIN_PLOT_WIDTH,
        2 * fav_w + 0.3,
        *(measure.width(h, bold) + 0.1 for h in effect_header),
    )
    plot_x0 = x + _WIDE_GAP
    plot_x1 = plot_x0 + plot_w

    # ---- risk-of-bias columns right of the plot -------------------------------------------
    rob_x: dict[str, float] = {}
    rob_right = plot_x1
    if rob_domains:
        rob_header = "Risk of Bias"
        col_w = [max(_ROB_DOT, measure.width(d, bold)) for d in rob_domains]
        span = sum(col_w) + 0.06 * (len(col_w) - 1)
        extra = max(0.0, measure.width(rob_header, bold) - span) / len(col_w)
        xr = plot_x1 + _WIDE_GAP
        for d, w in zip(rob_domains, col_w, strict=True):
            w += extra
            if d == "Overall":
                xr += 0.06
            rob_x[d] = xr + w / 2
            xr += w + 0.06
        rob_right = xr - 0.06

    # ---- axis range and ticks -------------------------------------------------------------
    diamond_fits = [r.fit for r in rows if r.fit is not None]
    if xlim is None:
        extent = [np.abs(lo), np.abs(hi)]
        extent += [[abs(d.ci_low), abs(d.ci_high)] for d in diamond_fits]
        if show_pi:
            extent.append([abs(overall.pi_low), abs(overall.pi_high)])
        if mcid is not None:
            extent.append([abs(mcid)])
        finite = np.concatenate([np.ravel(e) for e in extent])
        finite = finite[np.isfinite(finite)]
        lim = _nice_limit(float(finite.max()) if finite.size else 1.0)
        xmin, xmax = -lim, lim
        ticks = [-lim, -lim / 2, 0.0, lim / 2, lim]
    else:
        xmin, xmax = (float(v) for v in xlim)
        if not xmin < xmax:
            raise ValueError(f"xlim must be increasing, got {xlim}")
        ticks = None
    tick_font = font(_TICK_FONT_SIZE)
    if ticks is None:
        ticks = [
            t
            for t in MaxNLocator(nbins=5, steps=[1, 2, 5, 10]).tick_values(xmin, xmax)
            if xmin <= t <= xmax
        ]
    tick_labels = [_tick_label(t) for t in ticks]
    tick_half = max(measure.width(s, tick_font) for s in tick_labels) / 2
    fig_w = max(plot_x1 + max(_MARGIN, tick_half + 0.08), rob_right + _MARGIN)

    # ---- footer texts ---------------------------------------------------------------------
    footers = [_heterogeneity_text(overall, digits), _overall_effect_text(overall)]
    footer_gids = ["forest-heterogeneity", "forest-overall"]
    if subgroups is not None:
        footers.append(_subgroup_differences_text(subgroups))
        footer_gids.append("forest-subgroup-differences")
    footer_w = max(measure.width(s, body) for s in footers)
    footer_beside = _MARGIN + footer_w + tick_half + 0.25 <= plot_x0
    legend = []
    if rob_domains:
        names = rob_domain_names(rob_tool)
        legend = [
            "Risk of bias legend",
            *(f"({d}) {names.get(d, d)}" for d in rob_domains if d != "Overall"),
            "(O) Overall risk of bias",
            "Judgements: "
            + ", ".join(
                f"{rob_symbol(rob_tool, j)} {j}" for j in rob_colours(rob_tool, rob_palette)
            ),
        ]
    title_w = measure.width(title, title_font) if title else 0.0
    note_w = max([measure.width(r.text, body) for r in rows if r.kind == "note"], default=0.0)
    legend_w = max([measure.width(s, body) for s in legend], default=0.0)
    fig_w = max(fig_w, *(w + 2 * _MARGIN for w in (title_w, footer_w, note_w, legend_w)))

    # ---- vertical layout (inches from the top) --------------------------------------------
    pt = 1 / 72
    row_h = 1.75 * _FONT_SIZE * pt
    line_h = 1.4 * _FONT_SIZE * pt
    y = _MARGIN
    title_y = None
    if title:
        title_y = y + 0.6 * line_h
        y += 1.9 * line_h
    head_a = y + 0.5 * line_h
    head_b = y + 1.5 * line_h
    y += 2 * line_h + 0.06
    rule_y = y
    y += 0.3 * row_h
    study_top = y
    for r in rows:
        h = {"note": line_h, "gap": 0.35 * row_h}.get(r.kind, row_h)
        r.y = y + h / 2
        y += h
    axis_y = y + 0.15 * row_h
    tick_zone = (3.5 + 2.5 + 1.25 * _TICK_FONT_SIZE) * pt
    fav_y = axis_y + tick_zone + 0.05 + 0.5 * line_h
    if footer_beside:
        foot_y = [axis_y + (0.9 + i) * line_h for i in range(len(footers))]
        y = max(fav_y + 0.5 * line_h, foot_y[-1] + 0.5 * line_h)
    else:
        foot_y = [fav_y + (1.4 + i) * line_h for i in range(len(footers))]
        y = foot_y[-1] + 0.5 * line_h
    legend_y = []
    if legend:
        legend_y = [y + (0.9 + i) * line_h for i in range(len(legend))]
        y = legend_y[-1] + 0.5 * line_h
    fig_h = y + _MARGIN
    fig.set_size_inches(fig_w, fig_h)

    def put(xi, yi_, s, prop, ha="left", gid=None, color=INK, **kw):
        if not s:
            return None
        t = fig.text(
            xi / fig_w,
            1 - yi_ / fig_h,
            s,
            ha=ha,
            va="center_baseline",
            fontproperties=prop,
            color=color,
            **kw,
        )
        if gid:
            t.set_gid(gid)
        return t

    # ---- table ----------------------------------------------------------------------------
    if title:
        put(_MARGIN, title_y, title, title_font, gid="forest-title")
    for group in dict.fromkeys(c.group for c in cols if c.group):
        members = [c for c in cols if c.group == group]
        mid = (members[0].x0 + members[-1].x0 + members[-1].width) / 2
        put(mid, head_a, group, bold, ha="center", gid=f"forest-group-{members[0].key}")
    for c in cols:
        if c.key == "effect":
            put(c.anchor, head_a, effect_header[0], bold, ha="center", gid="forest-head-effect")
            put(c.anchor, head_b, effect_header[1], bold, ha="center", gid="forest-head-model")
        else:
            put(c.anchor, head_b, c.header, bold, ha=c.align, gid=f"forest-head-{c.key}")
    for r in rows:
        if r.kind == "heading":
            put(_MARGIN, r.y, r.text, bold, gid=f"forest-subgroup-{r.gid}")
            continue
        if r.kind == "note":
            put(_MARGIN, r.y, r.text, body, gid=f"forest-subgroup-{r.gid}")
            continue
        prop = bold if r.bold else body
        for c in cols:
            text = r.cells.get(c.key, "")
            if r.kind == "study":
                gid = f"forest-{c.key}-{r.gid}"
            elif r.kind == "pi":
                gid = {"study": "forest-pi-label", "effect": "forest-pi"}.get(c.key)
            elif r.kind == "total":
                gid = f"forest-total-{c.key}"
            else:
                gid = f"forest-subtotal-{r.gid}-{c.key}"
            put(c.anchor, r.y, text, prop, ha=c.align, gid=gid)
    plot_mid = (plot_x0 + plot_x1) / 2
    put(plot_mid, head_a, effect_header[0], bold, ha="center", gid="forest-plot-head-effect")
    put(plot_mid, head_b, effect_header[1], bold, ha="center", gid="forest-plot-head-model")
    fig.add_artist(_hline(fig, _MARGIN, max(plot_x1, rob_right), rule_y, fig_w, fig_h))
    for s, yy, gid in zip(footers, foot_y, footer_gids, strict=True):
        put(_MARGIN, yy, s, body, gid=gid)
    for j, (s, yy) in enumerate(zip(legend, legend_y, strict=True)):
        put(_MARGIN, yy, s, bold if j == 0 else body, gid=f"forest-rob-legend-{j}")

    # ---- risk-of-bias dots ----------------------------------------------------------------
    if rob_domains:
        colours = rob_colours(rob_tool, rob_palette)
        mid = (min(rob_x.values()) + max(rob_x.values())) / 2
        put(mid, head_a, "Risk of Bias", bold, ha="center", gid="forest-rob-head")
        for d in rob_domains:
            put(
                rob_x[d],
                head_b,
                d if d != "Overall" else "O",
                bold,
                ha="center",
                gid=f"forest-rob-head-{d}",
            )
        for r in rows:
            if r.kind != "study":
                continue
            judgements = risk_of_bias.get(labels[r.study]) or {}
            for d in rob_domains:
                judgement = judgements.get(d)
                if judgement is None:
                    continue
                judgement = str(judgement).lower()
                cx, cy = rob_x[d] / fig_w, 1 - r.y / fig_h
                fig.add_artist(
                    Line2D(
                        [cx],
                        [cy],
                        transform=fig.transFigure,
                        marker="o",
                        ms=_ROB_DOT * 72,
                        mfc=colours[judgement],
                        mec="none",
                        ls="none",
                        gid=f"forest-rob-dot-{r.gid}-{d}",
                    )
                )
                symbol = rob_symbol(rob_tool, judgement)
                if symbol in _SYMBOL_MARKERS:  # a marker draws far faster than a glyph
                    fig.add_artist(
                        Line2D(
                            [cx],
                            [cy],
                            transform=fig.transFigure,
                            marker=_SYMBOL_MARKERS[symbol],
                            ms=_ROB_DOT * 72 * 0.5,
                            mew=1.3,
                            color="black",
                            ls="none",
                            gid=f"forest-rob-{r.gid}-{d}",
                        )
                    )
                else:
                    fig.text(
                        cx,
                        cy,
                        symbol,
                        ha="center",
                        va="center",
                        fontproperties=font(_FONT_SIZE - 1, weight="bold"),
                        color="black",
                        gid=f"forest-rob-{r.gid}-{d}",
                    )

    # ---- plot -----------------------------------------------------------------------------
    ax_top = study_top
    ax_h = axis_y - ax_top
    ax = fig.add_axes((plot_x0 / fig_w, 1 - axis_y / fig_h, plot_w / fig_w, ax_h / fig_h))
    ax.set_gid("forest-axes")
    ax.patch.set_visible(False)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ax_h, 0)  # y data are inches from the top of the axes
    ax.set_yticks([])
    ax.set_xticks(ticks, labels=tick_labels)
    style_x_axis(ax, _TICK_FONT_SIZE)
    # Vertical lines stop short of the notes under each subgroup, which run across the plot.
    spans = _line_spans([(r.y - ax_top, r.kind) for r in rows], line_h, ax_h)
    for y0, y1 in spans:
        ax.plot([0, 0], [y0, y1], color=INK, lw=LINE_WIDTH, zorder=1, solid_capstyle="butt")
    if mcid is not None:
        for v in (-abs(mcid), abs(mcid)):
            if xmin < v < xmax:
                for y0, y1 in spans:
                    ax.plot([v, v], [y0, y1], color=GREY, lw=LINE_WIDTH, ls=(0, (4, 3)), zorder=1)

    side_max = 0.7 * row_h * 72  # points: the heaviest study's square
    wmax = float(np.nanmax(weights)) if k else 1.0
    half = 0.32 * row_h
    for r in rows:
        ry = r.y - ax_top
        if r.kind == "study":
            i = r.study
            _whisker(ax, lo[i], hi[i], ry, xmin, xmax)
            if xmin <= yi[i] <= xmax and np.isfinite(weights[i]):
                side = max(side_max * math.sqrt(max(weights[i], 0) / wmax), 1.5)
                ax.plot(
                    [yi[i]],
                    [ry],
                    marker="s",
                    ms=side,
                    mfc=ACCENT,
                    mec=ACCENT,
                    mew=0,
                    ls="none",
                    zorder=3,
                    gid=f"forest-square-{i}",
                )
        elif r.kind in ("subtotal", "total"):
            fit = r.fit
            ax.add_patch(
                Polygon(
                    [
                        (fit.ci_low, ry),
                        (fit.estimate, ry - half),
                        (fit.ci_high, ry),
                        (fit.estimate, ry + half),
                    ],
                    closed=True,
                    facecolor=INK,
                    edgecolor=INK,
                    lw=0.5,
                    zorder=4,
                    gid="forest-diamond" if r.kind == "total" else f"forest-diamond-{r.gid}",
                )
            )
        elif r.kind == "pi":
            _whisker(ax, overall.pi_low, overall.pi_high, ry, xmin, xmax, caps=0.3 * row_h)

    put(plot_mid - 0.08, fav_y, fav_left, body, ha="right", gid="forest-favours-left")
    put(plot_mid + 0.08, fav_y, fav_right, body, ha="left", gid="forest-favours-right")
    # The favours labels sit under the null line's side they describe; with a user xlim
    # whose null is not central, anchor them at the null line instead of the axis middle.
    if xmin < 0 < xmax and xlim is not None:
        x_null = plot_x0 + plot_w * (0 - xmin) / (xmax - xmin)
        left, right = (
            t for t in fig.texts if t.get_gid() in ("forest-favours-left", "forest-favours-right")
        )
        left.set_x((x_null - 0.08) / fig_w)
        right.set_x((x_null + 0.08) / fig_w)
    return fig


def _line_spans(rows, line_h: float, bottom: float) -> list[tuple[float, float]]:
    """Vertical extents (axes data, inches from the top) for the null and MCID lines: from
    the top to the axis, broken around note rows."""
    spans, top = [], 0.0
    for y, kind in rows:
        if kind == "note":
            if y - line_h / 2 > top:
                spans.append((top, y - line_h / 2))
            top = y + line_h / 2
    spans.append((top, bottom))
    return spans


def _hline(fig, x0, x1, y, fig_w, fig_h):
    return Line2D(
        [x0 / fig_w, x1 / fig_w],
        [1 - y / fig_h] * 2,
        transform=fig.transFigure,
        color=INK,
        lw=LINE_WIDTH,
        gid="forest-header-rule",
    )


def _whisker(ax, a, b, y, xmin, xmax, caps: float | None = None):
    """A horizontal interval, clipped to the axis with an arrow at each clipped end."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return
    a_c, b_c = max(a, xmin), min(b, xmax)
    if a_c < b_c:
        ax.plot([a_c, b_c], [y, y], color=INK, lw=LINE_WIDTH, solid_capstyle="butt", zorder=2)
    if caps is not None:
        for v in (a, b):
            if xmin <= v <= xmax:
                ax.plot([v, v], [y - caps, y + caps], color=INK, lw=LINE_WIDTH, zorder=2)
    for v, edge, marker in ((a, xmin, "<"), (b, xmax, ">")):
        beyond = v < edge if marker == "<" else v > edge
        if beyond:
            ax.plot(
                [edge],
                [y],
                marker=marker,
                ms=4,
                mfc=INK,
                mec=INK,
                mew=0,
                ls="none",
                clip_on=False,
                zorder=2,
            )
