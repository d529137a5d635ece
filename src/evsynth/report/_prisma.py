"""The PRISMA 2020 flow diagram, drawn from checked counts.

The layout is the PRISMA 2020 template (Page et al. 2021): phase bars on the left
(Identification, Screening, Included), a column for databases and registers with its
exclusion boxes on the right, optionally a column for other methods and, for an updated
review, a column for the previous version. Every box is sized from its measured text, so
nothing overlaps or leaves its box whatever the number and length of the names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import ArrowStyle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path

from evsynth.report._style import INK, LINE_WIDTH, font, new_figure
from evsynth.report._style import TextMeasurer as _Measurer
from evsynth.review._prisma import PrismaCounts

__all__ = ["prisma_flow_diagram"]

# Layout constants, in inches unless named otherwise.
_FONT_SIZE = 8.0
_HEADER_SIZE = 8.5
_PHASE_SIZE = 8.5
_PT = 1 / 72
_LINE_H = 1.3 * _FONT_SIZE * _PT
_HEADER_LINE_H = 1.3 * _HEADER_SIZE * _PT
_PAD_X = 0.09
_PAD_Y = 0.07
_INDENT = 0.13  # per list level
_HANG = 0.13  # extra indent of a wrapped line's continuation
_MARGIN = 0.12
_PHASE_W = 0.28
_PHASE_PAD = 0.12  # from a phase label's ends to its bar's ends
_COL_GAP = 0.3  # between the phase bars and the columns, and between columns
_ARROW_GAP = 0.38  # between a box and the exclusion box it points to
_ROW_GAP = 0.3  # between rows: the downward arrows
_HEADER_GAP = 0.18
_ROUNDING = 0.05

# (minimum, maximum) width of each column's boxes; a longer line is wrapped.
_COLUMN_WIDTHS = {
    "previous": (1.5, 2.0),
    "main": (1.8, 2.5),
    "right": (1.8, 2.9),
    "other": (1.6, 2.3),
    "other_right": (1.6, 2.6),
}

_PHASE_FILL = "#d5e2ec"
"""Fill of the phase bars: a pale tint of the report's accent blue."""
_HEADER_FILL = "#e8e8e8"
"""Fill of the column headers."""


def _n(value: int) -> str:
    return f"(n = {value:,})"


@dataclass(frozen=True)
class _Item:
    """A line of a box before wrapping: ``text`` then the count token, at list ``level``."""

    text: str
    count: str = ""
    level: int = 0
    wrap: bool = False  # only names given by the user wrap; the template's wording does not

    def tokens(self) -> list[str]:
        return [*self.text.split(), *([self.count] if self.count else [])]


@dataclass
class _Box:
    key: str
    column: str
    items: list[_Item]
    lines: list[tuple[str, float]] | None = None  # (text, x offset from the box's left)
    x: float = 0.0
    y: float = 0.0  # top
    w: float = 0.0
    h: float = 0.0

    @property
    def natural_h(self) -> float:
        return len(self.lines) * _LINE_H + 2 * _PAD_Y

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


def _wrap_tokens(tokens: Sequence[str], prop, first: float, rest: float, measure) -> list[str]:
    """Greedy wrap of ``tokens`` to ``first`` inches, then ``rest`` inches per line; a token
    wider than its line stands alone (the column is made wide enough for it)."""
    lines: list[str] = []
    current = ""
    for token in tokens:
        trial = f"{current} {token}" if current else token
        if current and measure(trial, prop) > (rest if lines else first):
            lines.append(current)
            current = token
        else:
            current = trial
    if current or not lines:
        lines.append(current)
    return lines


def _layout_items(items: Sequence[_Item], width: float, prop, measure) -> list[tuple[str, float]]:
    inner = width - 2 * _PAD_X
    out = []
    for item in items:
        indent = item.level * _INDENT
        wrapped = _wrap_tokens(item.tokens(), prop, inner - indent, inner - indent - _HANG, measure)
        for i, line in enumerate(wrapped):
            out.append((line, _PAD_X + indent + (_HANG if i else 0.0)))
    return out


