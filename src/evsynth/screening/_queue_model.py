"""The ranking model a server orders one review's queues with.

The ``"default"`` kind reads sentence embeddings of every record, which take minutes to compute
on CPU for a large review. A server must not wait for them: :class:`QueueModel` ranks with the
``"anchor"`` kind (TF-IDF only) at once, computes the embeddings on a thread of its own (kept in
an :class:`~evsynth.screening._embedding_cache.EmbeddingCache`, so a restart computes nothing),
and ranks with ``"default"`` from then on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from evsynth.screening import _ranking
from evsynth.screening._embedding_cache import EmbeddingCache
from evsynth.screening._ranking import RANKING_KINDS, RankingModel, ranking_model

__all__ = ["QueueModel"]

_log = logging.getLogger("evsynth.screening")


class QueueModel:
    """A review's ranking model for a server's queues (see the module's docstring).

    Parameters
    ----------
    texts : sequence of str
        One text per record (:func:`~evsynth.screening._ranking.record_text`).
    kind : str
        ``"anchor"``, or ``"default"``: the anchor until the embeddings are ready.
    cache : EmbeddingCache, optional
        Where the embeddings are kept; without one they are computed each time.
    embed : callable, optional
        ``embed(texts)`` returns the embedding blocks of ``texts`` (default:
        :func:`~evsynth.screening._ranking.record_embeddings`).
    wait : bool
        Compute missing embeddings in this thread before returning (tests, scripts).

    Examples
    --------
    >>> model = QueueModel(["knee pain trial", "knee pain study", "tax law"], kind="anchor")
    >>> model.kind, model.rank({0: 1, 2: 0}).tolist()
    ('anchor', [1])
    """

    def __init__(
        self,
        texts: Sequence[str],
        *,
        kind: str,
        cache: EmbeddingCache | None = None,
        embed: Callable[[list[str]], Sequence] | None = None,
        wait: bool = False,
    ) -> None:
        if kind not in RANKING_KINDS:
            raise ValueError(f"kind must be one of {', '.join(RANKING_KINDS)}, not {kind!r}")
        self._texts = list(texts)
        self._embed = embed if embed is not None else _ranking.record_embeddings
        self._cache = cache
        #: set once the model ranking now is the one asked for (or its embeddings failed)
        self.ready = threading.Event()
        found = None
        if kind == "default" and cache is not None:
            found = cache.lookup(self._texts)
        if kind == "anchor" or found is not None:
            self._model: RankingModel = ranking_model(self._texts, kind=kind, embeddings=found)
            self.ready.set()
            return
        self._model = ranking_model(self._texts, kind="anchor")
        if wait:
            self._upgrade()
        else:
            threading.Thread(target=self._upgrade, name="evsynth-embeddings", daemon=True).start()

    @property
    def kind(self) -> str:
        """The kind ranking now: ``"anchor"`` until the embeddings of ``"default"`` are in."""
        return self._model.kind

    def rank(self, labelled):
        """:meth:`RankingModel.rank` of the model ranking now."""
        return self._model.rank(labelled)

    def _upgrade(self) -> None:
        try:
            if self._cache is None:
                blocks = self._embed(self._texts)
            else:
                blocks = self._cache.compute(self._texts, embed=self._embed)
            self._model = ranking_model(self._texts, kind="default", embeddings=blocks)
        except Exception:
            _log.exception(
                "computing the sentence embeddings of %d records failed; ranking with "
                'the "anchor" model',
                len(self._texts),
            )
        finally:
            self.ready.set()
