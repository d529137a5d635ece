"""Public entry points of the meta-analysis engine: one analysis, or a batch."""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings

import numpy as np

from evsynth.stats._engine import (
    DEFAULT_MAXITER,
    DEFAULT_TOL,
    METHODS,
    TESTS,
    fit_intercept_batch,
)
from evsynth.stats._results import MetaAnalysisBatchResult, MetaAnalysisResult
from evsynth.stats._single import fit_intercept_single
from evsynth.stats._validation import (
    as_1d_float,
    check_choice,
    check_finite,
    check_level,
    check_positive,
    check_same_length,
)

__all__ = ["meta_analysis", "meta_analysis_batch", "check_model_args", "as_yi_vi"]


def check_model_args(method: str, test: str, level: float, maxiter: int = 1, tol: float = 1.0):
    """Validate the model settings shared by every fitting function."""
    method = check_choice("method", method, METHODS)
    test = check_choice("test", test, TESTS)
    level = check_level(level)
    if not (isinstance(maxiter, int | np.integer) and maxiter >= 1):
        raise ValueError(f"maxiter must be a positive integer; got {maxiter!r}")
    if not (isinstance(tol, float | int) and 0 < tol < 1):
        raise ValueError(f"tol must be a number in (0, 1); got {tol!r}")
    return method, test, level


@functools.lru_cache(maxsize=256)
def default_labels(k: int) -> tuple[str, ...]:
    return tuple(f"Study {i + 1}" for i in range(k))


def as_yi_vi(yi, vi, labels=None):
    """Validate effect sizes and variances (or an ``EffectSizes``) and study labels."""
    measure = None
    if hasattr(yi, "yi") and hasattr(yi, "vi"):
        if vi is not None:
            raise ValueError("vi must not be given when yi is an EffectSizes object")
        measure = getattr(yi, "measure", None)
        yi, vi = yi.yi, yi.vi
    if vi is None:
        raise ValueError("vi is required: the sampling variances of yi")
    yi = as_1d_float("yi", yi)
    vi = as_1d_float("vi", vi)
    k = check_same_length(yi=yi, vi=vi)
    if k == 0:
        raise ValueError("yi is empty; at least one study is needed")
    # fast path: a finite sum and a positive minimum; the detailed checks name the culprit
    if not (math.isfinite(yi.sum()) and vi.min() > 0 and math.isfinite(vi.sum())):
        check_finite("yi", yi)
        check_positive("vi", vi)
    if labels is None:
        labels = default_labels(k)
    else:
        labels = tuple(str(x) for x in labels)
        if len(labels) != k:
            raise ValueError(f"labels has length {len(labels)} but yi has length {k}")
    return yi, vi, labels, measure


def _warn_edge_cases(k: np.ndarray, method: str, test: str, stacklevel: int = 3):
    if method == "FE" and test == "hksj":
        warnings.warn(
            "the Hartung-Knapp-Sidik-Jonkman test is not meant for a common-effect (FE) model",
            UserWarning,
            stacklevel=stacklevel,
        )
    if (k == 1).any():
        what = "a single study" if k.size == 1 else f"{int((k == 1).sum())} analyses of one study"
        extra = (
            "; the HKSJ t-test needs k >= 2, so the z-test is reported" if test == "hksj" else ""
        )
        warnings.warn(
            f"meta-analysis of {what}: the pooled estimate is the study's own, and "
            f"heterogeneity (Q p-value, I^2, H^2) is undefined and reported as NaN{extra}",
            UserWarning,
            stacklevel=stacklevel,
        )


