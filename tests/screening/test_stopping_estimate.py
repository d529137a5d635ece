"""The stopping check's numbers: recall_test and records_until_stop on a reviewer's labels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evsynth.screening import StoppingEstimate, recall_test, records_until_stop, stopping_estimate


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 1), max_size=60),
    records_left=st.integers(0, 80),
    start_share=st.floats(0, 1),
    target=st.sampled_from([0.8, 0.9, 0.95, 1.0]),
)
def test_the_numbers_are_those_of_recall_test_and_records_until_stop(
    labels, records_left, start_share, target
):
    if not labels and not records_left:
        return
    start = int(start_share * len(labels))
    n = len(labels) + records_left
    estimate = stopping_estimate(labels, records_left, sample_start=start, recall_target=target)
    result = recall_test(labels, n, sample_start=start, recall_target=target)
    assert estimate.reached == result.stop
    assert estimate.p_value == result.p_value
    assert (estimate.records, estimate.records_screened, estimate.records_left) == (
        n,
        len(labels),
        records_left,
    )
    assert (estimate.sample_start, estimate.sample_size) == (start, len(labels) - start)
    assert estimate.included_found == sum(labels)
    assert estimate.included_in_sample == sum(labels[start:])
    to_go = records_until_stop(labels, n, sample_start=start, recall_target=target)
    assert estimate.records_to_go == to_go
    assert (to_go == 0) == estimate.reached
    assert to_go <= records_left


def test_without_a_sample_start_the_numbers_are_those_of_a_sample_beginning_now():
    labels = [1, 1, 0, 1] + [0] * 30
    before = stopping_estimate(labels, 200)
    assert before == stopping_estimate(labels, 200, sample_start=len(labels))
    assert (before.sample_size, before.reached) == (0, False)
    assert before.records_to_go == records_until_stop(labels, 234, sample_start=34)


def test_screening_records_to_go_excluded_records_in_the_sample_reaches_the_target():
    labels = [1] * 10 + [0] * 20
    started = stopping_estimate(labels, 300, sample_start=30)
    n_more = started.records_to_go
    assert n_more > 0 and not started.reached
    one_short = stopping_estimate(labels + [0] * (n_more - 1), 300 - n_more + 1, sample_start=30)
    assert not one_short.reached and one_short.records_to_go == 1
    there = stopping_estimate(labels + [0] * n_more, 300 - n_more, sample_start=30)
    assert there.reached and there.records_to_go == 0
    # an include in the sample sets it back
    found = stopping_estimate(labels + [0] * (n_more - 1) + [1], 300 - n_more, sample_start=30)
    assert not found.reached and found.records_to_go > 1


def test_nothing_left_means_reached():
    estimate = stopping_estimate([0, 1, 0], 0, sample_start=1)
    assert isinstance(estimate, StoppingEstimate)
    assert estimate.reached and estimate.records_to_go == 0 and estimate.p_value == 0.0


def test_numpy_labels_and_parameters():
    labels = np.array([1, 0, 0, 0], dtype=np.int8)
    estimate = stopping_estimate(labels, np.int64(50), recall_target=0.8, confidence=0.9)
    assert (estimate.recall_target, estimate.confidence, estimate.records) == (0.8, 0.9, 54)


@pytest.mark.parametrize(
    ("labels", "left", "options", "message"),
    [
        ([1, 0], -1, {}, "records_left must be >= 0"),
        ([1, 0], 2.5, {}, "records_left must be a whole number"),
        ([1, 0], True, {}, "records_left must be a whole number"),
        ([], 0, {}, "no records"),
        ([[1, 0]], 3, {}, "one-dimensional"),
        ("10", 3, {}, "one-dimensional"),
        ([1, 2], 3, {}, "only 0 .* and 1"),
        ([1, 0], 3, {"sample_start": 3}, "sample_start"),
        ([1, 0], 3, {"recall_target": 1.5}, "recall_target"),
        ([1, 0], 3, {"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_input_is_a_clear_error(labels, left, options, message):
    with pytest.raises(ValueError, match=message):
        stopping_estimate(labels, left, **options)
