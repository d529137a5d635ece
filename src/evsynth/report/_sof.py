"""GRADE summary-of-findings (SoF) tables and the evidence profile, as HTML, CSV and Word.

:func:`sof_tables` lays out one SoF table per comparator: an outcome and timepoint per row
(at most seven rows a table, as GRADE asks; more continue in further tables), with the number
of participants and studies, the certainty with its reasons as lettered footnotes, the mean
in the control group, the effect in GRADEpro's wording for continuous outcomes and the
plain-language statement. :func:`evidence_profile` gives every pooled result with the rating
of each GRADE domain. Nothing here computes a statistic: every number comes from the
:class:`~evsynth.appraisal.Appraisal` and its synthesis cells, and is only formatted.
"""

from __future__ import annotations

import csv
import html
import io
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from evsynth.appraisal import DOMAIN_TITLES, DOMAINS, Appraisal, CellAppraisal
from evsynth.report._docx import write_docx_table

__all__ = [
    "MAX_SOF_ROWS",
    "PROFILE_HEADER",
    "SOF_HEADER",
    "FootnotedText",
    "ProfileRow",
    "SofRow",
    "SofTable",
    "continuous_effect_text",
    "evidence_profile",
    "profile_footnotes",
    "profile_to_csv",
    "profile_to_html",
    "sof_tables",
    "sof_to_csv",
    "sof_to_html",
    "write_profile_docx",
    "write_sof_docx",
]

#: GRADE: a summary-of-findings table shows at most seven outcomes
MAX_SOF_ROWS = 7

SOF_HEADER = (
    "Outcomes",
    "№ of participants (studies)",
    "Certainty of the evidence (GRADE)",
    "Mean in control group",
    "Effect (95% CI)",
    "What happens",
)
PROFILE_HEADER = (
    "Outcome",
    "Timepoint",
    "Comparator",
    "№ of studies",
    "Study design",
    *(DOMAIN_TITLES[d] for d in DOMAINS),
    "№ of participants: intervention",
    "№ of participants: control",
    "Effect (95% CI)",
    "Certainty",
)
_MINUS = "\N{MINUS SIGN}"
_DESIGN_TEXT = {"randomised": "randomised trials", "observational": "observational studies"}


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class FootnotedText:
    """A table entry with footnote letters: ``str()`` gives "⊕⊕◯◯ Low a,b".

    Attributes
    ----------
    text : str
        The entry without its letters, e.g. "⊕⊕◯◯ Low" or "serious (reviewer)".
    letters : tuple of str
        The footnote letters, in order of first use.

    Examples
    --------
    >>> str(FootnotedText("⊕⊕◯◯ Low", ("a", "b")))
    '⊕⊕◯◯ Low a,b'
    >>> str(FootnotedText("not serious"))
    'not serious'
    """

    text: str
    letters: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.text} {','.join(self.letters)}" if self.letters else self.text

    def to_html(self) -> str:
        """The escaped text with the letters as a superscript."""
        letters = f"<sup>{html.escape(','.join(self.letters))}</sup>" if self.letters else ""
        return html.escape(self.text) + letters


@dataclass(frozen=True)
class SofRow:
    """One outcome at one timepoint of a summary-of-findings table.

    Attributes
    ----------
    outcome : str
        "Pain intensity (0 to 100), medium-term": the outcome, its scale when the protocol
        rescales it, and the timepoint.
    participants_studies : str
        "1,472 (6 RCTs)": participants analysed, rounded to whole numbers, and studies.
    certainty : FootnotedText
        "⊕◯◯◯ Very low" with the letters of the reasons for rating down or up.
    control : str
        The mean in the control groups (MD results); empty for SMD results.
    effect : str
        GRADEpro's wording, e.g. "MD 3.87 lower (7.23 lower to 0.52 lower)".
    comment : str
        The plain-language statement.
    """

    outcome: str
    participants_studies: str
    certainty: FootnotedText
    control: str
    effect: str
    comment: str

    def cells(self) -> tuple[str, ...]:
        """The row's texts in :data:`SOF_HEADER` order (footnote letters in plain text)."""
        return (
            self.outcome,
            self.participants_studies,
            str(self.certainty),
            self.control,
            self.effect,
            self.comment,
        )


