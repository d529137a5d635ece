"""Data preparation: from extracted rows to analysable rows, every step recorded.

For each outcome row this module

1. picks one timepoint per study, outcome, comparator, arm and timepoint window: the one
   closest to the window's middle (ties go to the later timepoint; for the open-ended last
   window this is the longest follow-up);
2. converts arm-level SE, CI or median/IQR/range to mean and SD (Cochrane Handbook 6.5.2;
   Luo et al. 2018; Wan et al. 2014);
3. rescales an instrument linearly to the outcome's ``rescale_to`` range;
4. aligns the sign when the instrument scores the other way round from the outcome;
5. splits a control group shared by several arms of a multi-arm trial (Handbook 23.3.4);
6. divides arm sample sizes by the design effect of a cluster trial (Handbook 23.1.4).

Each :class:`PreparedRow` carries the resulting numbers and ``steps``: one sentence per step
taken, so the report can show each cell's trail. Nothing here pools anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import evsynth.stats as st
from evsynth.review._model import OutcomeRow, Review, TimepointWindow

__all__ = ["PreparedRow", "prepare_rows"]


@dataclass(frozen=True)
class PreparedRow:
    """An outcome row ready for effect-size computation.

    Arm-level rows have ``m1, sd1, n1, m2, sd2, n2`` (after conversion, rescaling, sign
    alignment, control split and cluster adjustment); contrast rows have ``estimate`` and
    ``se`` (and ``contrast_measure``). ``scale`` is the range the numbers are on.
    """

    source: OutcomeRow
    window: TimepointWindow
    m1: float | None
    sd1: float | None
    n1: float | None
    m2: float | None
    sd2: float | None
    n2: float | None
    estimate: float | None
    se: float | None
    contrast_measure: str | None
    scale: tuple[float, float] | None
    steps: tuple[str, ...]

    @property
    def study_id(self) -> str:
        return self.source.study_id

    @property
    def is_contrast(self) -> bool:
        return self.source.is_contrast


def _g(x: float) -> str:
    return f"{x:.4g}"


def _select_timepoints(review: Review):
    """One row per study x outcome x comparator x arm x window, with the reason."""
    groups: dict[tuple, list[OutcomeRow]] = defaultdict(list)
    for row in review.outcome_rows:
        window = review.protocol.window_for(row.timepoint_weeks)
        if window is None:  # the loader rejects these; be defensive
            continue
        key = (row.study_id, row.outcome_id, row.comparator_id, row.arm, window.id)
        groups[key].append(row)
    chosen = []
    for rows in groups.values():
        window = review.protocol.window_for(rows[0].timepoint_weeks)
        middle = (window.start_week + window.end_week) / 2
        best = min(rows, key=lambda r: (abs(r.timepoint_weeks - middle), -r.timepoint_weeks))
        span = f"{_g(window.start_week)}-{_g(window.end_week)} weeks"
        if len(rows) == 1:
            step = f"{window.label} ({span}): the only timepoint, {_g(best.timepoint_weeks)} weeks"
        else:
            others = ", ".join(_g(r.timepoint_weeks) for r in rows if r is not best)
            step = (
                f"{window.label} ({span}): {_g(best.timepoint_weeks)} weeks, the timepoint "
                f"closest to the window's middle; not used: {others} weeks"
            )
        chosen.append((best, window, step))
    chosen.sort(key=lambda item: item[0].line or 0)
    return chosen


def _arm_mean_sd(row: OutcomeRow, arm: int) -> tuple[float, float, str | None]:
    """Mean and SD of one arm from whatever the row reports, with the step taken."""
    get = lambda name: getattr(row, f"{name}{arm}")  # noqa: E731
    n = get("n")
    if row.layout == "arm_sd":
        return get("m"), get("sd"), None
    if row.layout == "arm_se":
        sd = float(st.sd_from_se(get("se"), n))
        return get("m"), sd, f"arm {arm}: SD {_g(sd)} from SE {_g(get('se'))} and n {n}"
    if row.layout == "arm_ci":
        lo, hi = getattr(row, f"ci{arm}_low"), getattr(row, f"ci{arm}_high")
        sd = float(st.sd_from_ci(lo, hi, n))
        dist = "t" if n < 60 else "normal"
        return (
            get("m"),
            sd,
            f"arm {arm}: SD {_g(sd)} from the 95% CI [{_g(lo)}, {_g(hi)}] and n {n} "
            f"({dist} distribution; Cochrane Handbook 6.5.2.2)",
        )
    # arm_median
    median = get("median")
    q1, q3 = getattr(row, f"q1_{arm}"), getattr(row, f"q3_{arm}")
    lo, hi = get("min"), get("max")
    mean, sd = st.mean_sd_from_median(median, n, q1=q1, q3=q3, minimum=lo, maximum=hi)
    given = ", ".join(
        f"{name} {_g(v)}"
        for name, v in (("Q1", q1), ("Q3", q3), ("min", lo), ("max", hi))
        if v is not None
    )
    return (
        float(mean),
        float(sd),
        f"arm {arm}: mean {_g(float(mean))} and SD {_g(float(sd))} from median {_g(median)} "
        f"with {given} (Luo 2018; Wan 2014)",
    )


def _prepare_one(review: Review, row: OutcomeRow, window, timepoint_step: str) -> PreparedRow:
    outcome = review.protocol.outcome(row.outcome_id)
    steps = [timepoint_step]
    scale = (
        (row.scale_min, row.scale_max)
        if row.scale_min is not None and row.scale_max is not None
        else None
    )
    m1 = sd1 = n1 = m2 = sd2 = n2 = estimate = se = None
    contrast_measure = None
    if row.is_contrast:
        estimate = row.estimate
        if row.layout == "contrast_se":
            se = row.se
        else:
            se = (row.ci_high - row.ci_low) / (2 * 1.959963984540054)
            steps.append(
                f"SE {_g(se)} from the 95% CI [{_g(row.ci_low)}, {_g(row.ci_high)}] of the "
                "reported contrast"
            )
        contrast_measure = row.measure or "MD"
        n1, n2 = row.n1, row.n2
    else:
        m1, sd1, step1 = _arm_mean_sd(row, 1)
        m2, sd2, step2 = _arm_mean_sd(row, 2)
        steps += [s for s in (step1, step2) if s]
        n1, n2 = float(row.n1), float(row.n2)

    target = outcome.rescale_to
    if target is not None and scale is not None and tuple(scale) != tuple(target):
        if row.is_contrast:
            if contrast_measure == "MD":
                factor = (target[1] - target[0]) / (scale[1] - scale[0])
                estimate, se = estimate * factor, se * factor
                steps.append(
                    f"rescaled from {_g(scale[0])}-{_g(scale[1])} to "
                    f"{_g(target[0])}-{_g(target[1])} (x{_g(factor)})"
                )
        else:
            m1, m2 = (float(st.rescale(m, scale, target)) for m in (m1, m2))
            sd1, sd2 = (float(st.rescale_sd(s, scale, target)) for s in (sd1, sd2))
            steps.append(
                f"rescaled from {_g(scale[0])}-{_g(scale[1])} to {_g(target[0])}-{_g(target[1])}"
            )
        scale = (float(target[0]), float(target[1]))

    wanted_higher = outcome.direction == "higher_is_better"
    if row.higher_is_better is not None and row.higher_is_better != wanted_higher:
        if row.is_contrast:
            estimate = -estimate
        elif scale is not None:
            m1, m2 = scale[0] + scale[1] - m1, scale[0] + scale[1] - m2
        else:
            m1, m2 = -m1, -m2
        better = "higher" if row.higher_is_better else "lower"
        steps.append(
            f"sign aligned: {row.instrument or 'the instrument'} scores {better} = better, "
            f"the outcome {outcome.direction.replace('_', ' ')}"
        )

    study = review.studies.get(row.study_id)
    if study is not None and study.cluster and not row.is_contrast:
        deff = float(st.design_effect(study.mean_cluster_size, study.icc))
        n1, n2 = n1 / deff, n2 / deff
        steps.append(
            f"cluster trial: design effect {_g(deff)} (ICC {_g(study.icc)}, mean cluster size "
            f"{_g(study.mean_cluster_size)}); effective n {_g(n1)} and {_g(n2)}"
        )
    elif study is not None and study.cluster:
        steps.append("cluster trial: the reported contrast is used as reported (assumed adjusted)")

    return PreparedRow(
        source=row,
        window=window,
        m1=m1,
        sd1=sd1,
        n1=n1,
        m2=m2,
        sd2=sd2,
        n2=n2,
        estimate=estimate,
        se=se,
        contrast_measure=contrast_measure,
        scale=scale,
        steps=tuple(steps),
    )


def _split_shared_controls(prepared: list[PreparedRow]) -> list[PreparedRow]:
    """Divide a control group shared by several arms so that no one is counted twice."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        r = p.source
        if r.control_group and not p.is_contrast:
            groups[
                (r.study_id, r.outcome_id, r.comparator_id, p.window.id, r.control_group)
            ].append(i)
    out = list(prepared)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        n_control = prepared[idx[0]].n2
        parts = [int(x) for x in st.split_shared_control(round(n_control), len(idx))]
        for i, part in zip(idx, parts, strict=True):
            p = out[i]
            n2 = p.n2 * part / sum(parts)  # = part, unless a cluster adjustment made n2 fractional
            step = (
                f"multi-arm trial: the control group shared by {len(idx)} arms "
                f"(n {_g(n_control)}) split; this comparison uses n {_g(n2)}"
            )
            out[i] = replace(p, n2=n2, steps=(*p.steps, step))
    return out


def prepare_rows(review: Review) -> tuple[PreparedRow, ...]:
    """Prepare every outcome row of a review for synthesis (see the module docstring).

    Parameters
    ----------
    review : Review
        A loaded review (:func:`evsynth.review.load_review`).

    Returns
    -------
    tuple of PreparedRow
        One per study x outcome x comparator x arm x timepoint window, in file order, each
        with the steps taken.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023.
    .. [2] Higgins JPT, Eldridge S, Li T (eds). Chapter 23: Including variants on randomized
       trials. Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       Cochrane; 2023.
    """
    prepared = [
        _prepare_one(review, row, window, step) for row, window, step in _select_timepoints(review)
    ]
    return tuple(_split_shared_controls(prepared))
