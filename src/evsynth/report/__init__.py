"""Figures, tables and the report, drawn from in-memory results.

The report layer never computes statistics: every number it prints or draws comes from an
:mod:`evsynth.stats` result object. Figures are :class:`matplotlib.figure.Figure` objects
built without pyplot (no global state), ready for :func:`save_figure`.
"""

from evsynth.report._effect_direction import EffectDirectionRow, effect_direction_plot
from evsynth.report._figures import save_figure
from evsynth.report._forest import forest_plot
from evsynth.report._funnel import funnel_plot
from evsynth.report._prisma import prisma_flow_diagram
from evsynth.report._recall_plot import recall_curve_figure
from evsynth.report._report import methods_text, write_report
from evsynth.report._rob_plots import judgement_shares, summary_plot, traffic_light_plot
from evsynth.report._sof import (
    evidence_profile,
    profile_to_csv,
    profile_to_html,
    sof_tables,
    sof_to_csv,
    sof_to_html,
    write_profile_docx,
    write_sof_docx,
)
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
    "prisma_flow_diagram",
    "recall_curve_figure",
    "traffic_light_plot",
    "summary_plot",
    "judgement_shares",
    "effect_direction_plot",
    "EffectDirectionRow",
    "sof_tables",
    "evidence_profile",
    "sof_to_html",
    "sof_to_csv",
    "profile_to_html",
    "profile_to_csv",
    "write_sof_docx",
    "write_profile_docx",
    "save_figure",
    "results_table",
    "ResultsTableRow",
    "format_effect",
    "format_p",
    "to_csv",
    "to_html",
    "to_markdown",
]
