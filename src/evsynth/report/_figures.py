"""Writing figures to files: SVG with selectable text, PNG at print resolution."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib

__all__ = ["FigureWriter", "inline_svg", "save_figure"]

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
    with matplotlib.rc_context(_RC):
        return _write(fig, Path(path_without_suffix), formats, dpi)


_RC = {"svg.fonttype": "none", "svg.hashsalt": "evsynth", "pdf.fonttype": 42}


def _write(fig, base: Path, formats, dpi: float) -> list[Path]:
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        if fmt not in _SUPPORTED:
            raise ValueError(f"unsupported figure format {fmt!r}; use one of {_SUPPORTED}")
        path = base.with_name(f"{base.name}.{fmt}")
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
        fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
        written.append(path)
    return written


class FigureWriter:
    """Collect a report's figures, write them all at once, and inline their SVG in a page.

    :meth:`add` returns a placeholder for the page; :meth:`fill` writes every figure (as
    SVG and PNG, in a few threads: Agg renders and encodes outside Python's lock, and
    matplotlib keeps fonts per thread) and replaces each placeholder by the figure's SVG.
    """

    def __init__(self, folder, formats: tuple[str, ...] = ("svg", "png"), dpi: float = 300):
        self.folder = Path(folder)
        self.formats = formats
        self.dpi = dpi
        self._jobs: list[tuple[object, str, str]] = []

    @property
    def figures(self) -> list:
        """The figures added so far, in order."""
        return [fig for fig, _name, _prefix in self._jobs]

    def add(self, fig, name: str, prefix: str) -> str:
        """Queue ``fig`` as ``folder/name.svg`` (and .png); ``prefix`` keeps its SVG ids
        unique in the page. Returns the placeholder to put in the page."""
        self._jobs.append((fig, name, prefix))
        return f"<!--evsynth-figure-{len(self._jobs) - 1}-->"

    def fill(self, page: str, progress=None, workers: int | None = None) -> str:
        """Write every queued figure and put its SVG in place of its placeholder."""
        workers = workers or min(4, os.cpu_count() or 1)

        def one(job):
            fig, name, _prefix = job
            paths = _write(fig, self.folder / name, self.formats, self.dpi)
            if progress is not None:
                progress(f"figure {name}")
            return paths

        with matplotlib.rc_context(_RC), ThreadPoolExecutor(workers) as pool:
            written = list(pool.map(one, self._jobs))
        for i, ((_fig, _name, prefix), paths) in enumerate(zip(self._jobs, written, strict=True)):
            svg = next((p for p in paths if p.suffix == ".svg"), None)
            markup = inline_svg(svg, prefix) if svg is not None else ""
            page = page.replace(f"<!--evsynth-figure-{i}-->", markup)
        return page


def inline_svg(path: Path, prefix: str) -> str:
    """An SVG file's markup for inlining in HTML, with its ids made unique within the page
    by ``prefix``."""
    text = Path(path).read_text(encoding="utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r'\bid="', f'id="{prefix}-', text)
    return text.replace("url(#", f"url(#{prefix}-").replace('href="#', f'href="#{prefix}-')
