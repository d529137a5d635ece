"""Figures, tables and the report, drawn from in-memory results.

The report layer never computes statistics: every number it prints or draws comes from an
:mod:`evsynth.stats` result object. Figures are :class:`matplotlib.figure.Figure` objects
built without pyplot (no global state), ready for :func:`save_figure`.
"""

from evsynth.report._figures import save_figure
from evsynth.report._forest import forest_plot
from evsynth.report._funnel import funnel_plot
from evsynth.report._report import methods_text, write_report
from evsynth.report._summary_forest import summary_forest_plot
from evsynth.report._tables import (
    ResultsTableRow,
    format_effect,
    format_p,
    results_table,
    to_csv,
    to_html,
    to_markdown,
)

__all__ = [
    "write_report",
    "methods_text",
    "forest_plot",
    "summary_forest_plot",
    "funnel_plot",
    "save_figure",
    "results_table",
    "ResultsTableRow",
    "format_effect",
    "format_p",
    "to_csv",
    "to_html",
    "to_markdown",
]
