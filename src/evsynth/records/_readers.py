"""Readers for bibliographic database exports: RIS, PubMed/MEDLINE, BibTeX, EndNote XML, CSV/TSV.

Each reader is all-or-nothing: a file yields all its records or raises
:class:`~evsynth.records._model.RecordsError` naming the file and line.

References
----------
.. [1] Research Information Systems, "RIS format specification" (tags TY ... ER).
.. [2] NLM, "MEDLINE/PubMed Data Element (Field) Descriptions",
   https://www.nlm.nih.gov/bsd/mms/medlineelements.html
.. [3] Clarivate, "Web of Science field tags"; Elsevier, "Scopus export fields".
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import bibtexparser
import rispy

from evsynth.records._model import (
    Record,
    RecordsError,
    normalise_authors,
    normalise_doi,
    normalise_pages,
    normalise_year,
)

__all__ = ["FORMATS", "FIELDS", "read_records", "decode_bytes"]

FORMATS = ("ris", "medline", "bibtex", "endnote_xml", "csv", "tsv", "wos_txt")
FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "page_start",
    "page_end",
    "doi",
    "pmid",
    "issn",
    "language",
    "type",
)

_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".bib": "bibtex",
    ".xml": "endnote_xml",
    ".csv": "csv",
    ".tsv": "tsv",
}


def decode_bytes(data: bytes, file: str) -> str:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 (BOM), else Latin-1 text.

    Examples
    --------
    >>> decode_bytes("Müller".encode("utf-8-sig"), "a.ris")
    'Müller'
    >>> decode_bytes("Müller".encode("latin-1"), "a.ris")
    'Müller'
    """
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Latin-1 decodes any bytes, so only accept it for text: no C0 controls except
    # tab/newlines, and no C1 range (0x80-0x9f), which real Latin-1 text never uses.
    looks_like_text = not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", data)
    if looks_like_text and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return data.decode("latin-1")
    raise RecordsError(file, None, f"cannot decide the encoding of {file}")


