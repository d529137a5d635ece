"""Leave-one-out sensitivity analysis."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from evsynth.stats._engine import fit_intercept_batch
from evsynth.stats._format import fmt, fmt_p, text_table
from evsynth.stats._results import MetaAnalysisResult

__all__ = ["LeaveOneOutResult", "leave_one_out"]


@dataclass(frozen=True, eq=False)
class LeaveOneOutResult:
    """Each study omitted in turn: arrays of length k, entry i without study i."""

    labels: tuple[str, ...]
    method: str
    test: str
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    q: np.ndarray
    q_pvalue: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    h2: np.ndarray

    def summary_frame(self):
        import pandas as pd  # only summary_frame() uses pandas (an edge, not the core)

        cols = "estimate se statistic pvalue ci_low ci_high q q_pvalue tau2 i2 h2".split()
        frame = pd.DataFrame({c: getattr(self, c) for c in cols})
        frame.insert(0, "omitted", list(self.labels))
        return frame

    def summary(self) -> str:
        """Laid out as metafor's ``leave1out()``."""
        stat = "tval" if self.test == "hksj" else "zval"
        header = ["estimate", "se", stat, "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2"]
        rows = [
            [
                fmt(self.estimate[i]),
                fmt(self.se[i]),
                fmt(self.statistic[i]),
                fmt_p(self.pvalue[i]),
                fmt(self.ci_low[i]),
                fmt(self.ci_high[i]),
                fmt(self.q[i]),
                fmt_p(self.q_pvalue[i]),
                fmt(self.tau2[i]),
                fmt(self.i2[i], 2),
                fmt(self.h2[i]),
            ]
            for i in range(len(self.labels))
        ]
        return "\n" + text_table(header, rows, row_names=[f"-{x}" for x in self.labels]) + "\n"


def leave_one_out(res: MetaAnalysisResult) -> LeaveOneOutResult:
    """Refit the model k times, each time without one study (metafor's ``leave1out()``).

    The k refits run as one batch of the vectorised engine, with the fit's method, test
    and level.

    Parameters
    ----------
    res : MetaAnalysisResult
        A fit with at least two studies.

    Returns
    -------
    LeaveOneOutResult

    References
    ----------
    .. [1] Viechtbauer W, Cheung MW-L. Outlier and influence diagnostics for meta-analysis.
       Res Synth Methods. 2010;1:112-125.

    Examples
    --------
    >>> import evsynth as es
    >>> res = es.meta_analysis([0.1, 0.5, 0.9, -0.2], [0.02, 0.03, 0.05, 0.04], method="DL")
    >>> loo = es.leave_one_out(res)
    >>> len(loo.estimate)
    4
    """
    if not isinstance(res, MetaAnalysisResult):
        raise ValueError(f"res must be a MetaAnalysisResult; got {type(res).__name__}")
    k = res.k
    if k < 2:
        raise ValueError("res has a single study: there is nothing to leave out")
    keep = ~np.eye(k, dtype=bool)
    Y = np.broadcast_to(res.yi, (k, k))[keep].reshape(k, k - 1)
    V = np.broadcast_to(res.vi, (k, k))[keep].reshape(k, k - 1)
    if k == 2:
        warnings.warn(
            "leaving one of two studies out leaves single studies: their heterogeneity "
            "(Q p-value, I^2, H^2) is undefined and reported as NaN",
            UserWarning,
            stacklevel=2,
        )
    out = fit_intercept_batch(Y, V, res.method, res.test, res.level)
    return LeaveOneOutResult(
        labels=res.labels,
        method=res.method,
        test=res.test,
        estimate=out.estimate,
        se=out.se,
        statistic=out.statistic,
        pvalue=out.pvalue,
        ci_low=out.ci_low,
        ci_high=out.ci_high,
        q=out.q,
        q_pvalue=out.q_pvalue,
        tau2=out.tau2,
        i2=out.i2,
        h2=out.h2,
    )
