"""Sentence embeddings of records, computed once and kept in a file.

:func:`~evsynth.screening._ranking.record_embeddings` takes minutes on CPU for thousands of
records. A server keeps them in one ``.npz`` file, each record's pair of embeddings under a
digest of its text, so that a restart computes nothing and an import computes only the new
records' texts.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingCache"]

_DIGEST_CHARACTERS = 32  # hexadecimal: 128 bits of SHA-256


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGEST_CHARACTERS].encode()


class EmbeddingCache:
    """Sentence embeddings by text, kept in ``path`` (a ``.npz`` file, made when first
    written).

    Parameters
    ----------
    path : path-like
        The file. Its folder is made when needed. A file that cannot be read as a cache
        (damaged, another format) is ignored and replaced at the next write.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "embeddings.npz"
    >>> fake = lambda texts: (np.ones((len(texts), 2)), np.zeros((len(texts), 2)))
    >>> cache = EmbeddingCache(path)
    >>> cache.lookup(["a trial"]) is None
    True
    >>> [block.shape for block in cache.compute(["a trial", "a study"], embed=fake)]
    [(2, 2), (2, 2)]
    >>> EmbeddingCache(path).lookup(["a study"])[0].tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, ...] | None:
        """The kept embedding blocks of ``texts`` (rows in their order), or None when any
        text has none."""
        with self._lock:
            digests, blocks = self._read()
        row_of = {digest: row for row, digest in enumerate(digests)}
        rows = [row_of.get(_digest(text)) for text in texts]
        if any(row is None for row in rows) or not blocks:
            return None
        return tuple(block[rows] for block in blocks)

    def compute(
        self, texts: Sequence[str], *, embed: Callable[[list[str]], Sequence[np.ndarray]]
    ) -> tuple[np.ndarray, ...]:
        """The embedding blocks of ``texts``: ``embed(missing texts)`` computes those not kept
        (each block one row per text), and the file is rewritten with them added (written
        whole to a temporary file first, then renamed over the old one).

        The computing is done without holding the cache, which may take minutes: other
        threads look up and add meanwhile (what they added is kept too).
        """
        texts = list(texts)
        wanted = [_digest(text) for text in texts]
        text_of = dict(zip(wanted, texts, strict=True))
        with self._lock:
            digests, blocks = self._read()
        known = set(digests)
        missing = list(dict.fromkeys(d for d in wanted if d not in known))
        if not missing:
            row_of = {digest: row for row, digest in enumerate(digests)}
            return tuple(block[[row_of[d] for d in wanted]] for block in blocks)
        new = self._embed(embed, [text_of[d] for d in missing])
        with self._lock:
            digests, blocks = self._read()  # again: others may have added meanwhile
            if blocks and len(blocks) != len(new):  # kept ones of another kind: all anew
                missing = list(dict.fromkeys(wanted))
                new = self._embed(embed, [text_of[d] for d in missing])
                digests, blocks = [], []
            if not blocks:
                blocks = [block[:0] for block in new]
            row_of = {digest: row for row, digest in enumerate(digests)}
            fresh = [at for at, digest in enumerate(missing) if digest not in row_of]
            blocks = [np.vstack([old, add[fresh]]) for old, add in zip(blocks, new, strict=True)]
            for at in fresh:
                row_of[missing[at]] = len(digests)
                digests.append(missing[at])
            self._write(digests, blocks)
        return tuple(block[[row_of[d] for d in wanted]] for block in blocks)

    @staticmethod
    def _embed(embed, texts: list[str]) -> list[np.ndarray]:
        return [np.asarray(block, dtype=np.float32) for block in embed(texts)]

    def _read(self) -> tuple[list[bytes], list[np.ndarray]]:
        try:
            with np.load(self.path) as stored:
                digests = [bytes(d) for d in stored["digests"]]
                blocks = [stored[f"block{i}"] for i in range(int(stored["n_blocks"]))]
        except (OSError, KeyError, ValueError):
            return [], []
        if any(len(block) != len(digests) for block in blocks):
            return [], []
        return digests, blocks

    def _write(self, digests: list[bytes], blocks: list[np.ndarray]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        arrays = {f"block{i}": block for i, block in enumerate(blocks)}
        with open(partial, "wb") as handle:
            np.savez(
                handle,
                digests=np.array(digests, dtype=f"S{_DIGEST_CHARACTERS}"),
                n_blocks=np.array(len(blocks)),
                **arrays,
            )
        os.replace(partial, self.path)
