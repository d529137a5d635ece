"""The title/abstract votes of a review, tallied in memory and brought up to date from the
events appended since (the events stay the only record; this is a cache of their counts).

Counting who may still vote by aggregate queries costs time in proportion to the votes
already cast (about 40 ms per request near the end of a 20,000-record review), and finding the
next open record walks past every closed one. The tally reads only the vote events with an id
above the last one it saw: a review's decisions are appended under its decision lock
(``Store._lock_decisions``), so their ids grow in commit order and no event can appear below
that id later. It keeps, per record number, the votes cast, the records each reviewer voted
on, and the open records' numbers in order, so the next record and the counts cost about the
same at the last record as at the first.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from evsynth.store._models import DecisionRow, RecordRow, ReviewRow

__all__ = ["VoteTally", "VoteTallies"]

STAGE = "title_abstract"


class VoteTally:
    """One review's title/abstract votes (see the module's docstring)."""

    def __init__(self, review_id: int, required: int) -> None:
        # Held by every method: server threads read a tally while others bring it up to date.
        self.lock = threading.RLock()
        self.review_id = review_id
        self.required = required
        self.last_event_id = 0
        self.max_number = 0
        self.numbers: set[int] = set()
        self.record_voters: dict[int, list[int]] = defaultdict(list)
        self.voted_by: dict[int, set[int]] = defaultdict(set)
        self.open_voted_by: dict[int, int] = defaultdict(int)  # votes on open records, per user
        self.open_numbers: list[int] = []  # the records with fewer votes than required, in order

    def is_open(self, number: int) -> bool:
        return number in self.numbers and len(self.record_voters.get(number, ())) < self.required

    def add_records(self, numbers: Iterable[int]) -> None:
        with self.lock:
            for number in sorted(numbers):
                self.numbers.add(number)
                self.max_number = max(self.max_number, number)
                if self.is_open(number):
                    bisect.insort(self.open_numbers, number)
                    for user_id in self.record_voters.get(number, ()):
                        self.open_voted_by[user_id] += 1

    def add_vote(self, number: int, user_id: int) -> None:
        with self.lock:
            voters = self.record_voters[number]
            voters.append(user_id)
            self.voted_by[user_id].add(number)
            if number not in self.numbers:
                return  # counted when its record is (it is read after the votes)
            if len(voters) < self.required:
                self.open_voted_by[user_id] += 1
            elif len(voters) == self.required:
                for earlier in voters[:-1]:
                    self.open_voted_by[earlier] -= 1
                at = bisect.bisect_left(self.open_numbers, number)
                del self.open_numbers[at]

    def to_do(self, user_id: int, duplicates: set[int]) -> int:
        """Open records, not duplicates, that the user has not voted on."""
        with self.lock:
            mine = self.voted_by.get(user_id, set())
            open_duplicates = [n for n in duplicates if self.is_open(n)]
            return (
                len(self.open_numbers)
                - len(open_duplicates)
                - self.open_voted_by.get(user_id, 0)
                + sum(1 for n in open_duplicates if n in mine)
            )

    def voted(self, user_id: int) -> int:
        """Records the user voted on (duplicates included)."""
        with self.lock:
            return len(self.voted_by.get(user_id, ()))

    def may_vote(self, number: int, user_id: int) -> bool:
        """An open record the user has not voted on (whether it is a duplicate is not
        checked here)."""
        with self.lock:
            return self.is_open(number) and number not in self.voted_by.get(user_id, ())

    def first_open(self, user_id: int, duplicates: set[int], begin: int) -> int | None:
        """The first open record from ``begin`` on (wrapping round to the start) that is not a
        duplicate and that the user has not voted on."""
        with self.lock:
            mine = self.voted_by.get(user_id, ())
            start = bisect.bisect_left(self.open_numbers, begin)
            for low, high in ((start, len(self.open_numbers)), (0, start)):
                for at in range(low, high):
                    number = self.open_numbers[at]
                    if number not in duplicates and number not in mine:
                        return number
            return None


class VoteTallies:
    """The tallies of every review a store has served, kept up to date under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_review: dict[int, VoteTally] = {}

    def current(self, session: Session, review: ReviewRow) -> VoteTally:
        """The review's tally with every record and vote visible to ``session`` counted.

        Call it inside the transaction whose other reads it should agree with; it reads the
        database once per transaction. Other threads may bring the tally further up to date
        meanwhile (never back): its methods hold its lock, so each answer is consistent.
        """
        read = session.info.setdefault("evsynth_tallies_read", set())
        if review.id in read:  # already brought up to date in this transaction
            with self._lock:
                return self._by_review[review.id]
        read.add(review.id)
        with self._lock:
            tally = self._by_review.get(review.id)
            if tally is None or tally.required != review.votes_required:
                tally = VoteTally(review.id, review.votes_required)
                self._by_review[review.id] = tally
            new_numbers = session.scalars(
                select(RecordRow.number).where(
                    RecordRow.review_id == review.id, RecordRow.number > tally.max_number
                )
            ).all()
            new_votes = session.execute(
                select(DecisionRow.id, RecordRow.number, DecisionRow.user_id)
                .join(RecordRow, RecordRow.id == DecisionRow.record_id)
                .where(
                    DecisionRow.id > tally.last_event_id,
                    DecisionRow.review_id == review.id,
                    DecisionRow.stage == STAGE,
                    DecisionRow.kind == "vote",
                )
                .order_by(DecisionRow.id)
            ).all()
            for event_id, number, user_id in new_votes:
                tally.add_vote(number, user_id)
                tally.last_event_id = event_id
            if new_numbers:
                tally.add_records(new_numbers)
            return tally
