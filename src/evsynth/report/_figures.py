"""Writing figures to files: SVG with selectable text, PNG at print resolution."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor, wait
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
    """Write a report's figures while the report is being built, and inline their SVG.

    Used as a context manager around the building of a page: :meth:`add` hands a figure to
    a few writer threads at once (Agg renders and encodes outside Python's lock, and
    matplotlib keeps fonts per thread) and returns a placeholder for the page; :meth:`fill`
    waits for the files and puts each figure's SVG in place of its placeholder. Figures
    are dropped once written unless ``keep`` (e.g. for a PDF of them all).
    """

    def __init__(
        self,
        folder,
        formats: tuple[str, ...] = ("svg", "png"),
        dpi: float = 300,
        keep: bool = False,
        workers: int | None = None,
        progress=None,
    ):
        self.folder = Path(folder)
        self.formats = formats
        self.dpi = dpi
        self.keep = keep
        self.progress = progress
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._figures: list = []
        self._pending: list[tuple[str, object]] = []  # (prefix, future of the paths)
        self._rc = None
        self._pool = None

    def __enter__(self):
        self._rc = matplotlib.rc_context(_RC)
        self._rc.__enter__()
        self._pool = ThreadPoolExecutor(self.workers)
        return self

    def __exit__(self, *exc):
        self._pool.shutdown(wait=True)
        self._rc.__exit__(*exc)
        return False

    @property
    def figures(self) -> list:
        """The figures added (only with ``keep``), in order."""
        return list(self._figures)

    def add(self, fig, name: str, prefix: str) -> str:
        """Start writing ``fig`` as ``folder/name.svg`` (and .png); ``prefix`` keeps its SVG
        ids unique in the page. Returns the placeholder to put in the page."""
        if self._pool is None:
            raise RuntimeError("use FigureWriter as a context manager")
        if self.keep:
            self._figures.append(fig)
        # Hold at most two figures per thread in the queue, so memory stays bounded when
        # figures are built faster than they are written.
        waiting = [f for _, f in self._pending if not f.done()]
        if len(waiting) >= 2 * self.workers:
            wait(waiting[: len(waiting) - 2 * self.workers + 1])
        future = self._pool.submit(self._one, fig, name)
        self._pending.append((prefix, future))
        return f"<!--evsynth-figure-{len(self._pending) - 1}-->"

    def _one(self, fig, name: str) -> list[Path]:
        paths = _write(fig, self.folder / name, self.formats, self.dpi)
        if self.progress is not None:
            self.progress(f"figure {name}")
        return paths

    def fill(self, page: str) -> str:
        """Wait for every figure and put its SVG in place of its placeholder."""
        for i, (prefix, future) in enumerate(self._pending):
            svg = next((p for p in future.result() if p.suffix == ".svg"), None)
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
