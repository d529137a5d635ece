"""Word (.docx) tables, written as plain Office Open XML (ECMA-376) with the standard library.

Journals take Word; a .docx is a zip of a few XML parts. This writer produces the smallest
valid package: ``[Content_Types].xml``, ``_rels/.rels`` and ``word/document.xml`` with a
title paragraph and one bordered table, header and section rows in bold.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["write_docx_table"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_OOXML = "http://schemas.openxmlformats.org"
_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Types xmlns="{_OOXML}/package/2006/content-types">'
    f'<Default Extension="rels" ContentType="{_RELS_TYPE}"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_MAIN_TYPE}"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_OOXML}/officeDocument/2006/relationships/officeDocument"'
    ' Target="word/document.xml"/>'
    "</Relationships>"
)


def _run(text: str, bold: bool = False, size_half_points: int = 20) -> str:
    props = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{size_half_points}"/></w:rPr>'
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _cell(text: str, bold: bool = False, span: int = 1, shade: bool = False) -> str:
    props = ""
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if shade:
        props += '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{_run(text, bold)}</w:p></w:tc>"


def write_docx_table(
    path,
    title: str,
    header: list[str] | tuple[str, ...],
    rows: list[tuple[str, ...] | str],
) -> Path:
    """Write a .docx holding ``title`` and a table.

    Parameters
    ----------
    path : path-like
        Target file (``.docx``).
    title : str
        A bold paragraph above the table (e.g. "Table 1. Summary of meta-analysis results").
    header : sequence of str
        Column headings (bold).
    rows : list
        Each row a tuple of cell texts (one per column), or a single string for a section
        row spanning every column (bold, shaded), as the outcome headings of Table 1.
    """
    ncol = len(header)
    trs = ["<w:tr>" + "".join(_cell(h, bold=True) for h in header) + "</w:tr>"]
    for row in rows:
        if isinstance(row, str):
            trs.append(f"<w:tr>{_cell(row, bold=True, span=ncol, shade=True)}</w:tr>")
        else:
            if len(row) != ncol:
                raise ValueError(f"a row has {len(row)} cells but the header has {ncol}")
            trs.append("<w:tr>" + "".join(_cell(c) for c in row) + "</w:tr>")
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="999999"/>'
    borders = "".join(border.format(b) for b in ("top", "bottom", "insideH"))
    grid = "".join("<w:gridCol/>" for _ in range(ncol))
    table = (
        f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>{borders}'
        f"</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(trs)}</w:tbl>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>'
        f"<w:p>{_run(title, bold=True, size_half_points=24)}</w:p>{table}"
        '<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134"/></w:sectPr>'
        "</w:body></w:document>"
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", document),
        ):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out
