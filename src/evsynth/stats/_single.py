"""The engine for one analysis: the same estimators as :mod:`._engine`, on 1-D arrays.

A single random-effects fit is dominated by per-call overhead, so this path works on 1-D
arrays with dot products and scalar arithmetic (about ten NumPy calls per Fisher-scoring
step) and uses :mod:`scipy.special` rather than the slower ``scipy.stats`` distribution
objects. The formulas are those of the batch engine (see its module docstring); the tests
check that the two agree (``test_batch_equals_single``).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from scipy import special as _sc

from evsynth.stats._engine import BOUNDARY_ZONE, NEWTON_ZONE, ConvergenceWarning

__all__ = ["fit_intercept_single"]

_EPS = float(np.finfo(float).eps)
_SQRT2 = math.sqrt(2.0)


@functools.lru_cache(maxsize=32)
def _z_crit(level: float) -> float:
    return float(-_sc.ndtri((1 - level) / 2))


def _mean_resid(y, w):
    s = w.sum()
    mu = float(w @ y) / s
    return s, mu, y - mu


def _pp(w, s):
    """tr(P P) for P = W - w w'/S."""
    w2 = w * w
    sw2 = w2.sum()
    return sw2 - 2.0 * float(w2 @ w) / s + sw2 * sw2 / (s * s)


def _t_pp(w, s, f, g):
    """sum_ij P_ij^2 f_i g_j for P = W - w w'/S."""
    w2 = w * w
    return (
        float(w2 @ (f * g))
        - 2.0 / s * float((w2 * w) @ (f * g))
        + float(w2 @ f) * float(w2 @ g) / (s * s)
    )


_POWERS = np.array([1.0, 2.0, 3.0])


class _Moments:
    """Weighted moments of the centred effects, everything one iteration needs.

    With ``yc = y - mean(y)`` (the model is shift-invariant; centring keeps the expansions
    below free of cancellation) and ``w = 1/(v + tau2)``, one matrix product gives
    ``M[a, b] = sum_i yc_i^a w_i^(b+1)`` for a, b in 0..2, from which the weighted mean and
    every sum over ``w^j (yc - mu)^2`` follow in scalar arithmetic.
    """

    def __init__(self, v: np.ndarray, y: np.ndarray):
        self.v = v
        self.ybar = float(y.sum()) / len(y)
        basis = np.empty((3, len(y)))  # rows: 1, yc, yc^2
        basis[0] = 1.0
        np.subtract(y, self.ybar, out=basis[1])
        np.multiply(basis[1], basis[1], out=basis[2])
        self.basis = basis

    def at(self, tau2: float):
        w = 1.0 / (self.v + tau2)
        m = (self.basis @ (w[:, None] ** _POWERS)).tolist()
        s, sw2, sw3 = m[0]
        mu = m[1][0] / s
        # sum w^j (yc - mu)^2 = m[2][j-1] - 2 mu m[1][j-1] + mu^2 m[0][j-1]
        q = m[2][0] - 2 * mu * m[1][0] + mu * mu * s
        ypp = m[2][1] - 2 * mu * m[1][1] + mu * mu * sw2  # sum w^2 (yc - mu)^2 = y'PPy
        wu = m[1][1] - mu * sw2  # sum w^2 (yc - mu)
        wuu = m[2][2] - 2 * mu * m[1][2] + mu * mu * sw3  # sum w^3 (yc - mu)^2
        return s, sw2, sw3, max(q, 0.0), max(ypp, 0.0), wu, max(wuu, 0.0), mu


def _solve_q(mom: _Moments, vbar, q0, target, tol, maxiter):
    """Root of Q(tau2) = target (Newton, safeguarded by bisection); 0 if Q(0) <= target."""
    if q0 <= target:
        return 0.0, 0, True
    tau2, lo, hi = 0.0, 0.0, math.inf
    for it in range(1, maxiter + 1):
        _s, _sw2, _sw3, q, ypp, _wu, _wuu, _mu = mom.at(tau2)
        dq = -ypp
        f = q - target
        if f > 0:
            lo = tau2
        else:
            hi = tau2
        if f == 0:
            return tau2, it, True
        cand = tau2 - f / dq if dq < 0 else math.inf
        if not (lo <= cand <= hi) or not math.isfinite(cand):
            cand = 0.5 * (lo + hi) if math.isfinite(hi) else 2 * lo
        change = abs(cand - tau2)
        tau2 = cand
        if change <= tol * (tau2 + vbar):
            return tau2, it, True
    return tau2, maxiter, False


