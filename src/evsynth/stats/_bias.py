"""Small-study effects: Egger's regression test and trim-and-fill."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

from evsynth.stats._format import fmt, fmt_p
from evsynth.stats._meta import meta_analysis
from evsynth.stats._results import MetaAnalysisResult

__all__ = ["EggerTest", "TrimAndFillResult", "egger_test", "trim_and_fill"]


def _check_res(res) -> None:
    if not isinstance(res, MetaAnalysisResult):
        raise ValueError(f"res must be a MetaAnalysisResult; got {type(res).__name__}")


@dataclass(frozen=True)
class EggerTest:
    """Egger's regression test for funnel-plot asymmetry (weighted regression on the SE)."""

    statistic: float
    df: int
    pvalue: float
    bias: float
    bias_se: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float
    level: float

    def summary(self) -> str:
        """Laid out as metafor's ``regtest(model = "lm")``."""
        return "\n".join(
            [
                "",
                "Regression Test for Funnel Plot Asymmetry",
                "",
                "Model:     weighted regression with multiplicative dispersion",
                "Predictor: standard error",
                "",
                f"Test for Funnel Plot Asymmetry: t = {self.statistic:.4f}, df = {self.df}, "
                f"p = {fmt_p(self.pvalue)}",
                f"Limit Estimate (as sei -> 0):   b = {fmt(self.limit_estimate)} "
                f"(CI: {fmt(self.limit_ci_low)}, {fmt(self.limit_ci_high)})",
                "",
            ]
        )


def egger_test(res: MetaAnalysisResult) -> EggerTest:
    """Egger's test: weighted least squares of ``yi`` on ``sqrt(vi)`` with weights ``1/vi``.

    The slope on the standard error (``bias``) equals the intercept of Egger's original
    regression of ``yi/sei`` on ``1/sei``; it is tested with t on k - 2 df using the
    residual (multiplicative) dispersion. The intercept is the "limit estimate" as the
    standard error goes to 0. This is metafor's ``regtest(res, model = "lm")``.

    Parameters
    ----------
    res : MetaAnalysisResult
        A fit with at least three studies (the test uses the fit's data and level only).

    Returns
    -------
    EggerTest

    References
    ----------
    .. [1] Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by
       a simple, graphical test. BMJ. 1997;315:629-634.
    .. [2] Sterne JAC, Egger M. Regression methods to detect publication and other bias in
       meta-analysis. In: Rothstein HR, Sutton AJ, Borenstein M, eds. Publication Bias in
       Meta-Analysis. Wiley; 2005:99-110.

    Examples
    --------
    >>> import evsynth as es
    >>> res = es.meta_analysis([0.1, 0.5, 0.9, -0.2, 0.4], [0.02, 0.03, 0.05, 0.04, 0.1])
    >>> es.egger_test(res).df
    3
    """
    _check_res(res)
    k = res.k
    if k < 3:
        raise ValueError(f"Egger's test needs at least 3 studies; res has {k}")
    sei = np.sqrt(res.vi)
    X = np.column_stack([np.ones(k), sei])
    w = 1.0 / res.vi
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = xtwx_inv @ (X.T @ (w * res.yi))
    resid = res.yi - X @ beta
    df = k - 2
    sigma2 = float(np.sum(w * resid**2) / df)
    se = np.sqrt(sigma2 * np.diag(xtwx_inv))
    t = beta[1] / se[1]
    crit = _sps.t.isf((1 - res.level) / 2, df)
    return EggerTest(
        statistic=float(t),
        df=df,
        pvalue=float(2 * _sps.t.sf(abs(t), df)),
        bias=float(beta[1]),
        bias_se=float(se[1]),
        limit_estimate=float(beta[0]),
        limit_ci_low=float(beta[0] - crit * se[0]),
        limit_ci_high=float(beta[0] + crit * se[0]),
        level=res.level,
    )


@dataclass(frozen=True, eq=False)
class TrimAndFillResult:
    """Trim-and-fill: the number of imputed studies and the model refitted with them."""

    k0: int
    se_k0: float
    side: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    tau2: float
    yi_imputed: np.ndarray
    vi_imputed: np.ndarray
    result: MetaAnalysisResult

    def summary(self) -> str:
        """The filled model's summary headed by the estimated number of missing studies."""
        head = (
            f"\nEstimated number of missing studies on the {self.side} side: {self.k0} "
            f"(SE = {fmt(self.se_k0)})\n"
        )
        return head + self.result.summary()


