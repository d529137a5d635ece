"""A reviewer's stopping check in numbers: the recall test on their random sample.

The workbench's stopping check (Callaghan & Müller-Hansen 2020, :mod:`._stopping`): a
reviewer switches from the ranked queue to records drawn at random from those left to them,
and after every vote the recall test is applied to that random sample. The numbers come
from the reviewer's own labels in the order they voted and the number of records still left
to them, nothing else; :func:`stopping_estimate` combines them into what the workbench says:
whether the estimated recall has reached the target with the chosen confidence, and if not
after how many more records in random order, none of them an include, it would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from evsynth.screening._label_checks import check_labels
from evsynth.screening._stopping import recall_test, records_until_stop

__all__ = ["StoppingEstimate", "stopping_estimate"]


@dataclass(frozen=True)
class StoppingEstimate:
    """The recall test on a reviewer's random sample, and what it still needs.

    Attributes
    ----------
    records : int
        Records the reviewer screens in all: those screened and those left (``N``).
    records_screened : int
        Records screened so far (``t``).
    records_left : int
        Records still to screen (``N - t``).
    included_found : int
        Includes among the records screened.
    sample_start : int
        Records screened before the random sample began (``t`` when it has not begun: the
        numbers then describe a sample that would begin now).
    sample_size, included_in_sample : int
        Records screened in the sample, and the includes among them.
    reached : bool
        The test rejects "recall is below the target" now (:func:`recall_test`'s ``stop``).
    records_to_go : int
        How many more records in random order, none of them an include, until it would
        (:func:`records_until_stop`); 0 when ``reached``.
    p_value : float
        The test's p-value now.
    recall_target, confidence : float
        The parameters used.
    """

    records: int
    records_screened: int
    records_left: int
    included_found: int
    sample_start: int
    sample_size: int
    included_in_sample: int
    reached: bool
    records_to_go: int
    p_value: float
    recall_target: float
    confidence: float


def stopping_estimate(
    labels_screened: Sequence[int] | np.ndarray,
    records_left: int,
    *,
    sample_start: int | None = None,
    recall_target: float = 0.95,
    confidence: float = 0.95,
) -> StoppingEstimate:
    """The stopping check's numbers from a reviewer's own labels and the records left.

    Parameters
    ----------
    labels_screened : sequence of 0/1
        The reviewer's labels in the order they voted (1 = include or maybe).
    records_left : int
        Records the reviewer may still vote on, ``>= 0``; the records in all are
        ``len(labels_screened) + records_left``.
    sample_start : int or None
        Records voted on before the random sample began (the check's start). None: the
        sample has not begun, and the numbers are those of a sample beginning now
        (``sample_start = len(labels_screened)``).
    recall_target, confidence : float
        As for :func:`recall_test` (0.95 each by default).

    Returns
    -------
    StoppingEstimate

    Raises
    ------
    ValueError
        ``records_left`` is not a whole number >= 0, there are no records at all, or the
        labels, ``sample_start``, ``recall_target`` or ``confidence`` are invalid (as
        :func:`recall_test` says).

    Examples
    --------
    20 includes then 40 excludes screened, 40 records left, target 90 %. A random sample
    starting now would need 25 records without an include:

    >>> labels = [1] * 20 + [0] * 40
    >>> stopping_estimate(labels, 40, recall_target=0.9).records_to_go
    25

    With the sample begun after the first 20 records, 10 more are needed:

    >>> estimate = stopping_estimate(labels, 40, sample_start=20, recall_target=0.9)
    >>> estimate.reached, estimate.records_to_go, estimate.sample_size
    (False, 10, 40)
    >>> stopping_estimate(labels + [0] * 10, 30, sample_start=20, recall_target=0.9).reached
    True
    """
    if isinstance(records_left, bool) or not isinstance(records_left, Integral):
        raise ValueError(f"records_left must be a whole number; got {records_left!r}")
    records_left = int(records_left)
    if records_left < 0:
        raise ValueError(f"records_left must be >= 0; got {records_left}")
    labels = check_labels(labels_screened, "labels_screened", min_size=0)
    screened = labels.size
    if screened + records_left == 0:
        raise ValueError("no records: none screened and none left")
    start = screened if sample_start is None else sample_start
    options = {"sample_start": start, "recall_target": recall_target, "confidence": confidence}
    result = recall_test(labels, screened + records_left, **options)
    to_go = 0 if result.stop else records_until_stop(labels, screened + records_left, **options)
    return StoppingEstimate(
        records=result.records,
        records_screened=screened,
        records_left=records_left,
        included_found=result.included_found,
        sample_start=result.sample_start,
        sample_size=result.sample_size,
        included_in_sample=result.included_in_sample,
        reached=result.stop,
        records_to_go=to_go,
        p_value=result.p_value,
        recall_target=result.recall_target,
        confidence=result.confidence,
    )


# SplitMix64 (Steele, Lea & Flood 2014): an odd increment and the two multipliers of its
# output function, a bijection of 64-bit integers whose outputs look independent.
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def sampling_order(key: str, n_records: int) -> np.ndarray:
    """The record numbers 1..``n_records`` in a random order fixed by ``key``: the order in
    which a stopping check draws its random sample.

    Each number is placed by a 64-bit key, SplitMix64's output for the number on a stream
    seeded by the SHA-256 of ``key``: the same in every process and with every NumPy, and
    numbers added later (records imported during a check) take random places without moving
    the others.

    Examples
    --------
    >>> order = sampling_order("pain/ana/title_abstract/1", 5)
    >>> sorted(order.tolist())
    [1, 2, 3, 4, 5]
    >>> [n for n in sampling_order("pain/ana/title_abstract/1", 8).tolist() if n <= 5] == (
    ...     order.tolist())
    True
    """
    if not isinstance(n_records, int | np.integer) or n_records < 0:
        raise ValueError(f"n_records must be a whole number >= 0; got {n_records!r}")
    seed = np.uint64(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big"))
    numbers = np.arange(1, n_records + 1, dtype=np.uint64)
    z = seed + numbers * _GAMMA  # wraps round modulo 2**64, as SplitMix64 does
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    keys = z ^ (z >> np.uint64(31))
    return numbers[np.argsort(keys, kind="stable")].astype(np.int64)