def _column_width(items: Sequence[_Item], column: str, prop, measure) -> float:
    """The width of a column's boxes: their longest line, within the column's limits, but
    never narrower than a line of the template's wording or the longest unbreakable token."""
    low, high = _COLUMN_WIDTHS[column]
    full = [item.level * _INDENT + measure(" ".join(item.tokens()), prop) for item in items]
    fixed = max((w for w, item in zip(full, items, strict=True) if not item.wrap), default=0.0)
    token = max(
        item.level * _INDENT + _HANG + measure(t, prop) for item in items for t in item.tokens()
    )
    fitted = min(max(max(full) + 2 * _PAD_X, low), high)
    return max(fitted, fixed + 2 * _PAD_X, token + 2 * _PAD_X)


def _list_items(heading: str, total: int, tally, closing: str = ":") -> list[_Item]:
    """A heading with its total and one line per name, or just the heading without names."""
    if not tally:
        return [_Item(heading, _n(total))]
    return [
        _Item(heading, _n(total) + closing),
        *(_Item(name, _n(n), level=1, wrap=True) for name, n in tally.items()),
    ]


def _boxes(counts: PrismaCounts) -> dict[str, _Box]:
    """The boxes of the diagram and their text, by key."""
    update = counts.is_update
    identified = [_Item("Records identified from:")]
    for heading, tally in (("Databases", counts.databases), ("Registers", counts.registers)):
        identified.append(_Item(heading, _n(sum(tally.values())), level=1))
        identified += [_Item(name, _n(n), level=2, wrap=True) for name, n in tally.items()]
    boxes = [
        _Box("identified", "main", identified),
        _Box(
            "removed",
            "right",
            [
                _Item("Records removed before screening:"),
                _Item("Duplicate records removed", _n(counts.duplicates_removed), 1),
                _Item(
                    "Records marked as ineligible by automation tools",
                    _n(counts.automation_removed),
                    1,
                ),
                _Item("Records removed for other reasons", _n(counts.other_removed), 1),
            ],
        ),
        _Box("screened", "main", [_Item("Records screened", _n(counts.records_screened))]),
        _Box("records-excluded", "right", [_Item("Records excluded", _n(counts.records_excluded))]),
        _Box("sought", "main", [_Item("Reports sought for retrieval", _n(counts.reports_sought))]),
        _Box(
            "not-retrieved",
            "right",
            [_Item("Reports not retrieved", _n(counts.reports_not_retrieved))],
        ),
        _Box(
            "assessed",
            "main",
            [_Item("Reports assessed for eligibility", _n(counts.reports_assessed))],
        ),
        _Box(
            "reports-excluded",
            "right",
            _list_items("Reports excluded", counts.reports_excluded_total, counts.reports_excluded),
        ),
    ]
    meta = (
        [_Item("Studies included in meta-analysis", _n(counts.studies_in_meta_analysis))]
        if counts.studies_in_meta_analysis is not None
        else []
    )
    if update:
        boxes += [
            _Box(
                "previous",
                "previous",
                [
                    _Item(
                        "Studies included in previous version of review",
                        _n(counts.previous_studies),
                        wrap=True,
                    ),
                    _Item(
                        "Reports of studies included in previous version of review",
                        _n(counts.previous_reports),
                        wrap=True,
                    ),
                ],
            ),
            _Box(
                "new-included",
                "main",
                [
                    _Item("New studies included in review", _n(counts.new_studies_included)),
                    _Item("Reports of new included studies", _n(counts.new_reports_included)),
                ],
            ),
            _Box(
                "included",
                "main",
                [
                    _Item("Total studies included in review", _n(counts.studies_included)),
                    _Item("Reports of total included studies", _n(counts.reports_included)),
                    *meta,
                ],
            ),
        ]
    else:
        boxes.append(
            _Box(
                "included",
                "main",
                [
                    _Item("Studies included in review", _n(counts.studies_included)),
                    _Item("Reports of included studies", _n(counts.reports_included)),
                    *meta,
                ],
            )
        )
    if counts.has_other_methods:
        boxes += [
            _Box(
                "other-identified",
                "other",
                [
                    _Item("Records identified from:"),
                    *(
                        _Item(name, _n(n), level=1, wrap=True)
                        for name, n in counts.other_methods.items()
                    ),
                ],
            ),
            _Box(
                "other-sought",
                "other",
                [_Item("Reports sought for retrieval", _n(counts.other_reports_sought))],
            ),
            _Box(
                "other-not-retrieved",
                "other_right",
                [_Item("Reports not retrieved", _n(counts.other_not_retrieved))],
            ),
            _Box(
                "other-assessed",
                "other",
                [_Item("Reports assessed for eligibility", _n(counts.other_assessed))],
            ),
            _Box(
                "other-excluded",
                "other_right",
                _list_items("Reports excluded", counts.other_excluded_total, counts.other_excluded),
            ),
        ]
    return {b.key: b for b in boxes}


