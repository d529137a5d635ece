"""Study-level effect sizes for continuous outcomes and generic inverse-variance data.

:func:`effect_sizes` turns arm-level summaries (means, SDs and sample sizes of two groups) or
contrast-level results (an estimate with its SE or confidence interval) into the effect
estimates ``yi`` and sampling variances ``vi`` that the meta-analysis models take.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from evsynth.stats._validation import (
    as_1d_float,
    check_at_least,
    check_choice,
    check_finite,
    check_level,
    check_positive,
    check_same_length,
)

__all__ = ["EffectSizes", "effect_sizes"]

#: Two-sided 95% standard normal quantile, ``scipy.stats.norm.ppf(0.975)``.
_Z95 = 1.959963984540054

_MEASURES = ("MD", "SMD", "GENERIC")
_SMD_VARIANTS = ("hedges", "revman")
_ARM_ARGS = ("m1", "sd1", "n1", "m2", "sd2", "n2")
_GENERIC_ARGS = ("estimate", "se", "ci_low", "ci_high")


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Effect estimates and their sampling variances, one per study.

    Returned by :func:`effect_sizes`; accepted by the meta-analysis functions in place of
    ``yi, vi``. The arrays are read-only.

    Attributes
    ----------
    measure : str
        ``"MD"``, ``"SMD"`` or ``"GENERIC"``.
    yi : ndarray of shape (k,)
        Effect estimates.
    vi : ndarray of shape (k,)
        Sampling variances of ``yi`` (all > 0).
    """

    measure: str
    yi: np.ndarray
    vi: np.ndarray

    def __post_init__(self) -> None:
        yi = as_1d_float("yi", self.yi)
        vi = as_1d_float("vi", self.vi)
        check_same_length(yi=yi, vi=vi)
        check_finite("yi", yi)
        check_positive("vi", vi)
        yi, vi = yi.copy(), vi.copy()
        yi.flags.writeable = False
        vi.flags.writeable = False
        object.__setattr__(self, "yi", yi)
        object.__setattr__(self, "vi", vi)

    def __len__(self) -> int:
        return len(self.yi)

    @property
    def sei(self) -> np.ndarray:
        """Standard errors, ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    @property
    def ci_low(self) -> np.ndarray:
        """Lower bounds of the 95% normal (Wald) confidence intervals."""
        return self.yi - _Z95 * self.sei

    @property
    def ci_high(self) -> np.ndarray:
        """Upper bounds of the 95% normal (Wald) confidence intervals."""
        return self.yi + _Z95 * self.sei

    def confidence_interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Normal (Wald) confidence intervals ``yi ± z sei`` at ``level``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level, as a fraction (0.9) or a percentage (90).

        Returns
        -------
        low, high : ndarray of shape (k,)
        """
        level = check_level(level)
        z = _Z95 if level == 0.95 else _z(level)
        return self.yi - z * self.sei, self.yi + z * self.sei


def _check_arguments(measure: str, given: dict, allowed: tuple[str, ...]) -> None:
    extra = [name for name in given if name not in allowed]
    if extra:
        raise ValueError(
            f"{', '.join(extra)} {'does' if len(extra) == 1 else 'do'} not apply to "
            f"measure {measure!r}, which takes {', '.join(allowed)}"
        )


def _arm_arrays(measure: str, given: dict) -> dict[str, np.ndarray]:
    _check_arguments(measure, given, _ARM_ARGS)
    missing = [name for name in _ARM_ARGS if name not in given]
    if missing:
        raise ValueError(
            f"measure {measure!r} requires {', '.join(_ARM_ARGS)}; missing: {', '.join(missing)}"
        )
    arrays = {name: as_1d_float(name, given[name]) for name in _ARM_ARGS}
    check_same_length(**arrays)
    for name in ("m1", "m2"):
        check_finite(name, arrays[name])
    for name in ("sd1", "sd2"):
        check_positive(name, arrays[name])
    for name in ("n1", "n2"):
        check_at_least(name, arrays[name], 2)
    return arrays