@dataclass(frozen=True)
class SofTable:
    """A summary-of-findings table: one comparator, at most seven rows.

    Attributes
    ----------
    title : str
        "Peer support compared with usual care", with "(1 of 2)" when the comparator's
        results continue in a further table.
    comparator : str
        The comparator's label.
    rows : tuple of SofRow
    footnotes : tuple of (str, str)
        ``(letter, text)`` for each distinct footnote of the table, in order of first use.
    ci_level : float
        The confidence level of the effects (0.95 for "95% CI").
    """

    title: str
    comparator: str
    rows: tuple[SofRow, ...]
    footnotes: tuple[tuple[str, str], ...] = ()
    ci_level: float = 0.95

    @property
    def header(self) -> tuple[str, ...]:
        """:data:`SOF_HEADER`, with the table's confidence level."""
        return _with_level(SOF_HEADER, self.ci_level)


@dataclass(frozen=True)
class ProfileRow:
    """One pooled result of the GRADE evidence profile.

    Attributes
    ----------
    outcome, timepoint, comparator : str
    studies : int
        Number of studies (a multi-arm trial whose arms enter as separate comparisons
        counts once).
    design : str
        "randomised trials" or "observational studies".
    risk_of_bias, inconsistency, indirectness, imprecision, publication_bias : FootnotedText
        The final rating ("not serious", "serious", "very serious", "not assessed"), with
        "(reviewer)" when a reviewer's decision set it and a footnote letter when rated down.
    participants_intervention, participants_control : int
        Sums of the intervention and control arms' sizes, rounded to whole numbers.
    effect : str
        "MD −3.87 [−7.23, −0.52]".
    certainty : FootnotedText
        "⊕◯◯◯ Very low"; letters for the domains that rated the evidence up.
    footnotes : tuple of (str, str)
        ``(letter, text)`` of the footnotes this row uses (the letters are shared across
        the profile; :func:`profile_footnotes` collects them).
    ci_level : float
        The confidence level of the effect (0.95 for "95% CI").
    """

    outcome: str
    timepoint: str
    comparator: str
    studies: int
    design: str
    risk_of_bias: FootnotedText
    inconsistency: FootnotedText
    indirectness: FootnotedText
    imprecision: FootnotedText
    publication_bias: FootnotedText
    participants_intervention: int
    participants_control: int
    effect: str
    certainty: FootnotedText
    footnotes: tuple[tuple[str, str], ...] = ()
    ci_level: float = 0.95

    def domain_ratings(self) -> tuple[FootnotedText, ...]:
        """The five domain ratings in :data:`~evsynth.appraisal.DOMAINS` order."""
        return tuple(getattr(self, d) for d in DOMAINS)

    def entries(self) -> tuple[str | FootnotedText, ...]:
        """The row's entries in :data:`PROFILE_HEADER` order."""
        return (
            self.outcome,
            self.timepoint,
            self.comparator,
            str(self.studies),
            self.design,
            *self.domain_ratings(),
            f"{self.participants_intervention:,}",
            f"{self.participants_control:,}",
            self.effect,
            self.certainty,
        )


# --------------------------------------------------------------------------- formatting


