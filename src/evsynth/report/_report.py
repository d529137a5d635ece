"""The review report: one self-contained HTML page plus the figures and tables as files.

``write_report(synthesis, out_dir)`` writes

- ``index.html``: methods text generated from the protocol, the results table (the seed's
  Table 1 layout), and per pooled cell its forest plot (inline SVG) and its studies'
  data-preparation trail; cells that could not be pooled are listed with the reason;
- ``figures/``: every figure as SVG and PNG (``summary-forest``: every pooled analysis;
  ``forest-<outcome>-<comparator>-<window>``; ``funnel-...`` for cells with ten or more
  studies);
- ``tables/``: ``results.csv`` (one row per pooled cell: outcome, comparator, timepoint,
  measure, k, n, estimate, ci_low, ci_high, pvalue, tau2, i2, interpretation), and the
  results table as Markdown, HTML, CSV and Word (.docx) in the seed's layout (with the
  review: the characteristics of included studies as CSV and .docx).

Nothing here computes a statistic: every number comes from the synthesis result (or, for
Egger's test on a funnel plot, from :func:`evsynth.stats.egger_test`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import jinja2

import evsynth.stats as st
from evsynth.report._appraisal_report import (
    appraisal_methods_text,
    cell_appraisal,
    rob_section,
    swim_section,
)
from evsynth.report._characteristics import (
    COLUMNS,
    characteristics_csv,
    characteristics_html,
    characteristics_rows,
    study_summary,
)
from evsynth.report._docx import write_docx_table
from evsynth.report._figures import FigureWriter
from evsynth.report._forest import forest_plot
from evsynth.report._funnel import funnel_plot
from evsynth.report._pdf import write_pdf
from evsynth.report._selection import selection_section
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
    format_p,
    results_table,
    table_rows,
    to_csv,
    to_html,
    to_markdown,
)
from evsynth.review import PrismaCounts

__all__ = ["methods_text", "write_report"]

#: funnel plots (and Egger's test) are drawn for cells with at least this many studies
MIN_STUDIES_FUNNEL = 10

_MEASURE_LABELS = {"MD": "Mean difference", "SMD": "Std. mean difference"}
_METHOD_NAMES = {
    "FE": "a common-effect (fixed-effect)",
    "DL": "a random-effects (DerSimonian-Laird)",
    "REML": "a random-effects (restricted maximum likelihood)",
    "ML": "a random-effects (maximum likelihood)",
    "PM": "a random-effects (Paule-Mandel)",
    "EB": "a random-effects (empirical Bayes)",
    "HE": "a random-effects (Hedges)",
    "SJ": "a random-effects (Sidik-Jonkman)",
    "HS": "a random-effects (Hunter-Schmidt)",
}


def methods_text(protocol) -> str:
    """A methods paragraph generated from the protocol's analysis settings."""
    a = protocol.analysis
    method = "FE" if a.model == "fixed" else a.method
    windows = "; ".join(
        f"{w.label.lower()} ({w.start_week:g}-{w.end_week:g} weeks)" for w in protocol.timepoints
    )
    test = (
        "Hartung-Knapp-Sidik-Jonkman confidence intervals (t distribution, k - 1 df)"
        if a.test == "hksj"
        else "Wald-type (normal) confidence intervals"
    )
    smd = (
        "Hedges' g with the exact small-sample correction"
        if a.smd_variant == "hedges"
        else "the RevMan 5 formula for Hedges' g"
    )
    pieces = [
        f"Results were pooled by comparator and timepoint window ({windows}) with "
        f"{_METHOD_NAMES[method]} inverse-variance model and {test} at the "
        f"{100 * a.level:g}% level.",
        "Mean differences (MD) were used where every study measured an outcome on one scale "
        f"(after linear rescaling to a common range), standardised mean differences (SMD; {smd}) "
        "otherwise.",
        "Where a study reported several timepoints within one window, the one closest to the "
        "window's middle was used. Standard deviations were obtained from standard errors or "
        "confidence intervals (Cochrane Handbook 6.5.2) and, for medians, from the "
        "interquartile range or range (Luo 2018; Wan 2014); shared control groups of "
        "multi-arm trials were split; cluster trials were adjusted with the design effect.",
        "Heterogeneity is reported as tau², Cochran's Q and I²"
        + (
            "; prediction intervals are shown for random-effects analyses."
            if a.prediction_interval
            else "."
        ),
        "An effect is marked as favouring one arm when its 95% confidence interval excludes "
        "no difference.",
    ]
    return " ".join(pieces)


