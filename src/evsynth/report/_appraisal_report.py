"""The appraisal parts of the report: risk of bias, GRADE per result, and the synthesis
without meta-analysis (SWiM). Each function writes its figures and returns what the page
template shows; nothing here computes a statistic (the numbers come from the
:class:`~evsynth.appraisal.Appraisal`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evsynth.appraisal import DOMAIN_TITLES, SWIM_ITEMS, UPGRADE_DOMAINS
from evsynth.report._effect_direction import EffectDirectionRow, effect_direction_plot
from evsynth.report._rob_plots import summary_plot, traffic_light_plot
from evsynth.report._tables import format_effect

__all__ = [
    "appraisal_methods_text",
    "cell_appraisal",
    "forest_risk_of_bias",
    "rob_section",
    "swim_section",
]


def appraisal_methods_text(protocol) -> str:
    """Methods sentences for risk of bias, GRADE and SWiM, from the protocol's settings."""
    g = protocol.grade
    imprecision = (
        f"the total number of participants below an optimal information size of "
        f"{g.optimal_information_size}"
        if g.imprecision_rule == "ois"
        else "fewer than 200 participants (one level) or 100 (two levels; Pollock 2016)"
    )
    return (
        "Risk of bias was assessed with RoB 2 (and ROBINS-I for non-randomised studies); "
        "domain judgements follow the tools' published algorithms from the signalling "
        "answers, and any judgement a reviewer changed is shown with the reason. A "
        "sensitivity analysis excludes the studies at high overall risk of bias. The "
        "certainty of each pooled result was rated with GRADE: evsynth suggests each domain "
        f"from explicit rules (risk of bias: less than {100 * g.rob_low_weight_min:.0f}% of "
        "the weight from studies at low risk is serious, "
        f"{100 * g.rob_high_weight_very_serious:.0f}% or more at high risk very serious; "
        f"inconsistency: I² above {g.i2_serious:g}%, or from {g.i2_moderate:g}% with study "
        "results on both sides of the null; imprecision: a confidence interval that includes "
        f"the null or crosses the MCID, or {imprecision}; publication bias: Egger's test "
        f"(p < {g.egger_alpha:g}) with {g.publication_bias_min_studies} or more studies) and "
        "the reviewers confirmed or overrode each with a reason (indirectness is the "
        "reviewers' judgement). Outcomes not pooled, and results from a single study, were "
        "synthesised without meta-analysis by direction of effect with a sign test (SWiM)."
    )


def _tool_groups(pairs):
    groups: dict[str, list] = {}
    for label, a in pairs:
        groups.setdefault(a.figure_tool, []).append((label, a))
    return groups


def rob_section(appraisal, out: Path, writer) -> dict | None:
    """Traffic-light and summary plots of the study-level assessments (one pair per tool),
    the reviewers' overrides, and ``tables/risk-of-bias.csv``."""
    if not appraisal.risk_of_bias:
        return None
    studies = appraisal.review.studies
    svgs = []
    for tool, pairs in _tool_groups(appraisal.study_level()).items():
        suffix = "" if tool == "rob2" else f"-{tool}"
        judgements = [(label, a.judgements) for label, a in pairs]
        name = "RoB 2" if tool == "rob2" else "ROBINS-I"
        for kind, fig in (
            (
                "traffic-light",
                traffic_light_plot(judgements, tool=tool, title=f"Risk of bias ({name})"),
            ),
            ("summary", summary_plot(judgements, tool=tool)),
        ):
            svgs.append(writer.add(fig, f"rob-{kind}{suffix}", f"rob{kind}{suffix}"))
    overrides = []
    for a in appraisal.risk_of_bias:
        for domain in a.overridden:
            where = f" ({a.outcome_id})" if a.outcome_id else ""
            mine = a.overall if domain == "Overall" else a.domains[domain]
            overrides.append(
                f"{studies[a.study_id].label}{where}, {domain}: judged {mine} by the reviewers "
                f"(the algorithm proposed {a.proposed[domain]}): {a.reason}"
            )
    (out / "tables" / "risk-of-bias.csv").write_text(_rob_csv(appraisal), encoding="utf-8")
    return {"svgs": svgs, "overrides": overrides}


def _rob_csv(appraisal) -> str:
    domains = list(dict.fromkeys(d for a in appraisal.risk_of_bias for d in a.domains))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["study", "outcome_id", "tool", *domains, "overall", "proposed_overall", "overridden",
         "reason"]
    )  # fmt: skip
    for a in appraisal.risk_of_bias:
        writer.writerow(
            [
                appraisal.review.studies[a.study_id].label,
                a.outcome_id or "",
                a.tool,
                *(a.domains.get(d, "") for d in domains),
                a.overall,
                a.proposed.get("Overall", ""),
                " ".join(a.overridden),
                a.reason or "",
            ]
        )
    return buf.getvalue()


def forest_risk_of_bias(cell_appraisal) -> tuple[dict | None, str]:
    """The forest plot's risk-of-bias columns for a cell: {study label: judgements} of the
    cell's most common tool, and that tool."""
    rows = [(label, a) for label, a in zip(cell_appraisal.cell.labels, cell_appraisal.rob,
                                           strict=True) if a is not None]  # fmt: skip
    if not rows:
        return None, "rob2"
    tools = [a.figure_tool for _, a in rows]
    tool = max(set(tools), key=tools.count)
    return {label: a.judgements for label, a in rows if a.figure_tool == tool}, tool


