"""A review's decision events as read so far, and what is derived from them, kept in memory and
brought up to date from the events appended since (the events stay the only record; this is a
cache): the title/abstract vote tally (:mod:`._tally`) that a screening step counts with, and
what the prioritisation model and the stopping rule learn from.

Deriving every record's state on each retraining of a reviewer's ranking costs time in
proportion to the decisions already made (about 300 ms per retraining late in a
20,000-record review). Here each record's state is derived again only when it has a new event,
and each viewer's training labels and each reviewer's own vote labels are updated for those
records alone. Only the events with an id above the last one read are fetched (and the records
with a number above the last one): a review's decisions are appended under its decision lock
(``Store._lock_decisions``), so their ids grow in commit order and no event can appear below
that id later.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from evsynth.screening import ScreeningStates, StageState, view_for
from evsynth.store._models import ReviewRow
from evsynth.store._tally import STAGE as TALLY_STAGE
from evsynth.store._tally import VoteTally

__all__ = ["INCLUDE_DECISIONS", "DecisionLog", "DecisionLogs", "training_label"]

#: the decisions that count as an include (label 1) for the prioritisation model and the
#: stopping rule; every other decision (exclude, not retrieved) counts as 0
INCLUDE_DECISIONS = ("include", "maybe")

# the event columns of ``Store._events`` (ending with the event's id when read ``after_id``)
_USERNAME, _STAGE, _DECISION, _KIND = 1, 2, 3, 6


def training_label(state: StageState, viewer: str, role: str) -> int | None:
    """What a model ranking ``viewer``'s queue may learn from one record at one stage: the
    final decision when their view shows it, else their own vote, else nothing (never another
    reviewer's vote on a record whose outcome they may not see)."""
    view = view_for(state, viewer, role)  # type: ignore[arg-type]
    decision = view.final_decision or (view.own_vote.decision if view.own_vote else None)
    return None if decision is None else int(decision in INCLUDE_DECISIONS)


class DecisionLog:
    """One review's events, each record's states, and the labels derived from them."""

    def __init__(self, review: str, required: int, derive: Callable) -> None:
        # Held by every method: server threads read a log while others bring it up to date.
        self.lock = threading.RLock()
        self.review = review
        self.required = required
        self._derive = derive  # (review, event rows, required) -> ScreeningStates
        self.tally = VoteTally(required)
        self.last_event_id = 0
        self._rows: dict[int, list[tuple]] = defaultdict(list)  # by record number
        self._states: dict[int, ScreeningStates] = {}
        self._own: dict[tuple[str, str], list[int]] = defaultdict(list)  # (user, stage)
        self._training: dict[tuple[str, str, str], dict[int, int]] = {}  # (user, role, stage)

    def add(self, rows: Sequence[tuple]) -> None:
        """Count new event rows (``Store._events(..., after_id=...)``, in id order): each
        changed record's states are derived again from all its events, which raises
        ``StoreError`` when they break the screening rules (and then nothing is counted)."""
        with self.lock:
            changed: dict[int, list[tuple]] = {}
            for row in rows:
                number = row[0]
                if number not in changed:
                    changed[number] = list(self._rows.get(number, ()))
                changed[number].append(row[:-1])
            states = {
                number: self._derive(self.review, events, self.required)
                for number, events in changed.items()
            }
            for row in rows:
                if row[_KIND] == "vote":
                    label = int(row[_DECISION] in INCLUDE_DECISIONS)
                    self._own[(row[_USERNAME], row[_STAGE])].append(label)
                    if row[_STAGE] == TALLY_STAGE:
                        self.tally.add_vote(row[0], row[_USERNAME])
            for number, events in changed.items():
                self._rows[number] = events
                self._states[number] = states[number]
                for (viewer, role, stage), labels in self._training.items():
                    self._relabel(labels, number, viewer, role, stage)
            if rows:
                self.last_event_id = rows[-1][-1]

    def own_vote_labels(self, username: str, stage: str) -> tuple[int, ...]:
        """The reviewer's own votes at the stage as labels, in the order they were cast."""
        with self.lock:
            return tuple(self._own.get((username, stage), ()))

    def training_labels(self, viewer: str, role: str, stage: str) -> dict[int, int]:
        """{record number: label} of :func:`training_label` over every record at the stage."""
        with self.lock:
            key = (viewer, role, stage)
            labels = self._training.get(key)
            if labels is None:
                labels = {}
                for number in sorted(self._states):
                    self._relabel(labels, number, viewer, role, stage)
                self._training[key] = labels
            return dict(labels)

    def _relabel(
        self, labels: dict[int, int], number: int, viewer: str, role: str, stage: str
    ) -> None:
        label = None
        for state in self._states[number]:
            if state.stage == stage:
                label = training_label(state, viewer, role)
        if label is None:
            labels.pop(number, None)
        else:
            labels[number] = label


class DecisionLogs:
    """The decision logs of every review a store has served, kept up to date under a lock."""

    def __init__(self, derive: Callable) -> None:
        self._lock = threading.Lock()
        self._derive = derive
        self._by_review: dict[int, DecisionLog] = {}

    def current(
        self,
        session: Session,
        review: ReviewRow,
        read_events: Callable[[int], list[tuple]],
        read_numbers: Callable[[int], Sequence[int]],
    ) -> DecisionLog:
        """The review's log with every event and record visible to ``session`` counted.

        ``read_events(after_id)`` returns the review's event rows with an id above
        ``after_id``, in id order, each ending with its id; ``read_numbers(after)`` the
        numbers of its records above ``after``. Call it inside the transaction whose other
        reads it should agree with; it reads the database once per transaction. Other threads
        may bring the log further up to date meanwhile (never back): its methods hold its
        lock, so each answer is consistent.
        """
        read_here = session.info.setdefault("evsynth_decision_logs_read", set())
        with self._lock:
            log = self._by_review.get(review.id)
            if log is None or log.required != review.votes_required:
                log = DecisionLog(review.name, review.votes_required, self._derive)
                self._by_review[review.id] = log
            if review.id not in read_here:
                with log.lock:
                    new_numbers = read_numbers(log.tally.max_number)
                    log.add(read_events(log.last_event_id))
                    if new_numbers:
                        log.tally.add_records(new_numbers)
                read_here.add(review.id)
            return log
