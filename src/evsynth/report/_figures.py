"""Writing figures to files: SVG with selectable text, PNG at print resolution."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
from concurrent.futures import Future, ProcessPoolExecutor, wait
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


def _write_pickled(payload: bytes, base: Path, formats, dpi: float) -> list[Path]:
    """Write a pickled figure (in a worker process: its rcParams are its own)."""
    with matplotlib.rc_context(_RC):
        return _write(pickle.loads(payload), base, formats, dpi)


class FigureWriter:
    """Write a report's figures while the report is being built, and inline their SVG.

    Used as a context manager around the building of a page: :meth:`add` hands a figure to
    a pool of worker processes at once (matplotlib's text layout holds Python's lock, so
    threads would not render in parallel; a pickled figure renders byte for byte as the
    original) and returns a placeholder for the page; :meth:`fill` waits for the files and
    puts each figure's SVG in place of its placeholder. At most two figures per worker wait
    in the queue, so memory stays bounded. Figures are dropped once handed over unless
    ``keep`` (e.g. for a PDF of them all). With one worker, figures are written in this
    process as they come.
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
        self.formats = tuple(formats)
        self.dpi = dpi
        self.keep = keep
        self.progress = progress
        self.workers = workers or min(4, os.cpu_count() or 1)
        self._figures: list = []
        self._pending: list[tuple[str, Future]] = []  # (prefix, future of the paths)
        self._pool = None

    def __enter__(self):
        if self.workers > 1:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded process
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
        return False

    @property
    def figures(self) -> list:
        """The figures added (only with ``keep``), in order."""
        return list(self._figures)

    def add(self, fig, name: str, prefix: str) -> str:
        """Start writing ``fig`` as ``folder/name.svg`` (and .png); ``prefix`` keeps its SVG
        ids unique in the page. Returns the placeholder to put in the page."""
        if self.keep:
            self._figures.append(fig)
        base = self.folder / name
        if self._pool is None:
            future: Future = Future()
            with matplotlib.rc_context(_RC):
                future.set_result(_write(fig, base, self.formats, self.dpi))
            self._done(name)
        else:
            waiting = [f for _, f in self._pending if not f.done()]
            if len(waiting) >= 2 * self.workers:
                wait(waiting[: len(waiting) - 2 * self.workers + 1])
            payload = pickle.dumps(fig)
            future = self._pool.submit(_write_pickled, payload, base, self.formats, self.dpi)
            future.add_done_callback(lambda _f, name=name: self._done(name))
        self._pending.append((prefix, future))
        return f"<!--evsynth-figure-{len(self._pending) - 1}-->"

    def _done(self, name: str) -> None:
        if self.progress is not None:
            self.progress(f"figure {name}")

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
