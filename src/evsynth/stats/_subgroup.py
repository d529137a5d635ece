"""Subgroup analysis as RevMan does it: separate tau^2 per subgroup, then a test between."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

from evsynth.stats._engine import DEFAULT_MAXITER, DEFAULT_TOL
from evsynth.stats._format import fmt, fmt_p, fmt_p_eq, text_table
from evsynth.stats._meta import as_yi_vi, check_model_args, meta_analysis
from evsynth.stats._results import MetaAnalysisResult

__all__ = ["SubgroupAnalysisResult", "subgroup_analysis"]


@dataclass(frozen=True, eq=False)
class SubgroupAnalysisResult:
    """Per-subgroup fits, the overall fit and the test for subgroup differences.

    Attributes
    ----------
    groups : dict of str to MetaAnalysisResult
        One fit per subgroup, in order of first appearance, each with its own tau^2.
    overall : MetaAnalysisResult
        All studies pooled together.
    q_between, q_between_df, q_between_pvalue : float, int, float
        Test for subgroup differences: Cochran's Q of the subgroup estimates weighted by
        their inverse squared standard errors, chi-square on (number of subgroups - 1) df.
    i2_between : float
        I^2 of the test for subgroup differences, percent.
    """

    groups: dict[str, MetaAnalysisResult]
    overall: MetaAnalysisResult
    q_between: float
    q_between_df: int
    q_between_pvalue: float
    i2_between: float

    def summary(self) -> str:
        header = ["k", "estimate", "se", "pval", "ci.lb", "ci.ub", "tau^2", "I^2"]
        names, rows = [], []
        for name, g in [*self.groups.items(), ("Overall", self.overall)]:
            names.append(name)
            rows.append(
                [
                    str(g.k),
                    fmt(g.estimate),
                    fmt(g.se),
                    fmt_p(g.pvalue),
                    fmt(g.ci_low),
                    fmt(g.ci_high),
                    fmt(g.tau2),
                    "NA" if np.isnan(g.i2) else f"{g.i2:.1f}%",
                ]
            )
        first = self.overall
        model = "common-effect" if first.method == "FE" else f"random-effects ({first.method})"
        test = (
            f"Test for subgroup differences: Chi^2 = {self.q_between:.2f}, "
            f"df = {self.q_between_df} ({fmt_p_eq(self.q_between_pvalue)}), "
            f"I^2 = {self.i2_between:.1f}%"
        )
        return "\n".join(
            [
                "",
                f"Subgroup analysis: {model}, separate tau^2 per subgroup, test {first.test}",
                "",
                text_table(header, rows, row_names=names),
                "",
                test,
                "",
            ]
        )

    def summary_frame(self):
        import pandas as pd  # only summary_frame() uses pandas (an edge, not the core)

        recs = []
        for name, g in [*self.groups.items(), ("Overall", self.overall)]:
            recs.append(
                {
                    "subgroup": name,
                    "k": g.k,
                    "estimate": g.estimate,
                    "se": g.se,
                    "ci_low": g.ci_low,
                    "ci_high": g.ci_high,
                    "pvalue": g.pvalue,
                    "tau2": g.tau2,
                    "i2": g.i2,
                }
            )
        return pd.DataFrame(recs)


def subgroup_analysis(
    yi,
    vi=None,
    groups=None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    labels=None,
    tol: float = DEFAULT_TOL,
    maxiter: int = DEFAULT_MAXITER,
) -> SubgroupAnalysisResult:
    """Subgroup analysis with a separate tau^2 in each subgroup (RevMan's approach).

    Each subgroup is meta-analysed on its own with ``method`` and ``test``; the subgroup
    estimates are then compared with a common-effect test of heterogeneity,
    :math:`Q_b = \\sum_g (\\hat\\mu_g - \\bar\\mu)^2 / SE_g^2` on G - 1 df, which is
    metafor's ``rma(yi = estimates, sei = ses, method = "FE")`` on the subgroup results.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and variances (or an ``EffectSizes`` as ``yi``).
    groups : array_like
        Subgroup label of each study (at least two distinct labels).
    method, test, level, labels, tol, maxiter
        As in :func:`meta_analysis`.

    Returns
    -------
    SubgroupAnalysisResult

    References
    ----------
    .. [1] Deeks JJ, Higgins JPT, Altman DG, eds. Chapter 10: Analysing data and undertaking
       meta-analyses. In: Cochrane Handbook for Systematic Reviews of Interventions,
       version 6.4, section 10.11.3.1. Cochrane; 2023.
    .. [2] Borenstein M, Higgins JPT. Meta-analysis and subgroups. Prev Sci.
       2013;14:134-143.

    Examples
    --------
    >>> import evsynth as es
    >>> sg = es.subgroup_analysis([0.1, 0.3, 0.8, 0.9], [0.02, 0.03, 0.02, 0.04],
    ...                           ["a", "a", "b", "b"], method="DL")
    >>> sg.q_between_df
    1
    """
    method, test, level = check_model_args(method, test, level, maxiter, tol)
    y, v, labels, _measure = as_yi_vi(yi, vi, labels)
    if groups is None:
        raise ValueError("groups is required: the subgroup label of each study")
    g = list(groups)
    if len(g) != len(y):
        raise ValueError(f"groups has length {len(g)} but yi has length {len(y)}")
    for i, x in enumerate(g):
        if x is None or (isinstance(x, float) and np.isnan(x)) or str(x).strip() == "":
            raise ValueError(f"groups[{i}] is missing; every study needs a subgroup")
    g = [str(x) for x in g]
    order = list(dict.fromkeys(g))
    if len(order) < 2:
        raise ValueError(f"groups has a single subgroup ({order[0]!r}); need at least two")
    garr = np.array(g, dtype=object)
    fits: dict[str, MetaAnalysisResult] = {}
    singles = []
    for name in order:
        idx = np.flatnonzero(garr == name)
        if idx.size == 1:
            singles.append(name)
        with warnings.catch_warnings():
            if idx.size == 1:
                warnings.simplefilter("ignore")
            fits[name] = meta_analysis(
                y[idx],
                v[idx],
                method=method,
                test=test,
                level=level,
                labels=[labels[i] for i in idx],
                tol=tol,
                maxiter=maxiter,
            )
    if singles:
        warnings.warn(
            f"subgroup(s) {', '.join(map(repr, singles))} contain a single study: the "
            "subgroup estimate is that study's own, with no heterogeneity estimate",
            UserWarning,
            stacklevel=2,
        )
    est = np.array([f.estimate for f in fits.values()])
    se = np.array([f.se for f in fits.values()])
    w = 1.0 / se**2
    pooled = np.sum(w * est) / np.sum(w)
    qb = float(np.sum(w * (est - pooled) ** 2))
    dfb = len(order) - 1
    overall = meta_analysis(
        y, v, method=method, test=test, level=level, labels=labels, tol=tol, maxiter=maxiter
    )
    return SubgroupAnalysisResult(
        groups=fits,
        overall=overall,
        q_between=qb,
        q_between_df=dfb,
        q_between_pvalue=float(_sps.chi2.sf(qb, dfb)),
        i2_between=float(max(0.0, 100 * (qb - dfb) / qb)) if qb > 0 else 0.0,
    )
