"""Risk-of-bias figures as R robvis draws them: the traffic-light plot and the summary bar plot.

Both figures are laid out from measured text: the figure size follows the number of studies,
the longest study label and the domain names, so nothing is cut off or overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle
from matplotlib.text import Text
from matplotlib.textpath import TextPath

from evsynth.report._style import INK, LINE_WIDTH, font, new_figure, style_x_axis
from evsynth.report._style import TextMeasurer as _Measurer

__all__ = [
    "ROB2_DOMAIN_NAMES",
    "ROB2_JUDGEMENTS",
    "ROBINS_I_DOMAIN_NAMES",
    "ROBINS_I_JUDGEMENTS",
    "ROB_PALETTES",
    "ROB_SYMBOLS",
    "judgement_shares",
    "rob_colours",
    "rob_domain_names",
    "rob_symbol",
    "summary_plot",
    "traffic_light_plot",
]

# ---- tools, palettes and symbols --------------------------------------------------------------

ROB2_DOMAIN_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "D1": "Bias arising from the randomisation process",
        "D1b": "Bias arising from the identification or recruitment of participants into clusters",
        "DS": "Bias arising from period and carryover effects",
        "D2": "Bias due to deviations from intended interventions",
        "D3": "Bias due to missing outcome data",
        "D4": "Bias in measurement of the outcome",
        "D5": "Bias in selection of the reported result",
    }
)
"""RoB 2 domains in the order of the tool (D1b: cluster trials; DS: crossover trials)."""

ROBINS_I_DOMAIN_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "D1": "Bias due to confounding",
        "D2": "Bias due to selection of participants",
        "D3": "Bias in classification of interventions",
        "D4": "Bias due to deviations from intended interventions",
        "D5": "Bias due to missing data",
        "D6": "Bias in measurement of outcomes",
        "D7": "Bias in selection of the reported result",
    }
)
"""ROBINS-I domains in the order of the tool."""

ROB2_JUDGEMENTS = ("low", "some concerns", "high", "no information")
"""RoB 2 judgements, least to most severe, then "no information"."""
ROBINS_I_JUDGEMENTS = ("low", "moderate", "serious", "critical", "no information")
"""ROBINS-I judgements, least to most severe, then "no information"."""

ROB_PALETTES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "cochrane": MappingProxyType(
            {
                "low": "#02C100",
                "some concerns": "#E2DF07",
                "moderate": "#E2DF07",
                "high": "#BF0000",
                "serious": "#BF0000",
                "critical": "#820000",
                "no information": "#4EA1F7",
            }
        ),
        # robvis's "colourblind" scheme: the ColorBrewer YlOrBr sequence (Brewer, colorbrewer2.org,
        # marked colour-blind safe), lighter for less severe; "no information" is white.
        "colourblind": MappingProxyType(
            {
                "low": "#FED98E",
                "some concerns": "#FE9929",
                "moderate": "#FE9929",
                "high": "#D95F0E",
                "serious": "#D95F0E",
                "critical": "#993404",
                "no information": "#FFFFFF",
            }
        ),
    }
)
"""Fill colour of each judgement, per palette ("cochrane" or "colourblind")."""

ROB_SYMBOLS: Mapping[str, str] = MappingProxyType(
    {
        "low": "+",
        "some concerns": "\u2212",
        "moderate": "\u2212",
        "high": "\u00d7",
        "serious": "\u00d7",
        "critical": "!",
        "no information": "?",
    }
)
"""The symbol in each dot, as robvis draws them (+, -, x, !, ?) in typographic form."""


@dataclass(frozen=True)
class _Tool:
    key: str
    name: str
    domain_names: Mapping[str, str]
    judgements: tuple[str, ...]

    def domain_order(self) -> tuple[str, ...]:
        return (*self.domain_names, "Overall")


_TOOLS = {
    "rob2": _Tool("rob2", "RoB 2", ROB2_DOMAIN_NAMES, ROB2_JUDGEMENTS),
    "robins-i": _Tool("robins-i", "ROBINS-I", ROBINS_I_DOMAIN_NAMES, ROBINS_I_JUDGEMENTS),
}
_TOOL_ALIASES = {"rob2": "rob2", "rob-2": "rob2", "robins-i": "robins-i", "robinsi": "robins-i"}
_PALETTE_ALIASES = {
    "cochrane": "cochrane",
    "colourblind": "colourblind",
    "colorblind": "colourblind",
}


def _tool(tool) -> _Tool:
    if not isinstance(tool, str):
        raise TypeError(f"tool must be a string ('rob2' or 'robins-i'), got {type(tool).__name__}")
    key = _TOOL_ALIASES.get(tool.strip().lower().replace(" ", "").replace("_", "-"))
    if key is None:
        raise ValueError(f"tool must be 'rob2' or 'robins-i', got {tool!r}")
    return _TOOLS[key]


def _palette(palette) -> str:
    if not isinstance(palette, str):
        raise TypeError(f"palette must be a string, got {type(palette).__name__}")
    key = _PALETTE_ALIASES.get(palette.strip().lower())
    if key is None:
        raise ValueError(f"palette must be 'cochrane' or 'colourblind', got {palette!r}")
    return key


def rob_colours(tool: str = "rob2", palette: str = "cochrane") -> dict[str, str]:
    """Fill colour of each judgement of ``tool`` in ``palette``.

    Parameters
    ----------
    tool : {"rob2", "robins-i"}
        The risk-of-bias tool.
    palette : {"cochrane", "colourblind"}
        ``"cochrane"``: the colours of Cochrane's risk-of-bias figures; ``"colourblind"``
        (or ``"colorblind"``): robvis's colour-blind safe scheme (ColorBrewer YlOrBr).

    Returns
    -------
    dict of str to str
        Judgement (lower case) to hex colour, in the tool's order of judgements.

    References
    ----------
    McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package and Shiny
    web app for visualizing risk-of-bias assessments. Res Synth Methods. 2021;12:55-61.

    Examples
    --------
    >>> rob_colours("rob2")["high"]
    '#BF0000'
    >>> list(rob_colours("robins-i", "colorblind"))
    ['low', 'moderate', 'serious', 'critical', 'no information']
    """
    colours = ROB_PALETTES[_palette(palette)]
    return {j: colours[j] for j in _tool(tool).judgements}


def rob_symbol(tool: str, judgement: str) -> str:
    """The symbol drawn in the dot of ``judgement`` (``+``, ``−``, ``×``, ``!``, ``?``).

    Examples
    --------
    >>> rob_symbol("robins-i", "Critical")
    '!'
    """
    return ROB_SYMBOLS[_judgement(_tool(tool), judgement, "", "")]


def rob_domain_names(tool: str) -> dict[str, str]:
    """Domain id to long name for ``tool``, in the tool's order.

    Examples
    --------
    >>> rob_domain_names("rob2")["D3"]
    'Bias due to missing outcome data'
    """
    return dict(_tool(tool).domain_names)


# ---- parsing the assessments ------------------------------------------------------------------


@dataclass(frozen=True)
class _Assessments:
    labels: tuple[str, ...]
    judgements: tuple[Mapping[str, str], ...]  # canonical domain id -> judgement (lower case)
    domains: tuple[str, ...]  # judged in any study, in the tool's order, "Overall" last


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _judgement(tool: _Tool, value, label: str, domain: str) -> str:
    text = " ".join(value.lower().split()) if isinstance(value, str) else None
    if text not in tool.judgements:
        where = f"study {label!r}, domain {domain!r}: " if label or domain else ""
        allowed = ", ".join(repr(j) for j in tool.judgements)
        raise ValueError(f"{where}unknown {tool.name} judgement {value!r}; use one of {allowed}")
    return text


def _parse(assessments, tool: _Tool) -> _Assessments:
    if isinstance(assessments, Mapping):
        pairs = list(assessments.items())
    elif isinstance(assessments, str | bytes) or not isinstance(assessments, Sequence):
        raise TypeError(
            "assessments must be a sequence of (study_label, judgements) pairs or a mapping "
            f"of study label to judgements, got {type(assessments).__name__}"
        )
    else:
        pairs = []
        for item in assessments:
            if isinstance(item, str | bytes) or not isinstance(item, Sequence) or len(item) != 2:
                raise TypeError(
                    f"each assessment must be a (study_label, judgements) pair, got {item!r}"
                )
            pairs.append((item[0], item[1]))
    if not pairs:
        raise ValueError("assessments is empty: there is no study to draw")
    canonical = {d.lower(): d for d in tool.domain_order()}
    labels, rows, seen, present = [], [], set(), set()
    for raw_label, judgements in pairs:
        label = str(raw_label)
        if label in seen:
            raise ValueError(f"study label {label!r} appears more than once in assessments")
        seen.add(label)
        if not isinstance(judgements, Mapping):
            raise TypeError(
                f"the judgements of study {label!r} must be a mapping of domain to judgement, "
                f"got {type(judgements).__name__}"
            )
        row: dict[str, str] = {}
        for raw_domain, value in judgements.items():
            domain = canonical.get(str(raw_domain).strip().lower())
            if domain is None:
                raise ValueError(
                    f"study {label!r}: unknown {tool.name} domain {raw_domain!r}; use "
                    f"{', '.join(tool.domain_order())}"
                )
            if domain in row:
                raise ValueError(f"study {label!r}: domain {domain!r} is given twice")
            if _is_missing(value):
                continue
            row[domain] = _judgement(tool, value, label, domain)
            present.add(domain)
        labels.append(label)
        rows.append(MappingProxyType(row))
    domains = tuple(d for d in tool.domain_order() if d in present)
    return _Assessments(tuple(labels), tuple(rows), domains)


def _select_domains(parsed: _Assessments, domains, tool: _Tool) -> list[str]:
    """The domain columns to draw: ``domains`` (validated, "Overall" moved last) or all
    judged domains."""
    if domains is None:
        if not parsed.domains:
            raise ValueError("no study has a judgement in any domain: there is nothing to draw")
        return list(parsed.domains)
    if isinstance(domains, str) or not isinstance(domains, Sequence):
        raise TypeError("domains must be a sequence of domain ids such as ['D1', 'D2', 'Overall']")
    canonical = {d.lower(): d for d in tool.domain_order()}
    chosen: list[str] = []
    for raw in domains:
        domain = canonical.get(str(raw).strip().lower())
        if domain is None:
            raise ValueError(
                f"unknown {tool.name} domain {raw!r} in domains; use "
                f"{', '.join(tool.domain_order())}"
            )
        if domain in chosen:
            raise ValueError(f"domain {domain!r} is listed twice in domains")
        chosen.append(domain)
    if not chosen:
        raise ValueError("domains is empty: name at least one domain to draw")
    return [d for d in chosen if d != "Overall"] + (["Overall"] if "Overall" in chosen else [])


def _weights(weights, labels: Sequence[str]) -> dict[str, float]:
    if not isinstance(weights, Mapping):
        raise TypeError(
            f"weights must be a mapping of study label to weight, got {type(weights).__name__}"
        )
    given = {str(k): v for k, v in weights.items()}
    missing = [lab for lab in labels if lab not in given]
    if missing:
        raise ValueError(f"weights has no weight for the assessed studies {missing}")
    extra = [k for k in given if k not in set(labels)]
    if extra:
        raise ValueError(f"weights names studies without a risk-of-bias assessment: {extra}")
    out = {}
    for lab in labels:
        try:
            w = float(given[lab])
        except (TypeError, ValueError):
            raise ValueError(
                f"the weight of study {lab!r} is not a number: {given[lab]!r}"
            ) from None
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"the weight of study {lab!r} must be finite and >= 0, got {w}")
        out[lab] = w
    return out


def judgement_shares(
    assessments, *, tool: str, weights: Mapping[str, float] | None = None
) -> dict[str, dict[str, float]]:
    """The share of studies (or of weight) at each judgement, per domain.

    A study without a judgement in a domain is left out of that domain's denominator, so
    each domain's shares sum to 1.

    Parameters
    ----------
    assessments : sequence of (str, mapping) or mapping of str to mapping
        ``(study_label, {domain: judgement})`` pairs, domains ``"D1"`` ... and ``"Overall"``.
    tool : {"rob2", "robins-i"}
        The risk-of-bias tool: its domains and judgements.
    weights : mapping of str to float, optional
        Weight of each assessed study (e.g. its weight in a meta-analysis); every assessed
        study needs one and every weighted study an assessment. Without weights each study
        counts once.

    Returns
    -------
    dict of str to dict of str to float
        Domain (judged domains in the tool's order, ``"Overall"`` last) to judgement (every
        judgement of the tool, in order, zero where absent) to share.

    References
    ----------
    McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis). Res Synth Methods.
    2021;12:55-61 (the weighted summary plot).

    Examples
    --------
    >>> data = [("A", {"D1": "low", "Overall": "low"}),
    ...         ("B", {"D1": "high", "Overall": "high"}),
    ...         ("C", {"D1": "low", "Overall": "some concerns"})]
    >>> shares = judgement_shares(data, tool="rob2")
    >>> round(shares["D1"]["low"], 3)
    0.667
    >>> judgement_shares(data, tool="rob2", weights={"A": 10, "B": 30, "C": 60})["D1"]["high"]
    0.3
    """
    spec = _tool(tool)
    parsed = _parse(assessments, spec)
    w = None if weights is None else _weights(weights, parsed.labels)
    shares: dict[str, dict[str, float]] = {}
    for domain in parsed.domains:
        totals = dict.fromkeys(spec.judgements, 0.0)
        for label, row in zip(parsed.labels, parsed.judgements, strict=True):
            if domain in row:
                totals[row[domain]] += 1.0 if w is None else w[label]
        total = sum(totals.values())
        if total <= 0:
            raise ValueError(f"the studies judged in domain {domain!r} have a total weight of 0")
        shares[domain] = {j: v / total for j, v in totals.items()}
    return shares


# ---- layout helpers ---------------------------------------------------------------------------

_FONT_SIZE = 8.0
_TITLE_SIZE = 10.0
_SYMBOL_SIZE = 10.0
_TICK_FONT_SIZE = 7.5
_PT = 1 / 72
_MARGIN = 0.15
_MIN_WIDTH = 4.0  # narrower figures would wrap the domain captions into many short lines
_LINE_H = 1.35 * _FONT_SIZE * _PT
_ROW_H = 0.25  # pitch of the study rows
_DOT = 0.19  # diameter of a judgement dot
_COL_W = 0.34  # minimum pitch of the domain columns
_OVERALL_GAP = 0.1
_LABEL_GAP = 0.2
_STRIPE = "#f0f0f0"
_ITEM_GAP = 0.22  # between legend entries
_BAR_H = 0.2
_BAR_AREA_W = 3.6
_MAX_DOMAIN_LABEL_W = 3.2


def _wrap(text: str, prop, width: float, measure: _Measurer, indent: float = 0.0) -> list[str]:
    """Greedy word wrap of ``text`` to ``width`` inches (``indent`` less after the first
    line); a word wider than the line stands alone."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        available = width - (indent if lines else 0.0)
        if current and measure(trial, prop) > available:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _longest_word(texts: Sequence[str], prop, measure: _Measurer) -> float:
    return max((measure(w, prop) for s in texts for w in s.split()), default=0.0)