def _slug(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").lower() for p in parts)


def _moderator_label(protocol, column: str) -> str:
    return next((m.label for m in protocol.moderators if m.column == column), column)


def _moderator_lines(cell, protocol) -> list[str]:
    """One sentence per moderator: the subgroup estimates and the test for differences, the
    meta-regression slope, or why the analysis was not run."""
    out = []
    label = lambda column: _moderator_label(protocol, column)  # noqa: E731
    for column, sg in cell.subgroups.items():
        groups = "; ".join(
            f"{name}: {g.estimate:.2f} [{g.ci_low:.2f}, {g.ci_high:.2f}] (k = {g.k})"
            for name, g in sg.groups.items()
        )
        out.append(
            f"{label(column)}: {groups}. Test for subgroup differences: Chi² = {sg.q_between:.2f}, "
            f"df = {sg.q_between_df}, {format_p(sg.q_between_pvalue)}, "
            f"I² = {sg.i2_between:.0f}%"
        )
    for column, mr in cell.meta_regressions.items():
        out.append(
            f"{label(column)}: slope {mr.coef[1]:.3f} [{mr.ci_low[1]:.3f}, "
            f"{mr.ci_high[1]:.3f}] per unit, {format_p(mr.pvalue[1])}; R² = {mr.r2:.0f}%"
        )
    for column, note in cell.moderator_notes.items():
        out.append(f"{label(column)}: {note}")
    return out


def _study_data(cell):
    """Arm-level columns for the forest plot, or None when any study gives a contrast (the
    plot then shows each study's estimate and SE from the fit)."""
    if any(r.is_contrast for r in cell.rows):
        return None
    fields = ("m1", "sd1", "n1", "m2", "sd2", "n2")
    return [
        {"study": label, **{f: getattr(r, f) for f in fields}}
        for label, r in zip(cell.labels, cell.rows, strict=True)
    ]


_TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; margin: 2rem auto;
       max-width: 1200px; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
.banner { background: #fff4d6; border: 1px solid #e0b84c; padding: .6rem 1rem; }
table.results-table { border-collapse: collapse; margin: 1rem 0; }
table.results-table th, table.results-table td { padding: .25rem .8rem; text-align: left;
       border-bottom: 1px solid #e3e3e3; }
table.results-table tr.section th { background: #f2f2f2; }
table.sof-table, table.evidence-profile { border-collapse: collapse; margin: 1rem 0;
       font-size: .92rem; }
table.sof-table th, table.sof-table td, table.evidence-profile th, table.evidence-profile td {
       padding: .3rem .6rem; border: 1px solid #d9d9d9; vertical-align: top; text-align: left; }
table.sof-table caption, table.evidence-profile caption { text-align: left; font-weight: bold;
       padding: .3rem 0; }
ul.sof-footnotes, ul.profile-footnotes { font-size: .88rem; color: #444; }
figure { margin: 1rem 0 2rem; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
details { margin: .5rem 0 1.5rem; } .muted { color: #666; }
</style></head><body>
<h1>{{ title }}</h1>
{% if banner %}<p class="banner">{{ banner }}</p>{% endif %}
{% if question %}<p><strong>Question.</strong> {{ question }}</p>{% endif %}
<h2>Methods</h2><p>{{ methods }}</p>
{% if appraisal_methods %}<p>{{ appraisal_methods }}</p>{% endif %}
{% if selection %}<h2 id="study-selection">Study selection</h2>
{% if selection.text %}<p>{{ selection.text }}</p>{% endif %}
<figure>{{ selection.svg | safe }}</figure>
<p class="muted">Counts as a file: tables/prisma.csv. Figure: figures/prisma-flow-diagram.svg,
.png.</p>{% endif %}
{% if studies %}<h2>Included studies</h2><ul>
{% for s in studies.summary %}<li>{{ s }}</li>{% endfor %}</ul>
{{ studies.table | safe }}{% endif %}
{% if rob %}<h2 id="risk-of-bias">Risk of bias</h2>
{% for svg in rob.svgs %}<figure>{{ svg | safe }}</figure>{% endfor %}
{% if rob.overrides %}<p><strong>Judgements changed by the reviewers.</strong></p><ul>
{% for o in rob.overrides %}<li>{{ o }}</li>{% endfor %}</ul>{% endif %}
<p class="muted">Every judgement, with the algorithm's proposal: tables/risk-of-bias.csv.</p>
{% endif %}
<h2>Results</h2>
{{ table | safe }}
{% if summary_svg %}<figure>{{ summary_svg | safe }}</figure>{% endif %}
<p class="muted">Tables as files: tables/results.csv (one row per analysis),
tables/results-table.md, .html, .csv, .docx.</p>
{% if sof_html %}<h2 id="summary-of-findings">Summary of findings (GRADE)</h2>
{{ sof_html | safe }}
<details><summary>GRADE evidence profile (every analysis, every domain)</summary>
{{ profile_html | safe }}</details>
<p class="muted">As files: tables/summary-of-findings.html, .csv, .docx;
tables/evidence-profile.html, .csv, .docx.</p>{% endif %}
{% for cell in cells %}
<h3 id="{{ cell.slug }}">{{ cell.title }}</h3>
<figure>{{ cell.svg | safe }}</figure>
{% if cell.funnel %}<figure>{{ cell.funnel | safe }}</figure>{% endif %}
{% if cell.appraisal %}{% set a = cell.appraisal %}
{% if a.certainty %}<p><strong>Certainty of the evidence (GRADE): {{ a.certainty }}.</strong>
{{ a.statement }}</p><ul>
{% for g in a.grade %}<li>{{ g }}</li>{% endfor %}</ul>{% endif %}
<p>{{ a.sensitivity }}</p>
{% if a.rob_svg %}<figure>{{ a.rob_svg | safe }}</figure>{% endif %}
{% endif %}
{% if cell.moderators %}<p><strong>Moderator analyses.</strong></p><ul>
{% for m in cell.moderators %}<li>{{ m }}</li>{% endfor %}</ul>{% endif %}
{% for svg in cell.subgroup_svgs %}<figure>{{ svg | safe }}</figure>{% endfor %}
<details><summary>Data preparation ({{ cell.k }} studies)</summary><ul>
{% for study, steps in cell.trail %}<li><strong>{{ study }}</strong><ul>
{% for s in steps %}<li>{{ s }}</li>{% endfor %}</ul></li>{% endfor %}
</ul></details>
{% endfor %}
{% if swim %}<h2 id="swim">Synthesis without meta-analysis (SWiM)</h2>
<ol>{% for n, name, text in swim.reporting_items %}<li><strong>{{ name }}.</strong> {{ text }}</li>
{% endfor %}</ol>
{% for svg in swim.svgs %}<figure>{{ svg | safe }}</figure>{% endfor %}
<ul>{% for line in swim.lines %}<li>{{ line }}</li>{% endfor %}</ul>
{% elif unpooled %}<h2>Not pooled</h2><ul>
{% for u in unpooled %}<li>{{ u }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""
)


def write_report(
    synthesis,
    out_dir,
    *,
    review=None,
    appraisal=None,
    banner: str | None = None,
    prisma: PrismaCounts | None = None,
    pdf: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the report of a synthesis into ``out_dir`` and return the path of index.html.

    Parameters
    ----------
    synthesis : SynthesisResult
        From :func:`evsynth.synthesise`.
    out_dir : path-like
        The report folder (created; files in it are overwritten).
    review : Review, optional
        The loaded review; when given, the report describes the included studies (summary
        numbers and the characteristics table, also as tables/characteristics.csv).
    appraisal : Appraisal, optional
        From :func:`evsynth.appraise`: adds the risk-of-bias section (traffic-light and
        summary plots), risk-of-bias columns on the forest plots, GRADE certainty beside each
        result with every domain's rating and reason, the sensitivity analysis without
        studies at high risk of bias, and the synthesis without meta-analysis (SWiM).
    prisma : PrismaCounts, optional
        The counts of the search and selection (:func:`evsynth.screening.prisma_counts`):
        adds the study-selection section with the PRISMA 2020 flow diagram (also as
        figures/prisma-flow-diagram.svg/.png and tables/prisma.csv).
    banner : str, optional
        A notice shown at the top of the page; default: the protocol's ``notice``
        (``[review] notice = "..."`` in review.toml, e.g. that the data are synthetic).
    pdf : bool
        Also write ``report.pdf``: the methods and results table, then every forest plot.
    progress : callable, optional
        Called with a short description after each step (the CLI drives a progress bar).
    """
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    step = progress or (lambda _msg: None)
    protocol = synthesis.protocol

    if appraisal is not None and review is None:
        review = appraisal.review
    lines = results_table(synthesis, appraisal)
    (out / "tables" / "results-table.md").write_text(to_markdown(lines), encoding="utf-8")
    (out / "tables" / "results-table.html").write_text(to_html(lines), encoding="utf-8")
    (out / "tables" / "results-table.csv").write_text(to_csv(lines), encoding="utf-8")
    frame = synthesis.results_frame()
    if appraisal is not None:
        frame["certainty"] = [appraisal.for_cell(c).grade.certainty for c in synthesis.pooled_cells]
    frame.to_csv(out / "tables" / "results.csv", index=False)
    write_docx_table(
        out / "tables" / "results-table.docx",
        "Table 1. Summary of meta-analysis results",
        *table_rows(lines),
    )
    sof_html = profile_html = None
    if appraisal is not None:
        sof = sof_tables(appraisal)
        profile = evidence_profile(appraisal)
        sof_html = sof_to_html(sof)
        profile_html = profile_to_html(profile)
        tables = out / "tables"
        (tables / "summary-of-findings.html").write_text(sof_html, encoding="utf-8")
        (tables / "summary-of-findings.csv").write_text(sof_to_csv(sof), encoding="utf-8")
        write_sof_docx(tables / "summary-of-findings.docx", sof)
        (tables / "evidence-profile.html").write_text(profile_html, encoding="utf-8")
        (tables / "evidence-profile.csv").write_text(profile_to_csv(profile), encoding="utf-8")
        write_profile_docx(tables / "evidence-profile.docx", profile)
    studies = None
    if review is not None:
        (out / "tables" / "characteristics.csv").write_text(
            characteristics_csv(review), encoding="utf-8"
        )
        write_docx_table(
            out / "tables" / "characteristics.docx",
            "Characteristics of included studies",
            [title for _attr, title in COLUMNS],
            characteristics_rows(review),
        )
        studies = {
            "summary": study_summary(review).sentences(),
            "table": characteristics_html(review),
        }
    step("tables")

    summary_svg = None
    with FigureWriter(out / "figures", keep=pdf, progress=step) as writer:
        rob = swim = selection = None
        if prisma is not None:
            selection = selection_section(prisma, protocol, out, writer)
            step("PRISMA flow diagram")
        if appraisal is not None:
            rob = rob_section(appraisal, out, writer)
            step("risk of bias")
        if synthesis.pooled_cells:
            summary = summary_forest_plot(synthesis)
            summary_svg = writer.add(summary, "summary-forest", "s")
        # the RoB summary weighted by a meta-analysis' weights: for each outcome's largest analysis
        largest = {
            max((c for c in synthesis.pooled_cells if c.outcome.id == o.id), key=lambda c: c.k)
            for o in protocol.outcomes
            if any(c.outcome.id == o.id for c in synthesis.pooled_cells)
        }
        cells = []
        for i, cell in enumerate(synthesis.pooled_cells):
            slug = _slug(cell.outcome.id, cell.comparator.id, cell.window.id)
            lower = cell.outcome.direction == "lower_is_better"
            forest_title = (
                f"{cell.outcome.label}: {protocol.intervention_label} vs "
                f"{cell.comparator.label.lower()}, {cell.window.label.lower()}"
            )
            forest_options = dict(
                study_data=_study_data(cell),
                measure_label=_MEASURE_LABELS.get(cell.measure, cell.measure),
                favours=(protocol.intervention_label, "control"),
                lower_is_better=lower,
                mcid=cell.mcid,
                show_prediction_interval=protocol.analysis.prediction_interval,
            )
            extra = {}
            if appraisal is not None:
                extra = cell_appraisal(
                    appraisal.for_cell(cell), writer, slug, f"c{i}", weighted_rob=cell in largest
                )
                forest_options |= extra["forest_rob"]
            fig = forest_plot(cell.result, title=forest_title, **forest_options)
            forest_svg = writer.add(fig, f"forest-{slug}", f"c{i}")
            subgroup_svgs = []
            for column, analysis in cell.subgroups.items():
                label = _moderator_label(protocol, column)
                sub = forest_plot(analysis, title=f"{forest_title}: by {label}", **forest_options)
                subgroup_svgs.append(
                    writer.add(sub, f"forest-{slug}-by-{column}", f"c{i}{_slug(column)}")
                )
            funnel_svg = None
            if cell.k >= MIN_STUDIES_FUNNEL:
                funnel = funnel_plot(
                    cell.result,
                    egger=st.egger_test(cell.result),
                    measure_label=_MEASURE_LABELS.get(cell.measure, cell.measure),
                )
                funnel_svg = writer.add(funnel, f"funnel-{slug}", f"f{i}")
            cells.append(
                {
                    "slug": slug,
                    "title": f"{cell.outcome.label} vs {cell.comparator.label.lower()}, "
                    f"{cell.window.label.lower()}",
                    "svg": forest_svg,
                    "funnel": funnel_svg,
                    "k": cell.k,
                    "moderators": _moderator_lines(cell, protocol),
                    "subgroup_svgs": subgroup_svgs,
                    "appraisal": extra,
                    "trail": [
                        (label, r.steps) for label, r in zip(cell.labels, cell.rows, strict=True)
                    ],
                }
            )
            step(f"forest plot {i + 1} of {len(synthesis.pooled_cells)}")

        if appraisal is not None:
            swim = swim_section(appraisal, writer)
            step("synthesis without meta-analysis")
        unpooled = [
            f"{c.outcome.label} vs {c.comparator.label.lower()}, {c.window.label.lower()}: "
            f"{c.pooled_reason} (k = {c.k})"
            for c in synthesis.unpooled_cells
        ]
        page = _TEMPLATE.render(
            title=protocol.title,
            banner=banner if banner is not None else protocol.notice,
            question=protocol.question,
            methods=methods_text(protocol),
            appraisal_methods=appraisal_methods_text(protocol) if appraisal is not None else "",
            rob=rob,
            swim=swim,
            selection=selection,
            studies=studies,
            table=to_html(lines, caption="Summary of meta-analysis results"),
            sof_html=sof_html,
            profile_html=profile_html,
            summary_svg=summary_svg,
            cells=cells,
            unpooled=unpooled,
        )
        page = writer.fill(page)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    if pdf:
        notice = banner if banner is not None else protocol.notice
        paragraphs = [p for p in (notice, protocol.question, methods_text(protocol)) if p]
        write_pdf(out / "report.pdf", protocol.title, paragraphs, lines, writer.figures)
    step("index.html")
    return index
