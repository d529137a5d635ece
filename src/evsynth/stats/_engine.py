"""The random-effects engine: intercept-only models fitted to many analyses at once.

Every quantity is computed on arrays of shape ``(n_analyses, k_max)`` with a mask for absent
studies, so one call fits one analysis or a hundred thousand with no Python loop over analyses.
A single analysis goes through the 1-D twin of this engine in :mod:`._single`, which avoids
the per-call overhead of the batch machinery; the tests check that the two agree.

The estimators follow the definitions in R metafor's ``rma.uni`` (Viechtbauer 2010) so that
the numbers agree with it; the intercept-only closed forms of the traces used below are

.. math::

    T(f, g) = \\sum_i w_i^2 f_i g_i - \\frac{2}{S}\\sum_i w_i^3 f_i g_i
              + \\frac{1}{S^2}\\Big(\\sum_i w_i^2 f_i\\Big)\\Big(\\sum_i w_i^2 g_i\\Big)

for :math:`\\sum_{ij} P_{ij}^2 f_i g_j` with :math:`P = W - w w^\\top / S`, :math:`S = \\sum w_i`.

References
----------
.. [1] Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw.
   2010;36(3):1-48.
.. [2] Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the
   random-effects model. J Educ Behav Stat. 2005;30(3):261-293.
.. [3] DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials.
   1986;7:177-188.
.. [4] Paule RC, Mandel J. Consensus values and weighting factors. J Res Natl Bur Stand.
   1982;87:377-385.
.. [5] Sidik K, Jonkman JN. Simple heterogeneity variance estimation for meta-analysis.
   J R Stat Soc C. 2005;54:367-384.
.. [6] Hunter JE, Schmidt FL. Methods of Meta-Analysis. 2nd ed. Sage; 2004.
.. [7] Morris CN. Parametric empirical Bayes inference: theory and applications.
   J Am Stat Assoc. 1983;78:47-55.
.. [8] Hartung J, Knapp G. A refined method for the meta-analysis of controlled clinical
   trials with binary outcome. Stat Med. 2001;20:3875-3889.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

__all__ = [
    "METHODS",
    "TESTS",
    "ConvergenceWarning",
    "EngineOutput",
    "fit_intercept_batch",
    "q_profile_roots",
]

METHODS = ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
TESTS = ("z", "hksj")

#: default convergence tolerance: iteration stops when the change in tau^2 is at most
#: ``tol * (tau2 + mean(vi))``, a scale-free version of metafor's ``threshold``.
DEFAULT_TOL = 1e-12
DEFAULT_MAXITER = 1000
#: Fisher-scoring steps smaller than this fraction of tau2 + mean(vi) switch to Newton steps
NEWTON_ZONE = 0.1
#: a bracket [0, hi] with hi below this fraction of mean(vi), and no positive score seen,
#: is resolved by trying tau2 = 0 (metafor's step halving would crawl there geometrically)
BOUNDARY_ZONE = 1e-2


class ConvergenceWarning(UserWarning):
    """An iterative tau^2 estimator did not converge, or converged to a poor point."""


@dataclass(frozen=True)
class EngineOutput:
    """Arrays of length ``n_analyses`` (``weights`` has shape ``(n_analyses, k_max)``)."""

    k: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    df: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    tau2: np.ndarray
    tau2_se: np.ndarray
    q: np.ndarray
    q_df: np.ndarray
    q_pvalue: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    weights: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    method_used: np.ndarray


def _msum(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=1)


class _Data:
    """Masked views of one batch: absent studies carry zero weight."""

    def __init__(self, y: np.ndarray, v: np.ndarray, mask: np.ndarray):
        self.mask = mask
        self.y = np.where(mask, y, 0.0)
        # an absent study has infinite variance, hence weight 1/(inf + tau2) = 0
        self.v = np.where(mask, v, np.inf)
        self.k = mask.sum(axis=1)
        self.kf = self.k.astype(float)
        self.vbar = _msum(np.where(mask, v, 0.0)) / np.maximum(self.kf, 1)

    def take(self, idx: np.ndarray) -> _Data:
        sub = object.__new__(_Data)
        sub.mask, sub.y, sub.v = self.mask[idx], self.y[idx], self.v[idx]
        sub.k, sub.kf, sub.vbar = self.k[idx], self.kf[idx], self.vbar[idx]
        return sub

    def weights(self, tau2: np.ndarray) -> np.ndarray:
        return 1.0 / (self.v + tau2[:, None])


def _wstats(d: _Data, w: np.ndarray):
    """Weighted mean, residuals and the sums the estimators need."""
    s = _msum(w)
    mu = _msum(w * d.y) / s
    r = d.y - mu[:, None]  # meaningless where a study is absent, but its weight is 0 there
    return s, mu, r


def _trace_terms(w: np.ndarray, s: np.ndarray, f: np.ndarray, g: np.ndarray) -> np.ndarray:
    """sum_ij P_ij^2 f_i g_j for P = W - w w'/S (see the module docstring)."""
    w2 = w * w
    return (
        _msum(w2 * f * g)
        - 2.0 / s * _msum(w2 * w * f * g)
        + _msum(w2 * f) * _msum(w2 * g) / (s * s)
    )


