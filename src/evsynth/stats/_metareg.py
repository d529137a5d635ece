"""Meta-regression: the mixed-effects model with moderators, as metafor's ``rma(mods=)``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

from evsynth.stats._engine import (
    BOUNDARY_ZONE,
    DEFAULT_MAXITER,
    DEFAULT_TOL,
    NEWTON_ZONE,
    ConvergenceWarning,
)
from evsynth.stats._format import SIGNIF_LEGEND, fmt, fmt_p, fmt_p_eq, signif_stars, text_table
from evsynth.stats._meta import as_yi_vi, check_model_args, meta_analysis
from evsynth.stats._results import _heterogeneity_lines, _model_title

__all__ = ["MetaRegressionResult", "meta_regression", "design_matrix"]


def design_matrix(moderators, k: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Build the model matrix: an intercept, numeric moderators as they are, and categorical
    moderators (strings, booleans) dummy-coded against their first level in sorted order (R's
    treatment contrasts of ``factor()``).

    ``moderators`` is a mapping ``{name: values}`` (a dict or a pandas DataFrame) or a 2-D
    numeric array whose columns are named ``x1, x2, ...``.
    """
    if isinstance(moderators, Mapping) or hasattr(moderators, "columns"):
        items = [(str(name), moderators[name]) for name in moderators]
    else:
        arr = np.asarray(moderators, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"moderators must be a mapping or a 2-D array; got shape {arr.shape}")
        items = [(f"x{j + 1}", arr[:, j]) for j in range(arr.shape[1])]
    if not items:
        raise ValueError("moderators is empty; give at least one moderator")
    cols = [np.ones(k)]
    names = ["intercept"]
    for name, values in items:
        values = np.asarray(values)
        if values.ndim != 1 or len(values) != k:
            raise ValueError(
                f"moderators[{name!r}] has shape {values.shape} but there are {k} studies"
            )
        if values.dtype.kind in "iuf":
            values = values.astype(float)
            bad = ~np.isfinite(values)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"moderators[{name!r}][{i}] is {float(values[i])!r}; must be finite"
                )
            cols.append(values)
            names.append(name)
            continue
        labels = np.array([str(x) for x in values], dtype=object)
        missing = np.array([x is None or x != x or str(x) == "" for x in values])
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise ValueError(f"moderators[{name!r}][{i}] is missing; every study needs a value")
        levels = sorted(set(labels))
        if len(levels) < 2:
            raise ValueError(f"moderators[{name!r}] has a single level {levels[0]!r}")
        for level in levels[1:]:
            cols.append((labels == level).astype(float))
            names.append(f"{name}[{level}]")
    X = np.column_stack(cols)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError(
            "the moderators are collinear (the model matrix is not of full rank): "
            + ", ".join(names[1:])
        )
    return X, tuple(names)


def _proj(X: np.ndarray, w: np.ndarray):
    """P = W - W X (X'WX)^-1 X'W and (X'WX)^-1."""
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    wx = w[:, None] * X
    return np.diag(w) - wx @ xtwx_inv @ wx.T, xtwx_inv


def _qe(y, v, X, tau2):
    p, _ = _proj(X, 1.0 / (v + tau2))
    return float(y @ p @ y), p


def _ll(y, v, X, tau2, reml):
    w = 1.0 / (v + tau2)
    xtwx = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(xtwx, X.T @ (w * y))
    r = y - X @ beta
    ll = -0.5 * np.sum(np.log(v + tau2)) - 0.5 * np.sum(w * r * r)
    if reml:
        ll -= 0.5 * np.linalg.slogdet(xtwx)[1]
    return ll


