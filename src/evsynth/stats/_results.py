"""Result objects of the meta-analysis engine: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats as _sps

from evsynth.stats._format import SIGNIF_LEGEND, fmt, fmt_p, fmt_p_eq, signif_stars, text_table

__all__ = ["ConfidenceInterval", "MetaAnalysisResult", "MetaAnalysisBatchResult"]

_METHOD_NAMES = {
    "DL": "DerSimonian-Laird",
    "REML": "restricted maximum likelihood",
    "ML": "maximum likelihood",
    "PM": "Paule-Mandel",
    "HE": "Hedges",
    "SJ": "Sidik-Jonkman",
    "HS": "Hunter-Schmidt",
    "EB": "empirical Bayes",
}


class ConfidenceInterval(NamedTuple):
    low: float
    high: float


def _crit(test: str, df: float, level: float) -> float:
    if test == "hksj" and np.isfinite(df):
        return float(_sps.t.isf((1 - level) / 2, df))
    return float(_sps.norm.isf((1 - level) / 2))


@dataclass(frozen=True, eq=False)
class MetaAnalysisResult:
    """One fitted meta-analysis (intercept-only model), as metafor's ``rma()``.

    Attributes
    ----------
    yi, vi : ndarray
        The effect sizes and sampling variances that were pooled.
    labels : tuple of str
        Study labels, in the order of ``yi``.
    method : str
        tau^2 estimator used ("FE" for the common-effect model). If the requested iterative
        estimator did not converge, this is the fallback ("DL") and ``converged`` is False.
    test : str
        "z" (Wald-type, normal) or "hksj" (Hartung-Knapp-Sidik-Jonkman, t with k - 1 df).
    level : float
        Confidence level of ``ci_low``/``ci_high`` and of the prediction interval.
    k : int
        Number of studies.
    estimate, se, statistic, df, pvalue, ci_low, ci_high : float
        The pooled effect, its standard error, the test statistic (z or t), its degrees of
        freedom (``inf`` for z), two-sided p-value and confidence interval.
    tau2, tau2_se : float
        Between-study variance and its standard error as metafor reports it.
    q, q_df, q_pvalue : float, int, float
        Cochran's Q (inverse-variance weights), its df (k - 1) and p-value.
    i2, h2 : float
        I^2 in percent and H^2, as metafor computes them for the estimator.
    pi_low, pi_high : float
        Prediction interval, as metafor's ``predict()``.
    weights : ndarray
        Study weights in percent (summing to 100).
    converged : bool
    iterations : int
    """

    yi: np.ndarray
    vi: np.ndarray
    labels: tuple[str, ...]
    method: str
    test: str
    level: float
    k: int
    estimate: float
    se: float
    statistic: float
    df: float
    pvalue: float
    ci_low: float
    ci_high: float
    tau2: float
    tau2_se: float
    q: float
    q_df: int
    q_pvalue: float
    i2: float
    h2: float
    pi_low: float
    pi_high: float
    weights: np.ndarray
    converged: bool = True
    iterations: int = 0
    measure: str | None = None

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def sei(self) -> np.ndarray:
        return np.sqrt(self.vi)

    @property
    def is_random_effects(self) -> bool:
        return self.method != "FE"

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Confidence interval of the pooled effect at ``level`` (default: the fitted level)."""
        lev = self.level if level is None else level
        c = _crit(self.test, self.df, lev)
        return ConfidenceInterval(self.estimate - c * self.se, self.estimate + c * self.se)

    def prediction_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Prediction interval for the effect in a new study, as metafor's ``predict()``.

        ``estimate +/- crit * sqrt(se^2 + tau2)`` with the normal quantile for ``test="z"``
        and the t quantile with k - 1 df for ``test="hksj"``.
        """
        lev = self.level if level is None else level
        c = _crit(self.test, self.df, lev)
        half = c * np.sqrt(self.se**2 + self.tau2)
        return ConfidenceInterval(self.estimate - half, self.estimate + half)

    def study_confidence_intervals(self, level: float | None = None):
        """Normal-theory CIs of the individual studies: ``yi +/- z * sqrt(vi)``."""
        lev = self.level if level is None else level
        z = _sps.norm.isf((1 - lev) / 2)
        return self.yi - z * self.sei, self.yi + z * self.sei

    def summary(self) -> str:
        """The fit laid out as metafor's ``print.rma.uni``."""
        return _summary_text(self)

    def summary_frame(self):
        """A pandas DataFrame with one row per study and a final pooled row."""
        import pandas as pd  # only summary_frame() uses pandas (an edge, not the core)

        lo, hi = self.study_confidence_intervals()
        frame = pd.DataFrame(
            {
                "study": list(self.labels),
                "yi": self.yi,
                "vi": self.vi,
                "se": self.sei,
                "ci_low": lo,
                "ci_high": hi,
                "weight": self.weights,
            }
        )
        pooled = pd.DataFrame(
            {
                "study": [f"{'RE' if self.is_random_effects else 'FE'} model"],
                "yi": [self.estimate],
                "vi": [self.se**2],
                "se": [self.se],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "weight": [100.0],
            }
        )
        return pd.concat([frame, pooled], ignore_index=True)

    def __repr__(self) -> str:
        ci = f"[{self.ci_low:.4g}, {self.ci_high:.4g}]"
        return (
            f"MetaAnalysisResult(k={self.k}, method={self.method!r}, test={self.test!r}, "
            f"estimate={self.estimate:.6g}, ci={ci}, tau2={self.tau2:.6g}, i2={self.i2:.4g})"
        )