def _letter(index: int) -> str:
    """a, b, ..., z, aa, ab, ... for 0, 1, ..., 25, 26, 27, ..."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


class _Letters:
    """Footnote letters, one per distinct text, in order of first use."""

    def __init__(self) -> None:
        self._by_text: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self._by_text:
            self._by_text[text] = _letter(len(self._by_text))
        return self._by_text[text]

    @property
    def footnotes(self) -> tuple[tuple[str, str], ...]:
        return tuple((letter, text) for text, letter in self._by_text.items())


def _whole(x: float) -> int:
    """Rounded half up (participants after cluster adjustment need not be whole)."""
    return math.floor(x + 0.5)


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _with_level(header: tuple[str, ...], level: float) -> tuple[str, ...]:
    if level == 0.95:
        return header
    ci = f"({100 * level:g}% CI)"
    return tuple(h.replace("(95% CI)", ci) for h in header)


def _magnitude(x: float, decimals: int) -> str:
    text = f"{abs(x):.{decimals}f}"
    if float(text) == 0:
        return text
    return f"{text} {'lower' if x < 0 else 'higher'}"


def continuous_effect_text(
    measure: str, estimate: float, ci_low: float, ci_high: float, *, decimals: int = 2
) -> str:
    """A continuous effect in GRADEpro's wording: "MD 4.23 lower (6.60 lower to 0.35 lower)".

    Each number is given as its size and "lower" or "higher" from its sign (intervention
    minus control); a number that rounds to zero has no direction word.

    Parameters
    ----------
    measure : str
        "MD" or "SMD" (written as given).
    estimate, ci_low, ci_high : float
        The pooled difference and its confidence interval.
    decimals : int, default 2

    Returns
    -------
    str

    Raises
    ------
    TypeError
        For a ``measure`` that is not a non-empty text or a value that is not a number.
    ValueError
        For a number that is not finite, ``ci_low > ci_high`` or negative ``decimals``.

    References
    ----------
    .. [1] Guyatt GH, Thorlund K, Oxman AD, et al. GRADE guidelines: 13. Preparing summary
       of findings tables and evidence profiles - continuous outcomes. J Clin Epidemiol.
       2013;66:173-183.

    Examples
    --------
    >>> continuous_effect_text("MD", -4.2314, -6.6, -0.35)
    'MD 4.23 lower (6.60 lower to 0.35 lower)'
    >>> continuous_effect_text("SMD", 0.26, 0.16, 0.36)
    'SMD 0.26 higher (0.16 higher to 0.36 higher)'
    >>> continuous_effect_text("MD", -0.35, -1.2, 0.5)
    'MD 0.35 lower (1.20 lower to 0.50 higher)'
    """
    if not isinstance(measure, str) or not measure.strip():
        raise TypeError(f"measure must be a non-empty text; got {measure!r}")
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise ValueError(f"decimals must be an integer >= 0; got {decimals!r}")
    values = {"estimate": estimate, "ci_low": ci_low, "ci_high": ci_high}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number; got {value!r}")
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be finite; got {value!r}")
    if ci_low > ci_high:
        raise ValueError(f"ci_low ({ci_low!r}) must be <= ci_high ({ci_high!r})")
    low, high = _magnitude(ci_low, decimals), _magnitude(ci_high, decimals)
    return f"{measure} {_magnitude(estimate, decimals)} ({low} to {high})"


def _signed(x: float) -> str:
    text = f"{x:.2f}"
    if float(text) == 0:
        return f"{abs(x):.2f}"
    return text.replace("-", _MINUS)


def _profile_effect(measure: str, estimate: float, ci_low: float, ci_high: float) -> str:
    return f"{measure} {_signed(estimate)} [{_signed(ci_low)}, {_signed(ci_high)}]"


def _outcome_text(cell) -> str:
    outcome = cell.outcome
    scale = ""
    if outcome.rescale_to is not None:
        low, high = outcome.rescale_to
        scale = f" ({low:g} to {high:g})"
    return f"{outcome.label}{scale}, {_first_lower(cell.window.label)}"


def _study_count(cell) -> int:
    return len({row.study_id for row in cell.rows})


def _participants_studies(cell, design: str) -> str:
    n = _study_count(cell)
    if design == "observational":
        kind = "study" if n == 1 else "studies"
    else:
        kind = "RCT" if n == 1 else "RCTs"
    total = cell.participants
    people = f"{_whole(total):,}" if math.isfinite(total) else "not reported"
    return f"{people} ({n} {kind})"


def _control_text(outcome_label: str, means: tuple[float, ...]) -> str:
    values = [m for m in means if m is not None and math.isfinite(m)]
    if not values:
        return ""
    decimals = 1 if max(abs(v) for v in values) >= 10 else 2
    low, high = f"{min(values):.{decimals}f}", f"{max(values):.{decimals}f}"
    what = f"The mean {outcome_label.lower()}"
    if len(values) == 1 or low == high:
        groups = "group" if len(values) == 1 else "groups"
        return f"{what} in the control {groups} was {low}"
    return f"{what} in the control groups ranged from {low} to {high}"


def _pooled_cells(appraisal: Appraisal) -> list[CellAppraisal]:
    """The appraisal's pooled cells in protocol order: outcome, comparator, timepoint."""
    protocol = appraisal.review.protocol
    outcomes = {o.id: i for i, o in enumerate(protocol.outcomes)}
    comparators = {c.id: i for i, c in enumerate(protocol.comparators)}
    windows = {w.id: i for i, w in enumerate(protocol.timepoints)}

    def order(c: CellAppraisal) -> tuple[int, int, int]:
        cell = c.cell
        return (
            outcomes.get(cell.outcome.id, len(outcomes)),
            comparators.get(cell.comparator.id, len(comparators)),
            windows.get(cell.window.id, len(windows)),
        )

    return sorted((c for c in appraisal.cells if c.cell.pooled), key=order)