def fit_tau2_general(y, v, X, method, tol=DEFAULT_TOL, maxiter=DEFAULT_MAXITER):
    """tau^2 of the model ``y = X beta + u + e`` by each estimator of metafor's ``rma.uni``.

    Returns ``(tau2, converged, iterations, method_used)``.
    """
    k, p = X.shape
    w0 = 1.0 / v
    p0, _ = _proj(X, w0)
    vbar = float(np.mean(v))
    if method == "FE":
        return 0.0, True, 0, method
    if method == "DL":
        return max(0.0, (float(y @ p0 @ y) - (k - p)) / np.trace(p0)), True, 0, method
    if method == "HS":
        return max(0.0, (float(y @ p0 @ y) - k) / np.sum(w0)), True, 0, method
    pols = np.eye(k) - X @ np.linalg.solve(X.T @ X, X.T)
    he = (float(y @ pols @ y) - np.trace(pols * v[None, :])) / (k - p)
    if method == "HE":
        return max(0.0, he), True, 0, method
    if method == "SJ":
        tau2_0 = float(np.var(y))
        q, _ = _qe(y, v, X, tau2_0)
        return max(0.0, tau2_0 * q / (k - p)), True, 0, method
    converged, it = False, 0
    if method in ("PM", "EB"):
        target = k - p
        if float(y @ p0 @ y) <= target:
            return 0.0, True, 0, method
        tau2, lo, hi = 0.0, 0.0, np.inf
        for it in range(1, maxiter + 1):  # noqa: B007
            q, pm = _qe(y, v, X, tau2)
            f = q - target
            if f > 0:
                lo = tau2
            else:
                hi = tau2
            py = pm @ y
            dq = -float(py @ py)
            cand = tau2 - f / dq if dq < 0 else np.inf
            if f == 0:
                cand = tau2
            elif not (lo <= cand <= hi):
                cand = 0.5 * (lo + hi) if np.isfinite(hi) else 2 * lo
            change = abs(cand - tau2)
            tau2 = cand
            if change <= tol * (tau2 + vbar) or f == 0:
                converged = True
                break
    else:
        # Fisher scoring with Newton steps near the root, kept in a bracket of the root,
        # exactly as the intercept-only engine (see _engine._solve_fisher)
        tau2 = max(0.0, (float(y @ p0 @ y) - (k - p)) / np.trace(p0))  # DL start
        lo, hi, lo_seen, prev_adj = 0.0, np.inf, False, np.inf
        for it in range(1, maxiter + 1):  # noqa: B007
            w = 1.0 / (v + tau2)
            pm, _ = _proj(X, w)
            py = pm @ y
            ypp = float(py @ py)
            ppy = pm @ py
            if method == "REML":
                score = ypp - np.trace(pm)
                info = float(np.sum(pm * pm))
            else:
                score = ypp - float(np.sum(w))
                info = float(np.sum(w * w))
            if score > 0:
                lo, lo_seen = tau2, True
            else:
                hi = tau2
            adj = score / info
            if tau2 > 0 and abs(adj) <= NEWTON_ZONE * (tau2 + vbar):
                slope = info - 2.0 * float(py @ ppy)  # d score / d tau2
                if slope < 0:
                    adj = -score / slope
            cand = tau2 + adj
            if np.isfinite(hi) and (not (lo < cand < hi) or abs(adj) > 0.5 * abs(prev_adj)):
                near_zero = not lo_seen and hi <= BOUNDARY_ZONE * vbar
                cand = 0.0 if near_zero else 0.5 * (lo + hi)
            adj = cand - tau2
            prev_adj = adj
            tau2 = cand
            if abs(adj) <= tol * (tau2 + vbar):
                converged = True
                break
        if converged and tau2 > 0:
            reml = method == "REML"
            ll0, ll1 = _ll(y, v, X, 0.0, reml), _ll(y, v, X, tau2, reml)
            if ll0 >= ll1:
                if tau2 > 1e-6 * vbar and ll0 - ll1 > 1e-8:
                    warnings.warn(
                        "Fisher scoring may have stopped at a local maximum; tau^2 = 0 has a "
                        "higher likelihood, so tau^2 is set to 0 (as metafor does)",
                        ConvergenceWarning,
                        stacklevel=3,
                    )
                tau2 = 0.0
    if not converged:
        warnings.warn(
            f"the {method} estimator of tau^2 did not converge in {maxiter} iterations; "
            f"falling back to DL, as metafor does with method=c('{method}', 'DL')",
            ConvergenceWarning,
            stacklevel=3,
        )
        dl = max(0.0, (float(y @ p0 @ y) - (k - p)) / np.trace(p0))
        return dl, False, it, "DL"
    return float(tau2), True, it, method