def meta_analysis(
    yi,
    vi=None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    labels=None,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> MetaAnalysisResult:
    """Inverse-variance meta-analysis: common-effect or random-effects, as metafor's ``rma()``.

    Parameters
    ----------
    yi : array_like or EffectSizes
        Effect sizes (or the result of :func:`effect_sizes`, then ``vi`` is omitted).
    vi : array_like
        Sampling variances, all > 0.
    method : {"REML", "FE", "DL", "ML", "PM", "HE", "SJ", "HS", "EB"}
        "FE" is the common-effect (equal-effects) model; the others estimate tau^2 with the
        restricted maximum-likelihood, DerSimonian-Laird, maximum-likelihood, Paule-Mandel,
        Hedges, Sidik-Jonkman, Hunter-Schmidt or empirical Bayes estimator.
    test : {"z", "hksj"}
        Normal-theory Wald test, or the Hartung-Knapp-Sidik-Jonkman method (t with k - 1 df
        and the weighted residual variance, metafor's ``test="knha"``).
    level : float
        Confidence level, as a fraction (0.95) or a percentage (95).
    labels : sequence of str, optional
        Study labels for the summary and forest plots.
    tol, maxiter : float, int
        Convergence settings of the iterative estimators (ML, REML, PM, EB): iteration stops
        when the change in tau^2 is at most ``tol * (tau2 + mean(vi))``. On non-convergence
        a :class:`ConvergenceWarning` is issued and the DL estimate is used, as metafor does
        with ``method = c("REML", "DL")``.

    Returns
    -------
    MetaAnalysisResult

    Notes
    -----
    With weights :math:`w_i = 1/(v_i + \\hat\\tau^2)` the pooled estimate is
    :math:`\\hat\\mu = \\sum w_i y_i / \\sum w_i` with :math:`SE = (\\sum w_i)^{-1/2}`; under
    ``test="hksj"`` the SE is multiplied by :math:`\\sqrt{\\sum w_i (y_i - \\hat\\mu)^2 /
    (k-1)}` (Hartung & Knapp 2001; Sidik & Jonkman 2002). I^2 and H^2 follow Higgins &
    Thompson (2002) with metafor's "typical" sampling variance
    :math:`\\tilde v = (k-1) / (\\sum w_i - \\sum w_i^2 / \\sum w_i)` (FE weights).

    References
    ----------
    .. [1] Viechtbauer W. Conducting meta-analyses in R with the metafor package.
       J Stat Softw. 2010;36(3):1-48.
    .. [2] Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis.
       Stat Med. 2002;21:1539-1558.
    .. [3] IntHout J, Ioannidis JPA, Borm GF. The Hartung-Knapp-Sidik-Jonkman method for
       random effects meta-analysis is straightforward and considerably outperforms the
       standard DerSimonian-Laird method. BMC Med Res Methodol. 2014;14:25.

    Examples
    --------
    >>> import evsynth as es
    >>> res = es.meta_analysis([-0.9, -1.6, -1.4, -1.5], [0.33, 0.19, 0.42, 0.02])
    >>> round(res.estimate, 4), round(res.tau2, 4)
    (-1.4748, 0.0)
    """
    method, test, level = check_model_args(method, test, level, maxiter, tol)
    yi, vi, labels, measure = as_yi_vi(yi, vi, labels)
    if len(yi) == 1 or (method == "FE" and test == "hksj"):
        _warn_edge_cases(np.array([len(yi)]), method, test)
    fields = fit_intercept_single(yi, vi, method, test, level, tol=tol, maxiter=maxiter)
    return MetaAnalysisResult(
        yi=yi, vi=vi, labels=labels, test=test, level=level, measure=measure, **fields
    )


def _as_2d(name: str, a) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric 2-D array") from exc
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_analyses, k_max); got shape {arr.shape}")
    return arr


def meta_analysis_batch(
    Y,
    V,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> MetaAnalysisBatchResult:
    """Fit many meta-analyses at once: the same fields as :func:`meta_analysis`, as arrays.

    Parameters
    ----------
    Y, V : array_like, shape (n_analyses, k_max)
        Effect sizes and sampling variances, one analysis per row; NaN (in both) marks an
        absent study, so analyses with different numbers of studies share one array.
    method, test, level, tol, maxiter
        As in :func:`meta_analysis`.

    Returns
    -------
    MetaAnalysisBatchResult

    Notes
    -----
    The iterative estimators are solved for all analyses together: each Fisher-scoring
    (ML, REML) or safeguarded Newton (PM, EB) step is one vectorised NumPy operation over the
    analyses still iterating, so the cost grows with the total number of studies, not with a
    Python loop over analyses.

    Examples
    --------
    >>> import numpy as np, evsynth as es
    >>> Y = np.array([[0.1, 0.3, 0.2], [0.5, -0.1, np.nan]])
    >>> V = np.array([[0.01, 0.02, 0.015], [0.04, 0.05, np.nan]])
    >>> res = es.meta_analysis_batch(Y, V, method="DL")
    >>> res.k.tolist()
    [3, 2]
    """
    method, test, level = check_model_args(method, test, level, maxiter, tol)
    Y = _as_2d("Y", Y)
    V = _as_2d("V", V)
    if Y.shape != V.shape:
        raise ValueError(f"Y has shape {Y.shape} but V has shape {V.shape}; they must match")
    if Y.shape[0] == 0 or Y.shape[1] == 0:
        raise ValueError(f"Y is empty (shape {Y.shape})")
    ny, nv = np.isnan(Y), np.isnan(V)
    for name, arr in (("Y", Y), ("V", V)):
        bad = np.isinf(arr)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"{name}[{i}, {j}] is {float(arr[i, j])!r}; values must be finite or NaN"
            )
    mismatch = ny != nv
    if mismatch.any():
        i, j = np.argwhere(mismatch)[0]
        raise ValueError(
            f"Y[{i}, {j}] is {float(Y[i, j])!r} but V[{i}, {j}] is {float(V[i, j])!r}; "
            "an absent study must be NaN in both"
        )
    nonpos = ~nv & (np.where(nv, 1.0, V) <= 0)
    if nonpos.any():
        i, j = np.argwhere(nonpos)[0]
        raise ValueError(f"V[{i}, {j}] is {float(V[i, j])!r}; every variance must be > 0")
    empty = ny.all(axis=1)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise ValueError(f"Y[{i}] has no studies (all NaN); every analysis needs at least one")
    k = (~ny).sum(axis=1)
    _warn_edge_cases(k, method, test)
    out = fit_intercept_batch(Y, V, method, test, level, tol=tol, maxiter=maxiter)
    fields = {f.name: getattr(out, f.name) for f in dataclasses.fields(out)}
    fields["weights"] = np.where(ny, np.nan, out.weights)
    return MetaAnalysisBatchResult(yi=Y, vi=V, method=method, test=test, level=level, **fields)
