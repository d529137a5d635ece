"""Recall curve figure: curves, WSS@95 mark, labels, layout (no overlaps), files written."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.text import Text

from evsynth.report import recall_curve_figure, save_figure

# 40 records, 5 included
GOOD = [1, 1, 0, 1, 0, 0, 1, 0] + [0] * 21 + [1] + [0] * 10
OTHER = [1, 0, 1, 0, 0, 1, 1] + [0] * 25 + [1] + [0] * 7


def visible_texts(fig) -> list[Text]:
    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def lines_by_gid(fig) -> dict:
    ax = fig.axes[0]
    return {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}


def assert_clean_layout(fig) -> None:
    """No two texts overlap (by more than half a pixel) and every text lies in the figure."""
    texts = visible_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    width, height = fig.bbox.width, fig.bbox.height
    for i, a in enumerate(boxes):
        assert a.x0 >= -0.5 and a.x1 <= width + 0.5, texts[i].get_text()
        assert a.y0 >= -0.5 and a.y1 <= height + 0.5, texts[i].get_text()
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            ox = min(a.x1, b.x1) - max(a.x0, b.x0)
            oy = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert ox <= 0.5 or oy <= 0.5, (texts[i].get_text(), texts[j].get_text())


def test_one_order_draws_its_curve_random_and_perfect_lines():
    fig = recall_curve_figure([GOOD], title="Simulation")
    lines = lines_by_gid(fig)
    assert {"recall-order", "recall-random", "recall-perfect", "recall-wss"} <= set(lines)
    assert "recall-mean" not in lines
    x, y = lines["recall-order"].get_data()
    assert (x[0], y[0]) == (0, 0) and (x[-1], y[-1]) == (100, 100)
    assert y[2] == pytest.approx(40.0)  # 2 of 5 found after 2 of 40 records (5 %)
    assert x[2] == pytest.approx(5.0)
    px, py = lines["recall-perfect"].get_data()
    assert list(px) == pytest.approx([0, 12.5, 100]) and list(py) == [0, 100, 100]
    assert lines["recall-random"].get_linestyle() != "-"
    assert lines["recall-perfect"].get_linestyle() != "-"
    assert lines["recall-perfect"].get_color() != lines["recall-random"].get_color()


def test_wss_is_marked_and_in_the_legend():
    fig = recall_curve_figure([GOOD])
    # 95 % of 5 included -> all 5 found: at the 30th record; WSS = (40 - 30) / 40 - 0.05
    wx, wy = lines_by_gid(fig)["recall-wss"].get_data()
    assert list(wx) == pytest.approx([75, 95]) and list(wy) == [95, 95]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[-1] == "WSS@95 = 0.20"
    assert fig.axes[0].get_legend().get_title().get_text() == "40 records, 5 included"


def test_several_orders_draw_mean_and_band():
    fig = recall_curve_figure([GOOD, OTHER, np.array(GOOD)])
    lines = lines_by_gid(fig)
    assert "recall-mean" in lines and "recall-order" not in lines
    band = [c for c in fig.axes[0].collections if c.get_gid() == "recall-band"]
    assert len(band) == 1
    _, y = lines["recall-mean"].get_data()
    assert y[1] == pytest.approx(20.0)  # every order finds an included record first
    assert y[4] == pytest.approx((60 + 40 + 60) / 3)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "Mean of 3 orders"
    assert labels[-1].endswith("(mean of 3)")


def test_axes_are_labelled_in_percent():
    fig = recall_curve_figure([GOOD])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Records screened (%)"
    assert ax.get_ylabel() == "Recall (%)"
    assert ax.get_xlim() == (0, 100)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "20", "40", "60", "80", "100"]


@pytest.mark.parametrize(
    "title", [None, "A very long title of a simulation on a dataset with a long name, 10 seeds"]
)
@pytest.mark.parametrize("orders", [[GOOD], [GOOD, OTHER]])
def test_no_text_overlaps_and_all_inside_the_figure(title, orders):
    fig = recall_curve_figure(orders, title=title)
    assert_clean_layout(fig)
    shown = {t.get_text() for t in visible_texts(fig)}
    if title:
        assert title in shown


def test_large_order_with_worse_than_random_curve_is_drawn():
    rng = np.random.default_rng(3)
    labels = np.zeros(3000, dtype=int)
    labels[rng.choice(3000, 60, replace=False)] = 1
    worst = np.sort(labels)  # every included record last
    fig = recall_curve_figure([worst, labels])
    assert_clean_layout(fig)
    assert "3,000 records, 60 included" in {t.get_text() for t in visible_texts(fig)}


def test_files_are_written_as_svg_and_png(tmp_path):
    fig = recall_curve_figure([GOOD, OTHER], title="Recall")
    paths = save_figure(fig, tmp_path / "recall")
    assert [p.name for p in paths] == ["recall.svg", "recall.png"]
    svg = ET.parse(paths[0]).getroot()
    text = "".join(svg.itertext())
    assert "Records screened (%)" in text and "WSS@95" in text
    data = paths[1].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (round(fig.get_figwidth() * 300), round(fig.get_figheight() * 300))


@pytest.mark.parametrize(
    ("orders", "error", "match"),
    [
        ([], ValueError, "empty"),
        (GOOD, TypeError, r"pass \[labels\]"),
        ("0101", TypeError, "sequence of screening orders"),
        ([[0, 0, 0]], ValueError, r"labels_in_orders\[0\]: .*at least one included"),
        ([[1, 0, 2]], ValueError, r"labels_in_orders\[0\]"),
        ([GOOD, GOOD[:-1]], ValueError, "same records"),
    ],
)
def test_bad_input(orders, error, match):
    with pytest.raises(error, match=match):
        recall_curve_figure(orders)