def _mean_difference(a: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    yi = a["m1"] - a["m2"]
    vi = a["sd1"] ** 2 / a["n1"] + a["sd2"] ** 2 / a["n2"]
    return yi, vi


def _pooled_sd(a: dict[str, np.ndarray]) -> np.ndarray:
    df = a["n1"] + a["n2"] - 2
    return np.sqrt(((a["n1"] - 1) * a["sd1"] ** 2 + (a["n2"] - 1) * a["sd2"] ** 2) / df)


def _hedges_correction(m: np.ndarray) -> np.ndarray:
    """Exact small-sample bias correction c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))."""
    return np.exp(special.gammaln(m / 2) - np.log(np.sqrt(m / 2)) - special.gammaln((m - 1) / 2))


def _smd_hedges(a: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    n1, n2 = a["n1"], a["n2"]
    d = (a["m1"] - a["m2"]) / _pooled_sd(a)
    yi = _hedges_correction(n1 + n2 - 2) * d
    vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    return yi, vi


def _smd_revman(a: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    n1, n2 = a["n1"], a["n2"]
    big_n = n1 + n2
    d = (a["m1"] - a["m2"]) / _pooled_sd(a)
    yi = d * (1 - 3 / (4 * big_n - 9))
    vi = big_n / (n1 * n2) + yi**2 / (2 * (big_n - 3.94))
    return yi, vi


def _generic(given: dict, level: float) -> tuple[np.ndarray, np.ndarray]:
    measure = "GENERIC"
    _check_arguments(measure, given, _GENERIC_ARGS)
    if "estimate" not in given:
        raise ValueError(f"measure {measure!r} requires estimate; missing: estimate")
    has_ci = [name for name in ("ci_low", "ci_high") if name in given]
    if "se" in given and has_ci:
        raise ValueError(
            f"measure {measure!r} takes either se or ci_low and ci_high, not both "
            f"(got se and {', '.join(has_ci)})"
        )
    if "se" not in given and not has_ci:
        raise ValueError(
            f"measure {measure!r} requires se, or ci_low and ci_high; missing: se, ci_low, ci_high"
        )
    if len(has_ci) == 1:
        other = "ci_high" if has_ci[0] == "ci_low" else "ci_low"
        raise ValueError(
            f"measure {measure!r} with {has_ci[0]} also requires {other}; missing: {other}"
        )

    yi = as_1d_float("estimate", given["estimate"])
    if "se" in given:
        se = as_1d_float("se", given["se"])
        check_same_length(estimate=yi, se=se)
        check_finite("estimate", yi)
        check_positive("se", se)
        return yi, se**2

    low = as_1d_float("ci_low", given["ci_low"])
    high = as_1d_float("ci_high", given["ci_high"])
    check_same_length(estimate=yi, ci_low=low, ci_high=high)
    check_finite("estimate", yi)
    check_finite("ci_low", low)
    check_finite("ci_high", high)
    bad = np.flatnonzero(low >= high)
    if bad.size:
        i = int(bad[0])
        relation = "equals" if low[i] == high[i] else "is greater than"
        raise ValueError(
            f"ci_low[{i}] ({float(low[i])!r}) {relation} ci_high[{i}] ({float(high[i])!r}); "
            "each interval must have ci_low < ci_high"
        )
    bad = np.flatnonzero((yi < low) | (yi > high))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"estimate[{i}] ({float(yi[i])!r}) lies outside its confidence interval "
            f"ci_low[{i}] = {float(low[i])!r} to ci_high[{i}] = {float(high[i])!r}; "
            "were the estimate and the interval given on the same scale?"
        )
    z = _Z95 if level == 0.95 else _z(level)
    se = (high - low) / (2 * z)
    return yi, se**2


def effect_sizes(
    measure: str,
    *,
    m1=None,
    sd1=None,
    n1=None,
    m2=None,
    sd2=None,
    n2=None,
    estimate=None,
    se=None,
    ci_low=None,
    ci_high=None,
    level: float = 0.95,
    smd_variant: str = "hedges",
) -> EffectSizes:
    """Compute study-level effect sizes and their sampling variances.

    Parameters
    ----------
    measure : {"MD", "SMD", "GENERIC"}
        Effect measure (case-insensitive).

        - ``"MD"``: mean difference ``m1 - m2`` with variance ``sd1²/n1 + sd2²/n2``
          (unequal variances; metafor ``escalc(measure="MD")`` with its default ``vtype``).
        - ``"SMD"``: standardised mean difference, group 1 minus group 2, over the pooled SD;
          see ``smd_variant``.
        - ``"GENERIC"``: an estimate already computed on its analysis scale (e.g. a mean
          difference, or a log odds ratio) with its standard error, or with a confidence
          interval from which the SE is recovered as ``(ci_high - ci_low) / (2 z)``.
    m1, sd1, n1, m2, sd2, n2 : array_like, optional
        Means, standard deviations (> 0) and sample sizes (>= 2; need not be integers, e.g.
        effective sample sizes of cluster trials) of groups 1 and 2. Required for "MD" and
        "SMD".
    estimate : array_like, optional
        Effect estimates, for "GENERIC".
    se : array_like, optional
        Standard errors (> 0) of ``estimate``, for "GENERIC".
    ci_low, ci_high : array_like, optional
        Confidence limits of ``estimate`` at ``level``, for "GENERIC" instead of ``se``. The
        interval is assumed symmetric on the analysis scale: give ratio measures on the log
        scale, limits included.
    level : float, default 0.95
        Confidence level of ``ci_low``/``ci_high``, as a fraction or a percentage.
    smd_variant : {"hedges", "revman"}, default "hedges"
        Formulas for ``measure="SMD"`` (ignored for other measures):

        - ``"hedges"``: Hedges' g with the exact bias correction
          ``c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))``, ``m = n1 + n2 - 2``, and the
          large-sample variance ``1/n1 + 1/n2 + g² / (2 (n1 + n2))``: R metafor's
          ``escalc(measure="SMD")`` with its default ``vtype``.
        - ``"revman"``: RevMan 5: ``g = d (1 - 3 / (4N - 9))`` and
          ``var = N / (n1 n2) + g² / (2 (N - 3.94))`` with ``N = n1 + n2``.

    Returns
    -------
    EffectSizes
        ``yi``, ``vi`` (1-D arrays) and ``sei``, ``ci_low``, ``ci_high``.

    Raises
    ------
    ValueError
        If a required argument is missing, an argument does not belong to ``measure``, the
        arrays differ in length (no broadcasting), or a value is not finite, an SD or SE is
        not > 0, a sample size is < 2, a ``ci_low`` is not below its ``ci_high``, or an
        estimate lies outside its interval. The message names the argument and the index.

    Notes
    -----
    Arguments are never broadcast: pass one value per study for every argument (a scalar
    counts as one study).

    References
    ----------
    .. [1] Hedges LV. Distribution theory for Glass's estimator of effect size and related
       estimators. J Educ Stat. 1981;6(2):107-128.
    .. [2] Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat
       Softw. 2010;36(3):1-48. (``escalc``, metafor 3.8.)
    .. [3] Deeks JJ, Higgins JPT. Statistical algorithms in Review Manager 5. The Cochrane
       Collaboration Statistical Methods Group; 2010. Section on standardised mean
       differences (Hedges' adjusted g).
    .. [4] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. In: Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023. Section 6.3.1 (SE from a CI).

    Examples
    --------
    >>> import evsynth as es
    >>> ef = es.effect_sizes("MD", m1=[55, 27], sd1=[47, 7], n1=[155, 31],
    ...                      m2=[75, 29], sd2=[64, 4], n2=[156, 32])
    >>> ef.yi
    array([-20.,  -2.])
    >>> ef.vi.round(4)
    array([40.508 ,  2.0806])
    >>> g = es.effect_sizes("SMD", m1=[55], sd1=[47], n1=[155], m2=[75], sd2=[64], n2=[156])
    >>> g.yi.round(4)
    array([-0.3552])
    >>> es.effect_sizes("GENERIC", estimate=[0.5], ci_low=[0.108], ci_high=[0.892]).sei.round(4)
    array([0.2])
    """
    measure = check_choice("measure", measure, _MEASURES)
    smd_variant = check_choice("smd_variant", smd_variant, _SMD_VARIANTS)
    level = check_level(level)
    supplied = {
        "m1": m1,
        "sd1": sd1,
        "n1": n1,
        "m2": m2,
        "sd2": sd2,
        "n2": n2,
        "estimate": estimate,
        "se": se,
        "ci_low": ci_low,
        "ci_high": ci_high,
    }
    given = {name: value for name, value in supplied.items() if value is not None}

    if measure == "GENERIC":
        yi, vi = _generic(given, level)
    else:
        arrays = _arm_arrays(measure, given)
        if measure == "MD":
            yi, vi = _mean_difference(arrays)
        elif smd_variant == "hedges":
            yi, vi = _smd_hedges(arrays)
        else:
            yi, vi = _smd_revman(arrays)
    return EffectSizes(measure=measure, yi=yi, vi=vi)