def _check_appraisal(appraisal: object) -> None:
    if not isinstance(appraisal, Appraisal):
        raise TypeError(
            f"appraisal must be an evsynth Appraisal (es.appraise(review, synthesis)); "
            f"got {type(appraisal).__name__}"
        )


# --------------------------------------------------------------------------- SoF tables


def _sof_row(c: CellAppraisal, letters: _Letters) -> SofRow:
    cell, grade, res = c.cell, c.grade, c.cell.result
    if grade is None:
        design, certainty = "randomised", FootnotedText("Not assessed")
    else:
        marks = tuple(dict.fromkeys(letters(text) for text in grade.footnotes))
        design, certainty = grade.design, FootnotedText(f"{grade.symbol} {grade.label}", marks)
    return SofRow(
        outcome=_outcome_text(cell),
        participants_studies=_participants_studies(cell, design),
        certainty=certainty,
        control=_control_text(cell.outcome.label, c.control_means) if cell.measure == "MD" else "",
        effect=continuous_effect_text(cell.measure, res.estimate, res.ci_low, res.ci_high),
        comment=c.statement,
    )


def sof_tables(appraisal: Appraisal, *, max_rows: int = MAX_SOF_ROWS) -> list[SofTable]:
    """The GRADE summary-of-findings tables of a review: one per comparator.

    Each table ("Peer support compared with usual care") holds the comparator's pooled
    results in protocol order, outcome then timepoint. GRADE shows at most seven outcomes a
    table, so a comparator with more results continues in further tables titled
    "... (1 of 2)", "... (2 of 2)". Footnote letters (a, b, c, ...) are given per table, one
    per distinct reason, in order of first use.

    Parameters
    ----------
    appraisal : Appraisal
        ``es.appraise(review, synthesis)``; the tables show its pooled cells.
    max_rows : int, default 7
        Rows per table, 1 to 7.

    Returns
    -------
    list of SofTable
        Comparators without a pooled result have no table.

    Raises
    ------
    TypeError
        If ``appraisal`` is not an :class:`~evsynth.appraisal.Appraisal`.
    ValueError
        If ``max_rows`` is not an integer from 1 to 7.

    Notes
    -----
    Participants are those analysed (after shared-control splits and cluster adjustment),
    rounded to whole numbers; a multi-arm trial counts as one study. The effect is worded
    as in GRADEpro (:func:`continuous_effect_text`). The mean in the control group is the
    range of the arm-level studies' control means (MD results only, on the rescaled scale).

    References
    ----------
    .. [1] Schünemann HJ, Higgins JPT, Vist GE, et al. Chapter 14: Completing 'Summary of
       findings' tables and grading the certainty of the evidence. In: Cochrane Handbook for
       Systematic Reviews of Interventions, version 6. Cochrane; 2019 onwards.
    .. [2] Guyatt GH, Thorlund K, Oxman AD, et al. GRADE guidelines: 13. Preparing summary
       of findings tables and evidence profiles - continuous outcomes. J Clin Epidemiol.
       2013;66:173-183.
    .. [3] Santesso N, Carrasco-Labra A, Langendam M, et al. Improving GRADE evidence tables
       part 3: detailed guidance for explanatory footnotes supports creating and
       understanding GRADE certainty in the evidence judgments. J Clin Epidemiol.
       2016;74:28-39.

    Examples
    --------
    >>> from pathlib import Path
    >>> import evsynth as es
    >>> folder = Path(es.__file__).parents[2] / "examples" / "peer-support-msk"
    >>> review = es.load_review(folder)
    >>> tables = sof_tables(es.appraise(review, es.synthesise(review)))
    >>> tables[0].title
    'Peer support compared with usual care (1 of 2)'
    >>> row = tables[0].rows[1]
    >>> row.outcome, row.participants_studies, str(row.certainty)
    ('Pain intensity (0 to 100), medium-term', '1,903 (8 RCTs)', '⊕◯◯◯ Very low c,d')
    >>> row.effect
    'MD 3.87 lower (7.23 lower to 0.52 lower)'
    """
    _check_appraisal(appraisal)
    if (
        not isinstance(max_rows, int)
        or isinstance(max_rows, bool)
        or not 1 <= max_rows <= MAX_SOF_ROWS
    ):
        raise ValueError(
            f"max_rows must be an integer from 1 to {MAX_SOF_ROWS} (GRADE: at most seven "
            f"outcomes a table); got {max_rows!r}"
        )
    protocol = appraisal.review.protocol
    intervention = _first_upper(protocol.intervention_label.strip())
    cells = _pooled_cells(appraisal)
    tables: list[SofTable] = []
    for comparator in protocol.comparators:
        mine = [c for c in cells if c.cell.comparator.id == comparator.id]
        if not mine:
            continue
        level = mine[0].cell.result.level
        chunks = [mine[i : i + max_rows] for i in range(0, len(mine), max_rows)]
        title = f"{intervention} compared with {_first_lower(comparator.label)}"
        for part, chunk in enumerate(chunks, start=1):
            letters = _Letters()
            rows = tuple(_sof_row(c, letters) for c in chunk)
            tables.append(
                SofTable(
                    title=title if len(chunks) == 1 else f"{title} ({part} of {len(chunks)})",
                    comparator=comparator.label,
                    rows=rows,
                    footnotes=letters.footnotes,
                    ci_level=level,
                )
            )
    return tables


