"""Funnel plot: effect against standard error, with pseudo confidence limits."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from scipy.special import ndtri

from evsynth.report._style import (
    ACCENT,
    GREY,
    INK,
    LINE_WIDTH,
    fmt_num,
    fmt_p,
    font,
    new_figure,
    style_xy_axes,
)

__all__ = ["funnel_plot"]

_FONT_SIZE = 8.0
# Contour-enhanced funnel (Peters et al. 2008): significance regions around the null.
# Each entry: (alpha, colour of the region alpha < p <= the next larger alpha).
_CONTOURS = ((0.10, "#ffffff"), (0.05, "#b8b8b8"), (0.01, "#d6d6d6"))
_CONTOUR_OUTSIDE = "#efefef"


def funnel_plot(
    result,
    *,
    egger=None,
    measure_label: str = "Mean difference",
    contour: bool = False,
    title: str | None = None,
    digits: int = 2,
) -> Figure:
    """Draw a funnel plot: each study's effect against its standard error.

    The y axis is inverted (precise studies at the top). Dashed lines mark the pseudo
    confidence limits ``estimate ± z * SE`` at the fit's level around the pooled estimate,
    drawn as a solid vertical line.

    Parameters
    ----------
    result : MetaAnalysisResult
        The fitted meta-analysis.
    egger : EggerTest, optional
        The result of ``es.egger_test(result)``; when given, "Egger's test: t = ..., df = ...,
        p = ..." is printed above the plot.
    measure_label : str
        Label of the x axis.
    contour : bool
        Shade the regions where a study would be significant at 10%, 5% and 1% (two-sided)
        around the null effect (a contour-enhanced funnel plot), with a legend.
    title : str, optional
        Title above the plot.
    digits : int
        Decimals of the Egger statistic.

    Returns
    -------
    matplotlib.figure.Figure
        A pyplot-free figure with an Agg canvas.
    """
    yi = np.asarray(result.yi, dtype=float)
    sei = np.sqrt(np.asarray(result.vi, dtype=float))
    est = float(result.estimate)
    se_max = float(np.nanmax(sei)) * 1.08 if sei.size else 1.0
    z = float(ndtri(1 - (1 - result.level) / 2))  # normal quantile for the pseudo limits

    body = font(_FONT_SIZE)
    fig_w = 5.4 if contour else 4.2
    fig = new_figure(fig_w, 3.9)
    top = 0.085 if (title or egger is not None) else 0.04
    top += 0.06 if (title and egger is not None) else 0.0
    right = 1.32 if contour else 0.15
    ax = fig.add_axes(
        (0.62 / fig_w, 0.5 / 3.9, (fig_w - 0.62 - right) / fig_w, (3.9 - 0.5 - top * 3.9) / 3.9)
    )
    ax.set_gid("funnel-axes")

    se_grid = np.array([0.0, se_max])
    x_extent = np.concatenate([yi, est + z * se_grid, est - z * se_grid])
    handles = []
    if contour:
        # Significance regions around 0 (two-sided): the axes background is the p <= 0.01
        # region; bands are painted outermost first so the inner ones paint over.
        outer = float(ndtri(1 - 0.01 / 2)) * se_max
        x_extent = np.concatenate([x_extent, [-outer, outer]])
        ax.set_facecolor(_CONTOUR_OUTSIDE)
        for alpha, colour in sorted(_CONTOURS):
            zq = float(ndtri(1 - alpha / 2))
            ax.fill_betweenx(se_grid, -zq * se_grid, zq * se_grid, color=colour, lw=0, zorder=0)
        handles = [
            Patch(facecolor=_CONTOURS[0][1], edgecolor=GREY, lw=0.4, label="p > 0.10"),
            Patch(facecolor=_CONTOURS[1][1], edgecolor=GREY, lw=0.4, label="0.05 < p ≤ 0.10"),
            Patch(facecolor=_CONTOURS[2][1], edgecolor=GREY, lw=0.4, label="0.01 < p ≤ 0.05"),
            Patch(facecolor=_CONTOUR_OUTSIDE, edgecolor=GREY, lw=0.4, label="p ≤ 0.01"),
        ]
    finite = x_extent[np.isfinite(x_extent)]
    lo_x, hi_x = float(finite.min()), float(finite.max())
    pad = 0.06 * (hi_x - lo_x or 1.0)
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.set_ylim(se_max, 0)
    # Fixed ticks inside the limits only, so no tick label is laid out off the axes.
    for axis, (a, b) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, (0.0, se_max))):
        lo_v, hi_v = min(a, b), max(a, b)
        axis.set_ticks(
            [
                t
                for t in MaxNLocator(nbins=5, steps=[1, 2, 5, 10]).tick_values(lo_v, hi_v)
                if lo_v <= t <= hi_v
            ]
        )

    ax.plot(est + z * se_grid, se_grid, color=GREY, lw=LINE_WIDTH, ls=(0, (4, 3)), zorder=1)
    ax.plot(est - z * se_grid, se_grid, color=GREY, lw=LINE_WIDTH, ls=(0, (4, 3)), zorder=1)
    ax.axvline(est, color=INK, lw=LINE_WIDTH, zorder=1, gid="funnel-pooled")
    ax.scatter(yi, sei, s=18, color=ACCENT, edgecolors="white", linewidths=0.4, zorder=3)

    style_xy_axes(ax, _FONT_SIZE - 0.5)
    ax.set_xlabel(measure_label, fontproperties=body, color=INK)
    ax.set_ylabel("Standard error", fontproperties=body, color=INK)
    if handles:
        leg = ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.03, 1.0),
            frameon=False,
            prop=font(_FONT_SIZE - 0.5),
            title="Contours",
            title_fontproperties=font(_FONT_SIZE - 0.5, weight="bold"),
            alignment="left",
            handlelength=1.2,
        )
        leg.set_gid("funnel-legend")

    x0 = 0.62 / fig_w
    y = 1 - 0.08 / 3.9
    if title:
        t = fig.text(
            x0, y, title, ha="left", va="top", fontproperties=font(_FONT_SIZE + 1.5, weight="bold")
        )
        t.set_gid("funnel-title")
        y -= 0.24 / 3.9
    if egger is not None:
        text = (
            f"Egger's test: t = {fmt_num(float(egger.statistic), digits)}, "
            f"df = {int(egger.df)}, {fmt_p(float(egger.pvalue), symbol='p')}"
        )
        t = fig.text(x0, y, text, ha="left", va="top", fontproperties=body, color=INK)
        t.set_gid("funnel-egger")
    return fig
