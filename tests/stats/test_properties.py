"""Property tests of the engine (hypothesis): invariances every estimator must respect."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import evsynth as es

RTOL = 1e-7
ATOL = 1e-10
RANDOM_EFFECTS = ["DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"]

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
variance = st.floats(0.005, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def studies(draw, min_k=2, max_k=25):
    k = draw(st.integers(min_k, max_k))
    yi = np.array(draw(st.lists(finite, min_size=k, max_size=k)))
    vi = np.array(draw(st.lists(variance, min_size=k, max_size=k)))
    return yi, vi


FIELDS = ("estimate", "se", "pvalue", "ci_low", "ci_high", "tau2", "q", "i2", "h2", "pi_low")


def _close(a, b, fields=FIELDS):
    for f in fields:
        x, y = getattr(a, f), getattr(b, f)
        assert np.isclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True), (f, x, y)


def _fit(yi, vi, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return es.meta_analysis(yi, vi, **kw)


@pytest.mark.parametrize("method", ["FE", *RANDOM_EFFECTS])
@pytest.mark.parametrize("test", ["z", "hksj"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=studies(), seed=st.integers(0, 2**32 - 1))
def test_order_of_studies_does_not_matter(method, test, data, seed):
    yi, vi = data
    perm = np.random.default_rng(seed).permutation(len(yi))
    a = _fit(yi, vi, method=method, test=test)
    b = _fit(yi[perm], vi[perm], method=method, test=test)
    _close(a, b)
    assert np.allclose(a.weights[perm], b.weights, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("method", ["FE", *RANDOM_EFFECTS])
@settings(max_examples=25, deadline=None)
@given(data=studies(), c=st.floats(0.01, 100).filter(lambda c: abs(c - 1) > 1e-3))
def test_scaling_yi_scales_estimate_and_tau2(method, data, c):
    yi, vi = data
    a = _fit(yi, vi, method=method)
    b = _fit(c * yi, c * c * vi, method=method)
    for f in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        assert np.isclose(c * getattr(a, f), getattr(b, f), rtol=RTOL, atol=ATOL * c), f
    assert np.isclose(c * c * a.tau2, b.tau2, rtol=RTOL, atol=ATOL * c * c)
    for f in ("pvalue", "q", "i2", "h2"):
        assert np.isclose(getattr(a, f), getattr(b, f), rtol=RTOL, atol=ATOL), f


# SJ is left out: its estimate is positive unless every yi is equal.
@pytest.mark.parametrize("method", [m for m in RANDOM_EFFECTS if m != "SJ"])
@settings(max_examples=40, deadline=None)
@given(data=studies(min_k=3))
def test_random_effects_equals_common_effect_when_tau2_is_zero(method, data):
    yi, vi = data
    yi = yi * 0.02  # small spread: Q below its df for most draws
    res = _fit(yi, vi, method=method)
    assume(res.tau2 == 0)
    fe = _fit(yi, vi, method="FE")
    _close(res, fe, ("estimate", "se", "pvalue", "ci_low", "ci_high", "q"))
    assert np.allclose(res.weights, fe.weights, rtol=RTOL)
    assert res.pi_low == pytest.approx(res.ci_low, rel=RTOL)


@pytest.mark.parametrize("method", ["FE", *RANDOM_EFFECTS])
@pytest.mark.parametrize("test", ["z", "hksj"])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_batch_equals_single(method, test, seed):
    rng = np.random.default_rng(seed)
    n, kmax = 12, 15
    k = rng.integers(2, kmax + 1, size=n)
    Y = np.full((n, kmax), np.nan)
    V = np.full((n, kmax), np.nan)
    for i in range(n):
        v = rng.uniform(0.01, 0.5, k[i])
        Y[i, : k[i]] = rng.normal(0.2, np.sqrt(v + rng.choice([0, 0.05, 0.3])))
        V[i, : k[i]] = v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FE with HKSJ warns; that is tested elsewhere
        batch = es.meta_analysis_batch(Y, V, method=method, test=test)
    for i in range(n):
        single = _fit(Y[i, : k[i]], V[i, : k[i]], method=method, test=test)
        row = batch[i]
        _close(row, single, (*FIELDS, "pi_high", "tau2_se"))
        assert np.allclose(row.weights, single.weights, rtol=RTOL)


def test_weights_sum_to_100():
    rng = np.random.default_rng(1)
    res = es.meta_analysis(rng.normal(size=9), rng.uniform(0.1, 1, 9))
    assert res.weights.sum() == pytest.approx(100, rel=1e-12)
