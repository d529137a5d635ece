"""GRADE certainty of evidence: rule-based suggestions, reviewer decisions, plain language.

The engine works on one synthesis cell at a time (one outcome x comparator x timepoint). It
proposes a rating for each of the five GRADE downgrading domains from explicit, published
rules (:func:`suggest_grade`); a reviewer confirms or overrides each domain with a reason
(:class:`GradeDecision`), and :func:`assess_certainty` turns the final domain ratings into a
certainty level with one footnote per domain rated down or up. :func:`plain_language` writes
the GRADE informative statement for a result.

Everything here is numbers and rules on in-memory values: the caller collects the pooled
result, the study results, the risk-of-bias judgements and the settings from ``review.toml``.

Conventions used throughout:

* Effects are differences "intervention - control" in the cell's units (log ratios for ratio
  measures), so the null value is 0. ``lower_is_better`` says which sign favours the
  intervention; internally every interval is turned onto a "benefit scale" on which positive
  values favour the intervention.
* An interval *includes the null* when ``ci_low <= 0 <= ci_high`` (a bound equal to 0 counts).
* The effect is *important* when it reaches the MCID: on the benefit scale, benefit is
  important at ``>= mcid`` and harm at ``<= -mcid``. A confidence interval *crosses* a
  threshold when it holds both important and unimportant values there.
* A prediction interval *crosses* a threshold when it holds values strictly on both sides.
* Shares of weight are compared with their thresholds to within 1e-9, so that weights that
  add up to a threshold only up to rounding count as reaching it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from evsynth.review._grade_settings import (
    GradeSettings,
    _choice,
    _fail,
    _integer,
    _is_real,
    _real,
)

__all__ = [
    "CERTAINTY_LEVELS",
    "DOMAINS",
    "DOMAIN_TITLES",
    "UPGRADE_DOMAINS",
    "DomainRating",
    "GradeAssessment",
    "GradeDecision",
    "GradeEvidence",
    "GradeSettings",
    "GradeSuggestion",
    "assess_certainty",
    "plain_language",
    "suggest_grade",
]

DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
UPGRADE_DOMAINS = ("large_effect", "dose_response", "plausible_confounding")
CERTAINTY_LEVELS = ("very low", "low", "moderate", "high")  # ordered, worst first

_DESIGNS = ("randomised", "observational")
_START = {"randomised": "high", "observational": "low"}
_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
DOMAIN_TITLES = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "plausible_confounding": "Plausible confounding",
}
_DOWNGRADE_LABELS = {0: "not serious", -1: "serious", -2: "very serious"}
_UPGRADE_LABELS = {0: "none", 1: "rated up one level", 2: "rated up two levels"}
_NOT_ASSESSED = "not assessed"
_SOURCES = ("rule", "reviewer", "not assessed")
_LEVEL_WORDS = {1: "one level", 2: "two levels"}

# Overall risk-of-bias judgements, RoB 2 and ROBINS-I. Everything but "low" is "not low";
# "no information" (ROBINS-I) is not low, but it is not evidence of high risk either.
_ROB_LOW = frozenset({"low"})
_ROB_HIGH = frozenset({"high", "serious", "critical"})
_ROB_ALLOWED = ("low", "some concerns", "high", "moderate", "serious", "critical", "no information")

# Pollock et al. (2016) participant tiers for imprecision: >= 200 none, 100-199 one, < 100 two.
_POLLOCK_ONE_LEVEL_BELOW = 200
_POLLOCK_TWO_LEVELS_BELOW = 100

_SHARE_TOL = 1e-9


# --------------------------------------------------------------------------- validation


def _optional(value: object) -> float | None:
    """None and NaN both mean "not available"."""
    if value is None:
        return None
    if _is_real(value) and math.isnan(float(value)):
        return None
    return value  # type: ignore[return-value]


def _float_tuple(owner: str, name: str, values: object) -> tuple[float, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{owner}.{name} must be a sequence of numbers; got {values!r}")
    out = []
    for i, value in enumerate(values):
        out.append(_real(owner, f"{name}[{i}]", value))
    return tuple(out)


def _normalise_rob(owner: str, index: int, value: object) -> str | None:
    if value is None or (_is_real(value) and math.isnan(float(value))):
        return None
    if not isinstance(value, str):
        raise TypeError(f"{owner}.rob_overall[{index}] must be a string or None; got {value!r}")
    text = " ".join(value.replace("_", " ").replace("-", " ").lower().split())
    if not text:
        return None
    if text not in _ROB_ALLOWED:
        allowed = ", ".join(repr(c) for c in _ROB_ALLOWED)
        raise _fail(owner, f"rob_overall[{index}]", f"one of {allowed} or None", value)
    return text


# --------------------------------------------------------------------------- formatting


def _strip(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _fmt(x: float) -> str:
    """A number for a sentence: two decimals, or two significant digits below 1."""
    if x == 0:
        return "0"
    decimals = 2 if abs(x) >= 1 else min(6, 1 - math.floor(math.log10(abs(x))))
    return _strip(f"{x:.{decimals}f}")


def _fmt_vs(
    value: float,
    threshold: float,
    *,
    scale: float = 1.0,
    min_decimals: int = 0,
    strip: bool = True,
) -> tuple[str, str]:
    """``value`` and ``threshold`` with the fewest decimals that keep them apart when they
    differ (so that 74.6% is never printed as "75% (< 75%)")."""
    differ = abs(value - threshold) > _SHARE_TOL * max(1.0, abs(threshold))
    for decimals in range(min_decimals, 5):
        a, b = f"{value * scale:.{decimals}f}", f"{threshold * scale:.{decimals}f}"
        if (a != b) == differ:
            break
    return (_strip(a), _strip(b)) if strip else (a, b)


def _interval(low: float, high: float) -> str:
    return f"{_fmt(low)} to {_fmt(high)}"


def _studies(n: int) -> str:
    return f"{n} study" if n == 1 else f"{n} studies"


# --------------------------------------------------------------------------- settings


_DEFAULT_SETTINGS = GradeSettings()


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class GradeEvidence:
    """The numbers of one synthesis cell that the GRADE rules read.

    Effects are in the cell's units, as "intervention - control" (log ratios for ratio
    measures), so the null value is 0.

    Parameters
    ----------
    k : int
        Number of studies (>= 1); every per-study sequence has this length.
    participants : float
        Total participants in the analysis (>= 0). NaN: unknown; the information-size rule is
        then skipped and the imprecision reason says so.
    estimate, ci_low, ci_high : float
        Pooled estimate and its confidence interval (finite, ``ci_low <= ci_high``).
    pi_low, pi_high : float or None
        Prediction interval; None (or NaN) for both when there is none.
    i2 : float
        I² in percent, in [0, 100]; NaN (or None) when not available.
    yi, study_ci_low, study_ci_high : sequence of float
        Per-study estimates and confidence intervals (finite).
    weights : sequence of float
        Per-study weights on any scale (finite, >= 0, positive total); normalised here.
    rob_overall : sequence of str or None
        Per-study overall risk of bias: RoB 2 "low" / "some concerns" / "high", or ROBINS-I
        "low" / "moderate" / "serious" / "critical" / "no information". Case, underscores
        and hyphens are ignored ("Some_concerns" is "some concerns"). None, NaN or "" mean
        not assessed.
    mcid : float or None
        Minimal important difference, a positive number in the cell's units; None (or NaN)
        when the outcome has none.
    lower_is_better : bool
        True when negative differences favour the intervention.
    egger_pvalue : float or None
        Egger's test p-value, in [0, 1]; None (or NaN) when the test was not run.
    design : {"randomised", "observational"}, default "randomised"

    Raises
    ------
    ValueError, TypeError
        For a field of the wrong type, out of range or of the wrong length; the message names
        the field (and the index for per-study values).

    Examples
    --------
    >>> ev = GradeEvidence(
    ...     k=2, participants=300, estimate=-5.0, ci_low=-9.0, ci_high=-1.0,
    ...     pi_low=None, pi_high=None, i2=0.0, yi=[-4.0, -6.0],
    ...     study_ci_low=[-10.0, -12.0], study_ci_high=[2.0, 0.0], weights=[60, 40],
    ...     rob_overall=["Low", "some_concerns"], mcid=10, lower_is_better=True,
    ...     egger_pvalue=None)
    >>> ev.rob_overall
    ('low', 'some concerns')
    """

    k: int
    participants: float
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    i2: float
    yi: Sequence[float]
    study_ci_low: Sequence[float]
    study_ci_high: Sequence[float]
    weights: Sequence[float]
    rob_overall: Sequence[str | None]
    mcid: float | None
    lower_is_better: bool
    egger_pvalue: float | None
    design: Literal["randomised", "observational"] = "randomised"

    def __post_init__(self) -> None:
        owner = "GradeEvidence"
        put = object.__setattr__  # frozen: store the normalised values once, here

        k = _integer(owner, "k", self.k, 1)
        participants = _real(owner, "participants", self.participants, allow_nan=True)
        if participants < 0:
            raise _fail(owner, "participants", "a number >= 0 or NaN", self.participants)
        put(self, "participants", participants)
        for name in ("estimate", "ci_low", "ci_high"):
            put(self, name, _real(owner, name, getattr(self, name)))
        if self.ci_low > self.ci_high:
            raise _fail(owner, "ci_low", f"<= ci_high ({self.ci_high!r})", self.ci_low)

        pi_low, pi_high = _optional(self.pi_low), _optional(self.pi_high)
        if (pi_low is None) != (pi_high is None):
            raise ValueError(
                f"{owner}.pi_low and {owner}.pi_high must both be given or both be None; "
                f"got {self.pi_low!r} and {self.pi_high!r}"
            )
        if pi_low is not None:
            pi_low = _real(owner, "pi_low", pi_low)
            pi_high = _real(owner, "pi_high", pi_high)
            if pi_low > pi_high:
                raise _fail(owner, "pi_low", f"<= pi_high ({pi_high!r})", pi_low)
        put(self, "pi_low", pi_low)
        put(self, "pi_high", pi_high)

        i2 = math.nan if self.i2 is None else _real(owner, "i2", self.i2, allow_nan=True)
        if not math.isnan(i2) and not 0.0 <= i2 <= 100.0:
            raise _fail(owner, "i2", "a number in [0, 100] or NaN", self.i2)
        put(self, "i2", i2)

        per_study = {}
        for name in ("yi", "study_ci_low", "study_ci_high", "weights"):
            per_study[name] = _float_tuple(owner, name, getattr(self, name))
        if isinstance(self.rob_overall, str) or not isinstance(self.rob_overall, Iterable):
            raise TypeError(
                f"{owner}.rob_overall must be a sequence of str or None; got {self.rob_overall!r}"
            )
        rob = tuple(_normalise_rob(owner, i, v) for i, v in enumerate(self.rob_overall))
        for name, values in [*per_study.items(), ("rob_overall", rob)]:
            if len(values) != k:
                raise ValueError(
                    f"{owner}.{name} has {len(values)} values; it must have one per study (k = {k})"
                )
        for i, (low, high) in enumerate(
            zip(per_study["study_ci_low"], per_study["study_ci_high"], strict=True)
        ):
            if low > high:
                raise _fail(owner, f"study_ci_low[{i}]", f"<= study_ci_high[{i}] ({high!r})", low)
        for i, w in enumerate(per_study["weights"]):
            if w < 0:
                raise _fail(owner, f"weights[{i}]", "a number >= 0", w)
        if sum(per_study["weights"]) <= 0:
            raise ValueError(f"{owner}.weights must have a positive total; got all zeros")
        for name, values in per_study.items():
            put(self, name, values)
        put(self, "rob_overall", rob)

        mcid = _optional(self.mcid)
        if mcid is not None:
            mcid = _real(owner, "mcid", mcid)
            if mcid <= 0:
                raise _fail(owner, "mcid", "a number > 0 or None", self.mcid)
        put(self, "mcid", mcid)
        if not isinstance(self.lower_is_better, bool):
            raise TypeError(
                f"{owner}.lower_is_better must be True or False; got {self.lower_is_better!r}"
            )
        egger = _optional(self.egger_pvalue)
        if egger is not None:
            egger = _real(owner, "egger_pvalue", egger)
            if not 0.0 <= egger <= 1.0:
                raise _fail(owner, "egger_pvalue", "a number in [0, 1] or None", egger)
        put(self, "egger_pvalue", egger)
        _choice(owner, "design", self.design, _DESIGNS)


# --------------------------------------------------------------------------- ratings


def _label_for(domain: str, levels: int) -> str:
    return (_UPGRADE_LABELS if domain in UPGRADE_DOMAINS else _DOWNGRADE_LABELS)[levels]


@dataclass(frozen=True)
class DomainRating:
    """The rating of one GRADE domain.

    Parameters
    ----------
    domain : str
        One of :data:`DOMAINS` or :data:`UPGRADE_DOMAINS`.
    levels : int
        Downgrading domains: 0 not serious, -1 serious, -2 very serious. Upgrading domains:
        0, +1 or +2.
    label : str
        "not serious" / "serious" / "very serious", or "not assessed" (levels 0); upgrading
        domains: "none" / "rated up one level" / "rated up two levels".
    reason : str
        The rule and the numbers that decided it, or the reviewer's reason.
    source : {"rule", "reviewer", "not assessed"}

    Examples
    --------
    >>> DomainRating("imprecision", -1, "serious", "the CI includes the null", "rule").levels
    -1
    """

    domain: str
    levels: int
    label: str
    reason: str
    source: Literal["rule", "reviewer", "not assessed"]

    def __post_init__(self) -> None:
        owner = "DomainRating"
        _choice(owner, "domain", self.domain, DOMAINS + UPGRADE_DOMAINS)
        allowed = (0, 1, 2) if self.domain in UPGRADE_DOMAINS else (0, -1, -2)
        if not isinstance(self.levels, numbers.Integral) or isinstance(self.levels, bool):
            raise TypeError(f"{owner}.levels must be an integer; got {self.levels!r}")
        if self.levels not in allowed:
            raise _fail(owner, "levels", f"one of {allowed} for {self.domain}", self.levels)
        expected = _label_for(self.domain, self.levels)
        if self.label != expected and not (self.label == _NOT_ASSESSED and self.levels == 0):
            raise _fail(owner, "label", f"{expected!r} for levels {self.levels}", self.label)
        if not isinstance(self.reason, str):
            raise TypeError(f"{owner}.reason must be a string; got {self.reason!r}")
        _choice(owner, "source", self.source, _SOURCES)


def _rule(domain: str, levels: int, reason: str) -> DomainRating:
    return DomainRating(domain, levels, _label_for(domain, levels), reason, "rule")


def _not_assessed(domain: str, reason: str) -> DomainRating:
    return DomainRating(domain, 0, _NOT_ASSESSED, reason, "not assessed")


@dataclass(frozen=True)
class GradeSuggestion:
    """The rule-based rating of the five GRADE domains for one cell (:func:`suggest_grade`).

    Attributes
    ----------
    domains : dict of str to DomainRating
        One rating per domain in :data:`DOMAINS`, in that order.
    design : {"randomised", "observational"}
        The design of the evidence, which sets the starting certainty.
    """

    domains: dict[str, DomainRating]
    design: Literal["randomised", "observational"] = "randomised"


# --------------------------------------------------------------------------- the rules


def _benefit_scale(low: float, high: float, lower_is_better: bool) -> tuple[float, float]:
    """An interval turned so that positive values favour the intervention."""
    return (-high, -low) if lower_is_better else (low, high)


def _rate_risk_of_bias(ev: GradeEvidence, s: GradeSettings) -> DomainRating:
    domain = "risk_of_bias"
    if all(r is None for r in ev.rob_overall):
        return _not_assessed(domain, "no study has an overall risk-of-bias judgement")
    total = sum(ev.weights)
    low = sum(w for w, r in zip(ev.weights, ev.rob_overall, strict=True) if r in _ROB_LOW)
    high = sum(w for w, r in zip(ev.weights, ev.rob_overall, strict=True) if r in _ROB_HIGH)
    missing = sum(w for w, r in zip(ev.weights, ev.rob_overall, strict=True) if r is None)
    low_share, high_share, missing_share = low / total, high / total, missing / total

    low_txt, low_min_txt = _fmt_vs(low_share, s.rob_low_weight_min, scale=100)
    high_txt, high_max_txt = _fmt_vs(high_share, s.rob_high_weight_very_serious, scale=100)
    tol_high = _SHARE_TOL * max(1.0, s.rob_high_weight_very_serious)
    tol_low = _SHARE_TOL * max(1.0, s.rob_low_weight_min)
    very_serious = high_share >= s.rob_high_weight_very_serious - tol_high
    serious = low_share < s.rob_low_weight_min - tol_low

    low_part = f"{low_txt}% of the weight comes from studies at low risk of bias"
    high_part = f"{high_txt}% of the weight comes from studies at high risk of bias"
    if very_serious:
        reason = f"{high_part} (>= {high_max_txt}%); {low_part}"
        levels = -2
    elif serious:
        reason = f"{low_part} (< {low_min_txt}%)"
        levels = -1
    else:
        reason = f"{low_part} (>= {low_min_txt}%)"
        levels = 0
    if not very_serious and high_share > 0:
        reason += f"; {high_txt}% from studies at high risk (< {high_max_txt}%)"
    if missing > 0:
        missing_txt = _fmt_vs(missing_share, 0.0, scale=100)[0]
        reason += (
            f"; {missing_txt}% comes from studies without a risk-of-bias judgement, "
            "counted as not at low risk"
        )
    return _rule(domain, levels, reason)


def _directions(ev: GradeEvidence) -> tuple[int, int]:
    """Studies whose CI lies wholly on the side favouring the intervention, and the control."""
    favour_intervention = favour_control = 0
    for low, high in zip(ev.study_ci_low, ev.study_ci_high, strict=True):
        b_low, b_high = _benefit_scale(low, high, ev.lower_is_better)
        if b_low > 0:
            favour_intervention += 1
        elif b_high < 0:
            favour_control += 1
    return favour_intervention, favour_control


def _prediction_interval_signal(ev: GradeEvidence) -> str | None:
    """Which thresholds the prediction interval crosses and the confidence interval does not
    (crossing: values strictly on both sides of the threshold)."""
    if ev.pi_low is None or ev.pi_high is None:
        return None
    pi = _benefit_scale(ev.pi_low, ev.pi_high, ev.lower_is_better)
    ci = _benefit_scale(ev.ci_low, ev.ci_high, ev.lower_is_better)
    thresholds = [("the null", 0.0)]
    if ev.mcid is not None:
        sign = -1.0 if ev.lower_is_better else 1.0
        thresholds += [
            (f"the MCID for benefit ({_fmt(sign * ev.mcid)})", ev.mcid),
            (f"the MCID for harm ({_fmt(-sign * ev.mcid)})", -ev.mcid),
        ]
    crossed = [name for name, t in thresholds if pi[0] < t < pi[1] and not (ci[0] < t < ci[1])]
    if not crossed:
        return None
    return (
        f"the prediction interval ({_interval(ev.pi_low, ev.pi_high)}) crosses "
        f"{' and '.join(crossed)} while the confidence interval "
        f"({_interval(ev.ci_low, ev.ci_high)}) does not"
    )


def _rate_inconsistency(ev: GradeEvidence, s: GradeSettings) -> DomainRating:
    domain = "inconsistency"
    if ev.k < 2:
        return _not_assessed(domain, "a single study: inconsistency cannot be assessed")
    if math.isnan(ev.i2):
        return _not_assessed(domain, "I² is not available")
    i2_vs_serious, serious_txt = _fmt_vs(ev.i2, s.i2_serious)
    i2_vs_moderate, moderate_txt = _fmt_vs(ev.i2, s.i2_moderate)
    i2_txt = max(i2_vs_serious, i2_vs_moderate, key=len)  # enough decimals for both
    in_band = s.i2_moderate <= ev.i2 <= s.i2_serious
    n_int, n_ctl = _directions(ev)
    opposite = n_int > 0 and n_ctl > 0
    pi_signal = _prediction_interval_signal(ev) if s.prediction_interval else None

    if ev.i2 > s.i2_serious:
        parts = [f"I² = {i2_txt}% (> {serious_txt}%)"]
        levels = -1
    elif in_band and opposite:
        parts = [
            f"I² = {i2_txt}% ({moderate_txt}% to {serious_txt}%) with study confidence "
            f"intervals excluding the null in opposite directions ({_studies(n_int)} "
            f"favouring the intervention, {_studies(n_ctl)} the control)"
        ]
        levels = -1
    elif in_band and pi_signal is not None:
        parts = [f"I² = {i2_txt}% (>= {moderate_txt}%) and {pi_signal}"]
        pi_signal = None  # already said
        levels = -1
    else:
        levels = 0
        if in_band:
            parts = [
                f"I² = {i2_txt}% ({moderate_txt}% to {serious_txt}%) but no study "
                "confidence intervals exclude the null in opposite directions"
            ]
        else:
            parts = [f"I² = {i2_txt}% (< {moderate_txt}%)"]
    if pi_signal is not None:
        qualifier = "" if levels or in_band else f" (not rated down with I² < {moderate_txt}%)"
        parts.append(pi_signal + qualifier)
    return _rule(domain, levels, "; ".join(parts))


def _rate_imprecision(ev: GradeEvidence, s: GradeSettings) -> DomainRating:
    low, high = _benefit_scale(ev.ci_low, ev.ci_high, ev.lower_is_better)
    levels = 0
    # what the confidence interval shows, said in one sentence
    findings = []
    if low <= 0 <= high:
        levels = 1
        findings.append("includes the null")
    if ev.mcid is not None:
        m = ev.mcid
        sign = -1.0 if ev.lower_is_better else 1.0
        benefit_txt, harm_txt = _fmt(sign * m), _fmt(-sign * m)
        crossings = []
        if low <= -m and high >= m:
            levels = 2
            crossings.append(
                f"includes both MCID thresholds, {benefit_txt} for benefit and {harm_txt} for harm"
            )
        else:
            if low < m <= high:
                crossings.append(f"crosses the MCID for benefit ({benefit_txt})")
            if low <= -m < high:
                crossings.append(f"crosses the MCID for harm ({harm_txt})")
            if crossings:
                levels = max(levels, 1)
        findings += crossings or ["crosses no MCID threshold"]
    if not low <= 0 <= high:
        findings.insert(0, "excludes the null")
    parts = [f"the CI ({_interval(ev.ci_low, ev.ci_high)}) {' and '.join(findings)}"]

    # the number of participants
    n = ev.participants
    if math.isnan(n):
        parts.append(
            "the number of participants is unknown, so the information size was not checked"
        )
    elif s.imprecision_rule == "ois":
        n_txt, ois_txt = _fmt_vs(n, float(s.optimal_information_size))
        if n < s.optimal_information_size:
            levels = max(levels, 1)
            parts.append(
                f"{n_txt} participants, fewer than the optimal information size of {ois_txt}"
            )
        else:
            parts.append(f"{n_txt} participants (>= the optimal information size of {ois_txt})")
    else:
        n_txt, one, two = _fmt(n), _POLLOCK_ONE_LEVEL_BELOW, _POLLOCK_TWO_LEVELS_BELOW
        if n < two:
            levels = 2
            parts.append(f"{n_txt} participants (< {two}, Pollock 2016)")
        elif n < one:
            levels = max(levels, 1)
            parts.append(f"{n_txt} participants ({two} to {one - 1}, Pollock 2016)")
        else:
            parts.append(f"{n_txt} participants (>= {one}, Pollock 2016)")
    # the worst trigger decides (never more than two levels); the reason lists them all
    return _rule("imprecision", -min(levels, 2), "; ".join(parts))


def _rate_publication_bias(ev: GradeEvidence, s: GradeSettings) -> DomainRating:
    domain = "publication_bias"
    minimum = s.publication_bias_min_studies
    if ev.k < minimum:
        return _not_assessed(
            domain, f"fewer than {minimum} studies (k = {ev.k}): small-study effects not tested"
        )
    p = ev.egger_pvalue
    if p is None:
        return _not_assessed(domain, f"{ev.k} studies but Egger's test was not run")
    alpha = s.egger_alpha
    alpha_txt = f"{alpha:.2f}" if round(alpha, 2) == alpha else _strip(f"{alpha:.6f}")
    if p < 0.001 <= alpha:
        p_txt = "< 0.001"
    else:
        p_txt = "= " + _fmt_vs(p, alpha, min_decimals=3, strip=False)[0]
    if p < s.egger_alpha:
        return _rule(
            domain,
            -1,
            f"Egger's test p {p_txt} (< {alpha_txt}) suggests small-study effects ({ev.k} studies)",
        )
    return _rule(
        domain, 0, f"Egger's test p {p_txt} (>= {alpha_txt}): no sign of small-study effects"
    )


def suggest_grade(
    evidence: GradeEvidence, settings: GradeSettings = _DEFAULT_SETTINGS
) -> GradeSuggestion:
    """Suggest a rating for each of the five GRADE domains from explicit rules.

    Each suggestion is a starting point for the reviewer, who confirms or overrides it
    (:class:`GradeDecision`, :func:`assess_certainty`).

    * Risk of bias: shares of the analysis weight by overall judgement. Very serious when the
      share at high risk ("high", "serious", "critical") is at least
      ``rob_high_weight_very_serious``; otherwise serious when the share at low risk is below
      ``rob_low_weight_min``. Studies without a judgement count as not at low risk (and not
      at high risk); when no study has one, the domain is "not assessed".
    * Inconsistency: serious when I² > ``i2_serious``; or when ``i2_moderate <= I² <=
      i2_serious`` and study CIs exclude the null in opposite directions; or, with
      ``prediction_interval``, when I² is in that band and the prediction interval crosses
      the null or an MCID threshold that the CI does not (the signal is reported at any I²).
      Never more than one level. Not assessed for a single study or without I².
    * Indirectness: the reviewer's judgement; no rule ("not assessed").
    * Imprecision, the worst of, capped at two levels: the CI includes the null (one level);
      the CI crosses the MCID for benefit or for harm (one level); the CI includes both MCID
      thresholds (two levels); participants below the optimal information size (one level),
      or Pollock's tiers (one or two levels). Without an MCID only the null and the
      information size are used.
    * Publication bias: not assessed with fewer than ``publication_bias_min_studies`` studies
      or when Egger's test was not run; serious when Egger's p < ``egger_alpha``.

    Parameters
    ----------
    evidence : GradeEvidence
        The numbers of the cell.
    settings : GradeSettings, optional
        Thresholds; the defaults are documented and sourced on :class:`GradeSettings`.

    Returns
    -------
    GradeSuggestion

    References
    ----------
    .. [1] Pollock A, Farmer SE, Brady MC, et al. An algorithm was developed to assign GRADE
       levels of evidence to comparisons within systematic reviews. J Clin Epidemiol.
       2016;70:106-110.
    .. [2] Guyatt G, Zeng L, Brignardello-Petersen R, et al. Core GRADE 2: choosing the
       target of certainty rating and assessing imprecision. BMJ. 2025;389:e081904.
    .. [3] Schünemann HJ, Higgins JPT, Vist GE, et al. Chapter 14: Completing 'Summary of
       findings' tables and grading the certainty of the evidence. In: Cochrane Handbook for
       Systematic Reviews of Interventions, version 6. Cochrane; 2019 onwards.
    .. [4] Guyatt GH, Oxman AD, Montori V, et al. GRADE guidelines: 5. Rating the quality of
       evidence - publication bias. J Clin Epidemiol. 2011;64:1277-1282.

    Examples
    --------
    >>> ev = GradeEvidence(
    ...     k=3, participants=250, estimate=-6.0, ci_low=-11.0, ci_high=-1.0,
    ...     pi_low=None, pi_high=None, i2=20.0, yi=[-4.0, -8.0, -6.0],
    ...     study_ci_low=[-12.0, -15.0, -13.0], study_ci_high=[4.0, -1.0, 1.0],
    ...     weights=[1, 1, 2], rob_overall=["low", "high", "low"], mcid=10,
    ...     lower_is_better=True, egger_pvalue=None)
    >>> s = suggest_grade(ev)
    >>> s.domains["risk_of_bias"].label
    'not serious'
    >>> s.domains["risk_of_bias"].reason.split("; ")[0]
    '75% of the weight comes from studies at low risk of bias (>= 75%)'
    >>> s.domains["imprecision"].levels
    -1
    >>> s.domains["publication_bias"].label
    'not assessed'
    """
    if not isinstance(evidence, GradeEvidence):
        raise TypeError(f"evidence must be a GradeEvidence; got {type(evidence).__name__}")
    if not isinstance(settings, GradeSettings):
        raise TypeError(f"settings must be a GradeSettings; got {type(settings).__name__}")
    ratings = [
        _rate_risk_of_bias(evidence, settings),
        _rate_inconsistency(evidence, settings),
        _not_assessed("indirectness", "the reviewer's judgement: no rule applies"),
        _rate_imprecision(evidence, settings),
        _rate_publication_bias(evidence, settings),
    ]
    return GradeSuggestion({r.domain: r for r in ratings}, evidence.design)


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class GradeDecision:
    """A reviewer's decision on one GRADE domain (a row of ``grade.csv``).

    Parameters
    ----------
    domain : str
        One of :data:`DOMAINS` (levels 0, -1 or -2) or :data:`UPGRADE_DOMAINS` (levels 0,
        +1 or +2; upgrading applies to observational evidence only).
    levels : int
    reason : str
        Required: it becomes the footnote of the summary-of-findings table.

    Examples
    --------
    >>> GradeDecision("indirectness", -1, "adolescents only").levels
    -1
    >>> GradeDecision("indirectness", -1, "  ")
    Traceback (most recent call last):
    ...
    ValueError: GradeDecision.reason must be a non-empty text; got '  '
    """

    domain: str
    levels: int
    reason: str

    def __post_init__(self) -> None:
        owner = "GradeDecision"
        _choice(owner, "domain", self.domain, DOMAINS + UPGRADE_DOMAINS)
        allowed = (0, 1, 2) if self.domain in UPGRADE_DOMAINS else (0, -1, -2)
        if not isinstance(self.levels, numbers.Integral) or isinstance(self.levels, bool):
            raise TypeError(f"{owner}.levels must be an integer; got {self.levels!r}")
        if self.levels not in allowed:
            raise _fail(owner, "levels", f"one of {allowed} for {self.domain}", self.levels)
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise _fail(owner, "reason", "a non-empty text", self.reason)
        object.__setattr__(self, "levels", int(self.levels))
        object.__setattr__(self, "reason", self.reason.strip())


@dataclass(frozen=True)
class GradeAssessment:
    """The certainty of the evidence for one cell (:func:`assess_certainty`).

    Attributes
    ----------
    design : {"randomised", "observational"}
    start : str
        "high" for randomised evidence, "low" for observational.
    certainty : str
        "high", "moderate", "low" or "very low".
    domains : dict of str to DomainRating
        The final rating per domain: the five of :data:`DOMAINS`, then any upgrading domain
        the reviewer decided on.
    footnotes : list of str
        One per domain rated down or up, in that order, e.g. "Imprecision: downgraded one
        level: the CI (-8 to 1) includes the null".
    """

    design: Literal["randomised", "observational"]
    start: str
    certainty: str
    domains: dict[str, DomainRating]
    footnotes: list[str] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        """The GRADE symbol, e.g. "⊕⊕◯◯" for low certainty."""
        return _SYMBOLS[self.certainty]

    @property
    def label(self) -> str:
        """The certainty as a capitalised label, e.g. "Very low"."""
        return self.certainty.capitalize()

    @property
    def downgrades(self) -> int:
        """Total levels rated down (a non-negative number)."""
        return -sum(r.levels for d, r in self.domains.items() if d in DOMAINS)

    @property
    def upgrades(self) -> int:
        """Total levels rated up."""
        return sum(r.levels for d, r in self.domains.items() if d in UPGRADE_DOMAINS)


def _footnote(rating: DomainRating) -> str:
    verb = "downgraded" if rating.levels < 0 else "upgraded"
    levels = _LEVEL_WORDS[abs(rating.levels)]
    return f"{DOMAIN_TITLES[rating.domain]}: {verb} {levels}: {rating.reason}"


def assess_certainty(
    suggestion: GradeSuggestion,
    decisions: Iterable[GradeDecision] = (),
    *,
    design: Literal["randomised", "observational"] | None = None,
) -> GradeAssessment:
    """Combine the suggested ratings with the reviewer's decisions into a certainty level.

    A decision replaces the suggestion for its domain (source "reviewer"). The certainty
    starts at high (randomised) or low (observational), goes down one step per level rated
    down and up one per level rated up, and is clamped to [very low, high].

    Parameters
    ----------
    suggestion : GradeSuggestion
        From :func:`suggest_grade`.
    decisions : iterable of GradeDecision, optional
        At most one per domain (a single decision is accepted too). Upgrading decisions with
        levels > 0 need observational evidence; GRADE rates up only evidence without serious
        limitations, which is left to the reviewer.
    design : {"randomised", "observational"}, optional
        The design of the evidence; by default the suggestion's. A value that contradicts the
        suggestion's design is an error.

    Returns
    -------
    GradeAssessment

    Raises
    ------
    ValueError
        For two decisions on one domain, an upgrade of randomised evidence, or a design that
        contradicts the suggestion.

    References
    ----------
    .. [1] Guyatt GH, Oxman AD, Sultan S, et al. GRADE guidelines: 9. Rating up the quality
       of evidence. J Clin Epidemiol. 2011;64:1311-1316.
    .. [2] Balshem H, Helfand M, Schünemann HJ, et al. GRADE guidelines: 3. Rating the quality
       of evidence. J Clin Epidemiol. 2011;64:401-406.

    Examples
    --------
    >>> ev = GradeEvidence(
    ...     k=2, participants=120, estimate=-4.0, ci_low=-8.0, ci_high=1.0,
    ...     pi_low=None, pi_high=None, i2=0.0, yi=[-3.0, -5.0],
    ...     study_ci_low=[-9.0, -12.0], study_ci_high=[3.0, 2.0], weights=[1, 1],
    ...     rob_overall=["low", "low"], mcid=None, lower_is_better=True,
    ...     egger_pvalue=None)
    >>> a = assess_certainty(suggest_grade(ev), [GradeDecision("indirectness", -1, "one site")])
    >>> a.certainty, a.symbol
    ('low', '⊕⊕◯◯')
    >>> a.footnotes[0]
    'Indirectness: downgraded one level: one site'
    """
    if not isinstance(suggestion, GradeSuggestion):
        raise TypeError(f"suggestion must be a GradeSuggestion; got {type(suggestion).__name__}")
    if design is None:
        design = suggestion.design
    _choice("assess_certainty", "design", design, _DESIGNS)
    if design != suggestion.design:
        raise ValueError(
            f"design is {design!r} but the suggestion was made for {suggestion.design!r} evidence"
        )
    missing = [d for d in DOMAINS if d not in suggestion.domains]
    if missing:
        raise ValueError(f"the suggestion has no rating for {', '.join(missing)}")
    if isinstance(decisions, GradeDecision):
        decisions = (decisions,)
    by_domain: dict[str, GradeDecision] = {}
    for decision in decisions:
        if not isinstance(decision, GradeDecision):
            raise TypeError(
                f"decisions must hold GradeDecision objects; got {type(decision).__name__}"
            )
        if decision.domain in by_domain:
            raise ValueError(f"two reviewer decisions for the domain {decision.domain!r}")
        if decision.domain in UPGRADE_DOMAINS and decision.levels > 0 and design != "observational":
            raise ValueError(
                f"{decision.domain} rates up observational evidence only; this evidence is "
                f"{design!r}"
            )
        by_domain[decision.domain] = decision

    final: dict[str, DomainRating] = {}
    for domain in DOMAINS + UPGRADE_DOMAINS:
        decision = by_domain.get(domain)
        if decision is not None:
            final[domain] = DomainRating(
                domain,
                decision.levels,
                _label_for(domain, decision.levels),
                decision.reason,
                "reviewer",
            )
        elif domain in DOMAINS:
            final[domain] = suggestion.domains[domain]

    start = _START[design]
    score = CERTAINTY_LEVELS.index(start) + sum(r.levels for r in final.values())
    certainty = CERTAINTY_LEVELS[min(max(score, 0), len(CERTAINTY_LEVELS) - 1)]
    footnotes = [_footnote(r) for r in final.values() if r.levels != 0]
    return GradeAssessment(design, start, certainty, final, footnotes)


# --------------------------------------------------------------------------- plain language

_EFFECTS = ("benefit", "harm", "little or no difference")
# Verb per effect and direction: (high, moderate, low). None: the outcome's direction is not
# given, so the verb says whether the outcome gets better or worse.
_VERBS = {
    ("benefit", None): ("improves", "probably improves", "may improve"),
    ("harm", None): ("worsens", "probably worsens", "may worsen"),
    ("benefit", True): ("reduces", "probably reduces", "may reduce"),
    ("harm", True): ("increases", "probably increases", "may increase"),
    ("benefit", False): ("increases", "probably increases", "may increase"),
    ("harm", False): ("reduces", "probably reduces", "may reduce"),
}
_NO_DIFFERENCE = (
    "results in little to no difference in",
    "probably results in little to no difference in",
    "may result in little to no difference in",
)


def plain_language(
    certainty: Literal["high", "moderate", "low", "very low"],
    effect: Literal["benefit", "harm", "little or no difference"],
    intervention: str,
    outcome: str,
    *,
    lower_is_better: bool | None = None,
) -> str:
    """The GRADE informative statement for one result (Santesso et al. 2020).

    * high: "X improves Y" (benefit), "X worsens Y" (harm), "X results in little to no
      difference in Y";
    * moderate: "X probably improves Y", "X probably worsens Y", "X probably results in
      little to no difference in Y";
    * low: "X may improve Y", "X may worsen Y", "X may result in little to no difference
      in Y";
    * very low, whatever the effect: "The evidence is very uncertain about the effect of X
      on Y."

    With ``lower_is_better`` the verb names the direction, as Santesso et al. do ("reduces" /
    "increases"); without it, "improves" / "worsens". The statements use the wording for a
    moderate-sized effect; the size qualifiers of the paper ("slightly", "large") are left to
    the reviewer.

    Parameters
    ----------
    certainty : {"high", "moderate", "low", "very low"}
    effect : {"benefit", "harm", "little or no difference"}
        What the estimate shows for the intervention.
    intervention, outcome : str
        Names as they should read in the sentence, e.g. "peer support", "pain intensity".
        The first letter of the sentence is capitalised.
    lower_is_better : bool, optional
        The outcome's direction: True turns "benefit" into "reduces" and "harm" into
        "increases"; False the other way round.

    Returns
    -------
    str
        One sentence, ending with a full stop.

    References
    ----------
    .. [1] Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26: informative statements
       to communicate the findings of systematic reviews of interventions. J Clin Epidemiol.
       2020;119:126-135.

    Examples
    --------
    >>> plain_language("moderate", "benefit", "peer support", "pain intensity",
    ...                lower_is_better=True)
    'Peer support probably reduces pain intensity.'
    >>> plain_language("low", "little or no difference", "peer support", "function")
    'Peer support may result in little to no difference in function.'
    >>> plain_language("very low", "harm", "peer support", "pain")
    'The evidence is very uncertain about the effect of peer support on pain.'
    """
    _choice("plain_language", "certainty", certainty, CERTAINTY_LEVELS)
    _choice("plain_language", "effect", effect, _EFFECTS)
    for name, value in (("intervention", intervention), ("outcome", outcome)):
        if not isinstance(value, str) or not value.strip():
            raise _fail("plain_language", name, "a non-empty text", value)
    if lower_is_better is not None and not isinstance(lower_is_better, bool):
        raise TypeError(
            f"plain_language.lower_is_better must be True, False or None; got {lower_is_better!r}"
        )
    intervention, outcome = intervention.strip(), outcome.strip()
    if certainty == "very low":
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome}."
    column = ("high", "moderate", "low").index(certainty)
    if effect == "little or no difference":
        verb = _NO_DIFFERENCE[column]
    else:
        verb = _VERBS[(effect, lower_is_better)][column]
    return f"{intervention[0].upper()}{intervention[1:]} {verb} {outcome}."
