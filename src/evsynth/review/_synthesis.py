"""The synthesis grid: one meta-analysis per outcome x comparator x timepoint window.

``synthesise(review)`` prepares the data (:mod:`._prepare`), groups the prepared rows into
cells, chooses each cell's measure, pools it with the protocol's model through
:func:`evsynth.stats.meta_analysis`, and adds the interpretation ("Favours ..."), the MCID
check, moderator analyses and leave-one-out sensitivity analyses. It computes no statistic
itself: every number comes from :mod:`evsynth.stats`.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

import evsynth.stats as st
from evsynth.review._model import (
    ComparatorSpec,
    OutcomeSpec,
    Protocol,
    Review,
    TimepointWindow,
)
from evsynth.review._prepare import PreparedRow, prepare_rows

__all__ = [
    "MIN_STUDIES_META_REGRESSION",
    "MIN_STUDIES_PER_SUBGROUP",
    "SynthesisCell",
    "SynthesisResult",
    "interpretation",
    "synthesise",
]

#: a subgroup analysis needs at least two subgroups with this many studies each
MIN_STUDIES_PER_SUBGROUP = 2
#: meta-regression is run from this many studies (Cochrane Handbook 10.11.5.1: "at least ten
#: studies for each characteristic modelled")
MIN_STUDIES_META_REGRESSION = 10


def interpretation(ci_low: float, ci_high: float, direction: str, intervention_label: str) -> str:
    """The seed's Table 1 interpretation of a pooled difference (intervention - control).

    "Favours <intervention_label>" when the whole CI lies on the side that means the
    intervention did better (below 0 when lower is better, above 0 when higher is better),
    "Favours control" when it lies wholly on the other side, and "" when it includes 0.
    """
    if ci_low < 0 < ci_high or ci_low == 0 or ci_high == 0:
        return ""
    below = ci_high < 0
    intervention_better = below if direction == "lower_is_better" else not below
    return f"Favours {intervention_label}" if intervention_better else "Favours control"


@dataclass(frozen=True, eq=False)
class SynthesisCell:
    """One outcome x comparator x timepoint window, with its studies and its analyses.

    ``result`` is None where the cell is not pooled (``pooled_reason`` says why: fewer than
    two studies, or an outcome with ``pool = false``); such cells go to the SWiM synthesis.
    """

    outcome: OutcomeSpec
    comparator: ComparatorSpec
    window: TimepointWindow
    measure: str
    rows: tuple[PreparedRow, ...]
    labels: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    result: st.MetaAnalysisResult | None
    interpretation: str
    mcid_reached: bool | None
    excluded: tuple[tuple[PreparedRow, str], ...] = ()
    pooled_reason: str = ""
    subgroups: dict[str, st.SubgroupAnalysisResult] = field(default_factory=dict)
    meta_regressions: dict[str, st.MetaRegressionResult] = field(default_factory=dict)
    moderator_notes: dict[str, str] = field(default_factory=dict)
    leave_one_out: st.LeaveOneOutResult | None = None

    @property
    def k(self) -> int:
        return len(self.rows)

    @property
    def mcid(self) -> float | None:
        """The outcome's MCID where it is in this cell's units, else None.

        The protocol's ``mcid`` is in the units of the outcome's measure: scale points for
        ``MD``, standard deviations for ``SMD``; with ``measure = "auto"`` it is in scale points
        and applies to the cells pooled as MD only.
        """
        return _cell_mcid(self.outcome, self.measure)

    @property
    def participants(self) -> float:
        """Participants analysed (after shared-control splits and cluster adjustment)."""
        return float(sum((r.n1 or 0) + (r.n2 or 0) for r in self.rows))

    @property
    def pooled(self) -> bool:
        return self.result is not None


@dataclass(frozen=True, eq=False)
class SynthesisResult:
    """Every cell of the synthesis grid, pooled or not, in protocol order."""

    protocol: Protocol
    cells: tuple[SynthesisCell, ...]

    @property
    def pooled_cells(self) -> tuple[SynthesisCell, ...]:
        return tuple(c for c in self.cells if c.pooled)

    @property
    def unpooled_cells(self) -> tuple[SynthesisCell, ...]:
        return tuple(c for c in self.cells if not c.pooled)

    def cell(self, outcome_id: str, comparator_id: str, window_id: str) -> SynthesisCell:
        for c in self.cells:
            if (c.outcome.id, c.comparator.id, c.window.id) == (
                outcome_id,
                comparator_id,
                window_id,
            ):
                return c
        raise KeyError((outcome_id, comparator_id, window_id))

    def results_frame(self):
        """The results table, one row per pooled cell (results.csv of the report)."""
        import pandas as pd

        records = []
        for c in self.pooled_cells:
            r = c.result
            records.append(
                {
                    "outcome": c.outcome.label,
                    "comparator": c.comparator.label,
                    "timepoint": c.window.label,
                    "measure": c.measure,
                    "k": c.k,
                    "n": c.participants,
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "pvalue": r.pvalue,
                    "tau2": r.tau2,
                    "i2": r.i2,
                    "interpretation": c.interpretation,
                }
            )
        return pd.DataFrame.from_records(records)


def _cell_mcid(outcome: OutcomeSpec, measure: str) -> float | None:
    wanted = "MD" if outcome.measure == "auto" else outcome.measure
    return outcome.mcid if outcome.mcid is not None and measure == wanted else None


def _mcid_reached(estimate: float, mcid: float | None) -> bool | None:
    return None if mcid is None else bool(abs(estimate) >= mcid)


def _measure_for(outcome: OutcomeSpec, rows: list[PreparedRow]) -> str:
    if outcome.measure != "auto":
        return outcome.measure
    arm_scales = {r.scale for r in rows if not r.is_contrast}
    contrast_measures = {r.contrast_measure for r in rows if r.is_contrast}
    one_scale = len(arm_scales) <= 1 and None not in arm_scales
    return "MD" if one_scale and contrast_measures <= {"MD"} else "SMD"


def _label(review: Review, row: PreparedRow, multi_arm: bool) -> str:
    study = review.studies.get(row.study_id)
    label = study.label if study is not None else row.study_id
    return f"{label} ({row.source.arm})" if multi_arm and row.source.arm else label


def _effects(rows: list[PreparedRow], measure: str, smd_variant: str):
    yi, vi = np.empty(len(rows)), np.empty(len(rows))
    arm = [i for i, r in enumerate(rows) if not r.is_contrast]
    if arm:
        pick = lambda name: [getattr(rows[i], name) for i in arm]  # noqa: E731
        ef = st.effect_sizes(
            measure,
            m1=pick("m1"),
            sd1=pick("sd1"),
            n1=pick("n1"),
            m2=pick("m2"),
            sd2=pick("sd2"),
            n2=pick("n2"),
            **({"smd_variant": smd_variant} if measure == "SMD" else {}),
        )
        yi[arm], vi[arm] = ef.yi, ef.vi
    for i, r in enumerate(rows):
        if r.is_contrast:
            yi[i], vi[i] = r.estimate, r.se**2
    return yi, vi


def _moderators(review: Review, cell_rows, labels, yi, vi, method, test, level):
    subgroups, regressions, notes = {}, {}, {}
    for mod in review.protocol.moderators:
        values = [review.studies[r.study_id].value(mod.column) for r in cell_rows]
        keep = [i for i, v in enumerate(values) if v not in (None, "")]
        if mod.kind == "categorical":
            groups = [str(values[i]) for i in keep]
            counts = {g: groups.count(g) for g in set(groups)}
            if len(counts) < 2 or min(counts.values()) < MIN_STUDIES_PER_SUBGROUP:
                notes[mod.column] = (
                    f"not run: needs at least two subgroups of {MIN_STUDIES_PER_SUBGROUP} or "
                    f"more studies (have {dict(sorted(counts.items()))})"
                )
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                subgroups[mod.column] = st.subgroup_analysis(
                    yi[keep],
                    vi[keep],
                    groups,
                    method=method,
                    test=test,
                    level=level,
                    labels=[labels[i] for i in keep],
                )
        else:
            if len(keep) < MIN_STUDIES_META_REGRESSION:
                notes[mod.column] = (
                    f"not run: meta-regression needs {MIN_STUDIES_META_REGRESSION} or more "
                    f"studies with a value (have {len(keep)})"
                )
                continue
            x = np.array([float(values[i]) for i in keep])
            try:
                regressions[mod.column] = st.meta_regression(
                    yi[keep], vi[keep], {mod.column: x}, method=method, test=test, level=level
                )
            except ValueError as exc:
                notes[mod.column] = f"not run: {exc}"
    return subgroups, regressions, notes


def synthesise(review: Review) -> SynthesisResult:
    """Run the synthesis grid of a review: every outcome x comparator x timepoint with data.

    Parameters
    ----------
    review : Review
        A loaded review (:func:`evsynth.review.load_review`).

    Returns
    -------
    SynthesisResult
        One :class:`SynthesisCell` per outcome x comparator x timepoint window that has data,
        in protocol order. Cells of outcomes with ``pool = false`` or with fewer than two
        studies are kept unpooled (``result`` None) for the synthesis without meta-analysis.

    Notes
    -----
    The measure of a cell follows its outcome: ``MD`` or ``SMD`` as set, or with
    ``measure = "auto"``, MD when every study in the cell reports on one scale after
    rescaling (and contrast rows are MDs), else SMD. Contrast rows whose measure differs
    from the cell's are excluded, with the reason kept in ``excluded``. The model is the
    protocol's ``[analysis]``: FE for ``model = "fixed"``, else its tau^2 ``method``, with its
    ``test`` and ``level``. Moderator analyses: subgroups (RevMan style) for categorical
    moderators with at least two subgroups of :data:`MIN_STUDIES_PER_SUBGROUP` studies;
    meta-regression for numeric moderators from :data:`MIN_STUDIES_META_REGRESSION` studies.
    Leave-one-out is run for cells with three or more studies.
    """
    protocol = review.protocol
    analysis = protocol.analysis
    method = "FE" if analysis.model == "fixed" else analysis.method
    by_cell: dict[tuple, list[PreparedRow]] = defaultdict(list)
    for row in prepare_rows(review):
        by_cell[(row.source.outcome_id, row.source.comparator_id, row.window.id)].append(row)

    cells = []
    for outcome in protocol.outcomes:
        for comparator in protocol.comparators:
            for window in protocol.timepoints:
                rows = by_cell.get((outcome.id, comparator.id, window.id))
                if rows:
                    cells.append(_cell(review, outcome, comparator, window, rows, method, analysis))
    return SynthesisResult(protocol=protocol, cells=tuple(cells))


def _cell(review, outcome, comparator, window, rows, method, analysis) -> SynthesisCell:
    measure = _measure_for(outcome, rows)
    excluded = tuple(
        (r, f"a {r.contrast_measure} contrast cannot enter a {measure} analysis")
        for r in rows
        if r.is_contrast and r.contrast_measure != measure
    )
    used = [r for r in rows if not (r.is_contrast and r.contrast_measure != measure)]
    arms_per_study = defaultdict(int)
    for r in used:
        arms_per_study[r.study_id] += 1
    labels = tuple(_label(review, r, arms_per_study[r.study_id] > 1) for r in used)
    order = sorted(range(len(used)), key=lambda i: labels[i].lower())
    used = [used[i] for i in order]
    labels = tuple(labels[i] for i in order)
    yi, vi = _effects(used, measure, analysis.smd_variant) if used else (np.empty(0),) * 2

    common = dict(
        outcome=outcome,
        comparator=comparator,
        window=window,
        measure=measure,
        rows=tuple(used),
        labels=labels,
        yi=yi,
        vi=vi,
        excluded=excluded,
    )
    if not outcome.pool or len(used) < 2:
        reason = (
            "the protocol does not pool this outcome"
            if not outcome.pool
            else (f"{len(used)} study: too few to pool" if len(used) == 1 else "no usable study")
        )
        return SynthesisCell(
            **common, result=None, interpretation="", mcid_reached=None, pooled_reason=reason
        )

    res = st.meta_analysis(
        yi, vi, method=method, test=analysis.test, level=analysis.level, labels=labels
    )
    subgroups, regressions, notes = _moderators(
        review, used, labels, yi, vi, method, analysis.test, analysis.level
    )
    return SynthesisCell(
        **common,
        result=res,
        interpretation=interpretation(
            res.ci_low, res.ci_high, outcome.direction, review.protocol.intervention_label
        ),
        mcid_reached=_mcid_reached(res.estimate, _cell_mcid(outcome, measure)),
        subgroups=subgroups,
        meta_regressions=regressions,
        moderator_notes=notes,
        leave_one_out=st.leave_one_out(res) if res.k >= 3 else None,
    )
