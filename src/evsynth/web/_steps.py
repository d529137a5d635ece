"""The screening step a page or ``GET next`` shows, and the reviewer's stopping check.

Without a stopping check the next record is the first in the reviewer's own ranked order
when prioritisation is on (:class:`evsynth.screening.ReviewerQueues`), else in record order.
While a stopping check runs (:meth:`Store.start_stopping_check`) it is the first in the
check's random order (:func:`stopping_check_order`), so that the records screened from the
check's start on are a random sample of those left, which is what the recall test
(:func:`evsynth.screening.recall_test`) needs. The test's numbers come from the reviewer's
own votes and counts only (:func:`stopping_status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
from fastapi import Request

from evsynth.screening import StageProgress, StoppingEstimate, sampling_order, stopping_estimate
from evsynth.store import ScreeningStep, StoppingCheck, Store, stored_record_id
from evsynth.web._access import Access

__all__ = [
    "RandomOrder",
    "screening_step",
    "screening_step_and_check",
    "stopping_check_order",
    "stopping_status",
]


class RandomOrder(Sequence[str]):
    """Record ids in a stopping check's random order (:func:`stopping_check_order`), each
    made when it is read: the store reads a ranking only until the first record the
    reviewer may vote on."""

    def __init__(self, numbers: np.ndarray) -> None:
        self._numbers = numbers

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [stored_record_id(int(number)) for number in self._numbers[index]]
        return stored_record_id(int(self._numbers[index]))


def stopping_check_order(check: StoppingCheck, n_records: int) -> RandomOrder:
    """The records ``r000001`` to ``r{n_records}`` (a review's record ids: its records are
    numbered from 1 in import order) in the random order of ``check``.

    The order is :func:`evsynth.screening.sampling_order` keyed by the review, reviewer,
    stage and check id: the same on every request and in every server process, a new check
    has a new one, it depends on nothing another reviewer did, and records imported during
    the check take random places without moving the others.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> check = StoppingCheck(1, "pain", "ana", "title_abstract", 0, datetime.now(UTC), None)
    >>> order = stopping_check_order(check, 5)
    >>> sorted(order) == [f"r00000{n}" for n in range(1, 6)]
    True
    >>> [i for i in stopping_check_order(check, 8) if i <= "r000005"] == list(order)
    True
    """
    key = "\0".join((check.review, check.username, check.stage, str(check.id)))
    return RandomOrder(sampling_order(key, n_records))


def screening_step_and_check(
    request: Request, access: Access, stage: str, record: str | None = None
) -> tuple[ScreeningStep, StoppingCheck | None]:
    """The step (record, its state, own progress) and the reviewer's running stopping check
    at the stage (None when none runs).

    During a check the next record is the first the reviewer may vote on in the check's
    random order. Otherwise it comes from the reviewer's ranking, and a fresh ranking is
    asked for when they have voted since theirs was made; the ranking is trained only on
    what the reviewer's own views show (``Store.training_labels``).
    """
    store: Store = request.app.state.store
    queues = request.app.state.queues
    review, username = access.review, access.username
    check = store.stopping_check(review, username, stage)
    order = None
    if record is None and check is not None:
        order = stopping_check_order(check, store.record_count(review))
    elif queues is not None and record is None:
        ranking = queues.ranking(review, username, stage)
        if ranking is not None and ranking.record_ids:
            order = ranking.record_ids
    step = store.screening_step(review, username, stage, record, spread=True, order=order)
    stale = queues is not None and check is None
    if stale and queues.is_stale(review, username, stage, step.progress.voted):
        voted = step.progress.voted
        queues.refresh(
            review,
            username,
            stage,
            lambda: (
                store.screening_records_version(review),
                store.training_labels(review, username, stage),
                voted,
            ),
            lambda: store.screening_texts(review),
        )
    return step, check


def screening_step(
    request: Request, access: Access, stage: str, record: str | None = None
) -> ScreeningStep:
    """The step of :func:`screening_step_and_check`, without the check."""
    return screening_step_and_check(request, access, stage, record)[0]


def stopping_status(
    store: Store, access: Access, progress: StageProgress, check: StoppingCheck | None
) -> StoppingEstimate | None:
    """The recall test on the reviewer's own votes at ``progress.stage``: with ``check``, on
    the random sample since it started; without, the numbers of a check started now. None
    when the reviewer has no records at the stage (none voted on, none to screen).

    The records in all are the reviewer's votes plus their records still to screen
    (``progress.to_do``): counts the reviewer already sees, and their own labels. No other
    reviewer's decision enters.
    """
    labels = store.own_vote_labels(access.review, access.username, progress.stage)
    if not labels and not progress.to_do:
        return None
    start = None if check is None else min(check.started_after_votes, len(labels))
    return stopping_estimate(labels, progress.to_do, sample_start=start)
