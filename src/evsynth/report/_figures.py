"""Writing figures to files: SVG with selectable text, PNG at print resolution."""

from __future__ import annotations

from pathlib import Path

import matplotlib

__all__ = ["save_figure"]

_SUPPORTED = ("svg", "png", "pdf")


def save_figure(
    fig,
    path_without_suffix,
    formats: tuple[str, ...] | list[str] = ("svg", "png"),
    dpi: float = 300,
) -> list[Path]:
    """Write ``fig`` once per format, next to each other.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from :func:`forest_plot`.
    path_without_suffix : str or path-like
        Target path without the extension; ``".svg"`` etc. are appended (so a name with a
        dot, such as ``pain.short``, keeps it). Missing parent folders are created.
    formats : sequence of {"svg", "png", "pdf"}
        SVG keeps text as text (``svg.fonttype = "none"``), so labels stay selectable and
        searchable; PDF embeds TrueType fonts; PNG is rendered at ``dpi``.
    dpi : float
        Resolution of raster output (PNG).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Notes
    -----
    Output is reproducible: no creation date is written and SVG element ids are derived
    from a fixed salt, so the same figure gives the same bytes.
    """
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    rc = {"svg.fonttype": "none", "svg.hashsalt": "evsynth", "pdf.fonttype": 42}
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        if fmt not in _SUPPORTED:
            raise ValueError(f"unsupported figure format {fmt!r}; use one of {_SUPPORTED}")
        path = base.with_name(f"{base.name}.{fmt}")
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
        with matplotlib.rc_context(rc):
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
        written.append(path)
    return written
