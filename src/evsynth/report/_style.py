"""Shared look of the report figures: fonts, colours, line widths and number formatting.

Nothing here touches matplotlib's global state (``rcParams``): every artist gets its font and
colour explicitly, so that drawing a figure never changes how other figures look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager

__all__ = [
    "ACCENT",
    "GREY",
    "LIGHT_GREY",
    "INK",
    "LINE_WIDTH",
    "MINUS",
    "font",
    "font_family",
    "fmt_data",
    "fmt_num",
    "fmt_p",
    "new_figure",
    "style_x_axis",
    "style_xy_axes",
    "TextMeasurer",
]

INK = "#1a1a1a"
"""Text, lines, diamonds."""
ACCENT = "#2c6e9b"
"""The one accent colour: study squares, funnel points."""
GREY = "#6b6b6b"
LIGHT_GREY = "#bdbdbd"
LINE_WIDTH = 0.75
MINUS = "\u2212"

_PREFERRED_FAMILIES = ("Liberation Sans", "Arial", "Helvetica", "Nimbus Sans", "DejaVu Sans")


@cache
def font_family() -> tuple[str, ...]:
    """The installed sans-serif families to use, best first (DejaVu Sans always last).

    Only installed families are listed, so matplotlib never logs "font family not found".
    Liberation Sans has Arial's metrics, so the layout measured here holds where an SVG is
    shown with Arial or Helvetica instead.
    """
    installed = {f.name for f in fontManager.ttflist}
    fams = [f for f in _PREFERRED_FAMILIES if f in installed and f != "DejaVu Sans"]
    return (*fams, "DejaVu Sans")


def font(size: float, weight: str = "normal", style: str = "normal") -> FontProperties:
    """Font properties of the report figures at ``size`` points."""
    return FontProperties(family=list(font_family()), size=size, weight=weight, style=style)


def new_figure(width: float = 4.0, height: float = 3.0, dpi: float = 100) -> Figure:
    """A pyplot-free figure with an Agg canvas attached (so it can be measured and saved)."""
    fig = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def fmt_num(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals and a typographic minus sign (``-0.00`` becomes ``0.00``)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if math.isinf(x):
        return "\u221e" if x > 0 else MINUS + "\u221e"
    s = f"{x:.{digits}f}"
    if s.startswith("-"):
        s = s[1:] if float(s) == 0 else MINUS + s[1:]
    return s


def fmt_data(x: float, digits: int = 2) -> str:
    """An extracted value as a reader would enter it: at most ``digits`` decimals, no trailing
    zeros (``55``, ``27.5``, ``7.12``)."""
    s = fmt_num(x, digits)
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def fmt_p(p: float, symbol: str = "P") -> str:
    """A p-value as RevMan 5 prints it: ``P < 0.00001``, ``P < 0.0001``, else ``P = x``.

    ``x`` has two decimals from 0.01 up (``P = 0.26``, ``P = 0.03``) and one significant
    figure below (``P = 0.002``, ``P = 0.0004``); the decimals follow the magnitude before
    rounding, so 0.00097 prints as ``P = 0.0010`` and 0.0099 as ``P = 0.010``, as RevMan does.
    """
    if p is None or not math.isfinite(p):
        return f"{symbol} = NA"
    if p < 1e-5:
        return f"{symbol} < 0.00001"
    if p < 1e-4:
        return f"{symbol} < 0.0001"
    decimals = 2 if p >= 0.01 else -math.floor(math.log10(p))
    return f"{symbol} = {p:.{decimals}f}"


@dataclass
class TextMeasurer:
    """Widths of texts in inches as ``fig``'s Agg renderer lays them out (cached), so that a
    figure's layout can follow its content."""

    fig: Figure
    cache: dict = field(default_factory=dict)

    def width(self, text: str, prop: FontProperties) -> float:
        """Width of ``text`` in inches."""
        if not text:
            return 0.0
        key = (text, prop.get_size_in_points(), prop.get_weight())
        if key not in self.cache:
            renderer = self.fig.canvas.get_renderer()
            w, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
            self.cache[key] = w / self.fig.dpi
        return self.cache[key]

    __call__ = width


def style_x_axis(ax, tick_size: float) -> None:
    """The house look of an axes that shows only its x axis (forest plots, RoB bars): no
    top, right or left spine, a thin ink bottom spine, outward ticks labelled in the house
    font at ``tick_size`` points."""
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(LINE_WIDTH)
    ax.spines["bottom"].set_color(INK)
    ax.tick_params(
        axis="x",
        length=3.5,
        width=LINE_WIDTH,
        pad=2.5,
        color=INK,
        labelcolor=INK,
        labelsize=tick_size,
        labelfontfamily=list(font_family()),
    )


def style_xy_axes(ax, tick_size: float) -> None:
    """The house look of an axes with both axes shown (funnel plots, recall curves): no top or
    right spine, thin ink left and bottom spines, outward ticks labelled in the house font at
    ``tick_size`` points."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(LINE_WIDTH)
        ax.spines[side].set_color(INK)
    ax.tick_params(
        length=3.5,
        width=LINE_WIDTH,
        color=INK,
        labelcolor=INK,
        labelsize=tick_size,
        labelfontfamily=list(font_family()),
    )
