"""Appraise a synthesised review: risk of bias per study, GRADE per pooled cell, SWiM for the
cells that are not pooled, and the sensitivity analysis without studies at high risk of bias.

``appraise(review, synthesis)`` runs the RoB algorithms on rob.csv's answers (a reviewer's
judgement overrides the algorithm's only with a reason), suggests GRADE ratings for every
pooled cell from the protocol's ``[grade]`` thresholds, applies grade.csv's decisions, and
describes the unpooled cells by direction of effect with a sign test. Every number comes
from :mod:`evsynth.stats`; every problem in rob.csv is reported at once as a
:class:`~evsynth.review.ReviewError`, naming the file, the line and the question or domain.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import evsynth.stats as st
from evsynth.appraisal._grade import (
    GradeAssessment,
    GradeDecision,
    GradeEvidence,
    GradeSuggestion,
    assess_certainty,
    plain_language,
    suggest_grade,
)
from evsynth.appraisal._rob2 import Rob2AnswerError, Rob2JudgementError, rob2, rob2_from_judgements
from evsynth.appraisal._robins_i import RobinsIJudgementError, robins_i
from evsynth.appraisal._swim import SignTestResult, effect_direction, sign_test
from evsynth.review import Problem, Review, ReviewError, SynthesisCell, SynthesisResult

__all__ = ["Appraisal", "CellAppraisal", "RobAssessment", "SwimGroup", "appraise"]

_VARIANTS = {"rob2": "individual", "rob2_cluster": "cluster", "rob2_crossover": "crossover"}
_HIGH = frozenset({"high", "serious", "critical"})
_TOOL_NAMES = {
    "rob2": "RoB 2",
    "rob2_cluster": "RoB 2 for cluster trials",
    "rob2_crossover": "RoB 2 for crossover trials",
    "robins_i": "ROBINS-I",
}
_FILE = "rob.csv"


@dataclass(frozen=True)
class RobAssessment:
    """The risk of bias of one study (for all its outcomes, or for one outcome).

    ``proposed`` is what the algorithm gives ("Overall" included): from the signalling answers,
    or, where the reviewer entered domain judgements only, the overall rule applied to them.
    ``domains`` and ``overall`` are final: the reviewer's judgements where given, which
    ``overridden`` lists (with ``reason``) where they differ from the proposal. ``path`` says
    which branch of each domain's algorithm was taken.
    """

    study_id: str
    outcome_id: str | None
    tool: str
    domains: dict[str, str]
    overall: str
    proposed: dict[str, str]
    path: dict[str, str]
    overridden: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def figure_tool(self) -> str:
        """The tool name the RoB figures take: "robins-i" or "rob2"."""
        return "robins-i" if self.tool == "robins_i" else "rob2"

    @property
    def judgements(self) -> dict[str, str]:
        """Domains and "Overall", as the figures take them."""
        return {**self.domains, "Overall": self.overall}


@dataclass(frozen=True, eq=False)
class CellAppraisal:
    """What appraisal adds to one synthesis cell."""

    cell: SynthesisCell
    #: the assessment that applies to each of the cell's rows (None: not assessed)
    rob: tuple[RobAssessment | None, ...]
    grade: GradeAssessment | None = None
    suggestion: GradeSuggestion | None = None
    #: the plain-language statement of the SoF table
    statement: str = ""
    #: the control arms' means of the arm-level studies (after rescaling), for the SoF
    #: table's "mean in the control group"; empty for SMD cells
    control_means: tuple[float, ...] = ()
    #: the meta-analysis without the studies at high risk of bias (None: not run, see note)
    sensitivity_low_rob: st.MetaAnalysisResult | None = None
    sensitivity_note: str = ""
    #: the direction of effect of each of the cell's rows (unpooled cells); the sign test
    #: counts studies, a multi-arm trial's arms taken together
    directions: tuple[str, ...] = ()
    sign_test: SignTestResult | None = None


@dataclass(frozen=True, eq=False)
class SwimGroup:
    """The SWiM synthesis of one comparator: its unpooled cells grouped by outcome."""

    comparator_label: str
    outcomes: tuple[str, ...]  # outcome labels: the effect-direction plot's columns
    #: study label -> {outcome label: "benefit" | "harm" | "mixed"}
    directions: dict[str, dict[str, str]]
    sign_tests: dict[str, SignTestResult]
    cells: tuple[CellAppraisal, ...]


@dataclass(frozen=True, eq=False)
class Appraisal:
    """Risk of bias, GRADE and SWiM for a synthesised review."""

    review: Review
    synthesis: SynthesisResult
    risk_of_bias: tuple[RobAssessment, ...]
    cells: tuple[CellAppraisal, ...]
    swim: tuple[SwimGroup, ...] = ()
    _by_key: dict = field(default_factory=dict, repr=False)

    def for_cell(self, cell: SynthesisCell) -> CellAppraisal:
        return self._by_key[_key(cell)]

    def study_level(self) -> list[tuple[str, RobAssessment]]:
        """One assessment per study (its study-level row, else its first outcome row), with
        the study's label, in studies.csv order: what the traffic-light plot shows."""
        first: dict[str, RobAssessment] = {}
        for a in self.risk_of_bias:
            if a.outcome_id is None or a.study_id not in first:
                first[a.study_id] = a
        studies = self.review.studies
        return [(studies[sid].label, first[sid]) for sid in studies if sid in first]