def _q_at(d: _Data, tau2: np.ndarray):
    w = d.weights(tau2)
    _s, _mu, r = _wstats(d, w)
    q = _msum(w * r * r)
    dq = -_msum(w * w * r * r)
    return q, dq


def _solve_q(d: _Data, q0: np.ndarray, target: np.ndarray, tol: float, maxiter: int):
    """The root in tau2 of Q(tau2) = target, by Newton steps safeguarded by bisection.

    Q(tau2) = sum w_i (y_i - mu)^2 with w_i = 1/(v_i + tau2) decreases to 0 as tau2 grows,
    with derivative -sum w_i^2 (y_i - mu)^2, so a root exists whenever Q(0) > target; where
    Q(0) <= target the result is 0.
    """
    n = len(q0)
    tau2 = np.zeros(n)
    iters = np.zeros(n, dtype=int)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    converged = np.ones(n, dtype=bool)
    active = np.flatnonzero(q0 > target)
    for it in range(1, maxiter + 1):
        if active.size == 0:
            break
        sub = d.take(active)
        q, dq = _q_at(sub, tau2[active])
        f = q - target[active]
        above = f > 0
        lo[active] = np.where(above, tau2[active], lo[active])
        hi[active] = np.where(above, hi[active], tau2[active])
        with np.errstate(divide="ignore"):
            step = np.where(dq < 0, -f / dq, np.inf)
        cand = tau2[active] + step
        bad = ~(cand >= lo[active]) | ~(cand <= hi[active]) | ~np.isfinite(cand)
        mid = np.where(np.isfinite(hi[active]), 0.5 * (lo[active] + hi[active]), 2 * lo[active])
        cand = np.where(f == 0, tau2[active], np.where(bad, mid, cand))
        change = np.abs(cand - tau2[active])
        tau2[active] = cand
        iters[active] = it
        ok = (change <= tol * (cand + sub.vbar)) | (f == 0)
        active = active[~ok]
    if active.size:
        converged[active] = False
    return tau2, iters, converged


def q_profile_roots(
    y: np.ndarray, v: np.ndarray, targets: np.ndarray, tol: float = DEFAULT_TOL
) -> tuple[np.ndarray, np.ndarray]:
    """tau2 solving Q(tau2) = t for each t in ``targets`` (one analysis ``y``, ``v``)."""
    n = len(targets)
    yy = np.broadcast_to(y, (n, len(y)))
    vv = np.broadcast_to(v, (n, len(v)))
    d = _Data(yy, vv, np.ones(yy.shape, dtype=bool))
    q0, _ = _q_at(d, np.zeros(n))
    tau2, _it, conv = _solve_q(d, q0, np.asarray(targets, dtype=float), tol, DEFAULT_MAXITER)
    return tau2, conv


def _loglik(d: _Data, tau2: np.ndarray, reml: bool) -> np.ndarray:
    w = d.weights(tau2)
    s, _mu, r = _wstats(d, w)
    ll = -0.5 * _msum(np.where(d.mask, np.log(d.v + tau2[:, None]), 0.0)) - 0.5 * _msum(w * r * r)
    if reml:
        ll = ll - 0.5 * np.log(s)
    return ll


