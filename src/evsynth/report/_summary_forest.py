"""A summary forest plot of every pooled cell: a picture of the results table.

One panel per outcome (each has its own measure and scale), one row per comparator x
timepoint with its pooled estimate and CI as a diamond-free point and whisker, the
estimate [CI] as text, and the favours labels under each panel's axis.
"""

from __future__ import annotations

import numpy as np

from evsynth.report._forest import _nice_limit, _tick_label
from evsynth.report._style import ACCENT, INK, fmt_num, font, new_figure

__all__ = ["summary_forest_plot"]

_ROW = 0.26  # inches per row
_HEAD = 0.45  # inches for a panel's heading
_AXIS = 0.75  # inches for a panel's axis and favours labels


def summary_forest_plot(synthesis, *, width: float = 9.0):
    """Every pooled analysis of a synthesis in one figure, grouped by outcome.

    Parameters
    ----------
    synthesis : SynthesisResult
        From :func:`evsynth.synthesise`; only pooled cells are drawn.
    width : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    label = synthesis.protocol.intervention_label
    panels = []
    for outcome in synthesis.protocol.outcomes:
        cells = [c for c in synthesis.pooled_cells if c.outcome.id == outcome.id]
        if cells:
            panels.append((outcome, cells))
    if not panels:
        raise ValueError("the synthesis has no pooled analysis to draw")
    height = sum(_HEAD + _ROW * len(cells) + _AXIS for _o, cells in panels) + 0.2
    fig = new_figure(width, height)
    top = height - 0.1
    for outcome, cells in panels:
        n = len(cells)
        panel_h = _ROW * n
        y0 = top - _HEAD - panel_h  # bottom of the plotting area, inches
        fig.text(0.02, (top - 0.22) / height, f"{outcome.label} ({cells[0].measure})",
                 fontproperties=font(10, weight="bold"), color=INK, va="center")  # fmt: skip
        ax = fig.add_axes((0.62, y0 / height, 0.34, panel_h / height))
        lows = np.array([c.result.ci_low for c in cells])
        highs = np.array([c.result.ci_high for c in cells])
        limit = _nice_limit(float(np.max(np.abs(np.concatenate([lows, highs])))))
        ys = np.arange(n)[::-1] + 0.5
        for y, c in zip(ys, cells, strict=True):
            r = c.result
            ax.plot([max(r.ci_low, -limit), min(r.ci_high, limit)], [y, y], color=INK, lw=0.9)
            ax.plot([r.estimate], [y], marker="s", ms=5, color=ACCENT, lw=0)
            fy = (y0 + (y / n) * panel_h) / height
            fig.text(0.02, fy, f"{c.comparator.label}, {c.window.label.lower()}",
                     fontproperties=font(8.5), va="center", color=INK)  # fmt: skip
            fig.text(0.33, fy, f"k = {c.k}", fontproperties=font(8.5), va="center", color=INK)
            fig.text(0.40, fy, f"{fmt_num(r.estimate)} [{fmt_num(r.ci_low)}, "
                     f"{fmt_num(r.ci_high)}]", fontproperties=font(8.5), va="center",
                     color=INK)  # fmt: skip
        ax.axvline(0, color=INK, lw=0.8)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(0, n)
        ax.set_yticks([])
        ticks = [-limit, -limit / 2, 0, limit / 2, limit]
        ax.set_xticks(ticks, [_tick_label(t) for t in ticks])
        for t in ax.get_xticklabels():
            t.set_fontproperties(font(8))
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_linewidth(0.8)
        lower = outcome.direction == "lower_is_better"
        left, right = (label, "control") if lower else ("control", label)
        fy = (y0 - 0.55) / height
        fig.text(0.62 + 0.17 - 0.01, fy, f"Favours {left}", ha="right",
                 fontproperties=font(8), color=INK)  # fmt: skip
        fig.text(0.62 + 0.17 + 0.01, fy, f"Favours {right}", ha="left",
                 fontproperties=font(8), color=INK)  # fmt: skip
        top = y0 - _AXIS
    return fig
