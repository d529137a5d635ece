"""PRISMA 2020 counts derived from what the searches found and the screening decisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from evsynth.records import Identification, identify
from evsynth.review import (
    PrismaCounts,
    PrismaError,
    Review,
    ScreeningDecisionRow,
    SynthesisResult,
)

__all__ = ["prisma_counts", "prisma_from_review"]

_SHOWN = 5  # record ids named in a message before "and N more"


def _some(ids: Sequence[str]) -> str:
    named = ", ".join(ids[:_SHOWN])
    return named + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def prisma_counts(
    identification: Identification,
    decisions: Sequence[ScreeningDecisionRow],
    *,
    study_ids: Collection[str] | None = None,
    studies_in_meta_analysis: int | None = None,
) -> PrismaCounts:
    """Count every box of the PRISMA 2020 flow diagram from the records and the decisions.

    A decision on any record of a duplicate group is the decision on the group (the unique
    record that is screened). Records screened are the unique records; those included at
    title/abstract are the reports sought; those not retrieved are subtracted before
    assessment; full-text exclusions are counted per reason, and full-text inclusions give
    the reports and (through ``study_id``) the studies included.

    Parameters
    ----------
    identification : Identification
        The records read from the review's exports, with their duplicate groups.
    decisions : sequence of ScreeningDecisionRow
        The resolved decisions (screening.csv).
    study_ids : collection of str, optional
        The included studies (studies.csv): each must have a report included at full text.
    studies_in_meta_analysis : int, optional
        Studies contributing to at least one meta-analysis.

    Returns
    -------
    PrismaCounts

    Raises
    ------
    PrismaError
        Screening is incomplete or contradicts itself: a decision names no record of the
        exports, two records of one group were decided differently, a study of ``study_ids``
        has no included report, a unique record has no
        title/abstract decision, or a record included at title/abstract has no full-text
        decision. Each problem names the records (up to five, then how many more).
    """
    primary_of = identification.primary_of
    problems: list[str] = []
    unknown = [d.record_id for d in decisions if d.record_id not in primary_of]
    if unknown:
        problems.append(f"screening.csv names records that no export holds: {_some(unknown)}")
    by_stage: dict[str, dict[str, ScreeningDecisionRow]] = {"title_abstract": {}, "full_text": {}}
    clashes = []
    for decision in decisions:
        if decision.record_id not in primary_of:
            continue
        group = primary_of[decision.record_id]
        earlier = by_stage[decision.stage].setdefault(group, decision)
        same = (earlier.decision, earlier.reason, earlier.study_id) == (
            decision.decision,
            decision.reason,
            decision.study_id,
        )
        if not same:
            clashes.append(f"{earlier.record_id} and {decision.record_id} ({decision.stage})")
    if clashes:
        problems.append("duplicates of one record were decided differently: " + _some(clashes))
    screened = sorted(set(primary_of.values()))
    title_abstract, full_text = by_stage["title_abstract"], by_stage["full_text"]
    undecided = [r for r in screened if r not in title_abstract]
    if undecided:
        problems.append(
            f"{len(undecided)} of {len(screened)} unique records have no title/abstract "
            f"decision: {_some(undecided)}"
        )
    sought = [
        r for r in screened if r in title_abstract and title_abstract[r].decision == "include"
    ]
    waiting = [r for r in sought if r not in full_text]
    if waiting:
        problems.append(
            f"{len(waiting)} records included at title/abstract have no full-text decision: "
            f"{_some(waiting)}"
        )
    stray = [r for r in full_text if r not in sought and r in title_abstract]
    if stray:
        problems.append(f"full-text decisions on records not included at title/abstract: "
                        f"{_some(sorted(stray))}")  # fmt: skip
    final = [full_text[r] for r in sought if r in full_text]
    if study_ids is not None:
        reported = {d.study_id for d in final if d.decision == "include"}
        lacking = sorted(set(study_ids) - reported)
        if lacking:
            problems.append(
                f"studies.csv lists studies with no report included at full text: {_some(lacking)}"
            )
    if problems:
        raise PrismaError(problems)

    excluded = Counter(d.reason for d in final if d.decision == "exclude")
    included = [d for d in final if d.decision == "include"]
    not_retrieved = sum(d.decision == "not_retrieved" for d in final)
    return PrismaCounts(
        databases=identification.counts("database"),
        registers=identification.counts("register"),
        duplicates_removed=identification.dedup.n_duplicates_removed,
        records_screened=len(screened),
        records_excluded=len(screened) - len(sought),
        reports_sought=len(sought),
        reports_not_retrieved=not_retrieved,
        reports_assessed=len(sought) - not_retrieved,
        reports_excluded=dict(excluded.most_common()),
        studies_included=len({d.study_id for d in included}),
        reports_included=len(included),
        studies_in_meta_analysis=studies_in_meta_analysis,
    )


def prisma_from_review(review: Review, synthesis: SynthesisResult | None = None) -> PrismaCounts:
    """The PRISMA counts of a review folder: its exports (``[[source]]``), deduplicated, and
    its screening decisions (screening.csv), checked against its included studies.

    Parameters
    ----------
    review : Review
        A loaded review whose protocol names its searched sources.
    synthesis : SynthesisResult, optional
        When given, the studies contributing to at least one meta-analysis are counted.

    Raises
    ------
    RecordsError
        An export cannot be read.
    PrismaError
        Screening is incomplete or inconsistent (see :func:`prisma_counts`), or the review
        names no sources.

    Examples
    --------
    >>> import evsynth as es
    >>> review = es.load_review("examples/peer-support-msk")  # doctest: +SKIP
    >>> prisma_from_review(review).records_screened  # doctest: +SKIP
    1560
    """
    if not review.protocol.sources:
        raise PrismaError(["review.toml names no searched sources ([[source]] blocks)"])
    in_meta_analysis = None
    if synthesis is not None:
        contributing = {row.study_id for cell in synthesis.pooled_cells for row in cell.rows}
        in_meta_analysis = len(contributing)
    return prisma_counts(
        identify(review),
        review.screening_decisions,
        study_ids=list(review.studies),
        studies_in_meta_analysis=in_meta_analysis,
    )