def _check_list(items: object, kind: type, name: str, source: str) -> list:
    """``items`` as a list of ``kind`` objects, or a TypeError saying what was expected."""
    if isinstance(items, kind) or not isinstance(items, Iterable):
        raise TypeError(
            f"{name} must be a list of {kind.__name__} (from {source}); got {type(items).__name__}"
        )
    items = list(items)
    for item in items:
        if not isinstance(item, kind):
            raise TypeError(f"{name} must hold {kind.__name__} objects; got {type(item).__name__}")
    return items


def _check_tables(tables: object) -> list[SofTable]:
    return _check_list(tables, SofTable, "tables", "sof_tables")


def _footnote_list(footnotes: Iterable[tuple[str, str]], css_class: str) -> str:
    items = "".join(
        f"<li><sup>{html.escape(letter)}</sup> {html.escape(text)}</li>"
        for letter, text in footnotes
    )
    return f'<ul class="{css_class}">{items}</ul>\n' if items else ""


def sof_to_html(tables: list[SofTable]) -> str:
    """The summary-of-findings tables as HTML.

    One ``<table class="sof-table">`` per table, its title as the caption, followed by its
    footnotes as a ``<ul class="sof-footnotes">`` list; every text is escaped.

    Parameters
    ----------
    tables : list of SofTable
        From :func:`sof_tables`.

    Returns
    -------
    str
        An HTML fragment ("" for no table).

    Examples
    --------
    >>> row = SofRow("Pain, short-term", "120 (2 RCTs)", FootnotedText("⊕⊕◯◯ Low", ("a",)),
    ...              "", "MD 1.00 lower (2.00 lower to 0.00)", "X may reduce pain.")
    >>> table = SofTable("X compared with Y", "Y", (row,), (("a", "Imprecision: <100"),))
    >>> page = sof_to_html([table])
    >>> page.splitlines()[0]
    '<table class="sof-table">'
    >>> "&lt;100" in page
    True
    """
    tables = _check_tables(tables)
    esc = html.escape
    out = []
    for table in tables:
        head = "".join(f"<th>{esc(h)}</th>" for h in table.header)
        body = []
        for row in table.rows:
            cells = [
                esc(row.outcome),
                esc(row.participants_studies),
                row.certainty.to_html(),
                esc(row.control),
                esc(row.effect),
                esc(row.comment),
            ]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append(
            '<table class="sof-table">\n'
            f"<caption>{esc(table.title)}</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n"
            "<tbody>\n" + "\n".join(body) + "\n</tbody></table>\n"
        )
        out.append(_footnote_list(table.footnotes, "sof-footnotes"))
    return "".join(out)


