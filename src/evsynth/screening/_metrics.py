"""How early a screening order finds the included records: recall, WSS, loss and ATD.

Every figure is computed from the labels in the order the records were screened (1 =
included), as defined in ASReview's and Cohen et al.'s evaluations; see
``shared/reference/screening.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evsynth.screening._label_checks import check_labels

__all__ = ["OrderMetrics", "order_metrics", "recall_curve"]


def _labels(labels_in_order: Sequence[int] | np.ndarray) -> np.ndarray:
    return check_labels(labels_in_order, "labels_in_order", both_classes=True)


def recall_curve(labels_in_order: Sequence[int] | np.ndarray) -> np.ndarray:
    """Recall after screening 1, 2, …, N records (the fraction of included records found).

    Examples
    --------
    >>> recall_curve([1, 0, 1, 0]).tolist()
    [0.5, 0.5, 1.0, 1.0]
    """
    labels = _labels(labels_in_order)
    return np.cumsum(labels) / labels.sum()


@dataclass(frozen=True)
class OrderMetrics:
    """How early one screening order finds the included records.

    Attributes
    ----------
    records, included : int
        N records screened in all and R of them included.
    recall_at : dict[float, float]
        Recall after screening 10, 25 and 50 % of the records (``ceil(p N)`` records).
    records_to_recall_95 : int
        Records screened when 95 % of the included records had been found (``ceil(0.95 R)``).
    wss_95 : float
        Work saved over sampling at 95 % recall: ``(N - n95) / N - 0.05``.
    loss : float
        ASReview's loss: the area between the perfect recall curve and this one, normalised
        by the area between the perfect and the worst curves (0 perfect, ~0.5 random order).
    atd : float
        Average time to discovery: the mean over included records of the fraction of records
        screened before it was found.
    """

    records: int
    included: int
    recall_at: dict[float, float]
    records_to_recall_95: int
    wss_95: float
    loss: float
    atd: float


def order_metrics(labels_in_order: Sequence[int] | np.ndarray) -> OrderMetrics:
    """Recall at 10/25/50 %, WSS@95, loss and ATD of one screening order.

    Parameters
    ----------
    labels_in_order : sequence of 0/1
        The label of each record (1 = included) in the order the records were screened.

    References
    ----------
    Cohen AM et al. Reducing workload in systematic review preparation using automated
    citation classification. JAMIA 2006;13:206-19 (WSS). ASReview's ``loss`` metric
    (asreview.metrics). Kusa W et al. Outcome-based evaluation of systematic review
    automation. Intelligent Systems with Applications 2023 (ATD).

    Examples
    --------
    >>> m = order_metrics([1, 1, 0, 0])   # the perfect order
    >>> m.loss, m.wss_95
    (0.0, 0.45)
    >>> order_metrics([0, 0, 1, 1]).loss   # the worst order
    1.0
    """
    labels = _labels(labels_in_order)
    n, r = labels.size, int(labels.sum())
    found = np.cumsum(labels)
    recall_at = {
        share: float(found[int(np.ceil(share * n)) - 1] / r) for share in (0.10, 0.25, 0.50)
    }
    n95 = int(np.searchsorted(found, int(np.ceil(0.95 * r))) + 1)
    loss = (r * (n - (r - 1) / 2) - found.sum()) / (r * (n - r))
    positions = np.flatnonzero(labels)  # records screened before each included one
    return OrderMetrics(
        records=n,
        included=r,
        recall_at=recall_at,
        records_to_recall_95=n95,
        wss_95=float((n - n95) / n - 0.05),
        loss=float(loss),
        atd=float(positions.mean() / n),
    )
