"""Confidence intervals for the amount of heterogeneity (Q-profile method)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

from evsynth.stats._engine import ConvergenceWarning, q_profile_roots
from evsynth.stats._format import fmt, text_table
from evsynth.stats._results import MetaAnalysisResult
from evsynth.stats._validation import check_level

__all__ = ["HeterogeneityCI", "heterogeneity_ci"]


@dataclass(frozen=True)
class HeterogeneityCI:
    """Q-profile confidence intervals for tau^2, tau, I^2 (percent) and H^2."""

    level: float
    tau2: float
    tau2_low: float
    tau2_high: float
    i2: float
    i2_low: float
    i2_high: float
    h2: float
    h2_low: float
    h2_high: float

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def tau_low(self) -> float:
        return float(np.sqrt(self.tau2_low))

    @property
    def tau_high(self) -> float:
        return float(np.sqrt(self.tau2_high))

    def summary(self) -> str:
        """Laid out as metafor's ``confint()`` of a random-effects model."""
        rows = [
            [fmt(self.tau2), fmt(self.tau2_low), fmt(self.tau2_high)],
            [fmt(self.tau), fmt(self.tau_low), fmt(self.tau_high)],
            [fmt(self.i2), fmt(self.i2_low), fmt(self.i2_high)],
            [fmt(self.h2), fmt(self.h2_low), fmt(self.h2_high)],
        ]
        table = text_table(
            ["estimate", "ci.lb", "ci.ub"], rows, row_names=["tau^2", "tau", "I^2(%)", "H^2"]
        )
        return f"\n{table}\n"


def heterogeneity_ci(res: MetaAnalysisResult, level: float | None = None) -> HeterogeneityCI:
    """Q-profile confidence intervals for tau^2 and for I^2 and H^2 derived from them.

    The bounds are the values of tau^2 at which the generalised Q statistic
    :math:`Q(\\tau^2) = \\sum_i (y_i - \\hat\\mu(\\tau^2))^2 / (v_i + \\tau^2)` equals the
    upper and lower :math:`\\alpha/2` quantiles of :math:`\\chi^2_{k-1}`; a bound below zero is
    set to zero. I^2 and H^2 bounds use the fit's typical sampling variance, as metafor's
    ``confint()``.

    Parameters
    ----------
    res : MetaAnalysisResult
        A random-effects fit with at least two studies.
    level : float, optional
        Confidence level (default: the fit's).

    Returns
    -------
    HeterogeneityCI

    References
    ----------
    .. [1] Viechtbauer W. Confidence intervals for the amount of heterogeneity in
       meta-analysis. Stat Med. 2007;26:37-52.

    Examples
    --------
    >>> import evsynth as es
    >>> res = es.meta_analysis([0.1, 0.5, 0.9, -0.2], [0.02, 0.03, 0.05, 0.04])
    >>> ci = es.heterogeneity_ci(res)
    >>> ci.tau2_low <= res.tau2 <= ci.tau2_high
    True
    """
    if not isinstance(res, MetaAnalysisResult):
        raise ValueError(f"res must be a MetaAnalysisResult; got {type(res).__name__}")
    if res.method == "FE":
        raise ValueError("res is a common-effect (FE) model: it has no tau^2 to give a CI for")
    if res.k < 2:
        raise ValueError("res has a single study: heterogeneity cannot be estimated")
    lev = res.level if level is None else check_level(level)
    df = res.k - 1
    alpha = 1 - lev
    crit_upper = _sps.chi2.isf(alpha / 2, df)
    crit_lower = _sps.chi2.ppf(alpha / 2, df)
    roots, conv = q_profile_roots(res.yi, res.vi, np.array([crit_upper, crit_lower]))
    if not conv.all():
        import warnings

        warnings.warn(
            "the Q-profile search did not converge; the CI bounds are approximate",
            ConvergenceWarning,
            stacklevel=2,
        )
    tau2_low, tau2_high = (float(r) for r in roots)
    w0 = 1.0 / res.vi
    vt = df / (w0.sum() - (w0 * w0).sum() / w0.sum())
    return HeterogeneityCI(
        level=lev,
        tau2=res.tau2,
        tau2_low=tau2_low,
        tau2_high=tau2_high,
        i2=res.i2,
        i2_low=100 * tau2_low / (vt + tau2_low),
        i2_high=100 * tau2_high / (vt + tau2_high),
        h2=res.h2,
        h2_low=tau2_low / vt + 1,
        h2_high=tau2_high / vt + 1,
    )