def _row_footnote_text(letters: tuple[str, ...], footnotes: dict[str, str]) -> str:
    return "\n".join(f"{letter}. {footnotes[letter]}" for letter in letters)


def sof_to_csv(tables: list[SofTable]) -> str:
    """The summary-of-findings tables as one CSV: a ``table`` column (the title) first,
    then :data:`SOF_HEADER`'s columns and a ``Footnotes`` column with the texts of the
    row's footnote letters.

    Parameters
    ----------
    tables : list of SofTable

    Returns
    -------
    str
        One header line and one record per row of every table.

    Examples
    --------
    >>> row = SofRow("Pain, short-term", "120 (2 RCTs)", FootnotedText("⊕⊕◯◯ Low", ("a",)),
    ...              "", "MD 1.00 lower (2.00 lower to 0.00)", "X may reduce pain.")
    >>> table = SofTable("X compared with Y", "Y", (row,), (("a", "Imprecision: few"),))
    >>> header, record = csv.reader(io.StringIO(sof_to_csv([table])))
    >>> header[:2], record[3], record[-1]
    (['table', 'Outcomes'], '⊕⊕◯◯ Low a', 'a. Imprecision: few')
    """
    tables = _check_tables(tables)
    level = tables[0].ci_level if tables else 0.95
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("table", *_with_level(SOF_HEADER, level), "Footnotes"))
    for table in tables:
        notes = dict(table.footnotes)
        for row in table.rows:
            writer.writerow(
                (table.title, *row.cells(), _row_footnote_text(row.certainty.letters, notes))
            )
    return buf.getvalue()


def write_sof_docx(path, tables: list[SofTable]) -> Path:
    """Write the summary-of-findings tables into one Word (.docx) file.

    :func:`~evsynth.report._docx.write_docx_table` writes one table, so several SoF tables
    share it: each starts with a section row holding its title and ends with its footnotes,
    one section row each. A single table keeps its title above the table.

    Parameters
    ----------
    path : path-like
        Target ``.docx`` file.
    tables : list of SofTable
        At least one.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        If there is no table to write.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> row = SofRow("Pain, short-term", "120 (2 RCTs)", FootnotedText("⊕⊕◯◯ Low"),
    ...              "", "MD 1.00 lower (2.00 lower to 0.00)", "X may reduce pain.")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_sof_docx(Path(tmp) / "sof.docx", [SofTable("X compared with Y", "Y",
    ...                                                             (row,))])
    ...     "X compared with Y" in zipfile.ZipFile(out).read("word/document.xml").decode()
    True
    """
    tables = _check_tables(tables)
    if not tables:
        raise ValueError("there is no summary-of-findings table to write")
    several = len(tables) > 1
    rows: list[tuple[str, ...] | str] = []
    for table in tables:
        if several:
            rows.append(table.title)
        rows.extend(row.cells() for row in table.rows)
        rows.extend(f"{letter}. {text}" for letter, text in table.footnotes)
    title = "Summary of findings" if several else tables[0].title
    return write_docx_table(path, title, tables[0].header, rows)