def _flow(widths: Sequence[float], width: float, gap: float) -> list[list[tuple[int, float]]]:
    """Legend entries of ``widths`` in lines no wider than ``width``: per line, the entries'
    indices and their x offsets."""
    lines: list[list[tuple[int, float]]] = [[]]
    x = 0.0
    for i, w in enumerate(widths):
        if lines[-1] and x + w > width:
            lines.append([])
            x = 0.0
        lines[-1].append((i, x))
        x += w + gap
    return lines


def _line_width(line: list[tuple[int, float]], widths: Sequence[float]) -> float:
    i, x = line[-1]
    return x + widths[i]


def _symbol_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(fill)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "white" if (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05) else "black"


@cache
def _ink_centre(symbol: str, size: float) -> tuple[float, float]:
    """Centre of the glyph's ink relative to its origin, in inches: used to centre the
    symbol in its dot exactly (text alignment centres the line box, not the glyph)."""
    ext = TextPath((0, 0), symbol, prop=font(size, weight="bold")).get_extents()
    return (ext.x0 + ext.x1) / 2 * _PT, (ext.y0 + ext.y1) / 2 * _PT


def _slug(judgement: str) -> str:
    return judgement.replace(" ", "-")


class _Painter:
    """Draws in inches measured from the figure's top-left corner."""

    def __init__(self, fig: Figure, width: float, height: float):
        fig.set_size_inches(width, height)
        fig.patch.set_gid("rob-background")
        self.fig, self.height = fig, height

    def text(self, x, y, s, prop, gid, ha="left", va="center_baseline", color=INK) -> Text:
        return self.fig.text(
            x,
            self.height - y,
            s,
            ha=ha,
            va=va,
            fontproperties=prop,
            color=color,
            transform=self.fig.dpi_scale_trans,
            gid=gid,
        )

    def dot(self, x, y, judgement: str, colours: Mapping[str, str], gid: str, prefix="rob"):
        """A judgement's dot (gid ``{prefix}-dot-{gid}``) and its symbol (``-symbol-``)."""
        fill = colours[judgement]
        self.fig.add_artist(
            Circle(
                (x, self.height - y),
                _DOT / 2,
                transform=self.fig.dpi_scale_trans,
                facecolor=fill,
                edgecolor=INK,
                lw=0.6,
                zorder=2,
                gid=f"{prefix}-dot-{gid}",
            )
        )
        symbol = ROB_SYMBOLS[judgement]
        dx, dy = _ink_centre(symbol, _SYMBOL_SIZE)
        self.text(
            x - dx,
            y + dy,
            symbol,
            font(_SYMBOL_SIZE, weight="bold"),
            gid=f"{prefix}-symbol-{gid}",
            va="baseline",
            color=_symbol_colour(fill),
        ).set_zorder(3)

    def rect(self, x0, y0, x1, y1, gid, **kw) -> None:
        self.fig.add_artist(
            Rectangle(
                (x0, self.height - y1),
                x1 - x0,
                y1 - y0,
                transform=self.fig.dpi_scale_trans,
                gid=gid,
                **kw,
            )
        )

    def hline(self, x0, x1, y, gid) -> None:
        self.fig.add_artist(
            Line2D(
                [x0, x1],
                [self.height - y] * 2,
                transform=self.fig.dpi_scale_trans,
                color=INK,
                lw=LINE_WIDTH,
                gid=gid,
            )
        )