def _key(cell: SynthesisCell) -> tuple[str, str, str]:
    return (cell.outcome.id, cell.comparator.id, cell.window.id)


def _assess_row(entry, label: str, problems: list[Problem]) -> RobAssessment | None:
    given = dict(entry.judgements)
    overall_given = given.pop("Overall", None)
    try:
        if entry.tool == "robins_i":
            if entry.answers:
                problems.append(
                    Problem(
                        _FILE,
                        entry.line,
                        None,
                        "ROBINS-I takes domain judgements (D1 ... D7), not signalling answers",
                    )
                )
                return None
            result = robins_i(given, study=label) if given else None
            path = {d: "judged by reviewer" for d in given}
        elif entry.answers:
            result = rob2(entry.answers, variant=_VARIANTS[entry.tool], study=label)
            path = dict(result.path)
        else:
            result = (
                rob2_from_judgements(given, variant=_VARIANTS[entry.tool], study=label)
                if given
                else None
            )
            path = {d: "judged by reviewer" for d in given}
    except (Rob2AnswerError, Rob2JudgementError, RobinsIJudgementError) as exc:
        problems.extend(
            Problem(_FILE, entry.line, field, message) for field, message in exc.problems
        )
        return None
    if result is None:  # an overall judgement only
        return RobAssessment(
            entry.study_id,
            entry.outcome_id,
            entry.tool,
            {},
            overall_given,
            {"Overall": overall_given},
            {},
            reason=entry.reason,
        )
    foreign = [d for d in given if d not in result.domains]
    for d in foreign:
        problems.append(
            Problem(
                _FILE,
                entry.line,
                d,
                f"study {label!r}: {d} is not a domain of {_TOOL_NAMES[entry.tool]} (its "
                f"domains: {', '.join(result.domains)})",
            )
        )
    if foreign:
        return None
    proposed = {**result.domains, "Overall": result.overall}
    domains = {**result.domains, **given}
    overridden = [d for d, v in given.items() if v != result.domains[d]]
    if overridden and entry.tool != "robins_i":
        recomputed = rob2_from_judgements(domains, variant=_VARIANTS[entry.tool], study=label)
        overall = recomputed.overall
    elif overridden:
        overall = robins_i(domains, study=label).overall
    else:
        overall = result.overall
    # what the reviewer's overall is compared with: the tool's rule on the final domains
    expected = {**result.domains, "Overall": overall}
    if overall_given is not None and overall_given != overall:
        overridden.append("Overall")
        overall = overall_given
    if overridden and not entry.reason:
        for d in overridden:
            mine = overall_given if d == "Overall" else given[d]
            source = (
                "the overall rule on the domains"
                if d == "Overall" and expected["Overall"] != proposed["Overall"]
                else "the algorithm"
            )
            problems.append(
                Problem(
                    _FILE,
                    entry.line,
                    "overall" if d == "Overall" else d,
                    f"study {label!r}: the reviewer's {mine!r} differs from {source}'s "
                    f"{expected[d]!r}; an override needs a reason (column 'reason')",
                )
            )
        return None
    if "Overall" in overridden:
        path["Overall"] = f"reviewer: {entry.reason}"
    return RobAssessment(
        entry.study_id,
        entry.outcome_id,
        entry.tool,
        domains,
        overall,
        proposed,
        path,
        tuple(overridden),
        entry.reason,
    )


