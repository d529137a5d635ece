"""Recall, WSS@95, loss and ATD of a screening order, against their definitions."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evsynth.screening import order_metrics, recall_curve

TOLERANCE = 1e-12


def brute_force(labels):
    """The definitions of shared/reference/screening.md, one record at a time."""
    n, r = len(labels), sum(labels)
    found, total = 0, 0
    curve = []
    for label in labels:
        found += label
        total += found
        curve.append(found)
    n95 = next(i + 1 for i, f in enumerate(curve) if f >= math.ceil(0.95 * r))
    perfect = sum(min(i, r) for i in range(1, n + 1))
    worst = sum(max(0, i - (n - r)) for i in range(1, n + 1))
    before = [i for i, label in enumerate(labels) if label]
    return {
        "loss": (perfect - total) / (perfect - worst),
        "wss_95": (n - n95) / n - 0.05,
        "atd": sum(before) / r / n,
        "n95": n95,
    }


def test_worked_example():
    # 10 records, 2 included, found at ranks 2 and 5.
    labels = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    m = order_metrics(labels)
    # found_i = 0,1,1,1,2,2,2,2,2,2 (sum 15); perfect 1,2,…,2 (sum 19); worst sum 3.
    assert m.loss == pytest.approx((19 - 15) / (19 - 3), rel=TOLERANCE)
    assert m.records_to_recall_95 == 5
    assert m.wss_95 == pytest.approx(0.45, rel=TOLERANCE)
    assert m.atd == pytest.approx((1 + 4) / 2 / 10, rel=TOLERANCE)
    assert m.recall_at == {0.10: 0.0, 0.25: 0.5, 0.50: 1.0}
    assert recall_curve(labels)[4] == 1.0


@given(st.lists(st.integers(0, 1), min_size=2, max_size=60).filter(lambda x: 0 < sum(x) < len(x)))
def test_matches_the_definitions(labels):
    m, expected = order_metrics(labels), brute_force(labels)
    assert m.loss == pytest.approx(expected["loss"], rel=TOLERANCE, abs=TOLERANCE)
    assert m.wss_95 == pytest.approx(expected["wss_95"], rel=TOLERANCE, abs=TOLERANCE)
    assert m.atd == pytest.approx(expected["atd"], rel=TOLERANCE, abs=TOLERANCE)
    assert m.records_to_recall_95 == expected["n95"]


def test_random_order_loss_is_about_one_half():
    rng = np.random.default_rng(1)
    losses = [order_metrics(rng.permutation([1] * 50 + [0] * 950)).loss for _ in range(200)]
    assert np.mean(losses) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(
    "labels, message",
    [([], "non-empty"), ([0, 2], "only 0"), ([0, 0], "at least one included"), ([1], "at least")],
)
def test_refuses_what_has_no_metrics(labels, message):
    with pytest.raises(ValueError, match=message):
        order_metrics(labels)