def _judgement_label(judgement: str) -> str:
    return judgement[:1].upper() + judgement[1:]


# ---- traffic-light plot -----------------------------------------------------------------------


def traffic_light_plot(
    assessments,
    *,
    tool: str = "rob2",
    palette: str = "cochrane",
    domains: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw a traffic-light plot of risk-of-bias judgements, as R robvis does.

    One row per study (its label horizontal and in full), one column per domain and a
    separate "Overall" column; each judgement is a coloured dot with the robvis symbol inside
    (``+`` low, ``−`` some concerns / moderate, ``×`` high / serious, ``!`` critical, ``?`` no
    information). Under the grid: the legend of judgements and the domain captions
    ("D1: Bias arising from the randomisation process", ...), wrapped to the figure width.
    A study without a judgement in a domain gets an empty cell.

    Parameters
    ----------
    assessments : sequence of (str, mapping) or mapping of str to mapping
        ``(study_label, {domain: judgement})`` pairs in the order to draw, domains ``"D1"``
        ... and ``"Overall"`` (case-insensitive), judgements such as ``"low"`` or ``"Some
        concerns"``. ``None``, NaN or an empty string is a missing judgement. Line breaks
        in a label are drawn as spaces.
    tool : {"rob2", "robins-i"}
        RoB 2 (domains D1-D5, D1b for cluster and DS for crossover trials; low / some
        concerns / high / no information) or ROBINS-I (D1-D7; low / moderate / serious /
        critical / no information).
    palette : {"cochrane", "colourblind"}
        Cochrane's colours, or robvis's colour-blind safe scheme (``"colorblind"`` also
        accepted); see :data:`ROB_PALETTES`.
    domains : sequence of str, optional
        The columns to draw, in this order (``"Overall"``, if listed, last). By default every
        domain judged in any study, in the tool's order, then "Overall" if judged.
    title : str, optional
        Title above the plot, wrapped to the figure width.

    Returns
    -------
    matplotlib.figure.Figure
        A pyplot-free figure with an Agg canvas. Its height grows with the number of studies,
        its width with the longest study label. Texts and patches carry gids: ``rob-label-i``,
        ``rob-dot-i-D2``, ``rob-symbol-i-D2``, ``rob-header-D2``, ``rob-legend-label-high``,
        ``rob-caption-D2-0`` ...

    Raises
    ------
    ValueError
        An unknown domain or judgement (naming the study and domain), a repeated study label,
        or no judgement at all.

    References
    ----------
    McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package and Shiny
    web app for visualizing risk-of-bias assessments. Res Synth Methods. 2021;12:55-61.

    Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
    randomised trials. BMJ. 2019;366:l4898.

    Examples
    --------
    >>> from evsynth.report._rob_plots import traffic_light_plot
    >>> fig = traffic_light_plot([
    ...     ("Smith 2019", {"D1": "low", "D2": "some concerns", "Overall": "some concerns"}),
    ...     ("Jones 2021", {"D1": "high", "D2": "low", "Overall": "high"}),
    ... ])
    >>> [t.get_text() for t in fig.texts if t.get_gid() == "rob-symbol-1-D1"]
    ['×']
    """
    spec = _tool(tool)
    colours = rob_colours(spec.key, palette)
    parsed = _parse(assessments, spec)
    columns = _select_domains(parsed, domains, spec)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    labels = [" ".join(lab.split()) for lab in parsed.labels]

    body, bold = font(_FONT_SIZE), font(_FONT_SIZE, weight="bold")
    title_font = font(_TITLE_SIZE, weight="bold")
    fig = new_figure()
    measure = _Measurer(fig)

    # ---- widths -----------------------------------------------------------------------------
    label_w = max(measure("Study", bold), *(measure(s, body) for s in labels))
    col_w = {d: max(_COL_W, measure(d, bold) + 0.1) for d in columns}
    span_header = "Risk of bias domains"
    span = sum(col_w.values()) + (_OVERALL_GAP if "Overall" in columns else 0.0)
    extra = max(0.0, measure(span_header, bold) + 0.1 - span) / len(columns)
    col_x: dict[str, float] = {}
    x = _MARGIN + label_w + _LABEL_GAP
    grid_left = x
    for d in columns:
        if d == "Overall" and len(columns) > 1:
            x += _OVERALL_GAP
        w = col_w[d] + extra
        col_x[d] = x + w / 2
        col_w[d] = w
        x += w
    grid_right = x

    shown = {row[d] for row in parsed.judgements for d in columns if d in row}
    legend_judgements = [j for j in spec.judgements if j in shown]
    legend_texts = [_judgement_label(j) for j in legend_judgements]
    legend_w = [measure("Judgement", bold)] + [_DOT + 0.06 + measure(s, body) for s in legend_texts]
    captions = [(d, f"{d}: {spec.domain_names[d]}") for d in columns if d != "Overall"]
    fig_w = max(
        grid_right + _MARGIN,
        _MIN_WIDTH,
        max(legend_w) + 2 * _MARGIN,
        _longest_word([c for _, c in captions], body, measure) + 0.5 + 2 * _MARGIN,
        _longest_word([title or ""], title_font, measure) + 2 * _MARGIN,
    )
    text_w = fig_w - 2 * _MARGIN

    # ---- vertical layout (inches from the top) ----------------------------------------------
    y = _MARGIN
    title_lines = _wrap(title, title_font, text_w, measure) if title else []
    title_h = 1.3 * _TITLE_SIZE * _PT
    title_y = [y + (i + 0.5) * title_h for i in range(len(title_lines))]
    y += len(title_lines) * title_h + (0.1 if title_lines else 0.0)
    head_a = y + 0.5 * _LINE_H
    head_b = y + 1.5 * _LINE_H
    y += 2 * _LINE_H + 0.05
    rule_y = y
    grid_top = y
    row_y = [grid_top + (i + 0.5) * _ROW_H for i in range(len(labels))]
    y = grid_top + len(labels) * _ROW_H
    grid_bottom = y
    y += 0.2
    legend_lines = _flow(legend_w, text_w, _ITEM_GAP) if legend_judgements else []
    legend_y = [y + (i + 0.5) * _ROW_H for i in range(len(legend_lines))]
    y += len(legend_lines) * _ROW_H + (0.12 if legend_lines else 0.0)
    caption_rows: list[tuple[str, int, float, str]] = []  # (domain, line no, indent, text)
    for d, text in captions:
        indent = measure(f"{d}: ", body)
        for n, line in enumerate(_wrap(text, body, text_w, measure, indent=indent)):
            caption_rows.append((d, n, indent if n else 0.0, line))
    caption_y = []
    if caption_rows:
        caption_title_y = y + 0.5 * _LINE_H
        caption_y = [y + (i + 1.5) * _LINE_H for i in range(len(caption_rows))]
        y += (len(caption_rows) + 1) * _LINE_H
    fig_h = y + _MARGIN

    # ---- drawing ----------------------------------------------------------------------------
    paint = _Painter(fig, fig_w, fig_h)
    for i, (line, yy) in enumerate(zip(title_lines, title_y, strict=True)):
        paint.text(_MARGIN, yy, line, title_font, gid=f"rob-title-{i}")
    mid = (grid_left + grid_right) / 2
    paint.text(mid, head_a, span_header, bold, gid="rob-header-domains", ha="center")
    paint.text(_MARGIN, head_b, "Study", bold, gid="rob-header-study")
    for d in columns:
        paint.text(col_x[d], head_b, d, bold, gid=f"rob-header-{d}", ha="center")
    paint.hline(_MARGIN, grid_right, rule_y, gid="rob-header-rule")

    overall_left = col_x["Overall"] - col_w["Overall"] / 2 if "Overall" in columns else None
    for i, (label, row, yy) in enumerate(zip(labels, parsed.judgements, row_y, strict=True)):
        if i % 2 == 1:
            top, bottom = yy - _ROW_H / 2, yy + _ROW_H / 2
            stripe = {"facecolor": _STRIPE, "edgecolor": "none", "zorder": 0}
            if overall_left is not None and len(columns) > 1:
                paint.rect(
                    _MARGIN - 0.05,
                    top,
                    overall_left - _OVERALL_GAP,
                    bottom,
                    gid=f"rob-stripe-{i}",
                    **stripe,
                )
                paint.rect(
                    overall_left, top, grid_right, bottom, gid=f"rob-stripe-{i}-Overall", **stripe
                )
            else:
                paint.rect(_MARGIN - 0.05, top, grid_right, bottom, gid=f"rob-stripe-{i}", **stripe)
        paint.text(_MARGIN, yy, label, body, gid=f"rob-label-{i}")
        for d in columns:
            if d in row:
                paint.dot(col_x[d], yy, row[d], colours, gid=f"{i}-{d}")
    if overall_left is not None and len(columns) > 1:
        x_sep = overall_left - _OVERALL_GAP / 2
        fig.add_artist(
            Line2D(
                [x_sep, x_sep],
                [fig_h - grid_top, fig_h - grid_bottom],
                transform=fig.dpi_scale_trans,
                color=INK,
                lw=LINE_WIDTH,
                gid="rob-overall-rule",
            )
        )

    for line, yy in zip(legend_lines, legend_y, strict=True):
        for k, dx in line:
            x0 = _MARGIN + dx
            if k == 0:
                paint.text(x0, yy, "Judgement", bold, gid="rob-legend-title")
                continue
            judgement = legend_judgements[k - 1]
            paint.dot(x0 + _DOT / 2, yy, judgement, colours, _slug(judgement), "rob-legend")
            paint.text(
                x0 + _DOT + 0.06,
                yy,
                legend_texts[k - 1],
                body,
                gid=f"rob-legend-label-{_slug(judgement)}",
            )
    if caption_rows:
        paint.text(_MARGIN, caption_title_y, "Domains:", bold, gid="rob-caption-title")
        for (d, n, indent, line), yy in zip(caption_rows, caption_y, strict=True):
            paint.text(_MARGIN + indent, yy, line, body, gid=f"rob-caption-{d}-{n}")
    return fig


# ---- summary bar plot -------------------------------------------------------------------------


def summary_plot(
    assessments,
    *,
    tool: str = "rob2",
    palette: str = "cochrane",
    weights: Mapping[str, float] | None = None,
    domains: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the risk-of-bias summary bar plot, as R robvis does.

    One horizontal 100% stacked bar per domain (its long name on the left), with "Overall
    risk of bias" last: the share of studies at each judgement, least severe on the left,
    "no information" on the right. With ``weights`` (e.g. the studies' weights in a
    meta-analysis) the shares are shares of the total weight, as Cochrane recommends, and
    the axis says "Proportion of weight". The shares are those of :func:`judgement_shares`.

    Parameters
    ----------
    assessments : sequence of (str, mapping) or mapping of str to mapping
        ``(study_label, {domain: judgement})`` pairs, as for :func:`traffic_light_plot`.
    tool : {"rob2", "robins-i"}
        The risk-of-bias tool.
    palette : {"cochrane", "colourblind"}
        Colours of the judgements (``"colorblind"`` also accepted).
    weights : mapping of str to float, optional
        Weight of each assessed study; every assessed study needs one.
    domains : sequence of str, optional
        The bars to draw, top to bottom (``"Overall"``, if listed, last). By default every
        judged domain in the tool's order, then "Overall" if judged.
    title : str, optional
        Title above the plot, wrapped to the figure width.

    Returns
    -------
    matplotlib.figure.Figure
        A pyplot-free figure with an Agg canvas. Bar segments carry gids ``rob-bar-D1-low``;
        domain names ``rob-domain-D1``; legend ``rob-legend-key-low``/``rob-legend-label-low``;
        the axis label ``rob-xlabel``; tick labels ``rob-xtick-0`` ...

    References
    ----------
    McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package and Shiny
    web app for visualizing risk-of-bias assessments. Res Synth Methods. 2021;12:55-61.

    Higgins JPT, Thomas J, et al. (eds). Cochrane Handbook for Systematic Reviews of
    Interventions, version 6.4, 2023, chapter 7.4 (summarising risk of bias across studies).

    Examples
    --------
    >>> from evsynth.report._rob_plots import summary_plot
    >>> data = {"A": {"D1": "low", "Overall": "low"}, "B": {"D1": "high", "Overall": "high"}}
    >>> fig = summary_plot(data, weights={"A": 75, "B": 25})
    >>> [t.get_text() for t in fig.texts if t.get_gid() == "rob-xlabel"]
    ['Proportion of weight']
    """
    spec = _tool(tool)
    colours = rob_colours(spec.key, palette)
    shares = judgement_shares(assessments, tool=spec.key, weights=weights)
    parsed = _parse(assessments, spec)
    rows = _select_domains(parsed, domains, spec)
    unjudged = [d for d in rows if d not in shares]
    if unjudged:
        raise ValueError(f"no study has a judgement in domains {unjudged}: no bar to draw")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")

    body, bold = font(_FONT_SIZE), font(_FONT_SIZE, weight="bold")
    title_font = font(_TITLE_SIZE, weight="bold")
    tick_font = font(_TICK_FONT_SIZE)
    fig = new_figure()
    measure = _Measurer(fig)

    # ---- widths -----------------------------------------------------------------------------
    names = {d: spec.domain_names.get(d, "Overall risk of bias") for d in rows}
    props = {d: bold if d == "Overall" else body for d in rows}
    wrap_w = max(
        _MAX_DOMAIN_LABEL_W, _longest_word(list(names.values()), bold, measure)
    )  # a single long word is never broken
    name_lines = {d: _wrap(names[d], props[d], wrap_w, measure) for d in rows}
    name_w = max(measure(line, props[d]) for d in rows for line in name_lines[d])
    bar_x0 = _MARGIN + name_w + 0.12
    bar_x1 = bar_x0 + _BAR_AREA_W
    tick_labels = ["0%", "25%", "50%", "75%", "100%"]
    tick_half = max(measure(s, tick_font) for s in tick_labels) / 2

    used = [j for j in spec.judgements if any(shares[d][j] > 0 for d in rows)]
    legend_texts = [_judgement_label(j) for j in used]
    key_w = 0.14
    legend_w = [key_w + 0.06 + measure(s, body) for s in legend_texts]
    fig_w = max(
        bar_x1 + tick_half + 0.1,
        max(legend_w) + 2 * _MARGIN,
        _longest_word([title or ""], title_font, measure) + 2 * _MARGIN,
    )
    text_w = fig_w - 2 * _MARGIN

    # ---- vertical layout (inches from the top) ----------------------------------------------
    y = _MARGIN
    title_lines = _wrap(title, title_font, text_w, measure) if title else []
    title_h = 1.3 * _TITLE_SIZE * _PT
    title_y = [y + (i + 0.5) * title_h for i in range(len(title_lines))]
    y += len(title_lines) * title_h + (0.12 if title_lines else 0.0)
    ax_top = y
    y += 0.06
    row_y = {}
    for d in rows:
        if d == "Overall" and len(rows) > 1:
            y += 0.08
        pitch = max(0.34, len(name_lines[d]) * _LINE_H + 0.12)
        row_y[d] = y + pitch / 2
        y += pitch
    ax_bottom = y + 0.04
    tick_zone = (3.5 + 2.5 + 1.25 * _TICK_FONT_SIZE) * _PT
    xlabel_y = ax_bottom + tick_zone + 0.04 + 0.5 * _LINE_H
    y = xlabel_y + 0.5 * _LINE_H + 0.15
    legend_lines = _flow(legend_w, text_w, _ITEM_GAP)
    legend_y = [y + (i + 0.5) * _ROW_H for i in range(len(legend_lines))]
    y += len(legend_lines) * _ROW_H
    fig_h = y + _MARGIN

    # ---- drawing ----------------------------------------------------------------------------
    paint = _Painter(fig, fig_w, fig_h)
    for i, (line, yy) in enumerate(zip(title_lines, title_y, strict=True)):
        paint.text(_MARGIN, yy, line, title_font, gid=f"rob-title-{i}")
    ax_h = ax_bottom - ax_top
    ax = fig.add_axes(
        (bar_x0 / fig_w, 1 - ax_bottom / fig_h, _BAR_AREA_W / fig_w, ax_h / fig_h),
        gid="rob-summary-axes",
    )
    ax.patch.set_visible(False)
    ax.patch.set_gid("rob-axes-background")
    for side, spine in ax.spines.items():
        spine.set_gid(f"rob-spine-{side}")
    ax.set_xlim(0, 1)
    ax.set_ylim(ax_h, 0)  # y data are inches from the top of the axes
    ax.set_yticks([])
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], labels=tick_labels)
    style_x_axis(ax, _TICK_FONT_SIZE)
    for i, tick in enumerate(ax.xaxis.get_major_ticks()):
        tick.label1.set_gid(f"rob-xtick-{i}")
    for d in rows:
        n = len(name_lines[d])
        for k, line in enumerate(name_lines[d]):
            yy = row_y[d] + (k - (n - 1) / 2) * _LINE_H
            gid = f"rob-domain-{d}" if n == 1 else f"rob-domain-{d}-{k}"
            paint.text(bar_x0 - 0.12, yy, line, props[d], gid=gid, ha="right")
        left = 0.0
        for j in spec.judgements:
            share = shares[d][j]
            if share <= 0:
                continue
            ax.add_patch(
                Rectangle(
                    (left, row_y[d] - ax_top - _BAR_H / 2),
                    share,
                    _BAR_H,
                    facecolor=colours[j],
                    edgecolor=INK,
                    lw=0.5,
                    gid=f"rob-bar-{d}-{_slug(j)}",
                )
            )
            left += share
    xlabel = "Proportion of studies" if weights is None else "Proportion of weight"
    paint.text((bar_x0 + bar_x1) / 2, xlabel_y, xlabel, body, gid="rob-xlabel", ha="center")
    for line, yy in zip(legend_lines, legend_y, strict=True):
        x0 = (fig_w - _line_width(line, legend_w)) / 2
        for k, dx in line:
            j = used[k]
            kx = x0 + dx
            paint.rect(
                kx,
                yy - key_w / 2,
                kx + key_w,
                yy + key_w / 2,
                gid=f"rob-legend-key-{_slug(j)}",
                facecolor=colours[j],
                edgecolor=INK,
                lw=0.5,
            )
            paint.text(
                kx + key_w + 0.06, yy, legend_texts[k], body, gid=f"rob-legend-label-{_slug(j)}"
            )
    return fig
