"""Printing results with rich. Formatting only: every number comes from the result objects."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

__all__ = [
    "fmt",
    "fmt_p",
    "level_label",
    "print_error",
    "print_result",
    "print_subgroup_test",
    "print_warnings",
    "study_table",
]


def fmt(x: float, digits: int = 4) -> str:
    """A number with ``digits`` decimals, as metafor prints them (``NA`` when missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{x:.{digits}f}"


def fmt_p(p: float) -> str:
    """A p-value as metafor prints it: ``<.0001`` below 1e-4, else four decimals."""
    if p is None or math.isnan(p):
        return "NA"
    if p < 1e-4:
        return "<.0001"
    return f"{p:.4f}"


def level_label(level: float) -> str:
    """``95`` or ``0.95`` -> ``"95%"``."""
    pct = level * 100 if level < 1 else level
    return f"{pct:g}%"


def print_summary(console: Console, text: str) -> None:
    """Print metafor-like summary text verbatim: no markup, no highlighting, no re-wrapping."""
    console.print(Text(text.strip("\n")), soft_wrap=True, markup=False, highlight=False)


def study_table(res, level: float, pooled_label: str) -> Table:
    """Per-study rows (study, estimate, CI, weight %) plus the pooled row, from ``res``."""
    frame = res.summary_frame()
    k = int(res.k)
    studies = frame.iloc[:k]
    table = Table(show_edge=True, header_style="bold", pad_edge=True)
    table.add_column("Study", overflow="fold")
    table.add_column("Estimate", justify="right", no_wrap=True)
    table.add_column(f"{level_label(level)} CI", justify="right", no_wrap=True)
    table.add_column("Weight (%)", justify="right", no_wrap=True)
    weights = list(res.weights)
    for i, row in enumerate(studies.itertuples(index=False)):
        table.add_row(
            str(row.study),
            fmt(row.yi),
            f"[{fmt(row.ci_low)}, {fmt(row.ci_high)}]",
            fmt(weights[i], 2),
            end_section=i == k - 1,
        )
    table.add_row(
        pooled_label,
        fmt(res.estimate),
        f"[{fmt(res.ci_low)}, {fmt(res.ci_high)}]",
        fmt(100.0, 2),
        style="bold",
    )
    return table


def print_result(
    console: Console,
    res,
    *,
    title: str,
    level: float,
    pooled_label: str,
    notes: Sequence[str] = (),
) -> None:
    """The summary text of one analysis, then its per-study table."""
    console.print(Rule(Text(title, style="bold"), align="left"))
    for note in notes:
        console.print(Text(note, style="dim"), soft_wrap=True)
    console.print()
    print_summary(console, res.summary())
    console.print()
    console.print(study_table(res, level, pooled_label))
    console.print()


def print_subgroup_test(console: Console, sub, group_column: str) -> None:
    """The subgroup overview (``sub.summary()``) and the test for subgroup differences."""
    title = f"Subgroups by {group_column}: test for subgroup differences"
    console.print(Rule(Text(title, style="bold"), align="left"))
    console.print()
    print_summary(console, sub.summary())
    console.print()
    line = (
        f"Q_between = {fmt(sub.q_between)}, df = {int(sub.q_between_df)}, "
        f"p = {fmt_p(sub.q_between_pvalue)}"
    )
    console.print(Text(line, style="bold"), soft_wrap=True, markup=False, highlight=False)
    console.print()


def print_warnings(console: Console, messages: Sequence[str]) -> None:
    for message in messages:
        console.print(
            Text.assemble(("Warning: ", "bold yellow"), message),
            soft_wrap=True,
            highlight=False,
        )


def print_error(console: Console, message: str) -> None:
    console.print(Text.assemble(("Error: ", "bold red"), message), soft_wrap=True, highlight=False)
