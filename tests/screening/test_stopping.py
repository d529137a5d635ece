"""The statistical stopping rule (Callaghan & Müller-Hansen 2020) against its definition."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom

from evsynth.screening import (
    StoppingPoint,
    StoppingResult,
    recall_test,
    records_until_stop,
    stopping_point,
)
from evsynth.screening._stopping import _p_values

TOLERANCE = 1e-9
TARGETS = st.sampled_from([0.8, 0.9, 0.95, 0.99, 1.0])
CONFIDENCES = st.sampled_from([0.5, 0.9, 0.95, 0.99])


def scipy_p(labels, n_records, start, recall_target):
    """The definition, with scipy: P(X <= k), X ~ Hypergeom(N - s, floor(c/τ) + 1 - c_s, t - s)."""
    found, found_before = sum(labels), sum(labels[:start])
    min_total = math.floor(round(found / recall_target, 9)) + 1
    population, included_h0 = n_records - start, min_total - found_before
    if included_h0 > population:
        return 0.0
    return float(hypergeom.cdf(found - found_before, population, included_h0, len(labels) - start))


@st.composite
def screenings(draw, min_size=0, max_size=60):
    """Labels screened so far, records in all, and a sample start."""
    labels = draw(st.lists(st.integers(0, 1), min_size=min_size, max_size=max_size))
    n_records = len(labels) + draw(st.integers(0 if labels else 1, 40))
    start = draw(st.integers(0, len(labels)))
    return labels, n_records, start


# --- the p-value ------------------------------------------------------------------------


def test_worked_example_by_hand():
    # 60 records; 10 screened in prioritised order with 6 included, then a random sample of
    # 30 with 1 included. c = 7 found; recall < 95 % iff R >= floor(7 / 0.95) + 1 = 8, so the
    # urn of 50 held at least K = 8 - 6 = 2 included records; p = P(X <= 1) = 1 - P(X = 2).
    labels = [1] * 6 + [0] * 4 + [1] + [0] * 29
    result = recall_test(labels, 60, sample_start=10)
    by_hand = 1 - (30 * 29) / (50 * 49)
    assert result.p_value == pytest.approx(by_hand, rel=1e-12)
    assert result.p_value == pytest.approx(hypergeom.cdf(1, 50, 2, 30), rel=1e-12)
    assert not result.stop
    assert (result.sample_start, result.sample_size, result.included_in_sample) == (10, 30, 1)
    assert result.min_missed_if_below_target == 1


def test_published_worked_example():
    # The authors' worked example (mcallaghan/rapid-screening, analysis/hyper_criteriaR.md):
    # 20 relevant then 70 irrelevant documents, N = 100, recall target 0.9: k_hat = 3 and,
    # "based on the last 70 documents", p = 0.00146056475170399.
    result = recall_test([1] * 20 + [0] * 70, 100, recall_target=0.9)
    assert result.p_value == pytest.approx(0.00146056475170399, rel=TOLERANCE)
    assert result.sample_size == 70
    assert result.included_in_sample == 0
    assert result.min_missed_if_below_target == 3
    assert result.stop
    assert isinstance(result, StoppingResult)


def test_published_missed_count():
    # buscarR's vignette (mcallaghan/buscarR, vignettes/stopping-criteria.Rmd): with 95
    # relevant documents seen and a 95 % target, at least 6 would have to remain to miss it.
    result = recall_test([1] * 95 + [0] * 100, 1000)
    assert result.min_missed_if_below_target == 6
    # 19 found at 95 %: 20 in all would give exactly 95 %, not below, so 2 must be missed
    assert recall_test([1] * 19, 100).min_missed_if_below_target == 2


def test_hypergeometric_tail_matches_scipy():
    rng = np.random.default_rng(7)
    population = rng.integers(1, 3000, 20_000)
    included = (rng.random(population.size) * population).astype(int) + 1
    drawn = (rng.random(population.size) * (population + 1)).astype(int)
    k = (rng.random(population.size) * (np.minimum(included, drawn) + 1)).astype(int)
    ours = _p_values(k, population, included, drawn)
    expected = hypergeom.cdf(k, population, included, drawn)
    np.testing.assert_allclose(ours, expected, rtol=TOLERANCE, atol=1e-14)
    # H0 impossible (more included than records in the urn): p = 0
    assert _p_values(0, 10, 11, 3) == 0.0


@settings(max_examples=300, deadline=None)
@given(screenings(), TARGETS)
def test_random_sample_p_matches_scipy(screening, target):
    labels, n_records, start = screening
    result = recall_test(labels, n_records, sample_start=start, recall_target=target)
    expected = scipy_p(labels, n_records, start, target)
    assert result.p_value == pytest.approx(expected, rel=TOLERANCE, abs=1e-14)
    assert result.method == "random_sample"
    assert result.sample_size == len(labels) - start


@settings(max_examples=300, deadline=None)
@given(screenings(min_size=1), TARGETS)
def test_ranked_p_is_the_minimum_over_all_windows(screening, target):
    labels, n_records, _ = screening
    result = recall_test(labels, n_records, recall_target=target)
    windows = [scipy_p(labels, n_records, start, target) for start in range(len(labels))]
    assert result.p_value == pytest.approx(min(windows), rel=TOLERANCE, abs=1e-14)
    assert windows[result.sample_start] == pytest.approx(result.p_value, rel=TOLERANCE, abs=1e-14)
    assert result.method == "ranked"


def test_edge_cases():
    assert recall_test([], 10).p_value == 1.0  # nothing screened: no evidence
    assert recall_test([0] * 10, 10).stop  # everything screened: recall is known
    assert recall_test([0, 1, 0], 3, sample_start=3).p_value == 0.0
    # 40 found, 3 would have to be missed, 2 records left: recall cannot be below 95 %
    result = recall_test([1] * 40, 42)
    assert result.min_missed_if_below_target == 3
    assert result.p_value == 0.0 and result.stop
    # an empty sample says nothing
    assert recall_test([1] * 40, 100, sample_start=40).p_value == 1.0


# --- monotonicity -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(screenings(), TARGETS, st.integers(1, 30))
def test_more_excluded_records_lower_p(screening, target, extra):
    labels, n_records, start = screening
    n_records += extra
    for sample_start in (start, None):
        p = [
            recall_test(
                labels + [0] * j, n_records, sample_start=sample_start, recall_target=target
            ).p_value
            for j in range(extra + 1)
        ]
        assert all(later <= earlier + 1e-14 for earlier, later in itertools.pairwise(p))
        if sample_start is not None and 0.0 < p[0]:
            # each excluded record drawn from the urn lowers p strictly until it reaches 0
            assert all(later < earlier for earlier, later in itertools.pairwise(p) if later)


@settings(max_examples=200, deadline=None)
@given(screenings(min_size=1))
def test_higher_target_is_harder(screening):
    labels, n_records, start = screening
    for sample_start in (start, None):
        p = [
            recall_test(labels, n_records, sample_start=sample_start, recall_target=t).p_value
            for t in (0.5, 0.8, 0.9, 0.95, 0.99, 1.0)
        ]
        assert all(later >= earlier - 1e-14 for earlier, later in itertools.pairwise(p))


@settings(max_examples=200, deadline=None)
@given(screenings(min_size=1), TARGETS)
def test_ranked_is_at_most_any_sample(screening, target):
    labels, n_records, start = screening
    ranked = recall_test(labels, n_records, recall_target=target).p_value
    if start < len(labels):
        sample = recall_test(labels, n_records, sample_start=start, recall_target=target)
        assert ranked <= sample.p_value + 1e-14


# --- records until stop -----------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(screenings(), TARGETS, CONFIDENCES, st.booleans())
def test_records_until_stop_agrees_with_the_test(screening, target, confidence, ranked):
    labels, n_records, start = screening
    sample_start = None if ranked else start
    options = {"sample_start": sample_start, "recall_target": target, "confidence": confidence}
    more = records_until_stop(labels, n_records, **options)
    assert 0 <= more <= n_records - len(labels)
    assert recall_test(labels + [0] * more, n_records, **options).stop
    if more:
        assert not recall_test(labels + [0] * (more - 1), n_records, **options).stop
        # after one more excluded record the count drops by exactly one
        assert records_until_stop([*labels, 0], n_records, **options) == more - 1


def test_records_until_stop_worked_example():
    # 20 included records, then a random sample of 40 excluded ones from the 80 remaining
    labels = [1] * 20 + [0] * 40
    assert records_until_stop(labels, 100, sample_start=20, recall_target=0.9) == 10
    # starting a random sample now: it is empty, so more records are needed
    assert records_until_stop(labels, 100, sample_start=60, recall_target=0.9) > 10
    # an included record in the sample pushes the count up
    assert records_until_stop([*labels, 1], 100, sample_start=20, recall_target=0.9) > 9


# --- the stopping point in a simulation ---------------------------------------------------


def first_stop(order, sample_start, target, confidence):
    for t in range(len(order) + 1):
        result = recall_test(
            order[:t],
            len(order),
            sample_start=sample_start if sample_start is None else min(sample_start, t),
            recall_target=target,
            confidence=confidence,
        )
        if result.stop and (sample_start is None or t >= sample_start):
            return t, result.p_value
    raise AssertionError("the test never stopped")


@st.composite
def orders(draw):
    labels = draw(st.lists(st.integers(0, 1), min_size=1, max_size=80))
    if not any(labels):
        labels[draw(st.integers(0, len(labels) - 1))] = 1
    return labels


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders(), TARGETS, CONFIDENCES)
def test_ranked_stopping_point_is_the_first_stop(order, target, confidence):
    point = stopping_point(order, recall_target=target, confidence=confidence)
    t, p_value = first_stop(order, None, target, confidence)
    assert point.records_screened == t
    assert point.p_value == pytest.approx(p_value, rel=TOLERANCE, abs=1e-14)
    assert point.included_found == sum(order[:t])
    assert point.recall == sum(order[:t]) / sum(order)
    assert point.share_screened == t / len(order)
    assert point.reached_target == (sum(order[:t]) / sum(order) >= target - 1e-12)
    assert point.sample_start is None and point.sample_size is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders(), TARGETS, CONFIDENCES, st.integers(0, 12), st.integers(0, 2**32))
def test_random_sample_stopping_point_is_the_first_stop(order, target, confidence, switch, seed):
    point = stopping_point(
        order,
        recall_target=target,
        confidence=confidence,
        method="random_sample",
        switch_after_excluded=switch,
        seed=seed,
    )
    # the switch: the first time `switch` excluded records in a row have been screened
    run, start = 0, len(order)
    if switch == 0:
        start = 0
    else:
        for position, label in enumerate(order, 1):
            run = 0 if label else run + 1
            if run >= switch:
                start = position
                break
    assert point.sample_start == start
    rest = np.random.default_rng(seed).permutation(order[start:]).tolist()
    shown = order[:start] + rest
    t, p_value = first_stop(shown, start, target, confidence)
    assert point.records_screened == t
    assert point.sample_size == t - start
    assert point.p_value == pytest.approx(p_value, rel=TOLERANCE, abs=1e-14)
    assert point.included_found == sum(shown[:t])


def test_perfect_order():
    point = stopping_point([1] * 20 + [0] * 180)
    assert point == StoppingPoint(
        method="ranked",
        records=200,
        included=20,
        records_screened=160,
        included_found=20,
        recall=1.0,
        share_screened=0.8,
        reached_target=True,
        p_value=point.p_value,
        sample_start=None,
        sample_size=None,
        recall_target=0.95,
        confidence=0.95,
    )
    assert point.p_value < 0.05


def biased_order(rng, n_records, n_included, bias):
    """A prioritised-like order: each included record `bias` times as likely to come next."""
    labels = np.zeros(n_records, dtype=int)
    labels[:n_included] = 1
    weights = np.where(labels == 1, float(bias), 1.0)
    return labels[rng.choice(n_records, n_records, replace=False, p=weights / weights.sum())]


def test_monte_carlo_random_order_random_sample():
    # Screening in random order is a random sample from the start: the rule, tested after
    # every record, may stop short of the target in about 1 - confidence of the runs.
    runs, misses = 600, 0
    for seed in range(runs):
        order = np.random.default_rng(seed).permutation([1] * 25 + [0] * 475)
        point = stopping_point(order, method="random_sample", switch_after_excluded=0, seed=seed)
        misses += not point.reached_target
    standard_error = math.sqrt(0.05 * 0.95 / runs)
    assert misses / runs <= 0.05 + 2.5 * standard_error  # 19 of 600 runs miss it (3.2 %)


def test_monte_carlo_prioritised_order():
    # With an order better than random (bias 5) both variants keep to the target
    # (0 and 3 of 150 runs miss it).
    runs = 150
    misses = {"ranked": 0, "random_sample": 0}
    for seed in range(runs):
        order = biased_order(np.random.default_rng(seed), 400, 25, bias=5)
        for method in misses:
            misses[method] += not stopping_point(order, method=method, seed=seed).reached_target
    assert misses["ranked"] / runs <= 0.05
    assert misses["random_sample"] / runs <= 0.05 + 2.5 * math.sqrt(0.05 * 0.95 / runs)


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: recall_test([0, 2], 5), ValueError, "position 1"),
        (lambda: recall_test([[0, 1]], 5), ValueError, "1-D"),
        (lambda: recall_test(["a"], 5), ValueError, "only 0"),
        (lambda: recall_test([0, 1, 0], 2), ValueError, "n_records"),
        (lambda: recall_test([], 0), ValueError, "n_records"),
        (lambda: recall_test([0, 1], 5, sample_start=3), ValueError, "sample_start"),
        (lambda: recall_test([0, 1], 5, sample_start=-1), ValueError, "sample_start"),
        (lambda: recall_test([0, 1], 5, sample_start=1.0), TypeError, "sample_start"),
        (lambda: recall_test([0, 1], 5, recall_target=0), ValueError, "recall_target"),
        (lambda: recall_test([0, 1], 5, recall_target=1.2), ValueError, "recall_target"),
        (lambda: recall_test([0, 1], 5, confidence=1.0), ValueError, "confidence"),
        (lambda: recall_test([0, 1], 5, confidence="high"), TypeError, "confidence"),
        (lambda: recall_test([0, 1], True), TypeError, "n_records"),
        (lambda: records_until_stop([0, 1], 1), ValueError, "n_records"),
        (lambda: stopping_point([0, 0, 0]), ValueError, "at least one included"),
        (lambda: stopping_point([]), ValueError, "empty"),
        (lambda: stopping_point([1, 0], method="knee"), ValueError, "method"),
        (lambda: stopping_point([1, 0], switch_after_excluded=-1), ValueError, "switch"),
        (lambda: stopping_point([1, 0], seed=-1), ValueError, "seed"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_boolean_labels_are_accepted():
    assert recall_test([True, False], 5) == recall_test([1, 0], 5)
