"""Each reviewer's screening queue, ranked by a model of what that reviewer may see.

The model of one review's records (its features fitted once on every title and abstract) is
kept per review; each reviewer's ranking is retrained from their own training labels (their
votes and the outcomes their views show: never another reviewer's unresolved vote) and kept
until it is stale. Retraining runs on one background thread shared by every review, at most
once per reviewer and stage at a time and no more often than ``min_interval``, so a busy team
costs at most one core; until a ranking is ready the queue falls back to record order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = ["QueueRanking", "ReviewerQueues"]

_log = logging.getLogger("evsynth.screening")


@dataclass(frozen=True)
class QueueRanking:
    """One reviewer's ranking at one stage.

    Attributes
    ----------
    record_ids : tuple of str
        The records without a training label, most likely to be included first.
    labels_seen : int
        How many training labels the model learnt from.
    included_seen : int
        How many of them were includes (a ranking needs at least one of each).
    trained_at : float
        ``time.monotonic()`` when it was made.
    own_votes : int
        The reviewer's own votes at the stage when it was made (a change makes it stale).
    """

    record_ids: tuple[str, ...]
    labels_seen: int
    included_seen: int
    trained_at: float
    own_votes: int


@dataclass(frozen=True)
class _ReviewModel:
    """A review's model, the version of the records it was fitted on, and their ids."""

    version: Hashable
    ids: np.ndarray  # of str objects, by row
    row_of: dict[str, int]
    model: object


class ReviewerQueues:
    """Rankings of every reviewer's queue, refreshed in the background.

    Parameters
    ----------
    model_factory : callable
        ``model_factory(texts)`` returns a model of those texts with
        ``rank(labelled: Mapping[int, int]) -> sequence of int`` (row indices of the
        unlabelled texts, most likely relevant first).
    min_interval : float
        Seconds between two retrainings of one reviewer's ranking.
    """

    def __init__(
        self, model_factory: Callable[[Sequence[str]], object], *, min_interval: float = 2.0
    ) -> None:
        if min_interval < 0:
            raise ValueError(f"min_interval must be >= 0; got {min_interval!r}")
        self._factory = model_factory
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._models: dict[str, _ReviewModel] = {}
        self._rankings: dict[tuple[str, str, str], QueueRanking] = {}
        self._pending: set[tuple[str, str, str]] = set()
        self._again: dict[tuple[str, str, str], tuple[Callable, Callable]] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evsynth-ranking")

    def ranking(self, review: str, reviewer: str, stage: str) -> QueueRanking | None:
        """The latest ranking (maybe stale), or None when there is none yet."""
        with self._lock:
            return self._rankings.get((review, reviewer, stage))

    def is_stale(self, review: str, reviewer: str, stage: str, own_votes: int) -> bool:
        """Whether the reviewer has voted since the ranking was made (and it is older than
        ``min_interval``), or there is none."""
        found = self.ranking(review, reviewer, stage)
        if found is None:
            return True
        return (
            found.own_votes != own_votes
            and time.monotonic() - found.trained_at >= self._min_interval
        )

    def refresh(
        self,
        review: str,
        reviewer: str,
        stage: str,
        read: Callable[[], tuple[Hashable, Mapping[str, int], int]],
        texts: Callable[[], Sequence[tuple[str, str]]],
        *,
        wait: bool = False,
    ) -> None:
        """Retrain one reviewer's ranking on the background thread.

        ``read()`` returns the version of the review's records (any value that changes
        whenever ``texts()`` would), the reviewer's training labels by record id and their own
        vote count, read when the retraining starts; ``texts()`` returns the (record id, text)
        pairs, read only when the review's model is missing or of another version (reading
        every title and abstract is the costly part of a retraining). While one retraining of
        the reviewer's is queued or running, another is remembered and run once it ends (so
        the newest votes are never left out). ``wait`` blocks until it is done (tests, the
        first ranking) and raises what it raised; otherwise failures are logged and the queue
        keeps its last ranking (or record order)."""
        key = (review, reviewer, stage)
        with self._lock:
            if key in self._pending:
                self._again[key] = (read, texts)
                return
            self._pending.add(key)
        future = self._worker.submit(self._retrain, key, read, texts)
        if wait:
            future.result()

    def prepare(
        self, review: str, version: Hashable, texts: Callable[[], Sequence[tuple[str, str]]]
    ) -> None:
        """Fit the review's model now, in this thread, unless one of ``version`` is kept
        (``evsynth serve`` does this before taking requests: fitting the features of a large
        review takes seconds, which would otherwise slow the first requests)."""
        self._model_of(review, version, texts)

    def forget(self, review: str) -> None:
        """Drop a review's model and rankings (after records were imported or deduplicated)."""
        with self._lock:
            self._models.pop(review, None)
            for key in [key for key in self._rankings if key[0] == review]:
                del self._rankings[key]

    def close(self) -> None:
        """Stop: queued retrainings are dropped and a running one is not waited for."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _model_of(self, review: str, version: Hashable, texts) -> _ReviewModel:
        with self._lock:
            cached = self._models.get(review)
        if cached is None or cached.version != version:
            pairs = tuple(texts())
            ids = tuple(record_id for record_id, _ in pairs)
            cached = _ReviewModel(
                version,
                np.array(ids, dtype=object),
                {record_id: row for row, record_id in enumerate(ids)},
                self._factory([text for _, text in pairs]),
            )
            with self._lock:
                self._models[review] = cached
        return cached

    def _retrain(self, key: tuple[str, str, str], read, texts) -> None:
        try:
            version, labels, own_votes = read()
            cached = self._model_of(key[0], version, texts)
            ids, row_of = cached.ids, cached.row_of
            labelled = {row_of[r]: int(label) for r, label in labels.items() if r in row_of}
            included = sum(labelled.values())
            if included == 0 or included == len(labelled):
                order: tuple[str, ...] = ()  # nothing to learn from yet: record order
            else:
                ranked = np.asarray(cached.model.rank(labelled), dtype=np.intp)
                order = tuple(ids[ranked].tolist())
            made = QueueRanking(order, len(labelled), included, time.monotonic(), own_votes)
            with self._lock:
                self._rankings[key] = made
        except Exception:
            _log.exception("ranking the queue of %s in %r at %s failed", key[1], key[0], key[2])
            raise
        finally:
            with self._lock:
                self._pending.discard(key)
                again = self._again.pop(key, None)
            if again is not None:
                try:
                    self.refresh(*key, *again)
                except RuntimeError:  # closed meanwhile
                    pass
