"""What each person may see of the screening: the blinding that every page and endpoint uses.

The promise: until a record's decision is final, no reviewer can learn another's decision,
not from a page, an API response or a count. So a view is built from a state and a viewer
and holds only what that viewer may see; pages and endpoints render views, never states.

- A reviewer sees their own vote. Once they have voted, the record is just "voted" until
  the decision is final: showing "conflict" or "awaiting others" would tell them what the
  others decided. They cannot vote again either (one vote each), and the refusal is the same
  whatever the others did.
- Others' votes and the outcome are shown once the decision is final, to those who voted on
  the record and to the lead and the resolvers; and on a conflict, to whoever may resolve it
  (the lead, or a designated resolver who did not vote).
- A reviewer who did not vote on a closed record sees only that it is "closed". Were final
  outcomes shown to them, a closed record without one would be a known conflict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from evsynth.screening._events import (
    ROLES,
    STAGES,
    STATUSES,
    Role,
    ScreeningError,
    ScreeningEvent,
    ScreeningStates,
    Stage,
    StageState,
)

__all__ = [
    "VIEW_STATUSES",
    "Progress",
    "ReviewerProgress",
    "StageProgress",
    "StageView",
    "progress_for",
    "view_for",
]

ViewStatus = Literal["unavailable", "to_do", "voted", "closed", "conflict", "agreed", "resolved"]
#: What a viewer is told about a record at a stage.
VIEW_STATUSES: tuple[ViewStatus, ...] = (
    "unavailable",
    "to_do",
    "voted",
    "closed",
    "conflict",
    "agreed",
    "resolved",
)


@dataclass(frozen=True)
class StageView:
    """What one viewer may see of one record at one stage.

    Attributes
    ----------
    record_id, stage
        Which record and stage.
    viewer : str
        Whose view this is.
    status : str
        ``"unavailable"`` (full text not open yet), ``"to_do"`` (the viewer may vote),
        ``"voted"`` (the viewer voted; nothing more is shown until final), ``"closed"`` (others
        voted; the viewer did not), or, when the viewer may see the outcome, ``"conflict"``,
        ``"agreed"`` or ``"resolved"``.
    own_vote : ScreeningEvent or None
        The viewer's vote.
    votes : tuple of ScreeningEvent
        Every counted vote, by reviewer name; empty unless the viewer may see the outcome.
    final_decision, final_reason, resolved_by : str or None
        The outcome, when final and the viewer may see it.
    resolution : ScreeningEvent or None
        The resolution (with its note), when the viewer may see it.
    can_vote, can_resolve : bool
        Whether the viewer may vote now, or resolve the conflict: exactly when
        :func:`evsynth.screening.check_new_event` accepts their vote or resolution.
    """

    record_id: str
    stage: Stage
    viewer: str
    status: ViewStatus
    own_vote: ScreeningEvent | None = None
    votes: tuple[ScreeningEvent, ...] = ()
    final_decision: str | None = None
    final_reason: str | None = None
    resolved_by: str | None = None
    resolution: ScreeningEvent | None = None
    can_vote: bool = False
    can_resolve: bool = False


def _may_resolve(state: StageState, viewer: str, role: str) -> bool:
    return state.status == "conflict" and (
        role == "lead" or (role == "resolver" and viewer not in state.votes)
    )


def _check_viewer(viewer: object, role: object) -> None:
    if not isinstance(viewer, str) or not viewer.strip():
        raise ScreeningError(f"viewer must be a non-empty string, not {viewer!r}")
    if role not in ROLES:
        raise ScreeningError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def view_for(state: StageState, viewer: str, role: Role) -> StageView:
    """The part of ``state`` that ``viewer`` may see.

    Parameters
    ----------
    state : StageState
        A record at a stage (:meth:`ScreeningStates.state` gives one for any record).
    viewer : str
        Who is looking.
    role : {"lead", "resolver", "reviewer"}
        The viewer's role in the review.

    Returns
    -------
    StageView

    Examples
    --------
    >>> from datetime import datetime
    >>> from evsynth.screening import ScreeningEvent, derive_states
    >>> t = datetime(2024, 3, 1)
    >>> states = derive_states([
    ...     ScreeningEvent("r1", "ana", "title_abstract", "include", at=t),
    ...     ScreeningEvent("r1", "ben", "title_abstract", "exclude", at=t),
    ... ])
    >>> state = states.state("r1", "title_abstract")
    >>> view = view_for(state, "ben", "reviewer")
    >>> view.status, view.own_vote.decision, view.votes
    ('voted', 'exclude', ())
    >>> lead = view_for(state, "lea", "lead")
    >>> lead.status, lead.can_resolve, [v.decision for v in lead.votes]
    ('conflict', True, ['include', 'exclude'])
    """
    if not isinstance(state, StageState):
        raise ScreeningError(f"state must be a StageState, not {type(state).__name__}")
    _check_viewer(viewer, role)
    own_vote = state.votes.get(viewer)
    may_resolve = _may_resolve(state, viewer, role)
    sees_outcome = may_resolve or (
        state.final and (own_vote is not None or role in ("lead", "resolver"))
    )
    if not state.available:
        status: ViewStatus = "unavailable"
    elif sees_outcome:
        status = state.status  # type: ignore[assignment]
    elif own_vote is not None:
        status = "voted"
    elif state.status == "open":
        status = "to_do"
    else:
        status = "closed"
    if not sees_outcome:
        return StageView(
            state.record_id, state.stage, viewer, status, own_vote, can_vote=status == "to_do"
        )
    return StageView(
        state.record_id,
        state.stage,
        viewer,
        status,
        own_vote,
        votes=tuple(state.votes[name] for name in sorted(state.votes)),
        final_decision=state.final_decision,
        final_reason=state.final_reason,
        resolved_by=state.resolved_by,
        resolution=state.resolution,
        can_resolve=may_resolve,
    )


@dataclass(frozen=True)
class StageProgress:
    """The viewer's own progress at a stage: records voted on, and records still to vote on."""

    stage: Stage
    voted: int
    to_do: int


