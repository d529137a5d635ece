"""The results table in the seed review's Table 1 layout, as Markdown, HTML and CSV.

One section per outcome ("Pain intensity meta-analyses"), then one line per pooled cell:
Control | Timepoint | Effect size [95% CI], P-value | Interpretation, the control named on
the first line of its block only, as in the seed; with an appraisal, a last column gives each
result's GRADE certainty.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass

__all__ = [
    "ResultsTableRow",
    "format_effect",
    "format_p",
    "results_table",
    "table_rows",
    "to_csv",
    "to_html",
    "to_markdown",
]

HEADER = ("Control", "Timepoint", "Effect size [95% CI], P-value", "Interpretation")
CERTAINTY_HEADER = "Certainty (GRADE)"


def format_p(p: float) -> str:
    """P as the seed prints it: P<0.001, P=0.005 (three decimals below 0.01), P=0.34."""
    if p < 0.001:
        return "P<0.001"
    if p < 0.01:
        return f"P={p:.3f}"
    return f"P={p:.2f}"


def format_effect(measure: str, estimate: float, ci_low: float, ci_high: float, p: float) -> str:
    """``MD: -3.48 [-6.61, -0.35], P=0.03``."""
    return f"{measure}: {estimate:.2f} [{ci_low:.2f}, {ci_high:.2f}], {format_p(p)}"


@dataclass(frozen=True)
class ResultsTableRow:
    """A line of the results table: a section heading or a cell's result."""

    section: str | None = None
    control: str = ""
    timepoint: str = ""
    effect: str = ""
    interpretation: str = ""
    certainty: str = ""

    @property
    def is_section(self) -> bool:
        return self.section is not None


def results_table(synthesis, appraisal=None) -> list[ResultsTableRow]:
    """The lines of the results table for a :class:`~evsynth.review.SynthesisResult`; with
    an :class:`~evsynth.appraisal.Appraisal`, each line also carries its GRADE certainty."""
    lines: list[ResultsTableRow] = []
    for outcome in synthesis.protocol.outcomes:
        cells = [c for c in synthesis.pooled_cells if c.outcome.id == outcome.id]
        if not cells:
            continue
        lines.append(ResultsTableRow(section=f"{outcome.label} meta-analyses"))
        previous = None
        for c in cells:
            r = c.result
            grade = appraisal.for_cell(c).grade if appraisal is not None else None
            lines.append(
                ResultsTableRow(
                    control=c.comparator.label if c.comparator.id != previous else "",
                    timepoint=c.window.label,
                    effect=format_effect(c.measure, r.estimate, r.ci_low, r.ci_high, r.pvalue),
                    interpretation=c.interpretation,
                    certainty=f"{grade.symbol} {grade.label}" if grade is not None else "",
                )
            )
            previous = c.comparator.id
    return lines


def table_rows(lines: list[ResultsTableRow]) -> tuple[tuple[str, ...], list[tuple | str]]:
    """The header and the rows (a section's title as a string, else a tuple of cells); the
    certainty column is there when any line has a certainty."""
    certainty = any(line.certainty for line in lines)
    header = (*HEADER, CERTAINTY_HEADER) if certainty else HEADER
    rows: list[tuple | str] = []
    for line in lines:
        if line.is_section:
            rows.append(line.section)
        else:
            cells = (line.control, line.timepoint, line.effect, line.interpretation)
            rows.append((*cells, line.certainty) if certainty else cells)
    return header, rows


def to_markdown(lines: list[ResultsTableRow]) -> str:
    header, rows = table_rows(lines)
    blank = " |" * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if isinstance(row, str):
            out.append(f"| **{row}** |{blank}")
        else:
            out.append("| " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def to_html(lines: list[ResultsTableRow], caption: str = "") -> str:
    esc = html.escape
    header, rows = table_rows(lines)
    out = ['<table class="results-table">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        if isinstance(row, str):
            out.append(f'<tr class="section"><th colspan="{len(header)}">{esc(row)}</th></tr>')
        else:
            out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out) + "\n"


def to_csv(lines: list[ResultsTableRow]) -> str:
    header, rows = table_rows(lines)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow((row,) + ("",) * (len(header) - 1) if isinstance(row, str) else row)
    return buf.getvalue()
