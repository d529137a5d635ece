"""The report as one PDF: a title page with the methods and the results table, then one
page per forest plot. Built with matplotlib's PDF backend, so it needs nothing beyond the
figures' own dependency."""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from evsynth.report._style import font

__all__ = ["write_pdf"]

_A4_LANDSCAPE = (11.69, 8.27)
_LINE = 0.028  # line height as a fraction of the page height


def _text_pages(title: str, paragraphs: list[str], table_lines) -> list[Figure]:
    """Title, wrapped paragraphs and the results table, over as many pages as needed."""
    lines: list[tuple[str, str]] = [("title", title), ("blank", "")]
    for para in paragraphs:
        lines += [("text", t) for t in textwrap.wrap(para, 150)] + [("blank", "")]
    lines.append(("heading", "Table 1. Summary of meta-analysis results"))
    for line in table_lines:
        if line.is_section:
            lines.append(("heading", line.section))
        else:
            lines.append(
                (
                    "row",
                    f"{line.control:<16}\t{line.timepoint:<14}\t{line.effect}\t"
                    f"{line.interpretation}",
                )
            )
    per_page = int(0.9 / _LINE)
    pages = []
    for start in range(0, len(lines), per_page):
        fig = Figure(figsize=_A4_LANDSCAPE)
        y = 0.95
        for kind, text in lines[start : start + per_page]:
            if kind == "row":
                for x, cell in zip((0.06, 0.22, 0.36, 0.66), text.split("\t"), strict=True):
                    fig.text(x, y, cell.strip(), fontproperties=font(9))
            elif kind != "blank":
                size, weight = {"title": (15, "bold"), "heading": (10, "bold")}.get(
                    kind, (9, "normal")
                )
                fig.text(0.06, y, text, fontproperties=font(size, weight=weight))
            y -= _LINE
        pages.append(fig)
    return pages


def write_pdf(path, title: str, paragraphs: list[str], table_lines, figures) -> Path:
    """Write the report PDF: text pages (title, ``paragraphs``, the results table), then
    each figure of ``figures`` on its own page."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(out, metadata={"Title": title, "CreationDate": None}) as pdf:
        for page in _text_pages(title, paragraphs, table_lines):
            pdf.savefig(page)
        for fig in figures:
            pdf.savefig(fig)
    return out
