"""Text layout shared by the ``summary()`` methods: metafor's printed tables."""

from __future__ import annotations

import math

__all__ = ["fmt", "fmt_p", "fmt_p_eq", "signif_stars", "text_table", "SIGNIF_LEGEND"]

SIGNIF_LEGEND = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def fmt(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if isinstance(x, float) and math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return f"{x:.{digits}f}"


def fmt_p(p: float, digits: int = 4) -> str:
    """A p-value as metafor prints it in tables: ``<.0001`` below the shown precision."""
    if p is None or math.isnan(p):
        return "NA"
    if p < 10**-digits:
        return "<." + "0" * (digits - 1) + "1"
    return f"{p:.{digits}f}"


def fmt_p_eq(p: float, digits: int = 4) -> str:
    """``p-val < .0001`` / ``p-val = 0.0123`` as metafor prints it in running text."""
    s = fmt_p(p, digits)
    return f"p-val {s[0]} {s[1:]}" if s.startswith("<") else f"p-val = {s}"


def signif_stars(p: float) -> str:
    if p is None or math.isnan(p):
        return ""
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p < cut:
            return mark
    return ""


def text_table(header: list[str], rows: list[list[str]], row_names: list[str] | None = None) -> str:
    """Right-justified columns two spaces apart, as R's ``print(..., print.gap = 2)``."""
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(header)]
    lines = []
    name_w = max((len(n) for n in row_names), default=0) if row_names else 0
    head = "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))
    lines.append((" " * name_w + "  " + head) if row_names else head)
    for i, r in enumerate(rows):
        body = "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True))
        lines.append((row_names[i].ljust(name_w) + "  " + body) if row_names else body)
    return "\n".join(line.rstrip() for line in lines)