def _solve_fisher(mom: _Moments, vbar, init, method, tol, maxiter):
    """ML / REML: Fisher scoring (metafor's algorithm), with Newton steps once close.

    Newton steps on the same score equation converge quadratically near the root; they are
    taken only where the observed information is positive. Once the root is bracketed by
    points where the score was seen positive and non-positive, a step that leaves the
    bracket, or is more than half the previous one, is replaced by bisection (as in
    Numerical Recipes' ``rtsafe``); this also keeps tau2 >= 0.
    """
    tau2 = init
    reml = method == "REML"
    lo, hi = 0.0, math.inf  # the score is > 0 at lo and <= 0 at hi
    prev_adj = math.inf
    lo_seen = False
    it = 0
    for it in range(1, maxiter + 1):  # noqa: B007
        s, sw2, sw3, _q, ypp, wu, wuu, _mu = mom.at(tau2)
        if reml:
            score = ypp - (s - sw2 / s)
            info = sw2 - 2.0 * sw3 / s + (sw2 / s) ** 2
        else:
            score = ypp - s
            info = sw2
        if score > 0:
            lo, lo_seen = tau2, True
        else:
            hi = tau2
        adj = score / info
        newton = False
        if tau2 > 0 and abs(adj) <= NEWTON_ZONE * (tau2 + vbar):
            slope = info - 2.0 * (wuu - wu * wu / s)  # d score / d tau2
            if slope < 0:
                adj, newton = -score / slope, True
        if not math.isfinite(adj):
            adj = 0.0
        cand = tau2 + adj
        if math.isfinite(hi) and (not (lo < cand < hi) or abs(adj) > 0.5 * abs(prev_adj)):
            # the step left the bracket around the root, or is not shrinking fast: bisect;
            # but once the bracket is [0, small] with no positive score seen, try tau2 = 0
            cand = 0.0 if not lo_seen and hi <= BOUNDARY_ZONE * vbar else 0.5 * (lo + hi)
            newton = False
        adj = cand - tau2
        prev_adj = adj
        tau2 = cand
        # a Newton step of size d leaves an error of order d^2: sqrt(tol) is enough there
        if abs(adj) <= (math.sqrt(tol) if newton else tol) * (tau2 + vbar):
            break
    else:
        return tau2, maxiter, False
    return tau2, it, True


def _tau2_closed(method, y, v, k, q_fe, s0, trp0):
    df = k - 1
    if method == "DL":
        return max(0.0, (q_fe - df) / trp0)
    if method == "HS":
        return max(0.0, (q_fe - k) / s0)
    dev = y - float(y.sum()) / k
    dev2 = float(dev @ dev)
    if method == "HE":
        return max(0.0, (dev2 - float(v.sum()) * df / k) / df)
    # SJ
    tau2_0 = dev2 / k
    w = 1.0 / (v + tau2_0)
    _s, _mu, r = _mean_resid(y, w)
    return max(0.0, tau2_0 * float((w * r) @ r) / df)


def _tau2_se(method, y, v, k, tau2, sums):
    """SE of tau^2 as metafor reports it; ``sums`` = (s, sw2, sw3) at tau2 = 0 and at tau2."""
    s0, sw2_0, sw3_0, s, sw2, sw3 = sums
    df = k - 1
    t = max(tau2, 0.0)
    if method in ("DL", "HS"):
        trp0 = s0 - sw2_0 / s0
        inner = 2 * df + 4 * t * trp0 + 2 * t * t * _pp_from(s0, sw2_0, sw3_0)
        return math.sqrt(inner) / (trp0 if method == "DL" else s0)
    if method == "HE":
        sv = float(v.sum())
        pvpv = float(v @ v) * (1 - 2.0 / k) + sv * sv / (k * k)
        return math.sqrt(2 * pvpv + 4 * t * sv * df / k + 2 * t * t * df) / df
    if method == "SJ":
        dev = y - float(y.sum()) / k
        tau2_0 = float(dev @ dev) / k
        wj = 1.0 / (v + tau2_0)
        sj = wj.sum()
        one = np.ones_like(v)
        inner = 2 * _t_pp(wj, sj, v, v) + 4 * t * _t_pp(wj, sj, one, v) + 2 * t * t * _pp(wj, sj)
        return math.sqrt(tau2_0**2 / df**2 * inner)
    if method == "ML":
        return math.sqrt(2.0 / sw2)
    if method == "REML":
        return math.sqrt(2.0 / _pp_from(s, sw2, sw3))
    if method in ("EB", "PM"):
        return math.sqrt(2.0 * k * k / df / (s * s))
    return math.nan


def _pp_from(s, sw2, sw3):
    """tr(P P) for P = W - w w'/S from the sums of w, w^2 and w^3."""
    return sw2 - 2.0 * sw3 / s + (sw2 / s) ** 2


