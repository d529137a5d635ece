"""The title/abstract votes of a review, tallied in memory (the events stay the only record;
this is a cache of their counts).

Counting who may still vote by aggregate queries costs time in proportion to the votes
already cast (about 40 ms per request near the end of a 20,000-record review), and finding the
next open record walks past every closed one. The tally is part of the review's decision log
(:mod:`._decision_log`), which reads only the events appended since it last read and hands
the title/abstract votes on; the records are added as they are imported. It keeps, per record
number, the votes cast, the records each reviewer voted on, and the open records' numbers in
order, so the next record and the counts cost about the same at the last record as at the
first.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable

__all__ = ["STAGE", "VoteTally"]

#: the stage the tally counts
STAGE = "title_abstract"


class VoteTally:
    """One review's title/abstract votes (see the module's docstring)."""

    def __init__(self, required: int) -> None:
        # Held by every method: server threads read a tally while others bring it up to date.
        self.lock = threading.RLock()
        self.required = required
        self.max_number = 0
        self.numbers: set[int] = set()
        self.record_voters: dict[int, list[str]] = defaultdict(list)
        self.voted_by: dict[str, set[int]] = defaultdict(set)
        self.open_voted_by: dict[str, int] = defaultdict(int)  # votes on open records, per user
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
                    for voter in self.record_voters.get(number, ()):
                        self.open_voted_by[voter] += 1

    def add_vote(self, number: int, voter: str) -> None:
        with self.lock:
            voters = self.record_voters[number]
            voters.append(voter)
            self.voted_by[voter].add(number)
            if number not in self.numbers:
                return  # counted when its record is (it is read after the votes)
            if len(voters) < self.required:
                self.open_voted_by[voter] += 1
            elif len(voters) == self.required:
                for earlier in voters[:-1]:
                    self.open_voted_by[earlier] -= 1
                at = bisect.bisect_left(self.open_numbers, number)
                del self.open_numbers[at]

    def to_do(self, voter: str, duplicates: set[int]) -> int:
        """Open records, not duplicates, that the user has not voted on."""
        with self.lock:
            mine = self.voted_by.get(voter, set())
            open_duplicates = [n for n in duplicates if self.is_open(n)]
            return (
                len(self.open_numbers)
                - len(open_duplicates)
                - self.open_voted_by.get(voter, 0)
                + sum(1 for n in open_duplicates if n in mine)
            )

    def voted(self, voter: str) -> int:
        """Records the user voted on (duplicates included)."""
        with self.lock:
            return len(self.voted_by.get(voter, ()))

    def may_vote(self, number: int, voter: str) -> bool:
        """An open record the user has not voted on (whether it is a duplicate is not
        checked here)."""
        with self.lock:
            return self.is_open(number) and number not in self.voted_by.get(voter, ())

    def first_open(self, voter: str, duplicates: set[int], begin: int) -> int | None:
        """The first open record from ``begin`` on (wrapping round to the start) that is not a
        duplicate and that the user has not voted on."""
        with self.lock:
            mine = self.voted_by.get(voter, ())
            start = bisect.bisect_left(self.open_numbers, begin)
            for low, high in ((start, len(self.open_numbers)), (0, start)):
                for at in range(low, high):
                    number = self.open_numbers[at]
                    if number not in duplicates and number not in mine:
                        return number
            return None
