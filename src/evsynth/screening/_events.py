"""Screening decisions as append-only events, and the state of each record derived from them.

Nothing is ever overwritten: votes and resolutions are events, and the state of a record at
a stage (open, agreed, conflict, resolved) is computed from the events in the order they were
recorded. The rules:

- each record needs ``required`` independent votes per stage (2 unless configured);
- a reviewer votes once per record and stage: a second vote is refused, whatever the others
  did, so the refusal tells them nothing they did not know (the web client gives an undo
  window before it sends a vote; there is no changing it afterwards);
- voting closes when ``required`` reviewers have voted; a vote by anyone else after that is
  refused (those who did not vote see the record as closed anyway);
- a closed record whose votes are all the same, and not "maybe", is agreed (at full text an
  exclusion also needs the same reason); otherwise it is a conflict;
- only a conflict can be resolved, by the lead or by a designated resolver who did not vote;
- full-text votes are taken only on records whose title/abstract decision is a final include.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from evsynth.review import SCREENING_DECISIONS, ScreeningDecisionRow

__all__ = [
    "EVENT_KINDS",
    "ROLES",
    "STAGES",
    "STATUSES",
    "VOTE_DECISIONS",
    "ScreeningError",
    "ScreeningEvent",
    "ScreeningStates",
    "StageState",
    "check_new_event",
    "derive_states",
    "resolved_decision_rows",
]

Stage = Literal["title_abstract", "full_text"]
Role = Literal["lead", "resolver", "reviewer"]
EventKind = Literal["vote", "resolution"]
Status = Literal["open", "agreed", "conflict", "resolved"]

#: The screening stages, in the order a record passes them.
STAGES: tuple[Stage, ...] = ("title_abstract", "full_text")
#: What a reviewer may vote at each stage ("maybe" never closes a record as agreed).
VOTE_DECISIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "title_abstract": ("include", "exclude", "maybe"),
        "full_text": ("include", "exclude", "maybe", "not_retrieved"),
    }
)
#: A person's role in a review: the lead, a reviewer designated to resolve conflicts on
#: records they did not vote on, or a reviewer.
ROLES: tuple[Role, ...] = ("lead", "resolver", "reviewer")
EVENT_KINDS: tuple[EventKind, ...] = ("vote", "resolution")
#: The state of a record at a stage; "agreed" and "resolved" are final.
STATUSES: tuple[Status, ...] = ("open", "agreed", "conflict", "resolved")
_FINAL = frozenset({"agreed", "resolved"})


class ScreeningError(ValueError):
    """A screening event that breaks a rule, or bad input to a screening function."""


def _text(value: object, name: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise ScreeningError(f"{name} must be a non-empty string, not {value!r}")


@dataclass(frozen=True)
class ScreeningEvent:
    """One screening decision as recorded: a reviewer's vote or a resolution of a conflict.

    Parameters
    ----------
    record_id : str
        The screened record (the unique record of a duplicate group).
    reviewer : str
        Who decided.
    stage : {"title_abstract", "full_text"}
    decision : str
        A vote is ``"include"``, ``"exclude"`` or ``"maybe"``, and at full text also
        ``"not_retrieved"``; a resolution is a final decision, so never ``"maybe"``.
    reason : str, optional
        Why; required to exclude at full text (the PRISMA diagram counts the reasons).
    note : str, optional
        A free-text note.
    kind : {"vote", "resolution"}
    at : datetime
        When it was recorded (keyword only).

    Raises
    ------
    ScreeningError
        A field is missing or out of place; the message names the field.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> event = ScreeningEvent("r1", "ana", "full_text", "exclude", reason="Not an RCT",
    ...                        at=datetime(2024, 3, 1, tzinfo=timezone.utc))
    >>> event.kind
    'vote'
    >>> try:
    ...     ScreeningEvent("r1", "ana", "full_text", "exclude", at=event.at)
    ... except ScreeningError as error:
    ...     print(error)
    reason is required to exclude at full text (record r1, reviewer ana)
    """

    record_id: str
    reviewer: str
    stage: Stage
    decision: str
    _: KW_ONLY
    reason: str | None = None
    note: str | None = None
    kind: EventKind = "vote"
    at: datetime

    def __post_init__(self) -> None:
        _text(self.record_id, "record_id")
        _text(self.reviewer, "reviewer")
        where = f"(record {self.record_id}, reviewer {self.reviewer})"
        if self.stage not in STAGES:
            raise ScreeningError(f"stage must be one of {', '.join(STAGES)}, not {self.stage!r}")
        if self.kind not in EVENT_KINDS:
            raise ScreeningError(f"kind must be 'vote' or 'resolution', not {self.kind!r}")
        allowed = (VOTE_DECISIONS if self.kind == "vote" else SCREENING_DECISIONS)[self.stage]
        if self.decision not in allowed:
            raise ScreeningError(
                f"a {self.kind} at {self.stage} is one of {', '.join(allowed)}, "
                f"not {self.decision!r} {where}"
            )
        _text(self.reason, "reason", optional=True)
        if self.note is not None and not isinstance(self.note, str):
            raise ScreeningError(f"note must be a string, not {self.note!r} {where}")
        if self.stage == "full_text" and self.decision == "exclude" and self.reason is None:
            raise ScreeningError(f"reason is required to exclude at full text {where}")
        if not isinstance(self.at, datetime):
            raise ScreeningError(f"at must be a datetime, not {self.at!r} {where}")


@dataclass(frozen=True)
class StageState:
    """The state of one record at one stage, derived from its events.

    Attributes
    ----------
    record_id, stage
        Which record and stage.
    votes : Mapping[str, ScreeningEvent]
        Each voter's vote (once closed, the votes that closed it), by reviewer.
    status : {"open", "agreed", "conflict", "resolved"}
    final_decision, final_reason : str or None
        Set when the status is final ("agreed" or "resolved"). An agreed exclusion at title
        and abstract keeps a reason only when every voter gave the same one.
    resolved_by : str or None
        Who resolved the conflict.
    resolution : ScreeningEvent or None
        The resolution event.
    history : tuple of ScreeningEvent
        Every event of this record and stage, in the order recorded.
    available : bool
        Whether votes are taken: always at title/abstract; at full text once the
        title/abstract decision is a final include.
    """

    record_id: str
    stage: Stage
    votes: Mapping[str, ScreeningEvent]
    status: Status
    final_decision: str | None = None
    final_reason: str | None = None
    resolved_by: str | None = None
    resolution: ScreeningEvent | None = None
    history: tuple[ScreeningEvent, ...] = ()
    available: bool = True

    @property
    def closed(self) -> bool:
        """Whether voting has closed (``required`` reviewers voted)."""
        return self.status != "open"

    @property
    def final(self) -> bool:
        """Whether the decision is final (agreed or resolved)."""
        return self.status in _FINAL


class _Accumulator:
    """The mutable state of one record and stage while the events are replayed."""

    __slots__ = (
        "final_decision",
        "final_reason",
        "history",
        "record_id",
        "resolution",
        "resolved_by",
        "stage",
        "status",
        "votes",
    )

    def __init__(self, record_id: str, stage: Stage) -> None:
        self.record_id = record_id
        self.stage = stage
        self.votes: dict[str, ScreeningEvent] = {}
        self.status: Status = "open"
        self.final_decision: str | None = None
        self.final_reason: str | None = None
        self.resolved_by: str | None = None
        self.resolution: ScreeningEvent | None = None
        self.history: list[ScreeningEvent] = []

    @classmethod
    def of(cls, state: StageState) -> _Accumulator:
        acc = cls(state.record_id, state.stage)
        acc.votes = dict(state.votes)
        acc.status = state.status
        acc.final_decision, acc.final_reason = state.final_decision, state.final_reason
        acc.resolved_by, acc.resolution = state.resolved_by, state.resolution
        acc.history = list(state.history)
        return acc

    def apply(self, event: ScreeningEvent, required: int) -> None:
        self.history.append(event)
        if event.kind == "resolution":
            self.status = "resolved"
            self.final_decision, self.final_reason = event.decision, event.reason
            self.resolved_by, self.resolution = event.reviewer, event
            return
        self.votes[event.reviewer] = event
        if len(self.votes) < required:
            return
        decisions = {vote.decision for vote in self.votes.values()}
        reasons = {vote.reason for vote in self.votes.values()}
        decision = next(iter(decisions))
        agreed = len(decisions) == 1 and decision != "maybe"
        if agreed and self.stage == "full_text" and decision == "exclude":
            agreed = len(reasons) == 1
        if agreed:
            self.status = "agreed"
            self.final_decision = decision
            self.final_reason = next(iter(reasons)) if len(reasons) == 1 else None
        else:
            self.status = "conflict"

    def freeze(self) -> StageState:
        return StageState(
            record_id=self.record_id,
            stage=self.stage,
            votes=MappingProxyType(self.votes),
            status=self.status,
            final_decision=self.final_decision,
            final_reason=self.final_reason,
            resolved_by=self.resolved_by,
            resolution=self.resolution,
            history=tuple(self.history),
        )


def _refusal(
    event: ScreeningEvent,
    role: str | None,
    current: StageState | _Accumulator | None,
    title_abstract: StageState | _Accumulator | None,
    required: int,
) -> str | None:
    """Why ``event`` may not be recorded now, or None. ``role`` None: not re-checked."""
    if event.kind == "vote":
        if event.stage == "full_text" and not (
            title_abstract is not None
            and title_abstract.status in _FINAL
            and title_abstract.final_decision == "include"
        ):
            return "full-text votes are taken only on records included at title/abstract"
        # Own votes first: a voter must not learn from a refusal whether others voted.
        if current is not None and event.reviewer in current.votes:
            return "you have already voted on this record at this stage"
        if current is not None and current.status != "open":
            return f"voting has closed: {required} reviewers have voted on this record"
        return None
    # Permission first, so that someone who may not resolve learns nothing about the state.
    if role is not None and role not in ("lead", "resolver"):
        return "only the lead or a designated resolver may resolve a conflict"
    if role == "resolver" and current is not None and event.reviewer in current.votes:
        return "a resolver may not resolve a record they voted on (the lead or another may)"
    if current is None or current.status != "conflict":
        status = "open" if current is None else current.status
        return f"only a conflict can be resolved, and this record is {status}"
    return None


def _check_role(role: object) -> None:
    if role not in ROLES:
        raise ScreeningError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def _describe(event: ScreeningEvent) -> str:
    return (
        f"{event.kind} by {event.reviewer} on record {event.record_id} ({event.stage}, "
        f"{event.decision}, at {event.at.isoformat()})"
    )


@dataclass(frozen=True)
class ScreeningStates:
    """The state of every record and stage that has events, and the rules' ``required``.

    Made by :func:`derive_states`. Iterating gives the :class:`StageState` objects;
    :meth:`state` also answers for a record and stage without events (open, no votes).
    """

    required: int
    by_key: Mapping[tuple[str, str], StageState]

    def __iter__(self) -> Iterator[StageState]:
        return iter(self.by_key.values())

    def __len__(self) -> int:
        return len(self.by_key)

    def state(self, record_id: str, stage: Stage) -> StageState:
        """The state of ``record_id`` at ``stage`` (open with no votes if it has no events).

        At full text, a record without events is ``available`` only once its title/abstract
        decision is a final include.
        """
        if stage not in STAGES:
            raise ScreeningError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
        found = self.by_key.get((record_id, stage))
        if found is not None:
            return found
        available = True
        if stage == "full_text":
            ta = self.by_key.get((record_id, "title_abstract"))
            available = ta is not None and ta.final and ta.final_decision == "include"
        return StageState(record_id, stage, MappingProxyType({}), "open", available=available)

    def with_event(self, event: ScreeningEvent, role: Role) -> ScreeningStates:
        """A new ``ScreeningStates`` with ``event`` recorded, after :func:`check_new_event`."""
        check_new_event(self, event, role)
        key = (event.record_id, event.stage)
        current = self.by_key.get(key)
        acc = _Accumulator(*key) if current is None else _Accumulator.of(current)  # type: ignore[arg-type]
        acc.apply(event, self.required)
        return ScreeningStates(self.required, MappingProxyType({**self.by_key, key: acc.freeze()}))


def check_new_event(states: ScreeningStates, event: ScreeningEvent, role: Role) -> None:
    """Refuse an event that the rules do not allow now; return None when it may be recorded.

    Parameters
    ----------
    states : ScreeningStates
        The current states (at least those of ``event.record_id``, both stages).
    event : ScreeningEvent
        The new event.
    role : {"lead", "resolver", "reviewer"}
        The role of ``event.reviewer`` in the review.

    Raises
    ------
    ScreeningError
        The event breaks a rule: a second vote by the same reviewer on a record and stage, a
        vote by someone else once voting has closed, a full-text vote on a record not
        included at title/abstract, a resolution by someone who may not resolve, or of
        something that is not a conflict.

    Notes
    -----
    Whether an event is accepted depends only on what its author may see
    (:func:`evsynth.screening.view_for`): a vote is accepted exactly when their view says
    ``can_vote``, a resolution exactly when it says ``can_resolve``. So a refusal never tells a
    reviewer what another decided on a record whose decision is not final: a second vote is
    refused with the same message whether the record is still open or has closed as a
    conflict, and a resolution by a plain reviewer is refused before the record is looked at.

    Examples
    --------
    >>> from datetime import datetime
    >>> t = datetime(2024, 3, 1)
    >>> states = derive_states([ScreeningEvent("r1", "a", "title_abstract", "include", at=t)])
    >>> again = ScreeningEvent("r1", "a", "title_abstract", "exclude", at=t)
    >>> try:
    ...     check_new_event(states, again, "reviewer")
    ... except ScreeningError as error:
    ...     print(error)  # doctest: +ELLIPSIS
    vote by a on record r1 (...) refused: you have already voted on this record at this stage
    >>> check_new_event(states, ScreeningEvent("r1", "b", "title_abstract", "include", at=t),
    ...                 "reviewer")  # accepted: returns None
    """
    if not isinstance(states, ScreeningStates):
        raise ScreeningError(f"states must be ScreeningStates, not {type(states).__name__}")
    if not isinstance(event, ScreeningEvent):
        raise ScreeningError(f"event must be a ScreeningEvent, not {type(event).__name__}")
    _check_role(role)
    problem = _refusal(
        event,
        role,
        states.by_key.get((event.record_id, event.stage)),
        states.by_key.get((event.record_id, "title_abstract")),
        states.required,
    )
    if problem:
        raise ScreeningError(f"{_describe(event)} refused: {problem}")


def derive_states(
    events: Iterable[ScreeningEvent],
    required: int = 2,
    *,
    roles: Mapping[str, Role] | None = None,
) -> ScreeningStates:
    """The state of every record and stage, replaying the events in the order recorded.

    Every event must have been allowed when it was recorded: a derivation never skips one.

    Parameters
    ----------
    events : iterable of ScreeningEvent
        All events of a review, in the order they were recorded (the store's append order).
    required : int, default 2
        Independent votes needed per record and stage.
    roles : mapping of str to {"lead", "resolver", "reviewer"}, optional
        Each person's role, to check again who may resolve (a person missing from it is a
        reviewer). Without it, resolutions are taken as authorised when recorded (roles can
        change later); every other rule is checked.

    Returns
    -------
    ScreeningStates

    Raises
    ------
    ScreeningError
        An event breaks a rule; the message gives its position and says which rule.

    Examples
    --------
    >>> from datetime import datetime
    >>> t = datetime(2024, 3, 1)
    >>> events = [
    ...     ScreeningEvent("r1", "ana", "title_abstract", "include", at=t),
    ...     ScreeningEvent("r1", "ben", "title_abstract", "exclude", at=t),
    ...     ScreeningEvent("r1", "lea", "title_abstract", "include", kind="resolution", at=t),
    ...     ScreeningEvent("r2", "ana", "title_abstract", "exclude", at=t),
    ... ]
    >>> states = derive_states(events)
    >>> s = states.state("r1", "title_abstract")
    >>> s.status, s.final_decision, s.resolved_by, sorted(s.votes)
    ('resolved', 'include', 'lea', ['ana', 'ben'])
    >>> states.state("r2", "title_abstract").status
    'open'
    """
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        raise ScreeningError(f"required must be a whole number of votes >= 1, not {required!r}")
    if roles is not None:
        for person, role in roles.items():
            if role not in ROLES:
                raise ScreeningError(
                    f"roles: {person} has role {role!r}; roles are {', '.join(ROLES)}"
                )
    accs: dict[tuple[str, str], _Accumulator] = {}
    for position, event in enumerate(events, start=1):
        if not isinstance(event, ScreeningEvent):
            raise ScreeningError(
                f"event {position} is a {type(event).__name__}, not a ScreeningEvent"
            )
        key = (event.record_id, event.stage)
        current = accs.get(key)
        role = None if roles is None else roles.get(event.reviewer, "reviewer")
        title_abstract = accs.get((event.record_id, "title_abstract"))
        problem = _refusal(event, role, current, title_abstract, required)
        if problem:
            raise ScreeningError(f"event {position}, {_describe(event)}: {problem}")
        if current is None:
            current = accs[key] = _Accumulator(event.record_id, event.stage)
        current.apply(event, required)
    return ScreeningStates(
        required, MappingProxyType({key: acc.freeze() for key, acc in accs.items()})
    )


def resolved_decision_rows(
    states: ScreeningStates, study_of: Mapping[str, str]
) -> list[ScreeningDecisionRow]:
    """The final decisions as the rows :func:`evsynth.screening.prisma_counts` takes.

    Parameters
    ----------
    states : ScreeningStates
        The derived states; only final ones (agreed or resolved) give a row, so an
        unfinished screening shows up in ``prisma_counts`` as undecided records.
    study_of : mapping of str to str
        The study each report included at full text belongs to (the lead links reports to
        studies; several reports may share a study). Links of records not included at full
        text are not used.

    Returns
    -------
    list of ScreeningDecisionRow
        Sorted by record, title/abstract before full text.

    Raises
    ------
    ScreeningError
        A report included at full text has no study (every such report is named).

    Examples
    --------
    >>> from datetime import datetime
    >>> t = datetime(2024, 3, 1)
    >>> events = [ScreeningEvent("r1", who, stage, "include", at=t)
    ...           for stage in STAGES for who in ("ana", "ben")]
    >>> [(r.stage, r.decision, r.study_id)
    ...  for r in resolved_decision_rows(derive_states(events), {"r1": "smith2020"})]
    [('title_abstract', 'include', None), ('full_text', 'include', 'smith2020')]
    """
    order = {stage: i for i, stage in enumerate(STAGES)}
    final = sorted((s for s in states if s.final), key=lambda s: (s.record_id, order[s.stage]))
    unlinked = [
        s.record_id
        for s in final
        if s.stage == "full_text"
        and s.final_decision == "include"
        and not study_of.get(s.record_id)
    ]
    if unlinked:
        raise ScreeningError(
            f"reports included at full text but linked to no study ({len(unlinked)}): "
            + ", ".join(unlinked)
        )
    return [
        ScreeningDecisionRow(
            record_id=s.record_id,
            stage=s.stage,
            decision=s.final_decision,  # type: ignore[arg-type]
            reason=s.final_reason,
            study_id=(
                study_of[s.record_id]
                if s.stage == "full_text" and s.final_decision == "include"
                else None
            ),
        )
        for s in final
    ]