# --------------------------------------------------------------------------- evidence profile


def _domain_footnote(grade, domain: str) -> str:
    prefix = f"{DOMAIN_TITLES[domain]}: "
    for text in grade.footnotes:
        if text.startswith(prefix):
            return text
    return prefix + grade.domains[domain].reason


def _profile_row(c: CellAppraisal, letters: _Letters) -> ProfileRow:
    cell, grade, res = c.cell, c.grade, c.cell.result
    used: dict[str, str] = {}

    def note(text: str) -> tuple[str, ...]:
        letter = letters(text)
        used[letter] = text
        return (letter,)

    ratings: dict[str, FootnotedText] = {}
    if grade is None:
        design = "randomised"
        ratings = {d: FootnotedText("not assessed") for d in DOMAINS}
        certainty = FootnotedText("Not assessed")
    else:
        design = grade.design
        for domain in DOMAINS:
            rating = grade.domains.get(domain)
            if rating is None:
                ratings[domain] = FootnotedText("not assessed")
                continue
            text = rating.label + (" (reviewer)" if rating.source == "reviewer" else "")
            marks = note(_domain_footnote(grade, domain)) if rating.levels < 0 else ()
            ratings[domain] = FootnotedText(text, marks)
        up = [d for d, r in grade.domains.items() if d not in DOMAINS and r.levels > 0]
        marks = tuple(m for d in up for m in note(_domain_footnote(grade, d)))
        certainty = FootnotedText(f"{grade.symbol} {grade.label}", marks)
    return ProfileRow(
        outcome=cell.outcome.label,
        timepoint=cell.window.label,
        comparator=cell.comparator.label,
        studies=_study_count(cell),
        design=_DESIGN_TEXT[design],
        **ratings,
        participants_intervention=_whole(sum(r.n1 or 0 for r in cell.rows)),
        participants_control=_whole(sum(r.n2 or 0 for r in cell.rows)),
        effect=_profile_effect(cell.measure, res.estimate, res.ci_low, res.ci_high),
        certainty=certainty,
        footnotes=tuple(used.items()),
        ci_level=res.level,
    )


def evidence_profile(appraisal: Appraisal) -> list[ProfileRow]:
    """The GRADE evidence profile: every pooled result with the rating of each domain.

    Rows follow protocol order (outcome, comparator, timepoint). Each domain shows its final
    rating, "(reviewer)" where grade.csv decided it, and a footnote letter with the reason
    where it rated the evidence down; the letters are shared across the profile, one per
    distinct reason (:func:`profile_footnotes`).

    Parameters
    ----------
    appraisal : Appraisal
        ``es.appraise(review, synthesis)``.

    Returns
    -------
    list of ProfileRow

    Raises
    ------
    TypeError
        If ``appraisal`` is not an :class:`~evsynth.appraisal.Appraisal`.

    References
    ----------
    .. [1] Guyatt GH, Oxman AD, Santesso N, et al. GRADE guidelines: 12. Preparing summary
       of findings tables - binary outcomes. J Clin Epidemiol. 2013;66:158-172.
    .. [2] Guyatt GH, Thorlund K, Oxman AD, et al. GRADE guidelines: 13. Preparing summary
       of findings tables and evidence profiles - continuous outcomes. J Clin Epidemiol.
       2013;66:173-183.

    Examples
    --------
    >>> from pathlib import Path
    >>> import evsynth as es
    >>> folder = Path(es.__file__).parents[2] / "examples" / "peer-support-msk"
    >>> review = es.load_review(folder)
    >>> rows = evidence_profile(es.appraise(review, es.synthesise(review)))
    >>> first = rows[0]
    >>> first.studies, str(first.risk_of_bias), str(first.indirectness)
    (6, 'very serious a', 'not serious (reviewer)')
    >>> first.effect
    'MD −1.70 [−3.87, 0.48]'
    """
    _check_appraisal(appraisal)
    letters = _Letters()
    return [_profile_row(c, letters) for c in _pooled_cells(appraisal)]