def assess_risk_of_bias(review: Review) -> tuple[RobAssessment, ...]:
    """Every rob.csv row as a :class:`RobAssessment`; raises ReviewError listing every
    problem (inconsistent answers, overrides without a reason) at once."""
    problems: list[Problem] = []
    out = []
    for entry in review.risk_of_bias:
        label = review.studies[entry.study_id].label
        found = _assess_row(entry, label, problems)
        if found is not None:
            out.append(found)
    if problems:
        raise ReviewError(problems)
    return tuple(out)


def appraise(review: Review, synthesis: SynthesisResult) -> Appraisal:
    """Risk of bias, GRADE and SWiM for every cell of ``synthesis``.

    Parameters
    ----------
    review : Review
        The loaded review (its rob.csv and grade.csv rows, its protocol's ``[grade]``).
    synthesis : SynthesisResult
        ``es.synthesise(review)``.

    Returns
    -------
    Appraisal

    Raises
    ------
    ReviewError
        If rob.csv's answers do not fit the tool's algorithm, or a reviewer's judgement
        overrides the algorithm's without a reason.
    """
    assessments = assess_risk_of_bias(review)
    by_study = {(a.study_id, a.outcome_id): a for a in assessments}
    cells = []
    for cell in synthesis.cells:
        rob = tuple(
            by_study.get((r.study_id, cell.outcome.id)) or by_study.get((r.study_id, None))
            for r in cell.rows
        )
        if cell.pooled:
            cells.append(_pooled(review, cell, rob))
        else:
            cells.append(_unpooled(cell, rob))
    by_key = {_key(c.cell): c for c in cells}
    return Appraisal(
        review=review,
        synthesis=synthesis,
        risk_of_bias=assessments,
        cells=tuple(cells),
        swim=_swim_groups(review, [c for c in cells if not c.cell.pooled]),
        _by_key=by_key,
    )


def _decisions(review: Review, cell: SynthesisCell) -> list[GradeDecision]:
    best: dict[str, object] = {}
    for row in review.grade_decisions:
        if row.applies_to(*_key(cell)):
            if row.domain not in best or row.specificity > best[row.domain].specificity:
                best[row.domain] = row
    return [GradeDecision(d, r.levels, r.reason) for d, r in best.items()]


def _pooled(review: Review, cell: SynthesisCell, rob) -> CellAppraisal:
    res = cell.result
    settings = review.protocol.grade
    lower = cell.outcome.direction == "lower_is_better"
    ci_low, ci_high = res.study_confidence_intervals()
    egger = None
    if res.k >= settings.publication_bias_min_studies:
        egger = st.egger_test(res).pvalue
    design = (
        "observational" if rob and all(a and a.tool == "robins_i" for a in rob) else "randomised"
    )
    evidence = GradeEvidence(
        k=res.k,
        participants=cell.participants,
        estimate=res.estimate,
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        pi_low=res.pi_low if res.is_random_effects and res.k >= 3 else None,
        pi_high=res.pi_high if res.is_random_effects and res.k >= 3 else None,
        i2=res.i2,
        yi=tuple(res.yi),
        study_ci_low=tuple(ci_low),
        study_ci_high=tuple(ci_high),
        weights=tuple(res.weights),
        rob_overall=tuple(a.overall if a else None for a in rob),
        mcid=cell.mcid,
        lower_is_better=lower,
        egger_pvalue=egger,
        design=design,
    )
    suggestion = suggest_grade(evidence, settings)
    grade = assess_certainty(suggestion, _decisions(review, cell))
    if cell.interpretation.startswith("Favours control"):
        effect = "harm"
    elif cell.interpretation:
        effect = "benefit"
    else:
        effect = "little or no difference"
    statement = plain_language(
        grade.certainty,
        effect,
        review.protocol.intervention_label,
        cell.outcome.label.lower(),
        lower_is_better=lower,
    )
    sensitivity, note = _without_high_rob(review, cell, rob)
    return CellAppraisal(
        cell=cell,
        rob=rob,
        grade=grade,
        suggestion=suggestion,
        statement=statement,
        sensitivity_low_rob=sensitivity,
        sensitivity_note=note,
        control_means=tuple(r.m2 for r in cell.rows if not r.is_contrast)
        if cell.measure == "MD"
        else (),
    )


