"""The effect direction plot of a synthesis without meta-analysis (Boon & Thomson 2021)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from numbers import Real

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.path import Path

from evsynth.appraisal._swim import DIRECTIONS, SignTestResult
from evsynth.report._rob_plots import ROB_PALETTES
from evsynth.report._style import INK, LINE_WIDTH, fmt_data, fmt_p, font, new_figure
from evsynth.report._style import TextMeasurer as _Measurer

__all__ = ["EffectDirectionRow", "effect_direction_plot"]

# Layout constants, in inches unless named otherwise.
_FONT_SIZE = 8.0
_TITLE_SIZE = 10.0
_MARGIN = 0.15
_GAP = 0.2  # between neighbouring columns
_WIDE_GAP = 0.32  # before the first domain column
_DOMAIN_GAP = 0.2  # between domain columns (their headers are centred, so they need less)
_DOMAIN_MIN_WIDTH = 0.55
_DOMAIN_MAX_LINE = 1.15  # a domain header longer than this is wrapped onto two or three lines
_PT = 1 / 72
_ROW_H = 1.9 * _FONT_SIZE * _PT
_LINE_H = 1.35 * _FONT_SIZE * _PT
_ROB_DOT = 8.0  # points
_ROB_TEXT_GAP = 0.06
_LEGEND_LINE_H = 1.25 * _ROW_H  # room for the large arrow of the size key
_LEGEND_ITEM_GAP = 0.28
_LEGEND_MARKER_GAP = 0.06
_STRIPE = "#f1f1f1"

# Arrow sizes (points) by sample size, as Boon & Thomson 2021: large > 300, medium 50-300,
# small < 50 participants. An open medium arrow marks an unreported sample size.
_ARROW_POINTS = {"small": 5.5, "medium": 8.0, "large": 11.0}
_MIXED_SCALE = 1.4  # the double arrow is wider than tall: scaled to look as heavy

# ◄► as one filled marker: two triangles pointing apart, tips at x = -1 and 1.
_MIXED_MARKER = Path(
    [
        (-1.0, 0.0),
        (-0.12, 0.62),
        (-0.12, -0.62),
        (-1.0, 0.0),
        (1.0, 0.0),
        (0.12, 0.62),
        (0.12, -0.62),
        (1.0, 0.0),
    ],
    [Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY] * 2,
)
_PALETTE_ALIASES = {"colorblind": "colourblind"}
_MARKERS = {"benefit": "^", "harm": "v", "mixed": _MIXED_MARKER}


@dataclass(frozen=True)
class EffectDirectionRow:
    """One study of an effect direction plot.

    Parameters
    ----------
    study : str
        The study label, e.g. "Smith 2019".
    design : str or None
        Study design, e.g. "RCT", "Cluster RCT", "Controlled before-after".
    sample_size : float or None
        Number of participants analysed; sets the arrow size (None: not reported).
    rob : str or None
        Overall risk-of-bias judgement: "low", "some concerns", "high" (RoB 2), "moderate",
        "serious", "critical" (ROBINS-I) or "no information"; None leaves the cell empty.
    cells : mapping of domain to {"benefit", "harm", "mixed", None}
        The study's direction of effect in each outcome domain (e.g. from
        :func:`evsynth.appraisal.effect_direction`); a domain that is missing or None was
        not reported and its cell stays empty.
    """

    study: str
    design: str | None = None
    sample_size: float | None = None
    rob: str | None = None
    cells: Mapping[str, str | None] = field(default_factory=dict)


def _size_class(sample_size: float | None) -> str | None:
    if sample_size is None:
        return None
    if sample_size > 300:
        return "large"
    return "medium" if sample_size >= 50 else "small"


def _sample_text(sample_size: float | None) -> str:
    if sample_size is None:
        return ""
    if float(sample_size).is_integer():
        return f"{int(sample_size):,}"
    return fmt_data(float(sample_size), 1)


def _check_inputs(rows, domains, sign_tests, palette) -> tuple[list, list[str], dict]:
    if isinstance(domains, str) or not isinstance(domains, Sequence):
        raise TypeError("domains must be a sequence of outcome-domain labels")
    domains = list(domains)
    if not domains:
        raise ValueError("domains must name at least one outcome domain")
    for d in domains:
        if not isinstance(d, str) or not d.strip():
            raise ValueError(f"every domain must be a non-empty string; got {d!r}")
    if len(set(domains)) != len(domains):
        dupes = sorted({d for d in domains if domains.count(d) > 1})
        raise ValueError(f"domains must be unique; repeated: {dupes}")
    if isinstance(rows, str) or not isinstance(rows, Sequence):
        raise TypeError("rows must be a sequence of EffectDirectionRow")
    rows = list(rows)
    if not rows:
        raise ValueError("rows must hold at least one study")
    colours = ROB_PALETTES.get(_PALETTE_ALIASES.get(palette, palette))
    if colours is None:
        raise ValueError(f"palette must be one of {sorted(ROB_PALETTES)}; got {palette!r}")
    for position, row in enumerate(rows):
        if not isinstance(row, EffectDirectionRow):
            raise TypeError(f"rows[{position}] is a {type(row).__name__}, not EffectDirectionRow")
        if not isinstance(row.study, str) or not row.study.strip():
            raise ValueError(f"rows[{position}].study must be a non-empty string")
        if row.design is not None and not isinstance(row.design, str):
            raise TypeError(f"study {row.study!r}: design must be a string or None")
        n = row.sample_size
        if n is not None and (
            isinstance(n, bool) or not isinstance(n, Real) or not math.isfinite(n) or n < 0
        ):
            raise ValueError(
                f"study {row.study!r}: sample_size must be a non-negative number or None; got {n!r}"
            )
        if row.rob is not None and (
            not isinstance(row.rob, str) or row.rob.strip().lower() not in colours
        ):
            raise ValueError(
                f"study {row.study!r}: rob is {row.rob!r}; expected one of {sorted(colours)}"
            )
        if not isinstance(row.cells, Mapping):
            raise TypeError(f"study {row.study!r}: cells must be a mapping of domain to direction")
        for domain, direction in row.cells.items():
            if domain not in domains:
                raise ValueError(
                    f"study {row.study!r}: domain {domain!r} is not one of the plot's domains"
                )
            if direction is not None and direction not in DIRECTIONS:
                raise ValueError(
                    f"study {row.study!r}, domain {domain!r}: direction is {direction!r}; "
                    f"expected one of {DIRECTIONS} or None"
                )
    tests = {}
    if sign_tests is not None:
        if not isinstance(sign_tests, Mapping):
            raise TypeError("sign_tests must be a mapping of domain to SignTestResult")
        for domain, result in sign_tests.items():
            if domain not in domains:
                raise ValueError(f"sign_tests has domain {domain!r}, not one of the domains")
            if not isinstance(result, SignTestResult):
                raise TypeError(
                    f"sign_tests[{domain!r}] is a {type(result).__name__}, not SignTestResult"
                )
        tests = dict(sign_tests)
    return rows, domains, tests


def _wrap_header(text: str, prop: FontProperties, measure: _Measurer) -> list[str]:
    """``text`` on one line if it fits ``_DOMAIN_MAX_LINE``, else on two or three lines split
    between words so that the widest line is as narrow as possible; words are broken after a
    hyphen or slash only when the lines would still be too wide."""
    if measure.width(text, prop) <= _DOMAIN_MAX_LINE:
        return [text]
    # Tokens as (text, joined to the previous token with a space).
    words = [(w, True) for w in text.split()]
    best, best_width = _best_split(words, prop, measure)
    if best_width > _DOMAIN_MAX_LINE:
        pieces = [
            (piece, k == 0)
            for w in text.split()
            for k, piece in enumerate(p for p in re.split(r"(?<=[-/])", w) if p)
        ]
        lines, width = _best_split(pieces, prop, measure)
        if width < best_width:
            best = lines
    return best


def _best_split(
    tokens: list[tuple[str, bool]], prop: FontProperties, measure: _Measurer
) -> tuple[list[str], float]:
    def join(part):
        return "".join((" " if space and k else "") + t for k, (t, space) in enumerate(part))

    best, best_width = [join(tokens)], measure.width(join(tokens), prop)
    for n_lines in (2, 3):
        for cuts in combinations(range(1, len(tokens)), n_lines - 1):
            lines = [join(tokens[a:b]) for a, b in pairwise((0, *cuts, len(tokens)))]
            width = max(measure.width(s, prop) for s in lines)
            if width < best_width - 1e-9:
                best, best_width = lines, width
        if best_width <= _DOMAIN_MAX_LINE:
            break
    return best, best_width


def _wrap_words(text: str, prop: FontProperties, measure: _Measurer, width: float) -> list[str]:
    """Greedy word wrap of a legend note to ``width`` inches."""
    lines: list[str] = []
    for word in text.split():
        if lines and measure.width(f"{lines[-1]} {word}", prop) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _marker_extent(direction: str, size: float) -> float:
    """Width in inches of an arrow marker of ``size`` points."""
    return (size * _MIXED_SCALE if direction == "mixed" else size) * _PT


def effect_direction_plot(
    rows: Sequence[EffectDirectionRow],
    domains: Sequence[str],
    *,
    sign_tests: Mapping[str, SignTestResult] | None = None,
    palette: str = "cochrane",
    title: str | None = None,
) -> Figure:
    """Draw an effect direction plot in the revised layout of Boon & Thomson (2021).

    A table with one row per study: the study label, its design, its sample size and its
    overall risk of bias (a coloured dot with the judgement written beside it), then one
    column per outcome domain with an arrow for the direction of effect: ▲ benefit (positive
    impact), ▼ harm (negative impact), ◄► mixed effects or no clear direction; a cell is empty
    where the study did not report the domain. The arrow's size gives the sample size: large
    over 300 participants, medium 50 to 300, small under 50 (an open medium arrow where the
    sample size was not reported). With ``sign_tests``, a last row gives each domain's count
    of studies showing benefit out of those with a clear direction (e.g. "5/6") and the
    two-sided sign-test p-value. A legend under the table explains the arrows and sizes.

    Directions are of the point estimates, never of statistical significance (SWiM). The
    figure computes nothing: directions come from the rows, tests from ``sign_tests``.

    Parameters
    ----------
    rows : sequence of EffectDirectionRow
        The studies, drawn top to bottom in this order.
    domains : sequence of str
        Column labels of the outcome domains, e.g. "Quality of life (6 months)"; long labels
        are wrapped onto two or three lines.
    sign_tests : mapping of domain to SignTestResult, optional
        Sign test per domain (e.g. :func:`evsynth.appraisal.sign_test`); domains without
        one get an empty cell in the sign-test row. Without it, there is no such row.
    palette : {"cochrane", "colourblind"}
        Colours of the risk-of-bias dots, as in the risk-of-bias plots: Cochrane's (low
        #02C100, some concerns #E2DF07, high #BF0000, no information #4EA1F7; ROBINS-I
        critical #820000) or a colour-blind safe light-to-dark sequence (ColorBrewer YlOrBr,
        robvis's "colourblind"; the spelling "colorblind" is accepted too).
    title : str, optional
        Title above the table.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with an Agg canvas, not registered with pyplot. Its size follows from the
        content: the height grows with the number of studies, the column widths with the
        measured widths of their texts. Every text and marker has a gid: ``edp-study-i``,
        ``edp-design-i``, ``edp-sample-i``, ``edp-rob-i``, ``edp-rob-dot-i``,
        ``edp-arrow-i-j``, ``edp-domain-j``, ``edp-sign-count-j`` and ``edp-sign-j``
        (study ``i`` and domain ``j`` counted from 0 in the order given), ``edp-legend-k``
        and ``edp-legend-marker-k``.

    Raises
    ------
    ValueError
        For a direction other than "benefit", "harm", "mixed" or None (naming the study and
        the domain), a cell for a domain not in ``domains``, an unknown risk-of-bias
        judgement, a negative sample size or an unknown palette.

    References
    ----------
    .. [1] Thomson HJ, Thomas S. The effect direction plot: visual display of
       non-standardised effects across multiple outcome domains. Res Synth Methods.
       2013;4(1):95-101. doi:10.1002/jrsm.1060
    .. [2] Boon MH, Thomson H. The effect direction plot revisited: application of the 2019
       Cochrane Handbook guidance on alternative synthesis methods. Res Synth Methods.
       2021;12(1):29-33. doi:10.1002/jrsm.1458

    Examples
    --------
    >>> from evsynth.appraisal._swim import sign_test
    >>> rows = [
    ...     EffectDirectionRow("Ames 2018", "RCT", 120, "low", {"Pain": "benefit"}),
    ...     EffectDirectionRow("Bell 2020", "CBA", 40, "high", {"Pain": "mixed"}),
    ... ]
    >>> fig = effect_direction_plot(rows, ["Pain"], sign_tests={"Pain": sign_test(["benefit"])})
    >>> [t.get_text() for t in fig.texts if t.get_gid() == "edp-sign-count-0"]
    ['1/1']
    """
    rows, domains, tests = _check_inputs(rows, domains, sign_tests, palette)
    colours = ROB_PALETTES[_PALETTE_ALIASES.get(palette, palette)]
    body = font(_FONT_SIZE)
    bold = font(_FONT_SIZE, weight="bold")
    title_font = font(_TITLE_SIZE, weight="bold")
    fig = new_figure()
    measure = _Measurer(fig)

    # ---- texts and column widths ----------------------------------------------------------
    study_texts = [r.study for r in rows]
    design_texts = [r.design or "" for r in rows]
    sample_texts = [_sample_text(r.sample_size) for r in rows]
    rob_texts = [(r.rob.strip().lower().capitalize() if r.rob else "") for r in rows]
    headers = {"study": "Study", "design": "Design", "sample": "Sample size", "rob": "Risk of bias"}
    domain_lines = [_wrap_header(d, bold, measure) for d in domains]
    n_head_lines = max(len(lines) for lines in domain_lines)
    count_texts = [f"{tests[d].n_benefit}/{tests[d].n}" if d in tests else "" for d in domains]
    p_texts = [fmt_p(tests[d].pvalue, symbol="p") if d in tests else "" for d in domains]
    sign_labels = ("Studies showing benefit / n", "Sign test (two-sided)") if tests else ()

    def col_width(key: str, texts: list[str]) -> float:
        return max(measure.width(headers[key], bold), *(measure.width(s, body) for s in texts))

    width = {
        "study": col_width("study", study_texts),
        "design": col_width("design", design_texts),
        "sample": col_width("sample", sample_texts),
    }
    rob_content = max((measure.width(s, body) for s in rob_texts if s), default=0.0)
    width["rob"] = max(
        measure.width(headers["rob"], bold), _ROB_DOT * _PT + _ROB_TEXT_GAP + rob_content
    )
    arrow_w = _marker_extent("mixed", _ARROW_POINTS["large"])
    domain_w = [
        max(
            _DOMAIN_MIN_WIDTH,
            arrow_w + 0.1,
            *(measure.width(s, bold) for s in lines),
            measure.width(count_texts[j], body),
            measure.width(p_texts[j], body),
        )
        for j, lines in enumerate(domain_lines)
    ]
    # The sign-test labels run across the study, design, sample-size and risk-of-bias columns.
    span = sum(width.values()) + 3 * _GAP
    need = max((measure.width(s, body) for s in sign_labels), default=0.0)
    if need > span:
        width["study"] += need - span

    x0 = {}
    x = _MARGIN
    for key in ("study", "design", "sample", "rob"):
        x0[key] = x
        x += width[key] + _GAP
    x += _WIDE_GAP - _GAP
    domain_x = []  # centres
    for w in domain_w:
        domain_x.append(x + w / 2)
        x += w + _DOMAIN_GAP
    table_right = x - _DOMAIN_GAP

    # ---- legend items: (marker spec or None, text) flowed into lines ----------------------
    med = _ARROW_POINTS["medium"]
    groups: list[list[tuple[tuple | None, str]]] = [
        [
            (("benefit", med, True), "Benefit (positive impact)"),
            (("harm", med, True), "Harm (negative impact)"),
            (("mixed", med, True), "Mixed effects / no clear direction"),
        ],
        [
            (None, "Arrow size, by sample size:"),
            (("benefit", _ARROW_POINTS["small"], True), "< 50"),
            (("benefit", med, True), "50\u2013300"),
            (("benefit", _ARROW_POINTS["large"], True), "> 300"),
        ],
    ]
    if any(r.sample_size is None for r in rows):
        groups[1].append((("benefit", med, False), "not reported"))
    if any(r.cells.get(d) is None for r in rows for d in domains):
        groups[0].append((None, "Empty cell: domain not reported"))
    if tests:
        groups.append(
            [
                (
                    None,
                    "Sign test: studies showing benefit out of n studies with a clear direction "
                    "(mixed excluded); two-sided exact binomial p.",
                )
            ]
        )
    title_w = measure.width(title, title_font) if title else 0.0
    content_w = max(table_right - _MARGIN, title_w, 3.6)

    def item_width(item) -> float:
        spec, text = item
        marker_w = _marker_extent(spec[0], spec[1]) + _LEGEND_MARKER_GAP if spec else 0.0
        return marker_w + measure.width(text, body)

    # Each legend line: its items as (marker spec, text, x offset), and whether it starts a group.
    legend_lines: list[tuple[list[tuple[tuple | None, str, float]], bool]] = []
    for group in groups:
        line: list[tuple[tuple | None, str, float]] = []
        starts_group = True
        used = 0.0
        for spec, text in group:
            pieces = [text]
            if spec is None and measure.width(text, body) > content_w:
                pieces = _wrap_words(text, body, measure, content_w)
            for piece in pieces:
                w = item_width((spec, piece))
                offset = used + (_LEGEND_ITEM_GAP if line else 0.0)
                if line and offset + w > content_w:
                    legend_lines.append((line, starts_group))
                    line, offset, starts_group = [], 0.0, False
                line.append((spec, piece, offset))
                used = offset + w
        legend_lines.append((line, starts_group))
    legend_w = max(
        (off + item_width((spec, text)) for line, _ in legend_lines for spec, text, off in line),
        default=0.0,
    )
    fig_w = max(table_right, _MARGIN + title_w, _MARGIN + legend_w) + _MARGIN

    # ---- vertical layout (inches from the top) --------------------------------------------
    y = _MARGIN
    title_y = None
    if title:
        title_y = y + 0.6 * _TITLE_SIZE * _PT
        y += 2.0 * _TITLE_SIZE * _PT
    header_bottom = y + n_head_lines * _LINE_H
    header_rule = header_bottom + 0.06
    y = header_rule + 0.04
    row_y = []
    for _ in rows:
        row_y.append(y + _ROW_H / 2)
        y += _ROW_H
    body_rule = y + 0.04
    sign_y: list[float] = []
    if tests:
        sign_y = [body_rule + 0.06 + (0.5 + i) * _LINE_H for i in range(2)]
        y = sign_y[-1] + 0.5 * _LINE_H + 0.06
        bottom_rule = y
    else:
        bottom_rule = None
        y = body_rule
    # Lines with arrows need the large arrow's height; a wrapped note reads as one paragraph.
    y += 0.08
    legend_y = []
    for line, starts_group in legend_lines:
        height = _LEGEND_LINE_H if any(spec for spec, _, _ in line) else 1.2 * _LINE_H
        if starts_group and legend_y:
            y += 0.04
        legend_y.append(y + height / 2)
        y += height
    fig_h = y + _MARGIN
    fig.set_size_inches(fig_w, fig_h)

    def fx(xi: float) -> float:
        return xi / fig_w

    def fy(yi: float) -> float:
        return 1 - yi / fig_h

    def put(xi, yi, text, prop, gid, ha="left", va="center_baseline", **kw):
        if not text:
            return None
        return fig.text(
            fx(xi),
            fy(yi),
            text,
            ha=ha,
            va=va,
            fontproperties=prop,
            color=INK,
            gid=gid,
            **kw,
        )

    def marker(xi, yi, spec, gid):
        direction, size, filled = spec
        size = size * _MIXED_SCALE if direction == "mixed" else size
        fig.add_artist(
            Line2D(
                [fx(xi)],
                [fy(yi)],
                transform=fig.transFigure,
                marker=_MARKERS[direction],
                ms=size,
                mfc=INK if filled else "white",
                mec=INK,
                mew=0 if filled else 0.9,
                ls="none",
                gid=gid,
            )
        )

    def rule(yi, gid):
        fig.add_artist(
            Line2D(
                [fx(_MARGIN), fx(table_right)],
                [fy(yi)] * 2,
                transform=fig.transFigure,
                color=INK,
                lw=LINE_WIDTH,
                gid=gid,
            )
        )

    # ---- header ---------------------------------------------------------------------------
    if title:
        put(_MARGIN, title_y, title, title_font, "edp-title")
    put(x0["study"], header_bottom, headers["study"], bold, "edp-head-study", va="bottom")
    put(x0["design"], header_bottom, headers["design"], bold, "edp-head-design", va="bottom")
    put(
        x0["sample"] + width["sample"],
        header_bottom,
        headers["sample"],
        bold,
        "edp-head-sample",
        ha="right",
        va="bottom",
    )
    put(x0["rob"], header_bottom, headers["rob"], bold, "edp-head-rob", va="bottom")
    for j, lines in enumerate(domain_lines):
        put(
            domain_x[j],
            header_bottom,
            "\n".join(lines),
            bold,
            f"edp-domain-{j}",
            ha="center",
            va="bottom",
            multialignment="center",
            linespacing=1.15,
        )
    rule(header_rule, "edp-rule-header")

    # ---- study rows -----------------------------------------------------------------------
    for i, row in enumerate(rows):
        yi = row_y[i]
        if i % 2 == 1:
            fig.add_artist(
                Rectangle(
                    (fx(_MARGIN), fy(yi + _ROW_H / 2)),
                    (table_right - _MARGIN) / fig_w,
                    _ROW_H / fig_h,
                    transform=fig.transFigure,
                    facecolor=_STRIPE,
                    edgecolor="none",
                    zorder=0,
                    gid=f"edp-stripe-{i}",
                )
            )
        put(x0["study"], yi, study_texts[i], body, f"edp-study-{i}")
        put(x0["design"], yi, design_texts[i], body, f"edp-design-{i}")
        put(x0["sample"] + width["sample"], yi, sample_texts[i], body, f"edp-sample-{i}", "right")
        if row.rob:
            judgement = row.rob.strip().lower()
            fig.add_artist(
                Line2D(
                    [fx(x0["rob"] + _ROB_DOT * _PT / 2)],
                    [fy(yi)],
                    transform=fig.transFigure,
                    marker="o",
                    ms=_ROB_DOT,
                    mfc=colours[judgement],
                    mec=INK,
                    mew=0.4,
                    ls="none",
                    gid=f"edp-rob-dot-{i}",
                )
            )
            put(x0["rob"] + _ROB_DOT * _PT + _ROB_TEXT_GAP, yi, rob_texts[i], body, f"edp-rob-{i}")
        size_class = _size_class(row.sample_size)
        size = _ARROW_POINTS[size_class or "medium"]
        for j, domain in enumerate(domains):
            direction = row.cells.get(domain)
            if direction is not None:
                marker(
                    domain_x[j], yi, (direction, size, size_class is not None), f"edp-arrow-{i}-{j}"
                )

    # ---- sign-test row --------------------------------------------------------------------
    rule(body_rule, "edp-rule-body")
    if tests:
        for line, (yy, text) in enumerate(zip(sign_y, sign_labels, strict=True)):
            put(_MARGIN, yy, text, body, f"edp-sign-label-{line}")
        for j in range(len(domains)):
            put(domain_x[j], sign_y[0], count_texts[j], body, f"edp-sign-count-{j}", "center")
            put(domain_x[j], sign_y[1], p_texts[j], body, f"edp-sign-{j}", "center")
        rule(bottom_rule, "edp-rule-bottom")

    # ---- legend ---------------------------------------------------------------------------
    n_item = 0
    for (line, _), yy in zip(legend_lines, legend_y, strict=True):
        for spec, text, offset in line:
            xi = _MARGIN + offset
            if spec is not None:
                extent = _marker_extent(spec[0], spec[1])
                marker(xi + extent / 2, yy, spec, f"edp-legend-marker-{n_item}")
                xi += extent + _LEGEND_MARKER_GAP
            put(xi, yy, text, body, f"edp-legend-{n_item}")
            n_item += 1
    return fig