def _side(res: MetaAnalysisResult) -> str:
    from evsynth.stats._metareg import meta_regression

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = meta_regression(res.yi, res.vi, {"sei": np.sqrt(res.vi)}, method=res.method)
    except ValueError:
        return "left"  # all SEs equal: no asymmetry to orient by
    return "right" if fit.coef[1] < 0 else "left"


def trim_and_fill(res: MetaAnalysisResult, side: str | None = None, maxiter: int = 100):
    """Duval and Tweedie's trim-and-fill with the L0 estimator (metafor's defaults).

    Studies are trimmed from the side with the excess until the number of missing studies
    k0 stabilises; their mirror images about the trimmed estimate are then imputed and the
    model (same method and test) refitted to all studies. Unless given, the side of the
    missing studies is taken from the sign of the slope on the SE in a meta-regression of
    ``yi`` on ``sqrt(vi)`` (negative: missing on the right), as metafor does.

    Parameters
    ----------
    res : MetaAnalysisResult
        The fit to examine (at least three studies).
    side : {"left", "right"}, optional
        The side on which studies are assumed missing.
    maxiter : int
        Maximum number of trim iterations.

    Returns
    -------
    TrimAndFillResult

    References
    ----------
    .. [1] Duval S, Tweedie R. Trim and fill: a simple funnel-plot-based method of testing
       and adjusting for publication bias in meta-analysis. Biometrics. 2000;56:455-463.
    .. [2] Duval S, Tweedie R. A nonparametric "trim and fill" method of accounting for
       publication bias in meta-analysis. J Am Stat Assoc. 2000;95:89-98.

    Examples
    --------
    >>> import evsynth as es
    >>> res = es.meta_analysis([0.1, 0.3, 0.35, 0.6, 0.8], [0.01, 0.02, 0.03, 0.06, 0.09])
    >>> tf = es.trim_and_fill(res)
    >>> tf.side, tf.k0
    ('left', 2)
    """
    _check_res(res)
    k = res.k
    if k < 3:
        raise ValueError(f"trim-and-fill needs at least 3 studies; res has {k}")
    if side is None:
        side = _side(res)
    elif side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right'; got {side!r}")
    sign = -1.0 if side == "right" else 1.0
    y = sign * res.yi
    order = np.argsort(y, kind="stable")
    y, v = y[order], res.vi[order]

    k0, k0_prev, se_k0, beta = 0, -1, 0.0, 0.0
    it = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while k0 != k0_prev:
            it += 1
            if it > maxiter:
                raise ValueError(f"trim-and-fill did not converge in {maxiter} iterations")
            k0_prev = k0
            beta = meta_analysis(y[: k - k0], v[: k - k0], method=res.method).estimate
            centred = y - beta
            rank = np.empty(k)
            rank[np.argsort(np.abs(centred), kind="stable")] = np.arange(1, k + 1)
            signed = np.sign(centred) * rank
            sr = signed[signed > 0].sum()
            k0_est = (4 * sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * k0_est**3
                + 27 * k0_est**2
                + 17 * k0_est
                - 18 * k * k0_est**2
                - 18 * k * k0_est
                + 6 * k**2 * k0_est
            ) / 24
            se_k0 = max(0.0, 4 * np.sqrt(var_sr) / (2 * k - 1)) if var_sr >= 0 else float("nan")
            k0 = max(0, int(np.round(k0_est)))

    if k0 == 0:
        filled = res
        yi_imp = vi_imp = np.empty(0)
    else:
        yi_imp = sign * (2 * beta - y[k - k0 :])
        vi_imp = v[k - k0 :].copy()
        labels = (*res.labels, *(f"Filled {i + 1}" for i in range(k0)))
        filled = meta_analysis(
            np.concatenate([res.yi, yi_imp]),
            np.concatenate([res.vi, vi_imp]),
            method=res.method,
            test=res.test,
            level=res.level,
            labels=labels,
        )
    return TrimAndFillResult(
        k0=k0,
        se_k0=float(se_k0),
        side=side,
        estimate=filled.estimate,
        se=filled.se,
        ci_low=filled.ci_low,
        ci_high=filled.ci_high,
        pvalue=filled.pvalue,
        tau2=filled.tau2,
        yi_imputed=yi_imp,
        vi_imputed=vi_imp,
        result=filled,
    )
