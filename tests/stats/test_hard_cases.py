"""Iterative estimators on cases where plain Fisher scoring struggles.

Inputs: tests/fixtures/metafor/hard_cases_input.json (rows of a simulated batch); reference
values: hard_cases.json, written by make_hard_cases.R with

    rma(yi, vi, method = m, control = list(threshold = 1e-12, tol = 1e-12, maxiter = 10000))

On three rows metafor's Fisher scoring does not converge for REML (it oscillates); there the
reference is the maximiser of metafor's own restricted log-likelihood found with optimize()
(about 8 significant digits, within ATOL below). On four rows the likelihood has a second
maximum and metafor warns and sets tau^2 = 0; evsynth must do the same.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import evsynth as es
from evsynth.stats import ConvergenceWarning

RTOL = 1e-6
ATOL = 1e-8

_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"
INPUT = {c["row"]: c for c in json.loads((_DIR / "hard_cases_input.json").read_text())["cases"]}
FITS = json.loads((_DIR / "hard_cases.json").read_text())["fits"]


@pytest.mark.parametrize("ref", FITS, ids=[f"row{f['row']}-{f['method']}" for f in FITS])
def test_hard_case(ref):
    case = INPUT[ref["row"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = es.meta_analysis(case["yi"], case["vi"], method=ref["method"])
    assert res.converged
    assert np.isclose(res.tau2, ref["tau2"], rtol=RTOL, atol=ATOL), (res.tau2, ref["tau2"])
    assert np.isclose(res.estimate, ref["estimate"], rtol=RTOL, atol=ATOL)
    local_max = any("local maximum" in w for w in ref["warnings"])
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert warned == local_max


def test_hard_cases_in_one_batch_equal_single_fits():
    rows = sorted(INPUT)
    Y = np.array([INPUT[r]["yi"] for r in rows])
    V = np.array([INPUT[r]["vi"] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = es.meta_analysis_batch(Y, V, method="REML")
        singles = [es.meta_analysis(Y[i], V[i], method="REML").tau2 for i in range(len(rows))]
    assert batch.converged.all()
    assert np.allclose(batch.tau2, singles, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_meta_regression_fitter_solves_the_hard_cases_too(method):
    """The matrix fitter used by meta_regression must converge where rma() does not."""
    from evsynth.stats._metareg import fit_tau2_general

    for row, case in INPUT.items():
        y, v = np.array(case["yi"]), np.array(case["vi"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tau2, converged, _it, _m = fit_tau2_general(y, v, np.ones((len(y), 1)), method)
            single = es.meta_analysis(y, v, method=method).tau2
        assert converged, row
        assert np.isclose(tau2, single, rtol=1e-9, atol=1e-12), (row, tau2, single)
