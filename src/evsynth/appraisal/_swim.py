"""Synthesis without meta-analysis (SWiM): direction of effect per study and the sign test.

When effect estimates cannot be pooled, the SWiM guideline accepts vote counting on the
*direction* of effect, tested with a sign test; vote counting on statistical significance is
not acceptable. This module turns each study's estimates within an outcome domain into one
direction (the effect direction plot's within-study rule) and tests the directions across
studies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real

from scipy import stats as _sps

__all__ = ["DIRECTIONS", "SWIM_ITEMS", "SignTestResult", "effect_direction", "sign_test"]

DIRECTIONS = ("benefit", "harm", "mixed")
"""The directions of effect: favours the intervention, favours the control, and mixed
(conflicting estimates or no change)."""

SWIM_ITEMS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "Grouping studies for synthesis",
        "How and why studies were grouped (populations, interventions, outcomes, designs), "
        "and any change from the protocol.",
    ),
    (
        2,
        "Standardised metric and transformation",
        "The common metric used across studies (e.g. direction of effect) and how results "
        "were converted to it.",
    ),
    (
        3,
        "Synthesis method",
        "The method used to combine results (e.g. vote counting on direction with a sign "
        "test) and why.",
    ),
    (
        4,
        "Criteria for prioritising results",
        "How results were selected or prioritised for summary and synthesis when studies "
        "report several.",
    ),
    (
        5,
        "Investigation of heterogeneity",
        "How variation in reported effects was explored, and which study characteristics "
        "were examined.",
    ),
    (
        6,
        "Certainty of evidence",
        "How the certainty of the synthesised evidence was assessed (e.g. GRADE).",
    ),
    (
        7,
        "Data presentation methods",
        "The tables and plots used to present the data and the synthesis (e.g. effect "
        "direction plot).",
    ),
    (
        8,
        "Reporting results",
        "The synthesis findings, linked to the tables and plots, with the data behind them.",
    ),
    (
        9,
        "Limitations of the synthesis",
        "The limitations of the synthesis methods and of the evidence they were applied to.",
    ),
)
"""The nine SWiM reporting items as ``(number, short name, description)``; the descriptions
paraphrase Campbell et al., BMJ 2020;368:l6890 (Table 1)."""


def effect_direction(
    effects: float | Iterable[float],
    *,
    lower_is_better: bool,
    threshold: float = 0.7,
) -> str:
    """The direction of effect of one study in one outcome domain.

    Each estimate is an effect of the intervention relative to the control (intervention minus
    control, or a log ratio) on the outcome's scale; its sign, read with ``lower_is_better``,
    says whether it favours the intervention ("benefit") or the control ("harm"). An estimate
    of exactly zero shows no change.

    - One estimate: its direction; zero gives "mixed" (no change).
    - Several estimates of the same domain: the direction shared by at least ``threshold``
      (70%) of them, else "mixed" (conflicting findings). Zeros count in the denominator but
      for neither direction.

    Only the point estimates count, never their statistical significance: vote counting on
    significance is not an acceptable synthesis method (SWiM), and the revised effect
    direction plot dropped significance from the within-study rule.

    Parameters
    ----------
    effects : float or iterable of float
        The study's effect estimates in the domain (at least one, all finite).
    lower_is_better : bool
        Whether a lower value of the outcome is better (e.g. pain, depression scores), so
        that a negative estimate favours the intervention.
    threshold : float
        Share of the estimates that must agree, in (0.5, 1]; 0.7 as in Thomson & Thomas.

    Returns
    -------
    str
        "benefit", "harm" or "mixed".

    References
    ----------
    .. [1] Thomson HJ, Thomas S. The effect direction plot: visual display of
       non-standardised effects across multiple outcome domains. Res Synth Methods.
       2013;4(1):95-101. doi:10.1002/jrsm.1060
    .. [2] Boon MH, Thomson H. The effect direction plot revisited: application of the 2019
       Cochrane Handbook guidance on alternative synthesis methods. Res Synth Methods.
       2021;12(1):29-33. doi:10.1002/jrsm.1458
    .. [3] Campbell M, McKenzie JE, Sowden A, et al. Synthesis without meta-analysis (SWiM)
       in systematic reviews: reporting guideline. BMJ. 2020;368:l6890.

    Examples
    --------
    >>> effect_direction(-3.2, lower_is_better=True)
    'benefit'
    >>> effect_direction([1.0, 2.0, -0.5], lower_is_better=False)  # 2 of 3 = 67% < 70%
    'mixed'
    >>> effect_direction([1.0, 2.0, 0.4, -0.5], lower_is_better=False)  # 3 of 4 = 75%
    'benefit'
    """
    if not isinstance(lower_is_better, bool):
        raise TypeError(f"lower_is_better must be True or False; got {lower_is_better!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, Real):
        raise TypeError(f"threshold must be a number; got {threshold!r}")
    if not 0.5 < threshold <= 1:
        raise ValueError(f"threshold must be in (0.5, 1]; got {threshold!r}")
    values = [effects] if isinstance(effects, Real) else list(effects)
    if not values:
        raise ValueError("effects must hold at least one estimate")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, Real):
            raise TypeError(f"effects must be numbers; got {v!r}")
        if not math.isfinite(v):
            raise ValueError(f"effects must be finite; got {v!r}")
    sign = -1.0 if lower_is_better else 1.0
    n_benefit = sum(1 for v in values if sign * v > 0)
    n_harm = sum(1 for v in values if sign * v < 0)
    # A small tolerance so that exactly 70% (7 of 10) passes despite float rounding.
    needed = threshold * len(values) - 1e-9
    if n_benefit >= needed:
        return "benefit"
    if n_harm >= needed:
        return "harm"
    return "mixed"


@dataclass(frozen=True)
class SignTestResult:
    """A sign test on the directions of effect of the studies in one outcome domain.

    ``n`` counts the studies with a clear direction (benefit or harm); studies with mixed
    findings are reported in ``n_mixed`` and left out of the test. ``pvalue`` is the two-sided
    exact binomial test of ``n_benefit`` out of ``n`` against 0.5 (NaN when ``n`` is 0).
    """

    n_benefit: int
    n_harm: int
    n_mixed: int
    n: int
    pvalue: float

    def summary(self) -> str:
        """One line for the report, e.g. "5 of 6 studies favour the intervention (sign test
        p = 0.22)"; the majority direction is named (the intervention on a tie)."""
        mixed = ""
        if self.n_mixed:
            were = "study" if self.n_mixed == 1 else "studies"
            mixed = f"; {self.n_mixed} {were} with mixed or no clear direction excluded"
        if self.n == 0:
            return f"No study with a clear direction of effect (sign test not applicable){mixed}"
        if self.n_benefit >= self.n_harm:
            count, side = self.n_benefit, "the intervention"
        else:
            count, side = self.n_harm, "the control"
        noun, verb = ("study", "favours") if self.n == 1 else ("studies", "favour")
        test = f"sign test {_format_p(self.pvalue)}"
        return f"{count} of {self.n} {noun} {verb} {side} ({test}{mixed})"