def _check_rows(rows: object) -> list[ProfileRow]:
    return _check_list(rows, ProfileRow, "rows", "evidence_profile")


def profile_footnotes(rows: list[ProfileRow]) -> list[tuple[str, str]]:
    """The profile's footnotes, ``(letter, text)``, each once, in order of first use.

    Examples
    --------
    >>> def row(letter):
    ...     rated = FootnotedText("serious", (letter,))
    ...     return ProfileRow("Pain", "Short-term", "Usual care", 2, "randomised trials",
    ...                       rated, *[FootnotedText("not serious")] * 4, 60, 60,
    ...                       "MD −1.00 [−2.00, 0.00]", FootnotedText("⊕⊕⊕◯ Moderate"),
    ...                       ((letter, "Risk of bias: downgraded one level: ..."),))
    >>> profile_footnotes([row("a"), row("a")])
    [('a', 'Risk of bias: downgraded one level: ...')]
    """
    rows = _check_rows(rows)
    seen: dict[str, str] = {}
    for r in rows:
        for letter, text in r.footnotes:
            seen.setdefault(letter, text)
    return list(seen.items())


def profile_to_html(
    rows: list[ProfileRow], footnotes: Iterable[tuple[str, str]] | None = None
) -> str:
    """The evidence profile as an HTML ``<table class="evidence-profile">`` and its footnotes
    as a ``<ul class="profile-footnotes">`` list; every text is escaped.

    Parameters
    ----------
    rows : list of ProfileRow
        From :func:`evidence_profile`.
    footnotes : iterable of (str, str), optional
        ``(letter, text)``; by default :func:`profile_footnotes` of the rows.

    Returns
    -------
    str

    Examples
    --------
    >>> profile_to_html([]).splitlines()[0]
    '<table class="evidence-profile">'
    """
    rows = _check_rows(rows)
    notes = profile_footnotes(rows) if footnotes is None else list(footnotes)
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in _profile_header(rows))
    body = []
    for r in rows:
        cells = [e.to_html() if isinstance(e, FootnotedText) else esc(e) for e in r.entries()]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        '<table class="evidence-profile">\n'
        f"<thead><tr>{head}</tr></thead>\n"
        "<tbody>\n" + "".join(b + "\n" for b in body) + "</tbody></table>\n"
    ) + _footnote_list(notes, "profile-footnotes")


def _profile_header(rows: list[ProfileRow]) -> tuple[str, ...]:
    return _with_level(PROFILE_HEADER, rows[0].ci_level if rows else 0.95)


def profile_to_csv(rows: list[ProfileRow]) -> str:
    """The evidence profile as CSV: :data:`PROFILE_HEADER`'s columns (footnote letters in
    plain text) and a ``Footnotes`` column with the texts of the row's letters.

    Parameters
    ----------
    rows : list of ProfileRow

    Returns
    -------
    str

    Examples
    --------
    >>> profile_to_csv([]).split(",")[:3]
    ['Outcome', 'Timepoint', 'Comparator']
    """
    rows = _check_rows(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow((*_profile_header(rows), "Footnotes"))
    for r in rows:
        notes = dict(r.footnotes)
        writer.writerow((*(str(e) for e in r.entries()), _row_footnote_text(tuple(notes), notes)))
    return buf.getvalue()


def write_profile_docx(path, rows: list[ProfileRow]) -> Path:
    """Write the GRADE evidence profile into a Word (.docx) file: one row per analysis,
    footnote letters after the ratings, the footnotes as the last rows.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     zipfile.is_zipfile(write_profile_docx(Path(d) / "p.docx", []))
    True
    """
    rows = _check_rows(rows)
    body: list[tuple[str, ...] | str] = [tuple(str(e) for e in r.entries()) for r in rows]
    body += [f"{letter}. {text}" for letter, text in profile_footnotes(rows)]
    return write_docx_table(path, "GRADE evidence profile", _profile_header(rows), body)
