"""The server's queue model: the anchor at once, the default once the embeddings are in, and
the embeddings kept in a file so that they are computed once per text."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from evsynth.screening._embedding_cache import EmbeddingCache
from evsynth.screening._queue_model import QueueModel

TEXTS = [
    "peer support for knee pain",
    "peer mentoring in back pain",
    "tax policy in europe",
    "inflation and wages",
    "lay-led groups for arthritis pain",
]


def fake_embed(calls):
    """Two blocks per text (pain-ness, economics-ness, length), recording the texts asked."""

    def embed(texts):
        calls.append(list(texts))
        block = np.array([["pain" in t, "tax" in t or "inflation" in t, len(t)] for t in texts])
        return block.astype(float), block[:, :2].astype(float)

    return embed


def test_the_anchor_needs_no_embeddings():
    model = QueueModel(TEXTS, kind="anchor", embed=lambda texts: pytest.fail("embedded"))
    assert model.kind == "anchor" and model.ready.is_set()
    assert model.rank({0: 1, 2: 0}).tolist()[0] in (1, 4)


def test_default_ranks_with_the_anchor_until_its_embeddings_are_in(tmp_path):
    release, calls = threading.Event(), []
    embed = fake_embed(calls)

    def slow(texts):
        release.wait(10)
        return embed(texts)

    model = QueueModel(TEXTS, kind="default", cache=EmbeddingCache(tmp_path / "e.npz"), embed=slow)
    assert model.kind == "anchor" and not model.ready.is_set()
    assert len(model.rank({0: 1, 2: 0})) == 3
    release.set()
    assert model.ready.wait(10)
    assert model.kind == "default"
    assert sorted(model.rank({0: 1, 2: 0}).tolist()[:2]) == [1, 4]  # the pain records first


def test_the_embeddings_are_computed_once_per_text(tmp_path):
    calls = []
    cache = EmbeddingCache(tmp_path / "cache" / "embeddings.npz")
    first = QueueModel(TEXTS[:3], kind="default", cache=cache, embed=fake_embed(calls), wait=True)
    assert first.kind == "default" and calls == [TEXTS[:3]]
    # a restart (a new cache object on the same file) with two more records: only those
    again = EmbeddingCache(tmp_path / "cache" / "embeddings.npz")
    second = QueueModel(TEXTS, kind="default", cache=again, embed=fake_embed(calls), wait=True)
    assert second.kind == "default" and calls[1:] == [TEXTS[3:]]
    third = QueueModel(TEXTS, kind="default", cache=again, embed=fake_embed(calls), wait=True)
    assert third.kind == "default" and len(calls) == 2  # all kept: built at once
    stored = again.lookup(list(reversed(TEXTS)))
    assert [block.shape for block in stored] == [(5, 3), (5, 2)]
    np.testing.assert_array_equal(stored[1][0], [1.0, 0.0])  # the last text's, first


def test_a_failed_embedding_leaves_the_anchor_and_says_so(tmp_path, caplog):
    def broken(texts):
        raise RuntimeError("no model files")

    with caplog.at_level("ERROR", logger="evsynth.screening"):
        model = QueueModel(TEXTS, kind="default", embed=broken, wait=True)
    assert model.kind == "anchor" and model.ready.is_set()
    assert "computing the sentence embeddings of 5 records failed" in caplog.text


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "embeddings.npz"
    path.write_bytes(b"not a numpy file")
    calls = []
    cache = EmbeddingCache(path)
    assert cache.lookup(TEXTS) is None
    QueueModel(TEXTS, kind="default", cache=cache, embed=fake_embed(calls), wait=True)
    assert calls == [TEXTS] and EmbeddingCache(path).lookup(TEXTS) is not None


def test_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        QueueModel(TEXTS, kind="bert")


def test_the_cache_is_not_held_while_embeddings_are_computed(tmp_path):
    started, release, calls = threading.Event(), threading.Event(), []
    embed = fake_embed(calls)

    def slow(texts):
        started.set()
        release.wait(10)
        return embed(texts)

    cache = EmbeddingCache(tmp_path / "e.npz")
    worker = threading.Thread(target=cache.compute, args=(TEXTS[:3],), kwargs={"embed": slow})
    worker.start()
    assert started.wait(10)
    # another review's texts, looked up and computed while the first batch is being embedded
    assert cache.lookup(TEXTS[3:]) is None
    cache.compute(TEXTS[3:], embed=embed)
    release.set()
    worker.join(10)
    assert [len(block) for block in cache.lookup(TEXTS)] == [5, 5]  # both kept