def _text_arg(value, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    return " ".join(value.split())


def prisma_flow_diagram(
    counts: PrismaCounts,
    *,
    title_databases: str | None = None,
    title_other: str | None = None,
    title_previous: str = "Previous studies",
) -> Figure:
    """Draw the PRISMA 2020 flow diagram of a review's search and selection.

    The layout is that of the PRISMA 2020 template: the phases (Identification, Screening,
    Included) as bars on the left; in the column of databases and registers, the records
    identified (per database and register), records screened, reports sought, reports
    assessed and the studies included, joined by arrows, each with the records or reports
    removed at that step in a box on its right (reports excluded with one line per reason).
    The column of other methods (websites, organisations, citation searching...) is drawn
    when ``counts`` has one, and the column of the previous version with the new and total
    studies when ``counts`` is an update. The studies in the meta-analysis, when given, are
    a line of the included box. Counts have thousands separators.

    Parameters
    ----------
    counts : PrismaCounts
        The counts, already checked to add up.
    title_databases : str, optional
        Header of the databases-and-registers column; by default "Identification of studies
        via databases and registers" ("of new studies" in an update, as the template for
        updated reviews).
    title_other : str, optional
        Header of the other-methods column; by default "Identification of studies via other
        methods" ("of new studies" in an update).
    title_previous : str
        Header of the previous-version column of an update.

    Returns
    -------
    matplotlib.figure.Figure
        A pyplot-free figure with an Agg canvas, sized to its content. Every box is a patch
        with gid ``prisma-box-KEY`` (``identified``, ``removed``, ``screened``,
        ``records-excluded``, ``sought``, ``not-retrieved``, ``assessed``,
        ``reports-excluded``, ``included``, ``new-included``, ``previous``, ``other-...``,
        ``header-databases``, ``phase-screening`` ...); its text lines are texts with gids
        ``prisma-text-KEY-i``; arrows are ``prisma-arrow-FROM-TO``.

    References
    ----------
    Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline
    for reporting systematic reviews. BMJ. 2021;372:n71.

    Examples
    --------
    >>> from evsynth.review._prisma import PrismaCounts
    >>> counts = PrismaCounts(
    ...     databases={"MEDLINE": 1200, "Embase": 1800}, duplicates_removed=1000,
    ...     records_screened=2000, records_excluded=1900,
    ...     reports_sought=100, reports_not_retrieved=4, reports_assessed=96,
    ...     reports_excluded={"Wrong population": 60, "Wrong design": 24},
    ...     studies_included=10, reports_included=12,
    ... )
    >>> fig = prisma_flow_diagram(counts)
    >>> [t.get_text() for t in fig.texts if t.get_gid() == "prisma-text-screened-0"]
    ['Records screened (n = 2,000)']
    """
    if not isinstance(counts, PrismaCounts):
        raise TypeError(
            f"counts must be a PrismaCounts (evsynth.review), got {type(counts).__name__}"
        )
    new = "new " if counts.is_update else ""
    if title_databases is None:
        title_databases = f"Identification of {new}studies via databases and registers"
    if title_other is None:
        title_other = f"Identification of {new}studies via other methods"
    titles = {
        "databases": _text_arg(title_databases, "title_databases"),
        "other": _text_arg(title_other, "title_other"),
        "previous": _text_arg(title_previous, "title_previous"),
    }

    body = font(_FONT_SIZE)
    header_font = font(_HEADER_SIZE, weight="bold")
    phase_font = font(_PHASE_SIZE, weight="bold")
    fig = new_figure()
    measure = _Measurer(fig)
    boxes = _boxes(counts)

    # ---- widths -----------------------------------------------------------------------------
    columns = ["main", "right"]
    if counts.has_other_methods:
        columns += ["other", "other_right"]
    if counts.is_update:
        columns.insert(0, "previous")
    width = {
        c: _column_width(
            [i for b in boxes.values() if b.column == c for i in b.items], c, body, measure
        )
        for c in columns
    }
    spans = {"databases": ("main", "right")}
    if counts.has_other_methods:
        spans["other"] = ("other", "other_right")
    if counts.is_update:
        spans["previous"] = ("previous",)

    def span_width(cols) -> float:
        return sum(width[c] for c in cols) + (_ARROW_GAP if len(cols) == 2 else 0.0)

    for key, cols in spans.items():  # a header's longest word must fit its span
        longest = max(measure(w, header_font) for w in titles[key].split())
        width[cols[-1]] += max(0.0, longest + 2 * _PAD_X - span_width(cols))

    x = _MARGIN
    phase_x = x
    x += _PHASE_W + _COL_GAP
    left: dict[str, float] = {}
    for c in columns:
        left[c] = x
        x += width[c] + (_ARROW_GAP if c in ("main", "other") else _COL_GAP)
    fig_w = x - _COL_GAP + _MARGIN
    for b in boxes.values():
        b.x, b.w = left[b.column], width[b.column]
        b.lines = _layout_items(b.items, b.w, body, measure)

    headers = {
        key: _wrap_tokens(
            titles[key].split(),
            header_font,
            span_width(cols) - 2 * _PAD_X,
            span_width(cols) - 2 * _PAD_X,
            measure,
        )
        for key, cols in spans.items()
    }

    # ---- heights (inches from the top) ------------------------------------------------------
    phase_len = {p: measure(p, phase_font) + 2 * _PHASE_PAD for p in _PHASES}
    y = _MARGIN
    header_h = max(len(lines) for lines in headers.values()) * _HEADER_LINE_H + 2 * _PAD_Y
    header_y = y
    y += header_h + _HEADER_GAP
    rows = [
        ["identified", "removed", "other-identified", "previous"],
        ["screened", "records-excluded"],
        ["sought", "not-retrieved", "other-sought", "other-not-retrieved"],
        ["assessed", "reports-excluded", "other-assessed", "other-excluded"],
    ]
    row_top, row_h = [], []
    for i, keys in enumerate(rows):
        h = max(boxes[k].natural_h for k in keys if k in boxes)
        if i == 0:
            h = max(h, phase_len["Identification"])
        if i == 3:  # the screening bar spans three rows
            h = max(h, phase_len["Screening"] - sum(row_h[1:]) - 2 * _ROW_GAP)
        row_top.append(y)
        row_h.append(h)
        for k in keys:
            if k in boxes:
                boxes[k].y, boxes[k].h = y, h
        y += h + _ROW_GAP
    included_top = y
    included = boxes["included"]
    if counts.is_update:
        first = boxes["new-included"]
        first.y, first.h = y, first.natural_h
        y += first.h + _ROW_GAP
    included.y = y
    included.h = max(included.natural_h, phase_len["Included"] - (y - included_top))
    y = included.bottom
    fig_h = y + _MARGIN

    # ---- drawing ----------------------------------------------------------------------------
    paint = _Painter(fig, fig_w, fig_h)
    for key, cols in spans.items():
        x0 = left[cols[0]]
        w = span_width(cols)
        paint.rounded(x0, header_y, w, header_h, _HEADER_FILL, f"prisma-box-header-{key}")
        lines = headers[key]
        top = header_y + (header_h - len(lines) * _HEADER_LINE_H) / 2
        for i, line in enumerate(lines):
            paint.text(
                x0 + w / 2,
                top + (i + 0.5) * _HEADER_LINE_H,
                line,
                header_font,
                f"prisma-text-header-{key}-{i}",
                ha="center",
            )
    bars = {
        "Identification": (row_top[0], row_top[0] + row_h[0]),
        "Screening": (row_top[1], row_top[3] + row_h[3]),
        "Included": (included_top, included.bottom),
    }
    for phase, (top, bottom) in bars.items():
        gid = phase.lower()
        paint.rounded(phase_x, top, _PHASE_W, bottom - top, _PHASE_FILL, f"prisma-box-phase-{gid}")
        paint.text(
            phase_x + _PHASE_W / 2,
            (top + bottom) / 2,
            phase,
            phase_font,
            f"prisma-text-phase-{gid}-0",
            ha="center",
            rotation=90,
        )
    for b in boxes.values():
        paint.box(b, body)

    def down(a: str, b: str) -> None:
        paint.arrow([(boxes[a].cx, boxes[a].bottom), (boxes[b].cx, boxes[b].y)], a, b)

    def across(a: str, b: str) -> None:
        y = boxes[a].cy
        paint.arrow([(boxes[a].right, y), (boxes[b].x, y)], a, b)

    down("identified", "screened")
    down("screened", "sought")
    down("sought", "assessed")
    for a, b in (
        ("identified", "removed"),
        ("screened", "records-excluded"),
        ("sought", "not-retrieved"),
        ("assessed", "reports-excluded"),
    ):
        across(a, b)
    target = "new-included" if counts.is_update else "included"
    down("assessed", target)
    if counts.is_update:
        down("new-included", "included")
        prev = boxes["previous"]
        paint.arrow(
            [(prev.cx, prev.bottom), (prev.cx, included.cy), (included.x, included.cy)],
            "previous",
            "included",
        )
    if counts.has_other_methods:
        down("other-identified", "other-sought")
        down("other-sought", "other-assessed")
        across("other-sought", "other-not-retrieved")
        across("other-assessed", "other-excluded")
        src, dst = boxes["other-assessed"], boxes[target]
        paint.arrow(
            [(src.cx, src.bottom), (src.cx, dst.cy), (dst.right, dst.cy)],
            "other-assessed",
            target,
        )
    return fig


_PHASES = ("Identification", "Screening", "Included")


class _Painter:
    """Draws in inches measured from the figure's top-left corner."""

    def __init__(self, fig: Figure, width: float, height: float):
        fig.set_size_inches(width, height)
        fig.patch.set_gid("prisma-background")
        self.fig, self.height = fig, height

    def text(self, x, y, s, prop, gid, ha="left", rotation=0) -> None:
        self.fig.text(
            x,
            self.height - y,
            s,
            ha=ha,
            va="center",
            rotation=rotation,
            fontproperties=prop,
            color=INK,
            transform=self.fig.dpi_scale_trans,
            gid=gid,
        )

    def box(self, b: _Box, prop) -> None:
        self.fig.add_artist(
            Rectangle(
                (b.x, self.height - b.bottom),
                b.w,
                b.h,
                transform=self.fig.dpi_scale_trans,
                facecolor="white",
                edgecolor=INK,
                lw=LINE_WIDTH,
                gid=f"prisma-box-{b.key}",
            )
        )
        top = b.y + (b.h - len(b.lines) * _LINE_H) / 2
        for i, (line, dx) in enumerate(b.lines):
            self.text(b.x + dx, top + (i + 0.5) * _LINE_H, line, prop, f"prisma-text-{b.key}-{i}")

    def rounded(self, x, y, w, h, fill: str, gid: str) -> None:
        self.fig.add_artist(
            FancyBboxPatch(
                (x, self.height - y - h),
                w,
                h,
                boxstyle=f"round,pad=0,rounding_size={_ROUNDING}",
                transform=self.fig.dpi_scale_trans,
                facecolor=fill,
                edgecolor="none",
                gid=gid,
            )
        )

    def arrow(self, points, a: str, b: str) -> None:
        path = Path([(x, self.height - y) for x, y in points])
        self.fig.add_artist(
            FancyArrowPatch(
                path=path,
                arrowstyle=ArrowStyle("-|>", head_length=0.55, head_width=0.25),
                mutation_scale=10,
                transform=self.fig.dpi_scale_trans,
                color=INK,
                lw=LINE_WIDTH,
                gid=f"prisma-arrow-{a}-{b}",
            )
        )