def fit_intercept_single(y, v, method, test, level, *, tol, maxiter) -> dict:
    """Fit one intercept-only model (validated 1-D ``y``, ``v``): the result's fields."""
    k = len(y)
    mom = _Moments(v, y)
    vbar = float(v.sum()) / k
    s0, sw2_0, sw3_0, q_fe, _ypp, _wu, _wuu, _mu = mom.at(0.0)
    trp0 = s0 - sw2_0 / s0
    converged, iterations, method_used = True, 0, method
    if k == 1 or method == "FE":
        tau2 = 0.0
    elif method in ("DL", "HE", "HS", "SJ"):
        tau2 = _tau2_closed(method, y, v, k, q_fe, s0, trp0)
    elif method in ("PM", "EB"):
        tau2, iterations, converged = _solve_q(mom, vbar, q_fe, k - 1.0, tol, maxiter)
    else:
        # metafor starts from the HE estimate; DL is free here and usually closer to the root
        init = _tau2_closed("DL", y, v, k, q_fe, s0, trp0)
        tau2, iterations, converged = _solve_fisher(mom, vbar, init, method, tol, maxiter)
    if not converged:
        tau2 = _tau2_closed("DL", y, v, k, q_fe, s0, trp0)
        method_used = "DL"
        warnings.warn(
            f"the {method} estimator of tau^2 did not converge in {maxiter} iterations; "
            f"falling back to DL, as metafor does with method=c('{method}', 'DL')",
            ConvergenceWarning,
            stacklevel=3,
        )

    w = 1.0 / (v + tau2)
    s, sw2, sw3, q_t, _ypp, _wu, _wuu, mu_c = mom.at(tau2)
    if converged and tau2 > 0 and method_used in ("ML", "REML"):
        # metafor's ll0check: if tau2 = 0 has the higher (restricted) likelihood, use it
        ll1 = 0.5 * float(np.log(w).sum()) - 0.5 * q_t
        ll0 = -0.5 * float(np.log(v).sum()) - 0.5 * q_fe
        if method_used == "REML":
            ll1 -= 0.5 * math.log(s)
            ll0 -= 0.5 * math.log(s0)
        if ll0 >= ll1:
            if tau2 > 1e-6 * vbar and ll0 - ll1 > 1e-8:
                warnings.warn(
                    "Fisher scoring may have stopped at a local maximum of the likelihood; "
                    "tau^2 = 0 has a higher likelihood, so tau^2 is set to 0 (as metafor does)",
                    ConvergenceWarning,
                    stacklevel=3,
                )
            tau2 = 0.0
            w = 1.0 / v
            s, sw2, sw3, q_t, _ypp, _wu, _wuu, mu_c = s0, sw2_0, sw3_0, q_fe, 0, 0, 0, _mu
    mu = float(y[0]) if k == 1 else mom.ybar + mu_c
    se = math.sqrt(1.0 / s)
    alpha = 1 - level
    if test == "hksj" and k > 1:
        df_q = k - 1
        s2w = 0.0 if q_t <= _EPS else q_t / df_q
        se = math.sqrt(s2w / s)
        df_t = float(df_q)
        stat = mu / se if se > 0 else math.copysign(math.inf, mu)
        crit = float(_sc.stdtrit(df_t, 1 - alpha / 2))
        pval = float(2 * _sc.stdtr(df_t, -abs(stat)))
    else:
        df_t = math.inf
        stat = mu / se
        crit = _z_crit(level)
        pval = math.erfc(abs(stat) / _SQRT2)  # = 2 * (1 - Phi(|z|))

    if k == 1:
        q_p = i2 = h2 = tau2_se = math.nan
    else:
        df_q = k - 1
        q_p = float(_sc.chdtrc(df_q, q_fe))
        if method == "FE":
            i2 = max(0.0, 100 * (q_fe - df_q) / q_fe) if q_fe > 0 else 0.0
            h2 = q_fe / df_q
        else:
            vt = df_q / trp0
            i2 = 100 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1
        sums = (s0, sw2_0, sw3_0, s, sw2, sw3)
        tau2_se = math.nan if method == "FE" else _tau2_se(method_used, y, v, k, tau2, sums)
    half_pi = crit * math.sqrt(se * se + tau2)
    return {
        "k": k,
        "estimate": mu,
        "se": se,
        "statistic": float(stat),
        "df": df_t,
        "pvalue": pval,
        "ci_low": mu - crit * se,
        "ci_high": mu + crit * se,
        "tau2": float(tau2),
        "tau2_se": float(tau2_se),
        "q": float(q_fe),
        "q_df": k - 1,
        "q_pvalue": q_p,
        "i2": float(i2),
        "h2": float(h2),
        "pi_low": mu - half_pi,
        "pi_high": mu + half_pi,
        "weights": 100 * w / s,
        "converged": converged,
        "iterations": iterations,
        "method": method_used,
    }
