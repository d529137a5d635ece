"""The .docx tables are valid Office Open XML with the table's text.

(Checked by hand once: LibreOffice converts both report tables to PDF as bordered tables.)
"""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import pytest

from evsynth.report._docx import write_docx_table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _document(path):
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= names
        for name in names:
            ET.fromstring(z.read(name))  # every part is well-formed XML
        return ET.fromstring(z.read("word/document.xml"))


def test_table_text_sections_and_bold_header(tmp_path):
    path = write_docx_table(
        tmp_path / "t.docx",
        "Table 1. Summary",
        ["Control", "Timepoint", "Effect", "Interpretation"],
        ["Pain intensity meta-analyses", ("Usual care", "Short-term", "MD: -1.58 & <x>", "")],
    )
    doc = _document(path)
    rows = doc.findall(f".//{W}tr")
    assert len(rows) == 3
    texts = [["".join(t.text or "" for t in c.iter(f"{W}t")) for c in r.findall(f"{W}tc")]
             for r in rows]  # fmt: skip
    assert texts[0] == ["Control", "Timepoint", "Effect", "Interpretation"]
    assert texts[1] == ["Pain intensity meta-analyses"]
    assert texts[2] == ["Usual care", "Short-term", "MD: -1.58 & <x>", ""]
    span = rows[1].find(f".//{W}gridSpan")
    assert span is not None and span.get(f"{W}val") == "4"
    assert rows[0].find(f".//{W}b") is not None


def test_rows_must_match_the_header(tmp_path):
    with pytest.raises(ValueError, match="a row has 2 cells but the header has 3"):
        write_docx_table(tmp_path / "t.docx", "T", ["a", "b", "c"], [("1", "2")])


def test_output_is_reproducible(tmp_path):
    args = ("T", ["a"], [("1",)])
    a = write_docx_table(tmp_path / "a.docx", *args).read_bytes()
    b = write_docx_table(tmp_path / "b.docx", *args).read_bytes()
    assert a == b
