"""Forest plot in the RevMan 5 layout."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import MaxNLocator

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
    font_family,
    new_figure,
)

__all__ = ["forest_plot"]

_ARM_COLUMNS = ("m1", "sd1", "n1", "m2", "sd2", "n2")

# Layout constants, in inches unless named otherwise.
_FONT_SIZE = 8.0
_TICK_FONT_SIZE = 7.5
_MARGIN = 0.15
_GAP = 0.14  # between neighbouring columns
_WIDE_GAP = 0.28  # after the study column, between arm groups, before the plot
_MIN_PLOT_WIDTH = 2.4


@dataclass
class _Column:
    key: str
    header: str
    cells: list[str]
    total: str = ""
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
class _Measurer:
    fig: Figure
    cache: dict = field(default_factory=dict)

    def width(self, text: str, prop) -> float:
        """Width of ``text`` in inches, as the Agg renderer lays it out."""
        if not text:
            return 0.0
        key = (text, prop.get_size_in_points(), prop.get_weight())
        if key not in self.cache:
            renderer = self.fig.canvas.get_renderer()
            w, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
            self.cache[key] = w / self.fig.dpi
        return self.cache[key]


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
                if sorted(names) == sorted(labels) and len(set(names)) == k:
                    order = [names.index(lab) for lab in labels]
                    cols = {c: v[order] for c, v in cols.items()}
                break
    elif isinstance(study_data, Mapping):
        missing = [lab for lab in labels if lab not in study_data]
        if missing:
            raise ValueError(f"study_data has no entry for studies {missing}")
        cols = {c: np.array([float(study_data[lab][c]) for lab in labels]) for c in _ARM_COLUMNS}
    elif isinstance(study_data, Sequence):
        cols = {c: np.array([float(rec[c]) for rec in study_data]) for c in _ARM_COLUMNS}
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
) -> Figure:
    """Draw a forest plot of a meta-analysis in the RevMan 5 layout.

    Columns, left to right: study; the intervention and control arms' mean, SD and number of
    participants (with ``study_data``) or each study's estimate and standard error (without);
    weight; the effect with its confidence interval as text; and the plot, with squares whose
    area is proportional to the weight, confidence-interval whiskers (arrows where they run
    past the axis), the pooled diamond, the prediction interval, optional MCID lines and the
    "Favours ..." labels under the axis. Under the table: the heterogeneity statistics and
    the test for the overall effect, worded and rounded as RevMan 5 prints them.

    Every number is taken from ``result`` (and ``study_data``); nothing is re-estimated.

    Parameters
    ----------
    result : MetaAnalysisResult
        The fitted meta-analysis (``es.meta_analysis``).
    study_data : DataFrame, mapping or sequence of mappings, optional
        Arm-level data with ``m1, sd1, n1`` (intervention) and ``m2, sd2, n2`` (control) per
        study, as a DataFrame or mapping of columns (in the order of ``result.labels``, or
        matched on a ``study``/``label`` column), a mapping of study label to record, or a
        sequence of records. Without it the plot shows each study's estimate and SE.
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
        diamond, the prediction interval and the MCID, with round limits.

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
    """
    k = int(result.k)
    labels = [str(s) for s in result.labels]
    yi = np.asarray(result.yi, dtype=float)
    lo, hi = (np.asarray(a, dtype=float) for a in result.study_confidence_intervals())
    weights = np.asarray(result.weights, dtype=float)
    random = bool(result.is_random_effects)
    level_txt = f"{100 * result.level:g}%"
    arms = None if study_data is None else _arm_data(study_data, labels)

    body = font(_FONT_SIZE)
    bold = font(_FONT_SIZE, weight="bold")
    title_font = font(_FONT_SIZE + 2, weight="bold")

    fig = new_figure()
    measure = _Measurer(fig)
    f = lambda x: fmt_num(x, digits)  # noqa: E731

    # ---- columns --------------------------------------------------------------------------
    model = ("IV, Random" + (" (HKSJ)" if result.test == "hksj" else "")) if random else "IV, Fixed"
    effect_header = (measure_label, f"{model}, {level_txt} CI")
    cols = [
        _Column(
            "study",
            "Study or Subgroup",
            labels,
            total=f"Total ({level_txt} CI)",
            align="left",
            gap_before=0.0,
        )
    ]
    if arms is not None:
        for arm, (m, sd, n) in enumerate((("m1", "sd1", "n1"), ("m2", "sd2", "n2"))):
            group = favours[arm][:1].upper() + favours[arm][1:]
            cols += [
                _Column(
                    m,
                    "Mean",
                    [fmt_data(v, 2) for v in arms[m]],
                    gap_before=_WIDE_GAP,
                    group=group,
                ),
                _Column(sd, "SD", [fmt_data(v, 2) for v in arms[sd]], group=group),
                _Column(
                    n,
                    "Total",
                    [fmt_data(v, 0) for v in arms[n]],
                    total=fmt_data(float(np.sum(arms[n])), 0),
                    group=group,
                ),
            ]
    else:
        se = np.asarray(result.sei, dtype=float)
        cols += [
            _Column("estimate", measure_label, [f(v) for v in yi], gap_before=_WIDE_GAP),
            _Column("se", "SE", [fmt_num(v, max(digits, 2) + 1) for v in se]),
        ]
    cols += [
        _Column(
            "weight",
            "Weight",
            [f"{w:.1f}%" for w in weights],
            total=f"{np.sum(weights):.1f}%",
            gap_before=_WIDE_GAP,
        ),
        _Column(
            "effect",
            "",
            [f"{f(y)} [{f(a)}, {f(b)}]" for y, a, b in zip(yi, lo, hi, strict=True)],
            total=f"{f(result.estimate)} [{f(result.ci_low)}, {f(result.ci_high)}]",
            align="center",
        ),
    ]
    show_pi = (
        show_prediction_interval
        and random
        and k >= 3
        and np.isfinite(result.pi_low)
        and np.isfinite(result.pi_high)
    )
    pi_text = f"[{f(result.pi_low)}, {f(result.pi_high)}]" if show_pi else ""

    for c in cols:
        c.width = max(
            [measure.width(c.header, bold)]
            + [measure.width(s, body) for s in c.cells]
            + [measure.width(c.total, bold)]
        )
        if c.key == "effect":
            c.width = max(
                c.width,
                *(measure.width(h, bold) for h in effect_header),
                measure.width(pi_text, body),
            )
        if c.key == "study":
            c.width = max(c.width, measure.width("Prediction interval", body))
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

    # ---- axis range and ticks -------------------------------------------------------------
    if xlim is None:
        extent = [np.abs(lo), np.abs(hi), [abs(result.ci_low), abs(result.ci_high)]]
        if show_pi:
            extent.append([abs(result.pi_low), abs(result.pi_high)])
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
    fig_w = plot_x1 + max(_MARGIN, tick_half + 0.08)

    # ---- footer texts ---------------------------------------------------------------------
    if k >= 2:
        het = [f"Chi² = {result.q:.2f}, df = {result.q_df} ({fmt_p(result.q_pvalue)})"]
        if random:
            het.insert(0, f"Tau² = {result.tau2:.2f}")
        het_text = "Heterogeneity: " + "; ".join(het) + f"; I² = {result.i2:.0f}%"
    else:
        het_text = "Heterogeneity: Not applicable"
    stat = abs(float(result.statistic))
    if result.test == "hksj" and math.isfinite(result.df):
        overall = f"t = {stat:.2f}, df = {result.df:g} ({fmt_p(result.pvalue)})"
    else:
        overall = f"Z = {stat:.2f} ({fmt_p(result.pvalue)})"
    overall_text = f"Test for overall effect: {overall}"
    footers = [het_text, overall_text]
    footer_w = max(measure.width(s, body) for s in footers)
    footer_beside = _MARGIN + footer_w + tick_half + 0.25 <= plot_x0
    title_w = measure.width(title, title_font) if title else 0.0
    fig_w = max(fig_w, title_w + 2 * _MARGIN, footer_w + 2 * _MARGIN)

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
    row_y = [study_top + (i + 0.5) * row_h for i in range(k)]
    y += k * row_h + 0.35 * row_h
    total_y = y + 0.5 * row_h
    y += row_h
    pi_y = y + 0.5 * row_h if show_pi else None
    if show_pi:
        y += row_h
    axis_y = y + 0.15 * row_h
    tick_zone = (3.5 + 2.5 + 1.25 * _TICK_FONT_SIZE) * pt
    fav_y = axis_y + tick_zone + 0.05 + 0.5 * line_h
    if footer_beside:
        foot_y = [axis_y + (0.9 + i) * line_h for i in range(2)]
        y = max(fav_y + 0.5 * line_h, foot_y[-1] + 0.5 * line_h)
    else:
        foot_y = [fav_y + (1.4 + i) * line_h for i in range(2)]
        y = foot_y[-1] + 0.5 * line_h
    fig_h = y + _MARGIN
    fig.set_size_inches(fig_w, fig_h)

    def put(xi, yi_, s, prop, ha="left", gid=None, color=INK):
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
            continue
        put(c.anchor, head_b, c.header, bold, ha=c.align, gid=f"forest-head-{c.key}")
        for i, s in enumerate(c.cells):
            put(c.anchor, row_y[i], s, body, ha=c.align, gid=f"forest-{c.key}-{i}")
        put(c.anchor, total_y, c.total, bold, ha=c.align, gid=f"forest-total-{c.key}")
    eff = cols[-1]
    for i, s in enumerate(eff.cells):
        put(eff.anchor, row_y[i], s, body, ha="center", gid=f"forest-effect-{i}")
    put(eff.anchor, total_y, eff.total, bold, ha="center", gid="forest-total-effect")
    if show_pi:
        put(_MARGIN, pi_y, "Prediction interval", body, gid="forest-pi-label")
        put(eff.anchor, pi_y, pi_text, body, ha="center", gid="forest-pi")
    plot_mid = (plot_x0 + plot_x1) / 2
    put(plot_mid, head_a, effect_header[0], bold, ha="center", gid="forest-plot-head-effect")
    put(plot_mid, head_b, effect_header[1], bold, ha="center", gid="forest-plot-head-model")
    fig.add_artist(_hline(fig, _MARGIN, plot_x1, rule_y, fig_w, fig_h))
    put(_MARGIN, foot_y[0], het_text, body, gid="forest-heterogeneity")
    put(_MARGIN, foot_y[1], overall_text, body, gid="forest-overall")

    # ---- plot -----------------------------------------------------------------------------
    ax_top = study_top
    ax_h = axis_y - ax_top
    ax = fig.add_axes((plot_x0 / fig_w, 1 - axis_y / fig_h, plot_w / fig_w, ax_h / fig_h))
    ax.set_gid("forest-axes")
    ax.patch.set_visible(False)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(LINE_WIDTH)
    ax.spines["bottom"].set_color(INK)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ax_h, 0)  # y data are inches from the top of the axes
    ax.set_yticks([])
    ax.set_xticks(ticks, labels=tick_labels)
    ax.tick_params(
        axis="x",
        length=3.5,
        width=LINE_WIDTH,
        pad=2.5,
        color=INK,
        labelcolor=INK,
        labelsize=_TICK_FONT_SIZE,
        labelfontfamily=list(font_family()),
    )
    ax.axvline(0, color=INK, lw=LINE_WIDTH, zorder=1)
    if mcid is not None:
        for v in (-abs(mcid), abs(mcid)):
            if xmin < v < xmax:
                ax.axvline(v, color=GREY, lw=LINE_WIDTH, ls=(0, (4, 3)), zorder=1)

    rows = [r - ax_top for r in row_y]
    side_max = 0.7 * row_h * 72  # points: the heaviest study's square
    wmax = float(np.nanmax(weights)) if k else 1.0
    for i in range(k):
        _whisker(ax, lo[i], hi[i], rows[i], xmin, xmax)
        if xmin <= yi[i] <= xmax and np.isfinite(weights[i]):
            side = max(side_max * math.sqrt(max(weights[i], 0) / wmax), 1.5)
            ax.plot(
                [yi[i]],
                [rows[i]],
                marker="s",
                ms=side,
                mfc=ACCENT,
                mec=ACCENT,
                mew=0,
                ls="none",
                zorder=3,
                gid=f"forest-square-{i}",
            )
    half = 0.32 * row_h
    ty = total_y - ax_top
    diamond = Polygon(
        [
            (result.ci_low, ty),
            (result.estimate, ty - half),
            (result.ci_high, ty),
            (result.estimate, ty + half),
        ],
        closed=True,
        facecolor=INK,
        edgecolor=INK,
        lw=0.5,
        zorder=4,
        gid="forest-diamond",
    )
    ax.add_patch(diamond)
    if show_pi:
        _whisker(ax, result.pi_low, result.pi_high, pi_y - ax_top, xmin, xmax, caps=0.3 * row_h)

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