def read_records(
    path, *, source_name: str | None = None, format: str | None = None, column_map=None
) -> list[Record]:
    """Read every record of a bibliographic export file.

    Parameters
    ----------
    path : str or os.PathLike
        The export file; a gzip-compressed export (``.ris.gz``, ``.csv.gz``) is read inside.
    source_name : str, optional
        Database name to store with each record (e.g. ``"MEDLINE (Ovid)"``).
    format : {"ris", "medline", "bibtex", "endnote_xml", "csv", "tsv", "wos_txt"}, optional
        Detected from the extension and content when omitted (``"wos_txt"``: Web of Science
        plain-text tagged export, a ``.txt`` starting with ``FN`` or ``PT``).
    column_map : dict, optional
        CSV/TSV only: record field (see ``FIELDS``) -> column name, overriding the
        recognised Scopus, Web of Science and benchmark headers.

    Returns
    -------
    list of Record
        In file order.

    Raises
    ------
    RecordsError
        The file cannot be decoded or is malformed (the message names file and line).

    References
    ----------
    .. [1] NLM, "MEDLINE/PubMed Data Element (Field) Descriptions".

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.ris").write_text("TY  - JOUR\\nTI  - A trial\\nPY  - 2020\\nER  - \\n")
    >>> [(r.title, r.year) for r in read_records(folder / "a.ris", source_name="Embase")]
    [('A trial', 2020)]
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path, not {type(path).__name__}")
    if source_name is not None and not isinstance(source_name, str):
        raise TypeError("source_name must be a str or None")
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    if column_map is not None:
        if not isinstance(column_map, dict):
            raise TypeError("column_map must be a dict of field -> column name")
        unknown = sorted(set(column_map) - set(FIELDS))
        if unknown:
            raise ValueError(f"column_map has unknown fields {unknown}; known: {FIELDS}")
        if not all(isinstance(v, str) for v in column_map.values()):
            raise TypeError("column_map values must be column names (str)")
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise RecordsError(file, None, f"cannot read the file: {error.strerror}") from None
    name = file
    if data.startswith(b"\x1f\x8b"):  # gzip: read the export inside; name it without .gz
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise RecordsError(file, None, f"is not a readable gzip file: {error}") from None
        name = file.removesuffix(".gz")
    text = decode_bytes(data, file).replace("\r\n", "\n").replace("\r", "\n")
    fmt = format or _detect(name, text)
    if fmt == "ris":
        return _read_ris(text, file, source_name)
    if fmt == "medline":
        return _read_medline(text, file, source_name)
    if fmt == "bibtex":
        return _read_bibtex(text, file, source_name)
    if fmt == "endnote_xml":
        return _read_endnote_xml(text, file, source_name)
    if fmt == "wos_txt":
        return _read_wos_txt(text, file, source_name)
    return _read_tabular(text, file, source_name, fmt, column_map or {})


def _detect(file: str, text: str) -> str:
    suffix = Path(file).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    head = text.lstrip()[:5000]
    if re.search(r"^TY  - ", head, re.MULTILINE):
        return "ris"
    if re.search(r"^PMID- ", head, re.MULTILINE):
        return "medline"
    if re.match(r"(?:FN |PT [A-Z]\b)", head):
        return "wos_txt"
    if head.startswith("@"):
        return "bibtex"
    if head.startswith("<"):
        return "endnote_xml"
    first_line = head.split("\n", 1)[0]
    if "\t" in first_line:
        return "tsv"
    if "," in first_line:
        return "csv"
    raise RecordsError(file, None, "cannot tell the format (RIS, MEDLINE, BibTeX, XML, CSV, TSV)")


def _clean(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    value = " ".join(str(value).split())
    return value or None


def _first(raw: dict, *keys: str) -> str | None:
    for key in keys:
        value = _clean(raw.get(key))
        if value:
            return value
    return None


def _all(raw: dict, *keys: str) -> list[str]:
    values: list[str] = []
    for key in keys:
        value = raw.get(key)
        if value is None:
            continue
        values.extend(value if isinstance(value, list) else [value])
    return [str(v) for v in values]


def _issn(text: str | None) -> str | None:
    if not text:
        return None
    match = re.search(r"\b(\d{4})-?(\d{3}[\dXx])\b", text)
    return f"{match.group(1)}-{match.group(2).upper()}" if match else text


def _page_range(start: str | None, end: str | None) -> str | None:
    if start and end and "-" not in start:
        return normalise_pages(f"{start}-{end}")
    return normalise_pages(start)


# --- RIS -----------------------------------------------------------------------------------

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*)|\s*)$")
_RIS_LIST_TAGS = ["AU", "A1", "A2", "A3", "A4", "KW", "UR", "N1", "SN", "AD", "L1", "L2"]
_PMID = re.compile(r"^(?:PMID:?\s*)?(\d{1,9})$", re.IGNORECASE)


def _read_ris(text: str, file: str, source_name: str | None) -> list[Record]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip()
        tag = _RIS_TAG.match(line)
        if tag and tag.group(1) == "TY":
            if current is not None:
                raise RecordsError(file, start, "RIS record has no 'ER  -' end tag")
            current, start = [line], number
        elif tag and tag.group(1) == "ER":
            if current is None:
                raise RecordsError(file, number, "'ER  -' without a record started by 'TY  -'")
            current.append("ER  - ")
            blocks.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
        elif tag:
            raise RecordsError(file, number, f"tag {tag.group(1)} outside a record ('TY  -')")
    if current is not None:
        raise RecordsError(file, start, "RIS record has no 'ER  -' end tag")
    mapping = {key: key for key in rispy.TAG_KEY_MAPPING}
    records = []
    for index, (line, lines) in enumerate(blocks):
        # rispy keeps only the last value of a repeated single-valued tag; list every tag
        # this record repeats so that raw keeps all of them.
        tags = [m.group(1) for m in map(_RIS_TAG.match, lines) if m]
        repeated = {tag for tag in tags if tags.count(tag) > 1} - {"TY", "ER"}
        try:
            parsed = rispy.loads(
                "\n".join(lines) + "\n",
                mapping=mapping,
                list_tags=sorted(set(_RIS_LIST_TAGS) | repeated),
                skip_unknown_tags=False,
            )
        except Exception as error:  # rispy raises various errors on bad input
            raise RecordsError(file, line, f"cannot parse RIS record: {error}") from None
        if len(parsed) != 1:
            raise RecordsError(file, line, "cannot parse RIS record")
        raw = dict(parsed[0])
        for tag, values in dict(raw.pop("UK", {})).items():
            raw[tag] = list(values)
        records.append(_ris_record(raw, file, source_name, index, line))
    return records


def _ris_pmid(raw: dict) -> str | None:
    database = " ".join(_all(raw, "DB", "DP")).lower()
    tags = ["PM", "C2", "M1"]
    if "medline" in database or "pubmed" in database:
        tags.insert(0, "AN")
    for tag in tags:
        for value in _all(raw, tag):
            match = _PMID.match(value.strip())
            if match:
                return match.group(1)
    return None


def _ris_record(raw: dict, file: str, source_name, index: int, line: int) -> Record:
    doi = None
    for value in _all(raw, "DO", "DI", "M3", "UR", "L3"):
        doi = normalise_doi(value)
        if doi:
            break
    return Record(
        source_file=file,
        source_name=source_name,
        record_index=index,
        line=line,
        raw=raw,
        title=_first(raw, "TI", "T1", "CT", "BT"),
        abstract=_first(raw, "AB", "N2"),
        authors=normalise_authors(_all(raw, "AU", "A1")),
        year=normalise_year(_first(raw, "PY", "Y1", "DA", "Y2")),
        journal=_first(raw, "JF", "JO", "T2", "JA", "J2", "J1"),
        volume=_first(raw, "VL"),
        issue=_first(raw, "IS", "CP"),
        pages=_page_range(_first(raw, "SP"), _first(raw, "EP")),
        doi=doi,
        pmid=_ris_pmid(raw),
        issn=_issn(_first(raw, "SN")),
        language=_first(raw, "LA"),
        type=_first(raw, "TY"),
    )


# --- PubMed / MEDLINE ----------------------------------------------------------------------

_MEDLINE_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3}) {0,3}- (.*)$")


def _read_medline(text: str, file: str, source_name: str | None) -> list[Record]:
    blocks: list[tuple[int, list[tuple[str, str]]]] = []
    current: list[tuple[str, str]] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip()
        if not line.strip():
            if current:
                blocks.append((start, current))
                current = []
            continue
        if line.startswith("      ") and current:
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}")
            continue
        match = _MEDLINE_TAG.match(line)
        if match is None or len(line) < 6 or line[4] != "-":
            raise RecordsError(file, number, f"not a MEDLINE tag line: {line[:40]!r}")
        if not current:
            start = number
        current.append((match.group(1), match.group(2).strip()))
    if current:
        blocks.append((start, current))
    records = []
    for index, (line, fields) in enumerate(blocks):
        raw: dict[str, list[str]] = {}
        for tag, value in fields:
            raw.setdefault(tag, []).append(value)
        pmid = _first(raw, "PMID")
        if pmid is None or not pmid.isdigit():
            raise RecordsError(file, line, "MEDLINE record has no PMID")
        doi = None
        for value in _all(raw, "LID", "AID"):
            if "[doi]" in value:
                doi = normalise_doi(value)
                break
        records.append(
            Record(
                source_file=file,
                source_name=source_name,
                record_index=index,
                line=line,
                raw=raw,
                title=_first(raw, "TI", "BTI"),
                abstract=_first(raw, "AB"),
                authors=normalise_authors(_all(raw, "FAU") or _all(raw, "AU")),
                year=normalise_year(_first(raw, "DP")),
                journal=_first(raw, "JT", "TA"),
                volume=_first(raw, "VI"),
                issue=_first(raw, "IP"),
                pages=normalise_pages(_first(raw, "PG")),
                doi=doi,
                pmid=pmid,
                issn=_issn(_first(raw, "IS")),
                language=_first(raw, "LA"),
                type=_first(raw, "PT"),
            )
        )
    return records


# --- Web of Science plain text ------------------------------------------------------------

_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9]) (.*)$")
# Tags whose continuation lines are further values rather than a wrapped value.
_WOS_MULTI = {"AU", "AF", "BA", "BF", "CA", "GP", "ED", "C1", "C3", "RP", "EM", "RI", "OI", "CR"}


def _read_wos_txt(text: str, file: str, source_name: str | None) -> list[Record]:
    records: list[Record] = []
    raw: dict[str, list[str]] | None = None
    start = tag = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip()
        if not line.strip() or line.startswith(("FN ", "VR ")) or line == "EF":
            continue
        if line == "ER":
            if raw is None:
                raise RecordsError(file, number, "'ER' without a record started by 'PT'")
            records.append(_wos_record(raw, file, source_name, len(records), start))
            raw = None
            continue
        if line.startswith("   ") and raw is not None and tag:
            if tag in _WOS_MULTI:
                raw[tag].append(line.strip())
            else:
                raw[tag][-1] = f"{raw[tag][-1]} {line.strip()}"
            continue
        match = _WOS_TAG.match(line)
        if match is None:
            raise RecordsError(file, number, f"not a Web of Science tag line: {line[:40]!r}")
        tag, value = match.groups()
        if tag == "PT":
            if raw is not None:
                raise RecordsError(file, start, "Web of Science record has no 'ER' end line")
            raw, start = {}, number
        elif raw is None:
            raise RecordsError(file, number, f"tag {tag} outside a record ('PT')")
        raw.setdefault(tag, []).append(value.strip())
    if raw is not None:
        raise RecordsError(file, start, "Web of Science record has no 'ER' end line")
    return records


def _wos_record(raw: dict, file: str, source_name, index: int, line: int) -> Record:
    pmid = _first(raw, "PM")
    return Record(
        source_file=file,
        source_name=source_name,
        record_index=index,
        line=line,
        raw=raw,
        title=_first(raw, "TI"),
        abstract=_first(raw, "AB"),
        authors=normalise_authors(_all(raw, "AU") or _all(raw, "AF")),
        year=normalise_year(_first(raw, "PY", "EA")),
        journal=_first(raw, "SO", "J9", "JI"),
        volume=_first(raw, "VL"),
        issue=_first(raw, "IS"),
        pages=_page_range(_first(raw, "BP"), _first(raw, "EP")) or _first(raw, "AR"),
        doi=normalise_doi(_first(raw, "DI")),
        pmid=pmid if pmid and pmid.isdigit() else None,
        issn=_issn(_first(raw, "SN", "EI")),
        language=_first(raw, "LA"),
        type=_first(raw, "DT", "PT"),
    )


# --- BibTeX --------------------------------------------------------------------------------


def _debrace(value: str | None) -> str | None:
    if value is None:
        return None
    return _clean(value.replace("{", "").replace("}", ""))


def _read_bibtex(text: str, file: str, source_name: str | None) -> list[Record]:
    logger = logging.getLogger("bibtexparser")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)  # failures are reported as RecordsError instead
    try:
        library = bibtexparser.parse_string(text)
    except Exception as error:  # bibtexparser raises assorted errors on bad input
        raise RecordsError(file, None, f"cannot parse BibTeX: {error}") from None
    finally:
        logger.setLevel(previous)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise RecordsError(file, (block.start_line or 0) + 1, "malformed BibTeX entry")
    records = []
    for index, entry in enumerate(library.entries):
        raw = {key.lower(): str(f.value) for key, f in entry.fields_dict.items()}
        raw["ENTRYTYPE"] = entry.entry_type
        raw["ID"] = entry.key
        fields = {key: _debrace(value) for key, value in raw.items()}
        authors = re.split(r"\s+and\s+", fields.get("author") or "") if fields.get("author") else []
        pmid = fields.get("pmid")
        records.append(
            Record(
                source_file=file,
                source_name=source_name,
                record_index=index,
                line=(entry.start_line or 0) + 1,
                raw=raw,
                title=fields.get("title"),
                abstract=fields.get("abstract"),
                authors=normalise_authors(authors),
                year=normalise_year(fields.get("year") or fields.get("date")),
                journal=_first(fields, "journal", "journaltitle", "booktitle"),
                volume=fields.get("volume"),
                issue=_first(fields, "number", "issue"),
                pages=normalise_pages(fields.get("pages")),
                doi=normalise_doi(fields.get("doi")),
                pmid=pmid if pmid and pmid.isdigit() else None,
                issn=_issn(fields.get("issn")),
                language=fields.get("language"),
                type=entry.entry_type.lower(),
            )
        )
    return records


# --- EndNote XML ---------------------------------------------------------------------------


def _xml_text(element) -> str | None:
    if element is None:
        return None
    return _clean("".join(element.itertext()))


def _read_endnote_xml(text: str, file: str, source_name: str | None) -> list[Record]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        raise RecordsError(file, line, f"not well-formed XML: {error.msg}") from None
    if root.tag != "xml" or root.find("records") is None:
        raise RecordsError(file, 1, "not an EndNote XML export (expected <xml><records>)")
    record_lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<record\b", text)]
    records = []
    for index, element in enumerate(root.findall("records/record")):
        line = record_lines[index] if index < len(record_lines) else 1
        ref_type = element.find("ref-type")
        raw = {
            "ref-type": ref_type.get("name") if ref_type is not None else None,
            "title": _xml_text(element.find("titles/title")),
            "secondary-title": _xml_text(element.find("titles/secondary-title")),
            "authors": [_xml_text(a) for a in element.findall("contributors/authors/author")],
            "year": _xml_text(element.find("dates/year")),
            "full-title": _xml_text(element.find("periodical/full-title")),
            "volume": _xml_text(element.find("volume")),
            "number": _xml_text(element.find("number")),
            "pages": _xml_text(element.find("pages")),
            "electronic-resource-num": _xml_text(element.find("electronic-resource-num")),
            "accession-num": _xml_text(element.find("accession-num")),
            "abstract": _xml_text(element.find("abstract")),
            "isbn": _xml_text(element.find("isbn")),
            "language": _xml_text(element.find("language")),
        }
        accession = raw["accession-num"]
        records.append(
            Record(
                source_file=file,
                source_name=source_name,
                record_index=index,
                line=line,
                raw=raw,
                title=raw["title"],
                abstract=raw["abstract"],
                authors=normalise_authors(a for a in raw["authors"] if a),
                year=normalise_year(raw["year"]),
                journal=raw["full-title"] or raw["secondary-title"],
                volume=raw["volume"],
                issue=raw["number"],
                pages=normalise_pages(raw["pages"]),
                doi=normalise_doi(raw["electronic-resource-num"]),
                pmid=accession if accession and _PMID.match(accession) else None,
                issn=_issn(raw["isbn"]),
                language=raw["language"],
                type=raw["ref-type"],
            )
        )
    return records


# --- CSV / TSV -----------------------------------------------------------------------------

_COLUMNS = {
    "title": ("Title", "TI", "title", "Article Title"),
    "abstract": ("Abstract", "AB", "abstract"),
    "authors": ("Authors", "AU", "author", "authors", "Author full names"),
    "year": ("Year", "PY", "year"),
    "journal": ("Source title", "SO", "journal", "Source Title"),
    "volume": ("Volume", "VL", "volume"),
    "issue": ("Issue", "IS", "number", "issue"),
    "pages": ("pages", "Pages"),
    "page_start": ("Page start", "BP"),
    "page_end": ("Page end", "EP"),
    "doi": ("DOI", "DI", "doi"),
    "pmid": ("PubMed ID", "PM", "pmid", "PMID"),
    "issn": ("ISSN", "SN", "issn"),
    "language": ("Language of Original Document", "LA", "language"),
    "type": ("Document Type", "DT", "ENTRYTYPE", "type"),
}


def _split_authors(text: str | None) -> list[str]:
    if not text:
        return []
    if ";" in text:
        return text.split(";")
    if re.search(r"\s+and\s+", text):
        return re.split(r"\s+and\s+", text)
    # Older Scopus CSV: "Smith J., Doe A.B." — comma-separated "Surname Initials." units.
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 1 and all(re.search(r"\s[A-Z][A-Z.\-]*$", p) for p in parts):
        return parts
    return [text]


def _read_tabular(text, file, source_name, fmt, column_map) -> list[Record]:
    delimiter = "\t" if fmt == "tsv" else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', strict=True)
    try:
        header = next(rows, None)
    except csv.Error as error:
        raise RecordsError(file, 1, f"malformed header: {error}") from None
    if not header or not any(h.strip() for h in header):
        return []
    header = [h.strip().lstrip("\ufeff") for h in header]
    columns: dict[str, str] = {}
    for name, candidates in _COLUMNS.items():
        chosen = column_map.get(name) or next((c for c in candidates if c in header), None)
        if chosen is not None:
            if chosen not in header:
                raise RecordsError(file, 1, f"column_map names column {chosen!r}, not in header")
            columns[name] = chosen
    if "title" not in columns:
        raise RecordsError(file, 1, "no title column (expected e.g. 'Title', 'TI' or 'title')")
    records = []
    line = 2
    try:
        for cells in rows:
            if not any(c.strip() for c in cells):
                line = rows.line_num + 1
                continue
            if len(cells) != len(header):
                raise RecordsError(
                    file, line, f"row has {len(cells)} fields, header has {len(header)}"
                )
            raw = dict(zip(header, cells, strict=True))

            def get(name, raw=raw):
                return _clean(raw[columns[name]]) if name in columns else None

            pages = get("pages")
            if pages is None:
                pages = _page_range(get("page_start"), get("page_end"))
            else:
                pages = normalise_pages(pages)
            pmid = get("pmid")
            records.append(
                Record(
                    source_file=file,
                    source_name=source_name,
                    record_index=len(records),
                    line=line,
                    raw=raw,
                    title=get("title"),
                    abstract=get("abstract"),
                    authors=normalise_authors(_split_authors(get("authors"))),
                    year=normalise_year(get("year")),
                    journal=get("journal"),
                    volume=get("volume"),
                    issue=get("issue"),
                    pages=pages,
                    doi=normalise_doi(get("doi")),
                    pmid=pmid if pmid and pmid.isdigit() else None,
                    issn=_issn(get("issn")),
                    language=get("language"),
                    type=get("type"),
                )
            )
            line = rows.line_num + 1
    except csv.Error as error:
        raise RecordsError(file, line, f"malformed {fmt.upper()} row: {error}") from None
    return records