def sign_test(directions: Iterable[str | None]) -> SignTestResult:
    """Sign test on the directions of effect of several studies (one outcome domain).

    Under the null hypothesis of no effect, a study is as likely to favour the intervention as
    the control, so the number favouring the intervention among the ``n`` studies with a clear
    direction is Binomial(n, 0.5). Studies with mixed findings are excluded from ``n``, as the
    sign test requires. The test says whether there is evidence of an effect in either
    direction, not how large it is.

    Parameters
    ----------
    directions : iterable of {"benefit", "harm", "mixed", None}
        One direction per study, e.g. from :func:`effect_direction`; ``None`` marks a study
        that did not report the domain and is not counted at all.

    Returns
    -------
    SignTestResult
        The counts and the two-sided exact binomial p-value (``scipy.stats.binomtest``);
        the p-value is NaN when no study has a clear direction.

    References
    ----------
    .. [1] McKenzie JE, Brennan SE. Chapter 12: Synthesizing and presenting findings using
       other methods. In: Higgins JPT, Thomas J, et al., eds. Cochrane Handbook for
       Systematic Reviews of Interventions, version 6.4. Cochrane; 2023. Section 12.2.2.
    .. [2] Boon MH, Thomson H. The effect direction plot revisited: application of the 2019
       Cochrane Handbook guidance on alternative synthesis methods. Res Synth Methods.
       2021;12(1):29-33. doi:10.1002/jrsm.1458

    Examples
    --------
    >>> res = sign_test(["benefit"] * 5 + ["harm", "mixed"])
    >>> res.n, res.n_mixed, res.pvalue
    (6, 1, 0.21875)
    >>> sign_test(["benefit"] * 5 + ["harm"]).summary()
    '5 of 6 studies favour the intervention (sign test p = 0.22)'
    """
    if isinstance(directions, str):
        raise TypeError("directions must be a sequence of directions, not a single string")
    counts = dict.fromkeys(DIRECTIONS, 0)
    for position, direction in enumerate(directions):
        if direction is None:
            continue
        if direction not in counts:
            raise ValueError(
                f"directions[{position}] is {direction!r}; expected one of {DIRECTIONS} or None"
            )
        counts[direction] += 1
    n = counts["benefit"] + counts["harm"]
    pvalue = (
        float(_sps.binomtest(counts["benefit"], n, 0.5, alternative="two-sided").pvalue)
        if n > 0
        else math.nan
    )
    return SignTestResult(
        n_benefit=counts["benefit"],
        n_harm=counts["harm"],
        n_mixed=counts["mixed"],
        n=n,
        pvalue=pvalue,
    )


def _format_p(p: float) -> str:
    if not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"