@dataclass(frozen=True, eq=False)
class MetaRegressionResult:
    """A mixed-effects meta-regression, as metafor's ``rma(yi, vi, mods = ...)``.

    Attributes
    ----------
    coef_names : tuple of str
        "intercept", then one name per model-matrix column (``name[level]`` for a dummy).
    coef, se, statistic, pvalue, ci_low, ci_high : ndarray
        Coefficients with their standard errors, z or t statistics, p-values and CIs.
    df : float
        Residual df of the t-tests (k - p) under ``test="hksj"``, ``inf`` under ``"z"``.
    qm, qm_df, qm_pvalue
        Omnibus test of the moderators (all coefficients but the intercept): chi-square
        with ``qm_df = m`` under ``"z"``, F with ``qm_df = (m, k - p)`` under ``"hksj"``.
    qe, qe_df, qe_pvalue : float, int, float
        Test for residual heterogeneity.
    tau2, tau2_se, i2, h2 : float
        Residual heterogeneity.
    r2 : float
        Percent of tau^2 accounted for by the moderators (NaN when not defined).
    """

    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    labels: tuple[str, ...]
    coef_names: tuple[str, ...]
    method: str
    test: str
    level: float
    k: int
    coef: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    df: float
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    vcov: np.ndarray
    qm: float
    qm_df: int | tuple[int, int]
    qm_pvalue: float
    qe: float
    qe_df: int
    qe_pvalue: float
    tau2: float
    tau2_se: float
    i2: float
    h2: float
    r2: float
    converged: bool = True

    def confidence_interval(self, level: float | None = None):
        lev = self.level if level is None else level
        if self.test == "hksj":
            c = _sps.t.isf((1 - lev) / 2, self.df)
        else:
            c = _sps.norm.isf((1 - lev) / 2)
        return self.coef - c * self.se, self.coef + c * self.se

    def predict(self, X_new) -> np.ndarray:
        """Fitted values ``X_new @ coef`` for rows of the model matrix."""
        return np.asarray(X_new, dtype=float) @ self.coef

    def summary(self) -> str:
        """The fit laid out as metafor's ``print.rma.uni`` for a model with moderators."""
        out = ["", _model_title(self.method, self.k, mods=True), ""]
        out += _heterogeneity_lines(self, residual=True)
        out += [
            "",
            "Test for Residual Heterogeneity:",
            f"QE(df = {self.qe_df}) = {self.qe:.4f}, {fmt_p_eq(self.qe_pvalue)}",
            "",
            f"Test of Moderators (coefficients 2:{len(self.coef)}):",
        ]
        if self.test == "hksj":
            m, d = self.qm_df
            out.append(f"F(df1 = {m}, df2 = {d}) = {self.qm:.4f}, {fmt_p_eq(self.qm_pvalue)}")
        else:
            out.append(f"QM(df = {self.qm_df}) = {self.qm:.4f}, {fmt_p_eq(self.qm_pvalue)}")
        out += ["", "Model Results:", ""]
        t = self.test == "hksj"
        header = ["estimate", "se", "tval" if t else "zval"] + (["df"] if t else [])
        header += ["pval", "ci.lb", "ci.ub", ""]
        rows = []
        for j in range(len(self.coef)):
            row = [fmt(self.coef[j]), fmt(self.se[j]), fmt(self.statistic[j])]
            if t:
                row.append(f"{self.df:g}")
            p = self.pvalue[j]
            row += [fmt_p(p), fmt(self.ci_low[j]), fmt(self.ci_high[j]), signif_stars(p)]
            rows.append(row)
        out.append(text_table(header, rows, row_names=list(self.coef_names)))
        out += ["", "---", SIGNIF_LEGEND, ""]
        return "\n".join(out)

    def summary_frame(self):
        import pandas as pd  # only summary_frame() uses pandas (an edge, not the core)

        return pd.DataFrame(
            {
                "term": list(self.coef_names),
                "estimate": self.coef,
                "se": self.se,
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )


def meta_regression(
    yi,
    vi=None,
    moderators=None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    labels=None,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> MetaRegressionResult:
    """Meta-regression with one or more moderators, numeric or categorical.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances (or an ``EffectSizes`` as ``yi``, ``vi=None``).
    moderators : mapping or 2-D array
        ``{name: values}``; numeric values enter as covariates, strings (or booleans) as
        categories dummy-coded against the first level in sorted order.
    method, test, level, labels, tol, maxiter
        As in :func:`meta_analysis`; every tau^2 estimator has its meta-regression form.

    Returns
    -------
    MetaRegressionResult

    Notes
    -----
    With :math:`W = \\mathrm{diag}(1/(v_i + \\hat\\tau^2))`, :math:`\\hat\\beta =
    (X^\\top W X)^{-1} X^\\top W y` with covariance :math:`(X^\\top W X)^{-1}`, multiplied
    under ``test="hksj"`` by :math:`\\sum w_i (y_i - x_i^\\top\\hat\\beta)^2/(k-p)` (Knapp &
    Hartung 2003). :math:`R^2 = (\\hat\\tau^2_{RE} - \\hat\\tau^2)/\\hat\\tau^2_{RE}`, truncated
    at 0, with :math:`\\hat\\tau^2_{RE}` from the model without moderators (Raudenbush 2009);
    for the FE model, the adjusted :math:`R^2` of the weighted least-squares fit, as metafor.

    References
    ----------
    .. [1] Knapp G, Hartung J. Improved tests for a random effects meta-regression with a
       single covariate. Stat Med. 2003;22:2693-2710.
    .. [2] Raudenbush SW. Analyzing effect sizes: random-effects models. In: Cooper H,
       Hedges LV, Valentine JC, eds. The Handbook of Research Synthesis and Meta-Analysis.
       2nd ed. Russell Sage Foundation; 2009:295-315.
    .. [3] Viechtbauer W. Conducting meta-analyses in R with the metafor package.
       J Stat Softw. 2010;36(3):1-48.

    Examples
    --------
    >>> import evsynth as es
    >>> yi = [-0.89, -1.59, -1.35, -1.44, -0.22, -0.79]
    >>> vi = [0.33, 0.19, 0.42, 0.02, 0.05, 0.007]
    >>> fit = es.meta_regression(yi, vi, {"latitude": [44, 55, 42, 52, 13, 44]}, method="DL")
    >>> fit.coef_names
    ('intercept', 'latitude')
    """
    method, test, level = check_model_args(method, test, level, maxiter, tol)
    y, v, labels, _measure = as_yi_vi(yi, vi, labels)
    if moderators is None:
        raise ValueError("moderators is required; for no moderators use meta_analysis()")
    X, names = design_matrix(moderators, len(y))
    k, p = X.shape
    if k <= p:
        raise ValueError(
            f"{k} studies cannot estimate {p} coefficients and a residual variance; "
            "need more studies than coefficients"
        )
    if method == "FE" and test == "hksj":
        warnings.warn(
            "the Knapp-Hartung adjustment is not meant for a common-effect (FE) model",
            UserWarning,
            stacklevel=2,
        )
    tau2, converged, _it, method_used = fit_tau2_general(y, v, X, method, tol, maxiter)
    w = 1.0 / (v + tau2)
    vb = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = vb @ (X.T @ (w * y))
    m = p - 1
    if test == "hksj":
        rss = float(np.sum(w * (y - X @ beta) ** 2))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        vb = vb * s2w
        df = float(k - p)
    else:
        df = np.inf
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
        b = beta[1:]
        qm = float(b @ np.linalg.solve(vb[1:, 1:], b))
    if test == "hksj":
        qm = qm / m
        qm_df: int | tuple[int, int] = (m, k - p)
        qm_p = float(_sps.f.sf(qm, m, k - p))
        crit = _sps.t.isf((1 - level) / 2, df)
        pval = 2 * _sps.t.sf(np.abs(stat), df)
    else:
        qm_df = m
        qm_p = float(_sps.chi2.sf(qm, m))
        crit = _sps.norm.isf((1 - level) / 2)
        pval = 2 * _sps.norm.sf(np.abs(stat))

    p0, _ = _proj(X, 1.0 / v)
    qe = max(0.0, float(y @ p0 @ y))
    qe_p = float(_sps.chi2.sf(qe, k - p))
    if method_used == "FE":
        i2 = max(0.0, 100 * (qe - (k - p)) / qe) if qe > 0 else 0.0
        h2 = qe / (k - p)
    else:
        vt = (k - p) / np.trace(p0)
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
    tau2_se = _tau2_se_general(y, v, X, tau2, method_used)
    r2 = _r2(y, v, X, tau2, method_used, test, tol, maxiter)
    return MetaRegressionResult(
        yi=y,
        vi=v,
        X=X,
        labels=labels,
        coef_names=names,
        method=method_used,
        test=test,
        level=level,
        k=k,
        coef=beta,
        se=se,
        statistic=stat,
        df=df,
        pvalue=pval,
        ci_low=beta - crit * se,
        ci_high=beta + crit * se,
        vcov=vb,
        qm=qm,
        qm_df=qm_df,
        qm_pvalue=qm_p,
        qe=qe,
        qe_df=k - p,
        qe_pvalue=qe_p,
        tau2=tau2,
        tau2_se=tau2_se,
        i2=float(i2),
        h2=float(h2),
        r2=r2,
        converged=converged,
    )


def _tau2_se_general(y, v, X, tau2, method) -> float:
    """SE of tau^2 for each estimator, metafor's formulas in matrix form."""
    k, p = X.shape
    t = max(tau2, 0.0)
    if method == "FE":
        return float("nan")
    if method in ("DL", "HS"):
        p0, _ = _proj(X, 1.0 / v)
        inner = 2 * (k - p) + 4 * t * np.trace(p0) + 2 * t**2 * np.sum(p0 * p0)
        denom = np.trace(p0) if method == "DL" else np.sum(1.0 / v)
        return float(np.sqrt(inner) / denom)
    if method == "HE":
        pols = np.eye(k) - X @ np.linalg.solve(X.T @ X, X.T)
        pv = pols * v[None, :]
        inner = 2 * np.sum(pv * pv.T) + 4 * t * np.trace(pv) + 2 * t**2 * (k - p)
        return float(np.sqrt(inner) / (k - p))
    if method == "SJ":
        tau2_0 = float(np.var(y))
        pm, _ = _proj(X, 1.0 / (v + tau2_0))
        pv = pm * v[None, :]
        inner = 2 * np.sum(pv * pv.T) + 4 * t * np.sum(pv * pm) + 2 * t**2 * np.sum(pm * pm)
        return float(np.sqrt(tau2_0**2 / (k - p) ** 2 * inner))
    w = 1.0 / (v + tau2)
    if method == "ML":
        return float(np.sqrt(2.0 / np.sum(w * w)))
    if method == "REML":
        pm, _ = _proj(X, w)
        return float(np.sqrt(2.0 / np.sum(pm * pm)))
    return float(np.sqrt(2.0 * k**2 / (k - p) / np.sum(w) ** 2))  # EB, PM


def _r2(y, v, X, tau2, method, test, tol, maxiter) -> float:
    k, p = X.shape
    if method == "FE":
        if np.var(y) == 0:
            return 0.0
        w = 1.0 / v
        beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * y))
        fitted = X @ beta
        rss = np.sum(w * (y - fitted) ** 2)
        mss = np.sum(w * (fitted - np.sum(w * fitted) / np.sum(w)) ** 2)
        r2 = mss / (mss + rss)
        adj = 1 - (1 - r2) * (k - 1) / (k - p)
        return float(max(0.0, 100 * adj))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau2_re = meta_analysis(y, v, method=method, test=test, tol=tol, maxiter=maxiter).tau2
    if tau2_re == 0:
        return 0.0
    return float(max(0.0, 100 * (tau2_re - tau2) / tau2_re))