def cell_appraisal(
    cell_appraisal, writer, slug: str, prefix: str, weighted_rob: bool = False
) -> dict:
    """A pooled cell's GRADE ratings, its certainty, the sensitivity analysis without
    high-RoB studies, the forest plot's risk-of-bias columns (``forest_rob``) and, with
    ``weighted_rob``, its RoB summary plot weighted by the meta-analysis weights."""
    ca = cell_appraisal
    cell, grade = ca.cell, ca.grade
    out_dict: dict = {"grade": [], "certainty": "", "statement": ca.statement}
    if grade is not None:
        out_dict["certainty"] = f"{grade.symbol} {grade.label}"
        for domain, rating in grade.domains.items():
            if domain in UPGRADE_DOMAINS and rating.levels == 0:
                continue
            source = {"reviewer": " (reviewers' decision)", "rule": ""}.get(rating.source, "")
            reason = rating.reason[:1].upper() + rating.reason[1:]
            out_dict["grade"].append(f"{DOMAIN_TITLES[domain]}: {rating.label}{source}. {reason}.")
    res = ca.sensitivity_low_rob
    if res is not None:
        out_dict["sensitivity"] = (
            f"Excluding studies at high risk of bias ({ca.sensitivity_note}): "
            + format_effect(cell.measure, res.estimate, res.ci_low, res.ci_high, res.pvalue)
            + f", k = {res.k}"
        )
    else:
        out_dict["sensitivity"] = (
            f"Sensitivity analysis excluding studies at high risk of bias: {ca.sensitivity_note}"
        )
    judgements, tool = forest_risk_of_bias(ca)
    # the forest plot's risk-of-bias columns (keyword arguments of forest_plot)
    out_dict["forest_rob"] = {"risk_of_bias": judgements, "rob_tool": tool} if judgements else {}
    out_dict["rob_svg"] = None
    if judgements and weighted_rob:
        weights = dict(zip(cell.labels, cell.result.weights, strict=True))
        fig = summary_plot(
            list(judgements.items()),
            tool=tool,
            weights={label: weights[label] for label in judgements},
            title=f"Risk of bias weighted by this analysis's weights (k = {cell.k})",
        )
        out_dict["rob_svg"] = writer.add(fig, f"rob-summary-{slug}", f"{prefix}rob")
    return out_dict


_SWIM_TEXT = {
    1: "Studies are grouped as in the meta-analyses (outcome, comparator category, timepoint "
    "window). Outcomes the protocol does not pool, and results from a single study, are "
    "synthesised here: {unpooled}.",
    2: "The direction of each study's effect (intervention minus control, read with the "
    "outcome's direction); a study with several estimates in an outcome takes the direction "
    "shared by at least 70% of them, else 'mixed' (Boon & Thomson 2021).",
    3: "Vote counting on the direction of effect with a two-sided exact sign test (binomial, "
    "p = 0.5; mixed studies excluded). Statistical significance is not counted.",
    4: "Every eligible result contributes; the plots show each study's risk of bias and "
    "sample size beside its direction.",
    5: "Separately for each comparator category; the studies are too few to explore "
    "heterogeneity further.",
    6: "Risk of bias is shown per study; GRADE's pooled-result rules are not applied to "
    "these results.",
    7: "Effect-direction plots (one per comparator) and the list of results below.",
    8: "Each plot's last row gives the sign test per outcome; each result is listed with its "
    "studies' directions.",
    9: "Direction ignores the size and precision of effects; the sign test has little power "
    "with few studies.",
}


def swim_section(appraisal, writer) -> dict | None:
    """The SWiM section: the nine reporting items, one effect-direction plot per comparator
    and one line per unpooled result."""
    if not appraisal.swim:
        return None
    review = appraisal.review
    by_label = {s.label: s for s in review.studies.values()}
    study_rob = {label: a.overall for label, a in appraisal.study_level()}
    intervention = review.protocol.intervention_label
    unpooled = sorted({c.cell.outcome.label for g in appraisal.swim for c in g.cells})
    items = [
        (n, name, _SWIM_TEXT[n].format(unpooled=", ".join(unpooled))) for n, name, _ in SWIM_ITEMS
    ]
    svgs, lines = [], []
    for j, group in enumerate(appraisal.swim):
        rows = [
            EffectDirectionRow(
                study=label,
                design=by_label[label].design if label in by_label else None,
                sample_size=by_label[label].n_randomised if label in by_label else None,
                rob=study_rob.get(label),
                cells=cells,
            )
            for label, cells in group.directions.items()
        ]
        fig = effect_direction_plot(
            rows,
            list(group.outcomes),
            sign_tests=group.sign_tests,
            title=f"Direction of effect: {intervention} vs {group.comparator_label.lower()}",
        )
        slug = group.comparator_label.lower().replace(" ", "-")
        svgs.append(writer.add(fig, f"effect-direction-{slug}", f"edp{j}"))
        for ca in group.cells:
            c = ca.cell
            studies = ", ".join(
                f"{label} {direction}" for label, direction in zip(c.labels, ca.directions,
                                                                   strict=True)
            )  # fmt: skip
            lines.append(
                f"{c.outcome.label} vs {c.comparator.label.lower()}, {c.window.label.lower()} "
                f"({c.pooled_reason}): {studies}. {ca.sign_test.summary()}"
            )
    return {"reporting_items": items, "svgs": svgs, "lines": lines}
