"""Conversions that recover the arm-level data a meta-analysis needs from what trials report.

Every function is vectorised: arguments are scalars or 1-D arrays; arrays must have one length
(scalars are used for every element). With only scalar arguments the result is a float (or a
tuple of floats). Inputs are validated and a ValueError names the argument and the index of the
first bad value; no function returns NaN.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy import stats

from evsynth.stats._validation import (
    as_1d_float,
    check_at_least,
    check_choice,
    check_finite,
    check_level,
    check_nonnegative,
    check_positive,
    check_same_length,
)

__all__ = [
    "change_sd",
    "combine_groups",
    "correlation_from_change",
    "design_effect",
    "effective_sample_size",
    "mean_sd_from_median",
    "rescale",
    "rescale_sd",
    "sd_from_ci",
    "sd_from_se",
    "split_shared_control",
]


def _arrays(**named) -> tuple[dict[str, np.ndarray], bool]:
    """Convert arguments to 1-D float arrays and check that the non-scalar ones agree in length.

    Returns the arrays (scalars as length-1 arrays, which broadcast) and whether every argument
    was a scalar.
    """
    arrays = {name: as_1d_float(name, value) for name, value in named.items()}
    scalar = {name: np.ndim(value) == 0 for name, value in named.items()}
    vectors = {name: arrays[name] for name in arrays if not scalar[name]}
    if vectors:
        check_same_length(**vectors)
    return arrays, all(scalar.values())


def _out(result: np.ndarray, all_scalar: bool):
    return float(result[0]) if all_scalar else result


def _pair(name: str, value) -> tuple:
    try:
        low, high = value
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a pair (low, high); got {value!r}") from exc
    return low, high


def _check_order(lower_name, lower, upper_name, upper, *, strict: bool, hint: str = "") -> None:
    lower, upper = np.broadcast_arrays(lower, upper)
    bad = lower >= upper if strict else lower > upper
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        relation = "<" if strict else "<="
        raise ValueError(
            f"{lower_name}[{i}] ({float(lower[i])!r}) must be {relation} "
            f"{upper_name}[{i}] ({float(upper[i])!r}){hint}"
        )


def _check_range(name: str, arr: np.ndarray, low: float, high: float) -> None:
    check_finite(name, arr)
    bad = (arr < low) | (arr > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}[{i}] is {float(arr[i])!r}; every value must be in [{low!r}, {high!r}]"
        )


# --------------------------------------------------------------------------------------------
# Standard deviations from standard errors and confidence intervals
# --------------------------------------------------------------------------------------------


def sd_from_se(se, n):
    """Standard deviation of a group from the standard error of its mean.

    ``SD = SE * sqrt(n)``.

    Parameters
    ----------
    se : float or array_like
        Standard errors of the group means (> 0).
    n : float or array_like
        Group sample sizes (>= 2).

    Returns
    -------
    float or ndarray
        Standard deviations.

    Notes
    -----
    Only for the SE of one group's mean: the SE of a difference between groups is a different
    quantity and must not be converted this way.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. In: Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023. Section 6.5.2.2.

    Examples
    --------
    >>> from evsynth.stats import sd_from_se
    >>> sd_from_se(2.3, 25)
    11.5
    >>> sd_from_se([1.0, 0.5], [16, 100])
    array([4., 5.])
    """
    a, scalar = _arrays(se=se, n=n)
    check_positive("se", a["se"])
    check_at_least("n", a["n"], 2)
    return _out(a["se"] * np.sqrt(a["n"]), scalar)


def sd_from_ci(ci_low, ci_high, n, level=0.95, distribution="auto"):
    """Standard deviation of a group from the confidence interval of its mean.

    ``SD = sqrt(n) (ci_high - ci_low) / (2 c)`` where ``c`` is the two-sided critical value of
    Student's t with ``n - 1`` degrees of freedom, or of the standard normal distribution.

    Parameters
    ----------
    ci_low, ci_high : float or array_like
        Confidence limits of the group means (``ci_low < ci_high``).
    n : float or array_like
        Group sample sizes (>= 2).
    level : float, default 0.95
        Confidence level, as a fraction or a percentage.
    distribution : {"auto", "t", "z"}, default "auto"
        Critical values from the t distribution, from the normal distribution, or (``"auto"``)
        from t where ``n < 60`` and from the normal distribution otherwise, as the Handbook
        suggests for intervals computed by the trial authors.

    Returns
    -------
    float or ndarray
        Standard deviations.

    Notes
    -----
    The interval must be symmetric about the mean (i.e. computed on the natural scale). For a
    95% interval the divisor is ``3.92`` with the normal distribution and, for ``n = 25``,
    ``2 x 2.0639 = 4.128`` with the t distribution (the Handbook's example).

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. In: Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023. Section 6.5.2.2.

    Examples
    --------
    >>> from evsynth.stats import sd_from_ci
    >>> round(sd_from_ci(10.0, 13.92, 100), 4)   # normal: 10 x 3.92 / 3.92
    10.0002
    >>> round(sd_from_ci(7.0, 11.128, 25), 4)    # t with 24 df: 5 x 4.128 / 4.128
    5.0002
    """
    level = check_level(level)
    distribution = check_choice("distribution", distribution, ("auto", "t", "z"))
    a, scalar = _arrays(ci_low=ci_low, ci_high=ci_high, n=n)
    low, high, size = a["ci_low"], a["ci_high"], a["n"]
    check_finite("ci_low", low)
    check_finite("ci_high", high)
    check_at_least("n", size, 2)
    _check_order("ci_low", low, "ci_high", high, strict=True)
    p = 0.5 + level / 2
    if distribution == "z":
        use_t = np.zeros(size.shape, dtype=bool)
    elif distribution == "t":
        use_t = np.ones(size.shape, dtype=bool)
    else:
        use_t = size < 60
    crit = np.where(use_t, stats.t.ppf(p, size - 1), stats.norm.ppf(p))
    return _out(np.sqrt(size) * (high - low) / (2 * crit), scalar)


# --------------------------------------------------------------------------------------------
# Mean and SD from the median, quartiles and range
# --------------------------------------------------------------------------------------------


def _xi(n: np.ndarray) -> np.ndarray:
    # Expected range of n standard normal observations, approximately (Wan et al. 2014).
    return 2 * stats.norm.ppf((n - 0.375) / (n + 0.25))


def _eta(n: np.ndarray) -> np.ndarray:
    # Expected interquartile range of n standard normal observations, approximately.
    return 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))


def mean_sd_from_median(median, n, *, q1=None, q3=None, minimum=None, maximum=None):
    """Estimate a group's mean and SD from its median with the range and/or quartiles.

    Three scenarios, by which arguments are given:

    - S1, ``minimum`` and ``maximum`` (a, b):
      mean = w (a + b)/2 + (1 - w) m with ``w = 4 / (4 + n^0.75)``;
      SD = (b - a) / ξ(n).
    - S2, ``q1`` and ``q3``:
      mean = w (q1 + q3)/2 + (1 - w) m with ``w = 0.7 + 0.39 / n``;
      SD = (q3 - q1) / η(n).
    - S3, all four:
      mean = w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m with
      ``w1 = 2.2 / (2.2 + n^0.75)`` and ``w2 = 0.7 - 0.72 / n^0.55``;
      SD = (b - a) / (2 ξ(n)) + (q3 - q1) / (2 η(n)).

    where ``ξ(n) = 2 Φ⁻¹((n - 0.375) / (n + 0.25))`` and
    ``η(n) = 2 Φ⁻¹((0.75 n - 0.125) / (n + 0.25))``. The means are the optimal weighted
    estimators of Luo et al. (2018); the SDs those of Wan et al. (2014).

    Parameters
    ----------
    median : float or array_like
        Group medians.
    n : float or array_like
        Group sample sizes (>= 2).
    q1, q3 : float or array_like, optional
        First and third quartiles (give both or neither).
    minimum, maximum : float or array_like, optional
        Smallest and largest observations (give both or neither).

    Returns
    -------
    mean, sd : float or ndarray
        Estimated means and standard deviations.

    Raises
    ------
    ValueError
        If neither the range nor the quartiles are given, only one of a pair is given, or the
        summaries are out of order (``minimum <= q1 <= median <= q3 <= maximum``, with
        ``minimum < maximum`` and ``q1 < q3``).

    Notes
    -----
    The estimators assume roughly normal data; a median reported because the data are skewed
    is a warning sign, and the Handbook advises a sensitivity analysis. Shi et al. (2020)
    proposed a better SD for S3; Wan's is used here, as specified by the evsynth design.

    References
    ----------
    .. [1] Luo D, Wan X, Liu J, Tong T. Optimally estimating the sample mean from the sample
       size, median, mid-range, and/or mid-quartile range. Stat Methods Med Res.
       2018;27(6):1785-1805. Equations (7), (11) and (15).
    .. [2] Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation
       from the sample size, median, range and/or interquartile range. BMC Med Res Methodol.
       2014;14:135. Equations (7), (13) and (14)/(16).
    .. [3] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6. In: Cochrane Handbook for Systematic
       Reviews of Interventions, version 6.4. Cochrane; 2023. Section 6.5.2.5.

    Examples
    --------
    >>> from evsynth.stats import mean_sd_from_median
    >>> mean, sd = mean_sd_from_median(50.0, 100, q1=40.0, q3=60.0)
    >>> round(mean, 4), round(sd, 4)
    (50.0, 15.0441)
    >>> mean, sd = mean_sd_from_median([4.0, 10.0], [20, 45], minimum=[1.0, 2.0],
    ...                                maximum=[9.0, 30.0])
    >>> mean.round(3), sd.round(3)
    (array([ 4.297, 11.123]), array([2.141, 6.356]))
    """
    named = {"median": median, "n": n}
    for name, value in (("minimum", minimum), ("q1", q1), ("q3", q3), ("maximum", maximum)):
        if value is not None:
            named[name] = value
    for first, second in (("minimum", "maximum"), ("q1", "q3")):
        if (first in named) != (second in named):
            given, missing = (first, second) if first in named else (second, first)
            raise ValueError(f"{given} is given without {missing}; give both or neither")
    has_range = "minimum" in named
    has_iqr = "q1" in named
    if not (has_range or has_iqr):
        raise ValueError(
            "mean_sd_from_median needs minimum and maximum, q1 and q3, or all four; "
            "missing: minimum, maximum, q1, q3"
        )

    a, scalar = _arrays(**named)
    size = a["n"]
    check_at_least("n", size, 2)
    for name in named:
        if name != "n":
            check_finite(name, a[name])
    m = a["median"]
    order = [name for name in ("minimum", "q1", "median", "q3", "maximum") if name in a]
    hint = f"; expected {' <= '.join(order)}"
    for lower, upper in pairwise(order):
        _check_order(lower, a[lower], upper, a[upper], strict=False, hint=hint)
    if has_range:
        _check_order("minimum", a["minimum"], "maximum", a["maximum"], strict=True, hint=hint)
    if has_iqr:
        _check_order("q1", a["q1"], "q3", a["q3"], strict=True, hint=hint)

    if has_range and has_iqr:
        w1 = 2.2 / (2.2 + size**0.75)
        w2 = 0.7 - 0.72 / size**0.55
        mid_range = (a["minimum"] + a["maximum"]) / 2
        mid_quartile = (a["q1"] + a["q3"]) / 2
        mean = w1 * mid_range + w2 * mid_quartile + (1 - w1 - w2) * m
        sd = (a["maximum"] - a["minimum"]) / (2 * _xi(size)) + (a["q3"] - a["q1"]) / (
            2 * _eta(size)
        )
    elif has_range:
        w = 4 / (4 + size**0.75)
        mean = w * (a["minimum"] + a["maximum"]) / 2 + (1 - w) * m
        sd = (a["maximum"] - a["minimum"]) / _xi(size)
    else:
        w = 0.7 + 0.39 / size
        mean = w * (a["q1"] + a["q3"]) / 2 + (1 - w) * m
        sd = (a["q3"] - a["q1"]) / _eta(size)
    mean, sd = np.broadcast_arrays(mean, sd)
    return _out(np.array(mean), scalar), _out(np.array(sd), scalar)


# --------------------------------------------------------------------------------------------
# Combining groups, rescaling, change scores
# --------------------------------------------------------------------------------------------


def combine_groups(n1, m1, sd1, n2, m2, sd2):
    """Combine two groups (e.g. two arms, or two subgroups) into one.

    ``N = N1 + N2``, ``M = (N1 M1 + N2 M2) / N`` and
    ``SD = sqrt(((N1 - 1) SD1² + (N2 - 1) SD2² + N1 N2 / N (M1 - M2)²) / (N - 1))``:
    the mean and sample SD of the pooled observations. Combine more than two groups by
    applying the formula repeatedly.

    Parameters
    ----------
    n1, m1, sd1 : float or array_like
        Size (>= 1), mean and SD (>= 0) of the first group.
    n2, m2, sd2 : float or array_like
        Size (>= 1), mean and SD (>= 0) of the second group.

    Returns
    -------
    n, mean, sd : float or ndarray
        Size, mean and SD of the combined group.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. In: Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023. Section 6.5.2.10, Table 6.5.a.

    Examples
    --------
    >>> from evsynth.stats import combine_groups
    >>> n, mean, sd = combine_groups(10, 5.0, 2.0, 20, 8.0, 3.0)
    >>> n, mean, round(sd, 4)
    (30.0, 7.0, 3.0343)
    """
    a, scalar = _arrays(n1=n1, m1=m1, sd1=sd1, n2=n2, m2=m2, sd2=sd2)
    for name in ("n1", "n2"):
        check_at_least(name, a[name], 1)
    for name in ("m1", "m2"):
        check_finite(name, a[name])
    for name in ("sd1", "sd2"):
        check_nonnegative(name, a[name])
    n1_, n2_ = a["n1"], a["n2"]
    n = n1_ + n2_
    mean = (n1_ * a["m1"] + n2_ * a["m2"]) / n
    ss = (
        (n1_ - 1) * a["sd1"] ** 2
        + (n2_ - 1) * a["sd2"] ** 2
        + n1_ * n2_ / n * (a["m1"] - a["m2"]) ** 2
    )
    sd = np.sqrt(ss / (n - 1))
    n, mean, sd = np.broadcast_arrays(n, mean, sd)
    return _out(np.array(n), scalar), _out(np.array(mean), scalar), _out(np.array(sd), scalar)


def _ranges(from_range, to_range, **named):
    from_low, from_high = _pair("from_range", from_range)
    to_low, to_high = _pair("to_range", to_range)
    a, scalar = _arrays(
        **named, from_low=from_low, from_high=from_high, to_low=to_low, to_high=to_high
    )
    for name in ("from_low", "from_high", "to_low", "to_high"):
        check_finite(name, a[name])
    _check_order("from_range low", a["from_low"], "from_range high", a["from_high"], strict=True)
    _check_order("to_range low", a["to_low"], "to_range high", a["to_high"], strict=True)
    return a, scalar


def rescale(values, from_range, to_range, *, reverse=False):
    """Rescale scores linearly from one instrument's range to another.

    ``x' = to_low + (x - from_low) (to_high - to_low) / (from_high - from_low)``; with
    ``reverse=True`` the direction is also flipped, ``x'' = to_low + to_high - x'`` (for an
    instrument on which higher means worse, mapped to one on which higher means better, or the
    other way round).

    Parameters
    ----------
    values : float or array_like
        Means (or other scores) on the original scale, inside ``from_range``.
    from_range, to_range : pair of (float or array_like)
        ``(low, high)`` of the original and the target scale (``low < high``). Each limit can
        be a scalar or an array with one value per element of ``values``.
    reverse : bool, default False
        Flip the direction of the scale.

    Returns
    -------
    float or ndarray
        Rescaled values.

    Raises
    ------
    ValueError
        If a value lies outside ``from_range``. Changes from baseline and differences between
        groups are not scores: they are rescaled by the ratio of the widths alone (as
        :func:`rescale_sd` does), with the sign flipped when the direction is reversed.

    See Also
    --------
    rescale_sd : the matching rescaling of standard deviations.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6. In: Cochrane Handbook for Systematic
       Reviews of Interventions, version 6.4. Cochrane; 2023. Section 6.5.1.2 (scales that
       run in opposite directions). The linear map itself is elementary.

    Examples
    --------
    >>> from evsynth.stats import rescale
    >>> rescale(6.5, (0, 10), (0, 100))
    65.0
    >>> rescale([1.0, 4.0], (1, 5), (0, 100), reverse=True)
    array([100.,  25.])
    """
    a, scalar = _ranges(from_range, to_range, values=values)
    x = a["values"]
    check_finite("values", x)
    lo, hi = np.broadcast_arrays(a["from_low"], a["from_high"])
    x_b, lo_b, hi_b = np.broadcast_arrays(x, lo, hi)
    bad = (x_b < lo_b) | (x_b > hi_b)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"values[{i}] is {float(x_b[i])!r}, outside from_range "
            f"[{float(lo_b[i])!r}, {float(hi_b[i])!r}]; rescale() maps scores on the "
            "instrument's scale (for a change or a difference, multiply by the ratio of the "
            "widths, as rescale_sd does)"
        )
    out = a["to_low"] + (x - a["from_low"]) * (a["to_high"] - a["to_low"]) / (
        a["from_high"] - a["from_low"]
    )
    if reverse:
        out = a["to_low"] + a["to_high"] - out
    return _out(np.array(np.broadcast_arrays(out, x)[0]), scalar)


def rescale_sd(sd, from_range, to_range):
    """Rescale standard deviations from one instrument's range to another.

    ``SD' = SD (to_high - to_low) / (from_high - from_low)``; reversing the direction of a
    scale does not change SDs.

    Parameters
    ----------
    sd : float or array_like
        Standard deviations (>= 0) on the original scale.
    from_range, to_range : pair of (float or array_like)
        ``(low, high)`` of the original and the target scale, as in :func:`rescale`.

    Returns
    -------
    float or ndarray
        Rescaled SDs.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6. In: Cochrane Handbook for Systematic
       Reviews of Interventions, version 6.4. Cochrane; 2023. Section 6.5.1.2.

    Examples
    --------
    >>> from evsynth.stats import rescale_sd
    >>> rescale_sd(1.5, (0, 10), (0, 100))
    15.0
    """
    a, scalar = _ranges(from_range, to_range, sd=sd)
    check_nonnegative("sd", a["sd"])
    ratio = (a["to_high"] - a["to_low"]) / (a["from_high"] - a["from_low"])
    out = a["sd"] * ratio
    return _out(np.array(np.broadcast_arrays(out, a["sd"])[0]), scalar)


def change_sd(sd_baseline, sd_final, correlation):
    """SD of the change from baseline, imputed from the baseline and final SDs.

    ``SD_change = sqrt(SD_baseline² + SD_final² - 2 r SD_baseline SD_final)``.

    Parameters
    ----------
    sd_baseline, sd_final : float or array_like
        SDs at baseline and at the final measurement (> 0).
    correlation : float or array_like
        Correlation ``r`` between baseline and final measurements, in [-1, 1], e.g. from
        :func:`correlation_from_change` applied to a study that reports all three SDs.

    Returns
    -------
    float or ndarray
        Imputed SDs of the change.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. In: Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023. Section 6.5.2.8.
    .. [2] Follmann D, Elliott P, Suh I, Cutler J. Variance imputation for overviews of
       clinical trials with continuous response. J Clin Epidemiol. 1992;45(7):769-773.

    Examples
    --------
    >>> from evsynth.stats import change_sd
    >>> round(change_sd(2.38, 2.21, 0.68), 4)
    1.8426
    """
    a, scalar = _arrays(sd_baseline=sd_baseline, sd_final=sd_final, correlation=correlation)
    b, f, r = a["sd_baseline"], a["sd_final"], a["correlation"]
    check_positive("sd_baseline", b)
    check_positive("sd_final", f)
    _check_range("correlation", r, -1.0, 1.0)
    variance = np.maximum(b**2 + f**2 - 2 * r * b * f, 0.0)
    return _out(np.sqrt(variance), scalar)


def correlation_from_change(sd_baseline, sd_final, sd_change):
    """Correlation between baseline and final values implied by the three SDs of a study.

    ``r = (SD_baseline² + SD_final² - SD_change²) / (2 SD_baseline SD_final)``, the inverse of
    :func:`change_sd`. Use it on studies that report all three SDs, then impute the (typical)
    correlation into :func:`change_sd` for studies that do not.

    Parameters
    ----------
    sd_baseline, sd_final, sd_change : float or array_like
        SDs at baseline, at the final measurement and of the change (> 0).

    Returns
    -------
    float or ndarray
        Correlations.

    Raises
    ------
    ValueError
        If the SDs imply a correlation outside [-1, 1] (they are then inconsistent).

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and
       computing estimates of effect. In: Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. Cochrane; 2023. Section 6.5.2.8.

    Examples
    --------
    >>> from evsynth.stats import correlation_from_change
    >>> round(correlation_from_change(3.0, 4.0, 5.0), 4)
    0.0
    """
    a, scalar = _arrays(sd_baseline=sd_baseline, sd_final=sd_final, sd_change=sd_change)
    b, f, c = a["sd_baseline"], a["sd_final"], a["sd_change"]
    for name in ("sd_baseline", "sd_final", "sd_change"):
        check_positive(name, a[name])
    r = (b**2 + f**2 - c**2) / (2 * b * f)
    bad = np.abs(r) > 1
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        ib, i_f, ic = (min(i, len(x) - 1) for x in (b, f, c))
        raise ValueError(
            f"sd_change[{ic}] ({float(c[ic])!r}) is inconsistent with sd_baseline[{ib}] "
            f"({float(b[ib])!r}) and sd_final[{i_f}] ({float(f[i_f])!r}): the implied "
            f"correlation {float(r[i])!r} is outside [-1, 1]"
        )
    return _out(r, scalar)


# --------------------------------------------------------------------------------------------
# Cluster trials and multi-arm trials
# --------------------------------------------------------------------------------------------


def design_effect(mean_cluster_size, icc):
    """Design effect of a cluster-randomised trial, ``1 + (M - 1) ICC``.

    Parameters
    ----------
    mean_cluster_size : float or array_like
        Average cluster size ``M`` (>= 1).
    icc : float or array_like
        Intracluster (intraclass) correlation coefficient, in [0, 1].

    Returns
    -------
    float or ndarray
        Design effects (>= 1).

    References
    ----------
    .. [1] Higgins JPT, Eldridge S, Li T (eds). Chapter 23: Including variants on randomized
       trials. In: Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       Cochrane; 2023. Section 23.1.4.

    Examples
    --------
    >>> from evsynth.stats import design_effect
    >>> round(design_effect(10, 0.02), 10)
    1.18
    """
    a, scalar = _arrays(mean_cluster_size=mean_cluster_size, icc=icc)
    check_at_least("mean_cluster_size", a["mean_cluster_size"], 1)
    _check_range("icc", a["icc"], 0.0, 1.0)
    return _out(1 + (a["mean_cluster_size"] - 1) * a["icc"], scalar)


def effective_sample_size(n, mean_cluster_size, icc):
    """Effective sample size of a cluster-randomised arm, ``n / (1 + (M - 1) ICC)``.

    For continuous outcomes only the sample size is reduced; means and SDs are unchanged. The
    result is not rounded (effect sizes accept non-integer sample sizes).

    Parameters
    ----------
    n : float or array_like
        Number of participants (> 0).
    mean_cluster_size : float or array_like
        Average cluster size ``M`` (>= 1).
    icc : float or array_like
        Intracluster correlation coefficient, in [0, 1].

    Returns
    -------
    float or ndarray
        Effective sample sizes.

    References
    ----------
    .. [1] Higgins JPT, Eldridge S, Li T (eds). Chapter 23: Including variants on randomized
       trials. In: Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       Cochrane; 2023. Section 23.1.4.

    Examples
    --------
    >>> from evsynth.stats import effective_sample_size
    >>> round(effective_sample_size(295, 10, 0.02), 2)
    250.0
    """
    a, scalar = _arrays(n=n, mean_cluster_size=mean_cluster_size, icc=icc)
    check_positive("n", a["n"])
    check_at_least("mean_cluster_size", a["mean_cluster_size"], 1)
    _check_range("icc", a["icc"], 0.0, 1.0)
    de = 1 + (a["mean_cluster_size"] - 1) * a["icc"]
    out = a["n"] / de
    return _out(np.array(np.broadcast_arrays(out, a["n"], de)[0]), scalar)


def _as_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if not isinstance(value, int | np.integer):
        as_float = float(value) if isinstance(value, int | float | np.floating) else None
        if as_float is None or not np.isfinite(as_float) or as_float != int(as_float):
            raise ValueError(f"{name} must be a whole number; got {value!r}")
        value = int(as_float)
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}")
    return value


def split_shared_control(n_control, n_arms):
    """Split a control group shared by several comparisons into near-equal parts.

    A multi-arm trial that compares several interventions with one control group contributes
    one comparison per intervention; to avoid counting the control participants more than once
    the control group is divided among the comparisons. Its mean and SD are used unchanged in
    each comparison.

    Parameters
    ----------
    n_control : int
        Size of the shared control group.
    n_arms : int
        Number of comparisons (intervention arms) that share it (>= 1, <= ``n_control``).

    Returns
    -------
    ndarray of int, shape (n_arms,)
        Sample sizes, as equal as possible (the larger ones first), summing to ``n_control``.

    References
    ----------
    .. [1] Higgins JPT, Eldridge S, Li T (eds). Chapter 23: Including variants on randomized
       trials. In: Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       Cochrane; 2023. Section 23.3.4.

    Examples
    --------
    >>> from evsynth.stats import split_shared_control
    >>> split_shared_control(25, 3)
    array([9, 8, 8])
    """
    n_control = _as_count("n_control", n_control, 1)
    n_arms = _as_count("n_arms", n_arms, 1)
    if n_arms > n_control:
        raise ValueError(
            f"n_arms ({n_arms}) is larger than n_control ({n_control}); every comparison "
            "needs at least one control participant"
        )
    base, extra = divmod(n_control, n_arms)
    sizes = np.full(n_arms, base, dtype=np.int64)
    sizes[:extra] += 1
    return sizes
