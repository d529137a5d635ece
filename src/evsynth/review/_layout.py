"""Decide which data layout an outcomes.csv row uses, from which of its cells are filled.

Arm-level layouts need, for each arm k (1 = intervention, 2 = comparator), ``n{k}`` and one of:
``m{k}, sd{k}`` (``arm_sd``); ``m{k}, se{k}`` (``arm_se``); ``m{k}, ci{k}_low, ci{k}_high``
(``arm_ci``); ``median{k}`` with ``q1_{k}, q3_{k}`` and/or ``min{k}, max{k}`` (``arm_median``).
Where a row gives more than one (say SD and SE), the first in that order is used. Contrast
layouts need ``estimate`` with ``se`` (``contrast_se``) or ``ci_low, ci_high``
(``contrast_ci``); ``n1``/``n2`` may accompany them. A row must not mix the two levels.
"""

from __future__ import annotations

_ARM_STEMS = ("m{k}", "sd{k}", "se{k}", "ci{k}_low", "ci{k}_high", "median{k}", "q1_{k}")
_ARM_STEMS += ("q3_{k}", "min{k}", "max{k}")
_CONTRAST = ("estimate", "se", "ci_low", "ci_high")


def _arm(values: dict, k: int) -> tuple[str | None, list[str]]:
    """The arm's kind (sd, se, ci, median) or None, and the columns it is missing."""

    def has(*stems: str) -> bool:
        return all(values[s.format(k=k)] is not None for s in stems)

    kind, missing = None, []
    if has("m{k}"):
        kind = next(
            (name for name, cols in _MEAN_KINDS if has(*cols)),
            None,
        )
        if kind is None:
            missing.append(f"sd{k} (or se{k}, or ci{k}_low and ci{k}_high)")
    elif has("median{k}"):
        if has("q1_{k}", "q3_{k}") or has("min{k}", "max{k}"):
            kind = "median"
        else:
            missing.append(f"q1_{k} and q3_{k} (or min{k} and max{k})")
    else:
        missing.append(f"m{k} (or median{k})")
    if values[f"n{k}"] is None:
        missing.append(f"n{k}")
    return (kind if not missing else None), missing


_MEAN_KINDS = (("sd", ("sd{k}",)), ("se", ("se{k}",)), ("ci", ("ci{k}_low", "ci{k}_high")))


def _order(values: dict, pairs) -> tuple[str, str] | None:
    for low, high in pairs:
        if values[low] is not None and values[high] is not None and values[low] >= values[high]:
            return (low, f"must be < {high}; got {values[low]:g} >= {values[high]:g}")
    return None


def row_layout(values: dict) -> str | tuple[str | None, str]:
    """The row's layout name, or ``(field, message)`` saying why it has none."""
    arm_cells = [s.format(k=k) for k in (1, 2) for s in _ARM_STEMS]
    arm_filled = [c for c in arm_cells if values[c] is not None]
    contrast_filled = [c for c in _CONTRAST if values[c] is not None]
    if arm_filled and contrast_filled:
        return (
            contrast_filled[0],
            f"row has both arm-level data ({', '.join(arm_filled)}) and contrast-level data "
            f"({', '.join(contrast_filled)}); use one layout per row",
        )
    if contrast_filled:
        return _contrast(values)
    if not arm_filled:
        return (
            None,
            "no usable data layout: give m1, sd1, n1, m2, sd2, n2 (arm level; or se/CI/median "
            "instead of SD) or estimate with se or ci_low, ci_high (contrast level)",
        )
    (kind1, missing1), (kind2, missing2) = _arm(values, 1), _arm(values, 2)
    missing = missing1 + missing2
    if missing:
        return (
            missing[0].split()[0],
            "no usable data layout: arm-level data is missing " + ", ".join(missing),
        )
    if kind1 != kind2:
        return (
            None,
            f"arm 1 gives {kind1} but arm 2 gives {kind2}; use the same layout for both arms",
        )
    bad = _order(
        values,
        [(f"ci{k}_low", f"ci{k}_high") for k in (1, 2)]
        + [(f"q1_{k}", f"q3_{k}") for k in (1, 2)]
        + [(f"min{k}", f"max{k}") for k in (1, 2)],
    )
    return bad or f"arm_{kind1}"


def _contrast(values: dict) -> str | tuple[str | None, str]:
    if values["estimate"] is None:
        return ("estimate", "is required for contrast-level data (se or ci_low, ci_high given)")
    if values["se"] is not None:
        return "contrast_se"
    if values["ci_low"] is None or values["ci_high"] is None:
        missing = [c for c in ("se", "ci_low", "ci_high") if values[c] is None]
        return (
            missing[0],
            "no usable data layout: contrast-level data needs se or ci_low and ci_high; missing "
            + ", ".join(missing),
        )
    return _order(values, [("ci_low", "ci_high")]) or "contrast_ci"
