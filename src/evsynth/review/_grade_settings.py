"""The GRADE rules' thresholds: the ``[grade]`` table of review.toml.

They are part of the protocol (:class:`evsynth.review.Protocol` holds them), so they live in
the review layer; the rules that read them are in :mod:`evsynth.appraisal`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["GradeSettings"]


def _fail(owner: str, name: str, requirement: str, value: object) -> ValueError:
    return ValueError(f"{owner}.{name} must be {requirement}; got {value!r}")


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _real(owner: str, name: str, value: object, *, allow_nan: bool = False) -> float:
    """``value`` as a float; finite unless ``allow_nan`` (NaN then means "not available")."""
    requirement = "a finite number" + (" or NaN" if allow_nan else "")
    if not _is_real(value):
        raise TypeError(f"{owner}.{name} must be {requirement}; got {value!r}")
    number = float(value)
    if math.isinf(number) or (math.isnan(number) and not allow_nan):
        raise _fail(owner, name, requirement, value)
    return number


def _integer(owner: str, name: str, value: object, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{owner}.{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise _fail(owner, name, f"an integer >= {minimum}", value)
    return int(value)


def _in_range(
    owner: str,
    name: str,
    value: object,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    number = _real(owner, name, value)
    too_low = number < low or (open_low and number == low)
    too_high = number > high or (open_high and number == high)
    if too_low or too_high:
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise _fail(owner, name, f"a number in {interval}", value)
    return number


def _choice(owner: str, name: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise _fail(owner, name, f"one of {allowed}", value)
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class GradeSettings:
    """Thresholds of the GRADE rules (``review.toml``, table ``[grade]``).

    Parameters
    ----------
    rob_low_weight_min : float, default 0.75
        Risk of bias is *serious* when the share of the analysis weight that comes from
        studies at low overall risk of bias is below this. Pollock et al. (2016) downgrade
        when fewer than 75% of participants are in studies at low risk; evsynth uses the
        meta-analysis weight, as GRADE asks where "most of the information" comes from.
    rob_high_weight_very_serious : float, default 0.5
        Risk of bias is *very serious* when the share of weight from studies at high risk
        (RoB 2 "high"; ROBINS-I "serious" or "critical") is at least this. An evsynth
        convention, not a published threshold: half of the information at high risk.
    i2_serious : float, default 75.0
        Inconsistency is *serious* when I² (percent) is above this (Pollock et al. 2016; the
        Cochrane Handbook's "considerable heterogeneity" band starts at 75%).
    i2_moderate : float, default 40.0
        Inconsistency is also *serious* when I² is in ``[i2_moderate, i2_serious]`` and the
        study results point in opposite directions: at least one study's confidence interval
        lies wholly on each side of the null (GRADE guidelines 7; Handbook I² bands).
    prediction_interval : bool, default True
        Report, in the inconsistency reason, when the prediction interval crosses the null or
        an MCID threshold that the confidence interval does not cross (Core GRADE 3). The
        signal rates down one level only together with I² >= ``i2_moderate``: a wide
        prediction interval with little heterogeneity mostly reflects few studies. False:
        the prediction interval is ignored.
    optimal_information_size : int, default 400
        With ``imprecision_rule="ois"``, imprecision is *serious* when the total number of
        participants is below this: the GRADE rule of thumb for continuous outcomes
        (GRADE guidelines 6; GRADE Handbook 5.2.2).
    imprecision_rule : {"ois", "pollock"}, default "ois"
        How the number of participants counts. "ois": one level below
        ``optimal_information_size``. "pollock": Pollock et al. (2016) tiers, >= 200 none,
        100-199 one level, < 100 two levels (``optimal_information_size`` is then unused).
    publication_bias_min_studies : int, default 10
        Publication bias is assessed only with at least this many studies (Sterne et al.
        2011: funnel-plot tests have too little power with fewer than 10).
    egger_alpha : float, default 0.10
        Publication bias is *serious* when Egger's test p-value is below this (the 10% level
        that Egger et al. 1997 proposed, because the test has low power).

    Raises
    ------
    ValueError, TypeError
        For a setting out of range or of the wrong type; the message names the setting.

    References
    ----------
    .. [1] Pollock A, Farmer SE, Brady MC, et al. An algorithm was developed to assign GRADE
       levels of evidence to comparisons within systematic reviews. J Clin Epidemiol.
       2016;70:106-110.
    .. [2] Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines: 6. Rating the quality of
       evidence - imprecision. J Clin Epidemiol. 2011;64:1283-1293.
    .. [3] Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines: 7. Rating the quality of
       evidence - inconsistency. J Clin Epidemiol. 2011;64:1294-1302.
    .. [4] Sterne JAC, Sutton AJ, Ioannidis JPA, et al. Recommendations for examining and
       interpreting funnel plot asymmetry in meta-analyses of randomised controlled trials.
       BMJ. 2011;343:d4002.
    .. [5] Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by a
       simple, graphical test. BMJ. 1997;315:629-634.

    Examples
    --------
    >>> GradeSettings(imprecision_rule="pollock").imprecision_rule
    'pollock'
    >>> GradeSettings(i2_serious=120)
    Traceback (most recent call last):
    ...
    ValueError: GradeSettings.i2_serious must be a number in [0, 100]; got 120
    """

    rob_low_weight_min: float = 0.75
    rob_high_weight_very_serious: float = 0.5
    i2_serious: float = 75.0
    i2_moderate: float = 40.0
    prediction_interval: bool = True
    optimal_information_size: int = 400
    imprecision_rule: Literal["ois", "pollock"] = "ois"
    publication_bias_min_studies: int = 10
    egger_alpha: float = 0.10

    def __post_init__(self) -> None:
        owner = "GradeSettings"
        _in_range(owner, "rob_low_weight_min", self.rob_low_weight_min, 0.0, 1.0)
        _in_range(
            owner,
            "rob_high_weight_very_serious",
            self.rob_high_weight_very_serious,
            0.0,
            1.0,
            open_low=True,
        )
        _in_range(owner, "i2_serious", self.i2_serious, 0.0, 100.0)
        _in_range(owner, "i2_moderate", self.i2_moderate, 0.0, 100.0)
        if self.i2_moderate > self.i2_serious:
            raise _fail(
                owner, "i2_moderate", f"<= i2_serious ({self.i2_serious!r})", self.i2_moderate
            )
        if not isinstance(self.prediction_interval, bool):
            raise TypeError(
                f"{owner}.prediction_interval must be True or False; "
                f"got {self.prediction_interval!r}"
            )
        _integer(owner, "optimal_information_size", self.optimal_information_size, 1)
        _choice(owner, "imprecision_rule", self.imprecision_rule, ("ois", "pollock"))
        _integer(owner, "publication_bias_min_studies", self.publication_bias_min_studies, 3)
        _in_range(owner, "egger_alpha", self.egger_alpha, 0.0, 1.0, open_low=True, open_high=True)