def _solve_fisher(d: _Data, init: np.ndarray, method: str, tol: float, maxiter: int):
    """ML / REML by Fisher scoring, as metafor does, kept inside a bracket of the root.

    Once a Fisher step is small (within ``NEWTON_ZONE`` of tau2 + mean(vi)), Newton steps on
    the same score equation are taken where the observed information is positive: they
    converge quadratically to the root Fisher scoring converges to linearly (and sometimes,
    near the boundary, with a rate close to -1). Every step stays inside the bracket of points
    where the score was seen positive and non-positive, bisecting when a step leaves it or
    fails to halve (Numerical Recipes' ``rtsafe`` rule).
    """
    n = len(init)
    tau2 = init.copy()
    iters = np.zeros(n, dtype=int)
    converged = np.ones(n, dtype=bool)
    lo = np.zeros(n)  # the score was seen > 0 at lo and <= 0 at hi
    hi = np.full(n, np.inf)
    prev_adj = np.full(n, np.inf)
    lo_seen = np.zeros(n, dtype=bool)
    active = np.flatnonzero(d.k > 1)
    reml = method == "REML"
    for it in range(1, maxiter + 1):
        if active.size == 0:
            break
        sub = d if active.size == n else d.take(active)
        t = tau2[active]
        w = sub.weights(t)
        s, _mu, r = _wstats(sub, w)
        w2 = w * w
        sw2 = _msum(w2)
        u = w * r
        ypp = _msum(u * u)
        if reml:
            score = ypp - (s - sw2 / s)
            info = sw2 - 2.0 * _msum(w2 * w) / s + (sw2 / s) ** 2
        else:
            score = ypp - s
            info = sw2
        up = score > 0
        lo_seen[active] |= up
        lo_a = np.where(up, t, lo[active])
        hi_a = np.where(up, hi[active], t)
        lo[active], hi[active] = lo_a, hi_a
        adj = score / info
        zone = (t > 0) & (np.abs(adj) <= NEWTON_ZONE * (t + sub.vbar))
        newton = np.zeros(active.size, dtype=bool)
        if zone.any():
            wu = _msum(w * u)
            slope = info - 2.0 * (_msum(w * u * u) - wu * wu / s)  # d score / d tau2
            newton = zone & (slope < 0)
            adj = np.where(newton, -score / np.where(slope < 0, slope, -1.0), adj)
        adj = np.where(np.isfinite(adj), adj, 0.0)
        new = t + adj
        # once the root is bracketed, a step that leaves the bracket or is more than half the
        # previous one bisects it instead (rtsafe); this also keeps tau2 >= 0
        slow = ~((lo_a < new) & (new < hi_a)) | (np.abs(adj) > 0.5 * np.abs(prev_adj[active]))
        # (trying tau2 = 0 itself once the bracket is [0, small] with no positive score seen)
        near_zero = ~lo_seen[active] & (hi_a <= BOUNDARY_ZONE * sub.vbar)
        bisect = np.where(near_zero, 0.0, 0.5 * (lo_a + hi_a))
        bisected = slow & np.isfinite(hi_a)
        new = np.where(bisected, bisect, new)
        adj = new - t
        prev_adj[active] = adj
        tau2[active] = new
        iters[active] = it
        # a Newton step of size d leaves an error of order d^2: sqrt(tol) is enough there
        step_tol = np.where(newton & ~bisected, np.sqrt(tol), tol)
        ok = np.abs(adj) <= step_tol * (new + sub.vbar)
        active = active[~ok]
    if active.size:
        converged[active] = False
    # The halving path approaches a boundary maximum geometrically; put it on the boundary.
    # As metafor's ll0check: if tau2 = 0 has the higher likelihood, tau2 = 0.
    cand = np.flatnonzero(converged & (tau2 > 0))
    if cand.size:
        sub = d.take(cand)
        zero = np.zeros(cand.size)
        ll0 = _loglik(sub, zero, method == "REML")
        ll1 = _loglik(sub, tau2[cand], method == "REML")
        to_zero = ll0 >= ll1
        far = to_zero & (tau2[cand] > 1e-6 * sub.vbar) & (ll0 - ll1 > 1e-8)
        if far.any():
            which = "" if n == 1 else f" in {int(far.sum())} of {n} analyses"
            warnings.warn(
                f"Fisher scoring may have stopped at a local maximum of the likelihood{which}; "
                "tau^2 = 0 has a higher likelihood, so tau^2 is set to 0 (as metafor does)",
                ConvergenceWarning,
                stacklevel=4,
            )
        tau2[cand[to_zero]] = 0.0
    return tau2, iters, converged


