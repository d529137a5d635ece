"""Simulated screening: the order, its metrics, and what it refuses."""

import numpy as np
import pytest

from evsynth.screening._metrics import order_metrics
from evsynth.screening._priors import prior_indices
from evsynth.screening._ranking import ranking_model
from evsynth.screening._simulation import SimulationResult, simulate
from tests.screening.test_ranking import IRRELEVANT, RELEVANT, build

TEXTS = [*RELEVANT[:2], *IRRELEVANT[:5], *RELEVANT[2:], *IRRELEVANT[5:]]
LABELS = [1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
MODEL = build(TEXTS)  # the default kind, with stand-in embeddings


@pytest.mark.parametrize("batch", [1, 3])
def test_order_is_a_permutation_with_priors_first(batch):
    prior = [7, 12, 3]
    result = simulate(TEXTS, LABELS, prior=prior, model=MODEL, batch=batch)
    assert isinstance(result, SimulationResult)
    assert result.order[:3].tolist() == prior
    assert sorted(result.order.tolist()) == list(range(len(TEXTS)))
    assert np.array_equal(result.labels_in_order, np.asarray(LABELS)[result.order])
    assert result.metrics == order_metrics(result.labels_in_order)
    assert result.seconds > 0
    assert result.kind == "default"


def test_finds_the_obvious_positives_first():
    result = simulate(TEXTS, LABELS, prior=[0, 2], model=MODEL)
    assert result.labels_in_order[:6].tolist() == [1, 0, 1, 1, 1, 1]
    # one retraining per revealed record until the last included one is found
    assert result.retrains == 4
    assert result.metrics.included == 5 and result.metrics.records == 15


def test_batch_retrains_less():
    one = simulate(TEXTS, LABELS, prior=[0, 2], model="anchor")
    three = simulate(TEXTS, LABELS, prior=[0, 2], model="anchor", batch=3)
    assert three.retrains == 2 < one.retrains


def test_follows_the_model_step_by_step():
    model = ranking_model(TEXTS, kind="anchor")
    result = simulate(None, LABELS, prior=[0, 2], model=model)
    labels = np.asarray(LABELS)
    order = [0, 2]
    while labels[order].sum() < labels.sum():
        order.append(int(model.rank((order, labels[order]))[0]))
    assert result.order[: len(order)].tolist() == order
    assert result.kind == "anchor"


def test_deterministic_and_a_prebuilt_model_gives_the_same_order():
    labels = np.asarray(LABELS)
    prior = prior_indices(labels, seed=1)
    first = simulate(TEXTS, labels, prior=prior, model="anchor")
    again = simulate(TEXTS, labels, prior=prior, model=ranking_model(TEXTS, kind="anchor"))
    assert np.array_equal(first.order, again.order)
    assert np.array_equal(
        simulate(None, labels, prior=prior, model=MODEL).order,
        simulate(None, labels, prior=prior, model=build(TEXTS)).order,
    )


def test_priors_holding_every_included_record():
    labels = [1, 0, 0, 0]
    result = simulate(["a b", "c d", "a c", "b d"], labels, prior=[0, 1], model="anchor")
    assert result.retrains == 1
    assert result.order[:2].tolist() == [0, 1]
    assert result.metrics.loss == 0.0


def test_progress_is_reported():
    calls = []
    simulate(None, LABELS, prior=[0, 2], model=MODEL, progress=lambda *a: calls.append(a))
    assert calls[0] == (3, 15, 2)
    assert calls[-1] == (6, 15, 5)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"labels": [1, 0, 2] + [0] * 12}, ValueError, "must be 1 \\(included\\) or 0"),
        ({"labels": [1, 0, 0]}, ValueError, "there are 15 records but 3 labels"),
        ({"prior": [0, 15]}, ValueError, "prior row 15 is out of range: there are 15 records"),
        ({"prior": [0, -1]}, ValueError, "prior row -1 is out of range"),
        ({"prior": [0, 2, 0]}, ValueError, "prior row 0 is given more than once"),
        ({"prior": [2, 3]}, ValueError, "the priors hold no included record"),
        ({"prior": [0, 1]}, ValueError, "the priors hold no excluded record"),
        ({"prior": []}, ValueError, "the priors hold no included record"),
        ({"prior": [0, 2.0]}, ValueError, "integer row indices"),
        ({"prior": "02"}, TypeError, "sequence of row indices"),
        ({"batch": 0}, ValueError, "batch must be a positive integer"),
        ({"model": "bert"}, ValueError, "kind must be one of"),
        ({"model": 3}, TypeError, "model must be a kind"),
        ({"texts": None}, ValueError, "texts are needed"),
    ],
)
def test_refuses_bad_input(kwargs, error, message):
    arguments = {"texts": TEXTS, "labels": LABELS, "prior": [0, 2], **kwargs}
    texts, labels = arguments.pop("texts"), arguments.pop("labels")
    with pytest.raises(error, match=message):
        simulate(texts, labels, **arguments)


def test_refuses_a_model_of_other_records():
    model = ranking_model(TEXTS[:10], kind="anchor")
    with pytest.raises(ValueError, match="the model ranks 10 records but 15 texts"):
        simulate(TEXTS, LABELS, prior=[0, 2], model=model)