def _heterogeneity_lines(res, residual: bool = False) -> list[str]:
    lines = []
    what = "residual" if residual else "total"
    if res.k == 1:
        lines.append("Heterogeneity cannot be estimated from a single study (tau^2 set to 0).")
        return lines
    if res.method != "FE":
        tau2_se = "" if np.isnan(res.tau2_se) else f" (SE = {fmt(res.tau2_se)})"
        entries = [
            (f"tau^2 (estimated amount of {what} heterogeneity):", fmt(res.tau2) + tau2_se),
            ("tau (square root of estimated tau^2 value):", fmt(np.sqrt(res.tau2))),
        ]
    else:
        entries = []
    if residual:
        entries += [
            ("I^2 (residual heterogeneity / unaccounted variability):", f"{res.i2:.2f}%"),
            ("H^2 (unaccounted variability / sampling variability):", f"{res.h2:.2f}"),
        ]
        if res.r2 is not None and not np.isnan(res.r2):
            entries.append(("R^2 (amount of heterogeneity accounted for):", f"{res.r2:.2f}%"))
    else:
        entries += [
            ("I^2 (total heterogeneity / total variability):", f"{res.i2:.2f}%"),
            ("H^2 (total variability / sampling variability):", f"{res.h2:.2f}"),
        ]
    width = max(len(a) for a, _ in entries) + 1
    lines += [a.ljust(width) + b for a, b in entries]
    return lines


def _model_title(method: str, k: int, mods: bool = False) -> str:
    if method == "FE":
        return (
            f"Common-Effect Model (k = {k})"
            if not mods
            else f"Fixed-Effects with Moderators Model (k = {k})"
        )
    kind = "Mixed-Effects Model" if mods else "Random-Effects Model"
    return f"{kind} (k = {k}; tau^2 estimator: {method})"


def _summary_text(res: MetaAnalysisResult) -> str:
    out = ["", _model_title(res.method, res.k), ""]
    if not res.converged:
        out += [f"Note: the requested tau^2 estimator did not converge; {res.method} used.", ""]
    out += _heterogeneity_lines(res)
    if res.k > 1:
        out += [
            "",
            "Test for Heterogeneity:",
            f"Q(df = {res.q_df}) = {res.q:.4f}, {fmt_p_eq(res.q_pvalue)}",
        ]
    out += ["", "Model Results:", ""]
    t = res.test == "hksj" and np.isfinite(res.df)
    header = ["estimate", "se", "tval" if t else "zval"]
    row = [fmt(res.estimate), fmt(res.se), fmt(res.statistic)]
    if t:
        header.append("df")
        row.append(f"{res.df:g}")
    header += ["pval", "ci.lb", "ci.ub", ""]
    row += [fmt_p(res.pvalue), fmt(res.ci_low), fmt(res.ci_high), signif_stars(res.pvalue)]
    out.append(text_table(header, [row]))
    if res.is_random_effects and res.k > 1:
        pi = f"{100 * res.level:g}% prediction interval: [{fmt(res.pi_low)}, {fmt(res.pi_high)}]"
        out += ["", pi]
    out += ["", "---", SIGNIF_LEGEND, ""]
    return "\n".join(out)


@dataclass(frozen=True, eq=False)
class MetaAnalysisBatchResult:
    """Many intercept-only meta-analyses fitted at once (see :func:`meta_analysis_batch`).

    Every attribute of :class:`MetaAnalysisResult` is here as an array of length
    ``n_analyses``; ``weights`` has the shape of the input (NaN where a study is absent).
    ``result[i]`` gives analysis ``i`` as a :class:`MetaAnalysisResult`.
    """

    yi: np.ndarray
    vi: np.ndarray
    method: str
    test: str
    level: float
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

    def __len__(self) -> int:
        return len(self.estimate)

    def __getitem__(self, i: int) -> MetaAnalysisResult:
        i = range(len(self))[i]
        present = np.isfinite(self.yi[i])
        k = int(self.k[i])
        return MetaAnalysisResult(
            yi=self.yi[i][present].copy(),
            vi=self.vi[i][present].copy(),
            labels=tuple(f"Study {j + 1}" for j in range(k)),
            method=str(self.method_used[i]),
            test=self.test,
            level=self.level,
            k=k,
            estimate=float(self.estimate[i]),
            se=float(self.se[i]),
            statistic=float(self.statistic[i]),
            df=float(self.df[i]),
            pvalue=float(self.pvalue[i]),
            ci_low=float(self.ci_low[i]),
            ci_high=float(self.ci_high[i]),
            tau2=float(self.tau2[i]),
            tau2_se=float(self.tau2_se[i]),
            q=float(self.q[i]),
            q_df=int(self.q_df[i]),
            q_pvalue=float(self.q_pvalue[i]),
            i2=float(self.i2[i]),
            h2=float(self.h2[i]),
            pi_low=float(self.pi_low[i]),
            pi_high=float(self.pi_high[i]),
            weights=self.weights[i][present].copy(),
            converged=bool(self.converged[i]),
            iterations=int(self.iterations[i]),
        )

    def summary_frame(self):
        """A pandas DataFrame with one row per analysis."""
        import pandas as pd  # only summary_frame() uses pandas (an edge, not the core)

        cols = (
            "k estimate se statistic df pvalue ci_low ci_high tau2 tau2_se q q_df q_pvalue "
            "i2 h2 pi_low pi_high converged"
        ).split()
        return pd.DataFrame({c: getattr(self, c) for c in cols})