@dataclass(frozen=True)
class ReviewerProgress:
    """Votes cast by one reviewer, per stage (numbers only; shown to the lead)."""

    reviewer: str
    title_abstract: int
    full_text: int


@dataclass(frozen=True)
class Progress:
    """What a viewer may see of the screening's progress.

    Attributes
    ----------
    viewer, role
        Whose progress this is.
    stages : tuple of StageProgress
        The viewer's own counts, title/abstract then full text.
    reviewers : tuple of ReviewerProgress
        Lead only: votes cast by each reviewer, by name.
    status_counts : tuple of (stage, status, count)
        Lead only: records per stage and status (open, agreed, conflict, resolved).
    conflicts : tuple of (record_id, stage)
        The conflicts the viewer may resolve (all of them for the lead).
    """

    viewer: str
    role: Role
    stages: tuple[StageProgress, ...]
    reviewers: tuple[ReviewerProgress, ...] = ()
    status_counts: tuple[tuple[Stage, str, int], ...] = ()
    conflicts: tuple[tuple[str, Stage], ...] = ()


def progress_for(
    states: ScreeningStates,
    viewer: str,
    role: Role,
    *,
    records: Iterable[str] | None = None,
) -> Progress:
    """The progress ``viewer`` may see: their own counts, and for the lead the team's.

    Parameters
    ----------
    states : ScreeningStates
    viewer : str
    role : {"lead", "resolver", "reviewer"}
    records : iterable of str, optional
        Every record to screen (the unique records); records without events are still to
        do. By default, the records that have events.

    Returns
    -------
    Progress
        For a reviewer only their own counts; a resolver also gets the conflicts they may
        resolve; the lead also gets the votes cast by each reviewer, the records per status
        and every conflict. None of these numbers depends on what another reviewer decided
        on a record whose decision is not final.

    Examples
    --------
    >>> from datetime import datetime
    >>> from evsynth.screening import ScreeningEvent, derive_states
    >>> t = datetime(2024, 3, 1)
    >>> states = derive_states([
    ...     ScreeningEvent("r1", "ana", "title_abstract", "include", at=t),
    ...     ScreeningEvent("r1", "ben", "title_abstract", "exclude", at=t),
    ... ])
    >>> progress_for(states, "ana", "reviewer", records=["r1", "r2"]).stages[0]
    StageProgress(stage='title_abstract', voted=1, to_do=1)
    >>> progress_for(states, "lea", "lead").conflicts
    (('r1', 'title_abstract'),)
    """
    if not isinstance(states, ScreeningStates):
        raise ScreeningError(f"states must be ScreeningStates, not {type(states).__name__}")
    _check_viewer(viewer, role)
    all_records = set(
        (s.record_id for s in states) if records is None else records  # type: ignore[arg-type]
    )
    voted = Counter(s.stage for s in states if viewer in s.votes)
    stages = []
    for stage in STAGES:
        to_do = 0
        for record_id in all_records:
            state = states.state(record_id, stage)
            if state.available and state.status == "open" and viewer not in state.votes:
                to_do += 1
        stages.append(StageProgress(stage, voted[stage], to_do))
    conflicts = tuple(
        sorted(
            ((s.record_id, s.stage) for s in states if _may_resolve(s, viewer, role)),
            key=lambda key: (STAGES.index(key[1]), key[0]),
        )
    )
    if role != "lead":
        return Progress(viewer, role, tuple(stages), conflicts=conflicts)
    cast: Counter[tuple[str, str]] = Counter()
    statuses: Counter[tuple[str, str]] = Counter()
    for s in states:
        statuses[s.stage, s.status] += 1
        for name in s.votes:
            cast[name, s.stage] += 1
    names = sorted({name for name, _ in cast})
    return Progress(
        viewer,
        role,
        tuple(stages),
        reviewers=tuple(
            ReviewerProgress(name, cast[name, "title_abstract"], cast[name, "full_text"])
            for name in names
        ),
        status_counts=tuple(
            (stage, status, statuses[stage, status]) for stage in STAGES for status in STATUSES
        ),
        conflicts=conflicts,
    )
