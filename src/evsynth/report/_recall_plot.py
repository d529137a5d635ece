"""Recall curve of simulated screening orders against random and perfect order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from evsynth.report._style import (
    ACCENT,
    GREY,
    INK,
    LINE_WIDTH,
    TextMeasurer,
    fmt_num,
    font,
    new_figure,
    style_xy_axes,
)
from evsynth.screening import order_metrics, recall_curve

__all__ = ["recall_curve_figure"]

_FONT_SIZE = 8.0
_TICKS = (0, 20, 40, 60, 80, 100)
# layout, in inches
_LEFT, _BOTTOM, _TOP_PAD, _AXES_W, _AXES_H = 0.62, 0.5, 0.12, 3.2, 3.0
_GAP, _HANDLE, _RIGHT_PAD, _TITLE_H = 0.25, 0.42, 0.12, 0.3


def _orders(labels_in_orders) -> list[np.ndarray]:
    """The orders as 0/1 arrays, checked: at least one, all of the same records."""
    if isinstance(labels_in_orders, (str, bytes)) or not isinstance(
        labels_in_orders, Sequence | np.ndarray
    ):
        raise TypeError("labels_in_orders must be a sequence of screening orders (0/1 labels)")
    if len(labels_in_orders) == 0:
        raise ValueError("labels_in_orders is empty: give at least one screening order")
    if np.ndim(labels_in_orders[0]) == 0:
        raise TypeError(
            "labels_in_orders must be a sequence of orders, each a sequence of 0/1 labels; "
            "for one order pass [labels]"
        )
    orders = []
    for i, labels in enumerate(labels_in_orders):
        try:
            recall_curve(labels)  # validates: 1-D, 0/1, both classes present
        except ValueError as error:
            raise ValueError(f"labels_in_orders[{i}]: {error}") from None
        orders.append(np.asarray(labels, dtype=np.int64))
    first = orders[0]
    for i, labels in enumerate(orders[1:], start=1):
        if labels.size != first.size or labels.sum() != first.sum():
            raise ValueError(
                f"labels_in_orders[{i}] has {labels.size} records, {labels.sum()} included, "
                f"but labels_in_orders[0] has {first.size}, {first.sum()} included; every "
                "order must hold the same records"
            )
    return orders


def recall_curve_figure(
    labels_in_orders: Sequence[Sequence[int] | np.ndarray], *, title: str | None = None
) -> Figure:
    """Draw the recall curve of screening orders against random and perfect order.

    The x axis is the share of records screened (0-100 %), the y axis the recall (the
    share of included records found). One order is drawn as one line; several orders (for
    example one per seed of a simulation) as their mean recall with a band from the lowest
    to the highest recall at each point. The dashed diagonal is the expected recall of a
    random order, the dotted line the perfect order (every included record first). WSS@95
    is marked as the horizontal distance at 95 % recall between the random order and the
    curve (for several orders, from the mean records needed); its value is in the legend,
    which sits to the right of the axes, so no label covers a curve.

    Parameters
    ----------
    labels_in_orders : sequence of sequences of 0/1
        For each screening order, the label of every record (1 = included) in the order
        screened; all orders of the same records (same N and R).
    title : str, optional
        Title above the plot.

    Returns
    -------
    matplotlib.figure.Figure
        A pyplot-free figure with an Agg canvas, for :func:`save_figure`. Artists carry the
        gids ``recall-order`` (one order) or ``recall-mean`` and ``recall-band`` (several),
        ``recall-random``, ``recall-perfect``, ``recall-wss``, ``recall-legend`` and
        ``recall-title``.

    Examples
    --------
    >>> fig = recall_curve_figure([[1, 0, 1, 0, 0, 0], [0, 1, 1, 0, 0, 0]], title="Demo")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][-1]
    'WSS@95 = 0.45 (mean of 2)'
    """
    orders = _orders(labels_in_orders)
    n, r = orders[0].size, int(orders[0].sum())
    curves = np.array([recall_curve(labels) for labels in orders]) * 100
    curves = np.hstack([np.zeros((len(orders), 1)), curves])  # recall 0 before any record
    x = np.arange(n + 1) / n * 100
    # WSS@95 = 0.95 - the share of records needed for 95 % recall (as order_metrics counts)
    metrics = [order_metrics(labels) for labels in orders]
    x95 = float(np.mean([m.records_to_recall_95 for m in metrics]) / n * 100)
    wss = float(np.mean([m.wss_95 for m in metrics]))
    several = len(orders) > 1

    fig = new_figure()
    measure = TextMeasurer(fig)
    body = font(_FONT_SIZE)
    handles = []
    if several:
        handles += [
            Line2D([], [], color=ACCENT, lw=1.4, label=f"Mean of {len(orders)} orders"),
            Patch(facecolor=ACCENT, alpha=0.25, lw=0, label="Range (lowest to highest)"),
        ]
    else:
        handles.append(Line2D([], [], color=ACCENT, lw=1.4, label="Prioritised order"))
    handles += [
        Line2D([], [], color=GREY, lw=LINE_WIDTH, ls=(0, (4, 3)), label="Random order (expected)"),
        Line2D([], [], color=INK, lw=LINE_WIDTH, ls=(0, (1, 2)), label="Perfect order"),
        Line2D(
            [],
            [],
            color=INK,
            lw=LINE_WIDTH,
            marker="|",
            markersize=6,
            label=f"WSS@95 = {fmt_num(wss)}" + (f" (mean of {len(orders)})" if several else ""),
        ),
    ]
    legend_title = f"{n:,} records, {r:,} included"
    text_w = max(
        measure(legend_title, font(_FONT_SIZE, weight="bold")),
        *(measure(h.get_label(), body) for h in handles),
    )
    title_h = _TITLE_H if title else 0.0
    fig_w = _LEFT + _AXES_W + _GAP + _HANDLE + text_w + _RIGHT_PAD
    if title:
        fig_w = max(fig_w, _LEFT + measure(title, font(_FONT_SIZE + 1.5, "bold")) + _RIGHT_PAD)
    fig_h = _BOTTOM + _AXES_H + _TOP_PAD + title_h
    fig.set_size_inches(fig_w, fig_h)
    ax = fig.add_axes((_LEFT / fig_w, _BOTTOM / fig_h, _AXES_W / fig_w, _AXES_H / fig_h))
    ax.set_gid("recall-axes")

    ax.plot([0, 100], [0, 100], color=GREY, lw=LINE_WIDTH, ls=(0, (4, 3)), gid="recall-random")
    ax.plot(
        [0, r / n * 100, 100],
        [0, 100, 100],
        color=INK,
        lw=LINE_WIDTH,
        ls=(0, (1, 2)),
        gid="recall-perfect",
    )
    if several:
        ax.fill_between(
            x,
            curves.min(axis=0),
            curves.max(axis=0),
            color=ACCENT,
            alpha=0.25,
            lw=0,
            gid="recall-band",
        )
        ax.plot(x, curves.mean(axis=0), color=ACCENT, lw=1.4, gid="recall-mean")
    else:
        ax.plot(x, curves[0], color=ACCENT, lw=1.4, gid="recall-order")
    ax.plot(
        [x95, 95],
        [95, 95],
        color=INK,
        lw=LINE_WIDTH,
        marker="|",
        markersize=6,
        zorder=1.5,  # under the curves, which may run along it at exactly 95 %
        gid="recall-wss",
    )

    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.set_xticks(_TICKS)
    ax.set_yticks(_TICKS)
    style_xy_axes(ax, _FONT_SIZE - 0.5)
    ax.set_xlabel("Records screened (%)", fontproperties=body, color=INK)
    ax.set_ylabel("Recall (%)", fontproperties=body, color=INK)
    legend = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1 + _GAP / _AXES_W, 1.0),
        borderaxespad=0.0,
        borderpad=0.0,
        frameon=False,
        prop=body,
        title=legend_title,
        title_fontproperties=font(_FONT_SIZE, weight="bold"),
        alignment="left",
        handlelength=2.2,
        labelcolor=INK,
    )
    legend.set_gid("recall-legend")
    if title:
        text = fig.text(
            _LEFT / fig_w,
            1 - 0.1 / fig_h,
            title,
            ha="left",
            va="top",
            fontproperties=font(_FONT_SIZE + 1.5, weight="bold"),
            color=INK,
        )
        text.set_gid("recall-title")
    return fig