def _tau2_noniterative(method: str, d: _Data, w0, s0, q_fe, trp0):
    """DL, HE, HS and SJ estimators (and the HE starting value of ML/REML)."""
    k = d.kf
    df = k - 1.0
    if method == "DL":
        return np.maximum(0.0, (q_fe - df) / trp0)
    if method == "HS":
        return np.maximum(0.0, (q_fe - k) / s0)
    ybar = _msum(d.y) / k
    dev2 = _msum(np.where(d.mask, (d.y - ybar[:, None]) ** 2, 0.0))
    if method == "HE":
        vsum = _msum(np.where(d.mask, d.v, 0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.maximum(0.0, (dev2 - vsum * df / k) / df)
    if method == "SJ":
        tau2_0 = dev2 / k
        w = d.weights(tau2_0)
        _s, _mu, r = _wstats(d, w)
        rss = _msum(w * r * r)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.maximum(0.0, tau2_0 * rss / df)
    raise AssertionError(method)


def _tau2_se(method: str, d: _Data, tau2, w0, s0, trp0, w, s):
    """Standard error of tau^2 as metafor reports it for each estimator."""
    k = d.kf
    df = k - 1.0
    one = np.ones_like(w0)
    t = np.maximum(tau2, 0.0)[:, None]
    t1 = t[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        if method in ("DL", "HS"):
            pp = _trace_terms(w0, s0, one, one)
            inner = 2 * df + 4 * t1 * trp0 + 2 * t1**2 * pp
            denom = trp0 if method == "DL" else s0
            return np.sqrt(inner) / denom
        if method == "HE":
            vv = np.where(d.mask, d.v, 0.0)
            # OLS residual projection P = I - J/k: T(v, v) with unit weights
            pvpv = _msum(vv * vv) - 2.0 / k * _msum(vv * vv) + _msum(vv) ** 2 / k**2
            trpv = _msum(vv) * df / k
            return np.sqrt(2 * pvpv + 4 * t1 * trpv + 2 * t1**2 * df) / df
        if method == "SJ":
            ybar = _msum(d.y) / k
            tau2_0 = _msum(np.where(d.mask, (d.y - ybar[:, None]) ** 2, 0.0)) / k
            wj = d.weights(tau2_0)
            sj = _msum(wj)
            vv = np.where(d.mask, d.v, 0.0)
            pvpv = _trace_terms(wj, sj, vv, vv)
            pvp = _trace_terms(wj, sj, one, vv)
            pp = _trace_terms(wj, sj, one, one)
            return np.sqrt(tau2_0**2 / df**2 * (2 * pvpv + 4 * t1 * pvp + 2 * t1**2 * pp))
        if method == "ML":
            return np.sqrt(2.0 / _msum(w * w))
        if method == "REML":
            return np.sqrt(2.0 / _trace_terms(w, s, one, one))
        if method in ("EB", "PM"):
            return np.sqrt(2.0 * k**2 / df / s**2)
    return np.full(len(tau2), np.nan)


def _estimate_tau2(d: _Data, method, w0, s0, q_fe, trp0, tol, maxiter):
    n = len(q_fe)
    if method == "FE":
        return np.zeros(n), np.zeros(n, dtype=int), np.ones(n, dtype=bool)
    if method in ("DL", "HE", "HS", "SJ"):
        tau2 = _tau2_noniterative(method, d, w0, s0, q_fe, trp0)
        return tau2, np.zeros(n, dtype=int), np.ones(n, dtype=bool)
    if method in ("PM", "EB"):
        # EB's fixed point, y'Py k/(k-p) = k, is the Paule-Mandel equation y'Py = k - p.
        return _solve_q(d, q_fe, d.kf - 1.0, tol, maxiter)
    # metafor starts from the HE estimate; DL is free here and usually closer to the root
    init = _tau2_noniterative("DL", d, w0, s0, q_fe, trp0)
    init = np.where(np.isfinite(init), init, 0.0)
    return _solve_fisher(d, init, method, tol, maxiter)


def fit_intercept_batch(
    y: np.ndarray,
    v: np.ndarray,
    method: str,
    test: str,
    level: float,
    *,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> EngineOutput:
    """Fit the intercept-only model to every row of ``y``/``v`` (validated, NaN = absent)."""
    mask = np.isfinite(y)
    d = _Data(y, v, mask)
    n = y.shape[0]
    k = d.kf
    df_q = k - 1.0
    single = d.k == 1

    w0 = d.weights(np.zeros(n))
    s0, _mu0, r0 = _wstats(d, w0)
    q_fe = np.maximum(0.0, _msum(w0 * r0 * r0))
    trp0 = s0 - _msum(w0 * w0) / s0

    # single-study rows get tau2 = 0 below; their 0/0 along the way is expected
    with np.errstate(invalid="ignore", divide="ignore"):
        tau2, iterations, converged = _estimate_tau2(d, method, w0, s0, q_fe, trp0, tol, maxiter)
    method_used = np.full(n, method, dtype=object)
    if not converged.all():
        bad = np.flatnonzero(~converged)
        fallback = _tau2_noniterative("DL", d.take(bad), w0[bad], s0[bad], q_fe[bad], trp0[bad])
        tau2[bad] = fallback
        method_used[bad] = "DL"
        where = f"analysis {bad[0]}" if n > 1 else "the analysis"
        warnings.warn(
            f"the {method} estimator of tau^2 did not converge in {maxiter} iterations "
            f"for {bad.size} of {n} analyses (first: {where}); falling back to DL for "
            "those, as metafor does with method=c('" + method + "', 'DL')",
            ConvergenceWarning,
            stacklevel=3,
        )

    tau2 = np.where(single, 0.0, tau2)

    w = d.weights(tau2)
    s, mu, r = _wstats(d, w)
    mu = np.where(single, _msum(d.y), mu)  # exactly the study's own value, not w*y/w
    se = np.sqrt(1.0 / s)
    z_crit = _sps.norm.isf((1 - level) / 2)
    if test == "hksj":
        rss = _msum(w * r * r)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / df_q)
        se = np.sqrt(s2w / s)
        df_t = df_q
        alpha = 1 - level
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = mu / se
            crit = _sps.t.isf(alpha / 2, df_t)
            pval = 2 * _sps.t.sf(np.abs(stat), df_t)
        if single.any():
            # one study: no residual df for the t-test; the caller warns and we report the z-test
            se = np.where(single, np.sqrt(1.0 / s), se)
            df_t = np.where(single, np.inf, df_t)
            stat = mu / se
            crit = np.where(single, z_crit, crit)
            pval = np.where(single, 2 * _sps.norm.sf(np.abs(stat)), pval)
    else:
        df_t = np.full(n, np.inf)
        stat = mu / se
        crit = np.full(n, z_crit)
        pval = 2 * _sps.norm.sf(np.abs(stat))

    with np.errstate(invalid="ignore", divide="ignore"):
        q_p = np.where(single, np.nan, _sps.chi2.sf(q_fe, np.maximum(df_q, 1)))
        if method == "FE":
            i2 = np.where(q_fe > 0, np.maximum(0.0, 100 * (q_fe - df_q) / q_fe), 0.0)
            h2 = q_fe / df_q
        else:
            vt = df_q / trp0
            i2 = 100 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1
        i2 = np.where(single, np.nan, i2)
        h2 = np.where(single, np.nan, h2)
        tau2_se = np.where(single, np.nan, _tau2_se(method, d, tau2, w0, s0, trp0, w, s))
        if not converged.all():
            bad = np.flatnonzero(~converged)
            sub = d.take(bad)
            tau2_se[bad] = _tau2_se(
                "DL", sub, tau2[bad], w0[bad], s0[bad], trp0[bad], w[bad], s[bad]
            )

    se_pred = np.sqrt(se**2 + tau2)
    return EngineOutput(
        k=d.k,
        estimate=mu,
        se=se,
        statistic=stat,
        df=df_t,
        pvalue=pval,
        ci_low=mu - crit * se,
        ci_high=mu + crit * se,
        tau2=tau2,
        tau2_se=tau2_se,
        q=q_fe,
        q_df=d.k - 1,
        q_pvalue=q_p,
        i2=i2,
        h2=h2,
        pi_low=mu - crit * se_pred,
        pi_high=mu + crit * se_pred,
        weights=100 * w / s[:, None],
        converged=converged,
        iterations=iterations,
        method_used=method_used,
    )