def _without_high_rob(review: Review, cell: SynthesisCell, rob):
    if not any(rob):
        return None, "not run: no risk-of-bias assessments"
    keep = [i for i, a in enumerate(rob) if a is None or a.overall not in _HIGH]
    # counted in studies: a multi-arm trial's comparisons are one study
    dropped = len({r.study_id for i, r in enumerate(cell.rows) if i not in keep})
    if dropped == 0:
        return None, "not needed: no study at high risk of bias"
    if len(keep) < 2:
        return (
            None,
            f"not run: {_studies(len(keep))} would remain after excluding {dropped} at high risk",
        )
    analysis = review.protocol.analysis
    method = "FE" if analysis.model == "fixed" else analysis.method
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = st.meta_analysis(
            cell.yi[keep],
            cell.vi[keep],
            method=method,
            test=analysis.test,
            level=analysis.level,
            labels=[cell.labels[i] for i in keep],
        )
    return res, f"{_studies(dropped)} at high risk of bias excluded"


def _studies(n: int) -> str:
    return f"{n} study" if n == 1 else f"{n} studies"


def _unpooled(cell: SynthesisCell, rob) -> CellAppraisal:
    lower = cell.outcome.direction == "lower_is_better"
    directions = tuple(effect_direction(float(y), lower_is_better=lower) for y in cell.yi)
    # The sign test counts studies: the arms of a multi-arm trial share its control group,
    # so they give one direction (Boon & Thomson's 70% rule across them).
    by_study: dict[str, list[float]] = defaultdict(list)
    for row, y in zip(cell.rows, cell.yi, strict=True):
        by_study[row.study_id].append(float(y))
    per_study = [effect_direction(ys, lower_is_better=lower) for ys in by_study.values()]
    return CellAppraisal(cell=cell, rob=rob, directions=directions, sign_test=sign_test(per_study))


def _swim_groups(review: Review, cells: list[CellAppraisal]) -> tuple[SwimGroup, ...]:
    groups = []
    for comparator in review.protocol.comparators:
        mine = [c for c in cells if c.cell.comparator.id == comparator.id and c.cell.k]
        if not mine:
            continue
        outcomes = list(dict.fromkeys(c.cell.outcome.label for c in mine))
        effects: dict[tuple[str, str], list[float]] = defaultdict(list)
        lower = {c.cell.outcome.label: c.cell.outcome.direction == "lower_is_better" for c in mine}
        for c in mine:
            for row, y in zip(c.cell.rows, c.cell.yi, strict=True):
                effects[(review.studies[row.study_id].label, c.cell.outcome.label)].append(float(y))
        directions: dict[str, dict[str, str]] = {}
        for (study, outcome), values in effects.items():
            directions.setdefault(study, {})[outcome] = effect_direction(
                values, lower_is_better=lower[outcome]
            )
        sign_tests = {o: sign_test([d.get(o) for d in directions.values()]) for o in outcomes}
        groups.append(
            SwimGroup(
                comparator_label=comparator.label,
                outcomes=tuple(outcomes),
                directions=dict(sorted(directions.items(), key=lambda kv: kv[0].lower())),
                sign_tests=sign_tests,
                cells=tuple(mine),
            )
        )
    return tuple(groups)
