"""Writers for normalised records: RIS and CSV files that :func:`read_records` reads back to
the same normalised fields.

References
----------
.. [1] Research Information Systems, "RIS format specification" (tags TY ... ER).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable

from evsynth.records._model import Record, normalise_author
from evsynth.records._readers import _split_authors

__all__ = ["WRITE_FORMATS", "CSV_COLUMNS", "write_records"]

WRITE_FORMATS = ("ris", "csv")
CSV_COLUMNS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "issn",
    "language",
    "type",
)

# Reference types of the RIS specification; any other type is mapped to one of them.
_RIS_TYPES = frozenset(
    "ABST ADVS AGGR ANCIENT ART BILL BLOG BOOK CASE CHAP CHART CLSWK COMP CONF CPAPER CTLG "
    "DATA DBASE DICT EBOOK ECHAP EDBOOK EJOUR ELEC ENCYC EQUA FIGURE GEN GOVDOC GRANT HEAR "
    "ICOMM INPR JFULL JOUR LEGAL MANSCPT MAP MGZN MPCT MULTI MUSIC NEWS PAMP PAT PCOMM RPRT "
    "SER SLIDE SOUND STAND STAT THES UNBILL UNPB VIDEO".split()
)
_TYPE_WORDS = (
    ("conference", "CONF"),
    ("proceedings", "CONF"),
    ("chapter", "CHAP"),
    ("book section", "CHAP"),
    ("incollection", "CHAP"),
    ("inbook", "CHAP"),
    ("book", "BOOK"),
    ("thesis", "THES"),
    ("dissertation", "THES"),
    ("report", "RPRT"),
    ("misc", "GEN"),
)
_SIMPLE_RANGE = re.compile(r"([A-Za-z]?\d+)-([A-Za-z]?\d+)")
_INITIAL_GROUP = re.compile(r"[^\W\d_](?:-[^\W\d_])*")


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _ris_type(value: str | None) -> str:
    """The RIS reference type for a record type: RIS codes as they are, else a mapped code
    (journal articles, reviews, trials and unknown types: ``JOUR``)."""
    if not value:
        return "JOUR"
    if value in _RIS_TYPES:
        return value
    lowered = value.lower()
    for word, code in _TYPE_WORDS:
        if word in lowered:
            return code
    return "JOUR"


def _author_text(name: str) -> str:
    """The author as written so that normalising it again gives ``name`` back.

    A normalised name is usually its own normal form; long initials (``"Smith, ABCD"``) or
    hyphenated ones followed by more (``"Picard, J-LA"``) are written with spaces.
    """
    if normalise_author(name) == name or ", " not in name:
        return name
    surname, initials = name.split(", ", 1)
    spaced = f"{surname}, {' '.join(_INITIAL_GROUP.findall(initials))}"
    return spaced if normalise_author(spaced) == name else name


def _ris_lines(record: Record) -> list[str]:
    lines = [f"TY  - {_ris_type(record.type)}"]

    def add(tag: str, value: object) -> None:
        text = _one_line(value)
        if text:
            lines.append(f"{tag}  - {text}")

    add("TI", record.title)
    for author in record.authors:
        add("AU", _author_text(author))
    add("PY", record.year)
    add("JO", record.journal)
    add("VL", record.volume)
    add("IS", record.issue)
    pages = _one_line(record.pages)
    simple = _SIMPLE_RANGE.fullmatch(pages)
    if simple:
        add("SP", simple.group(1))
        add("EP", simple.group(2))
    else:
        add("SP", pages)
    add("DO", record.doi)
    if record.pmid:
        # The accession number is the PubMed id; DB says which database it belongs to.
        add("DB", "PubMed")
        add("AN", record.pmid)
    add("AB", record.abstract)
    add("SN", record.issn)
    add("LA", record.language)
    lines.append("ER  - ")
    return lines


def _csv_row(record: Record) -> list[str]:
    names = [_author_text(author) for author in record.authors]
    authors = "; ".join(names)
    if len(names) == 1 and _split_authors(authors) != [authors]:
        authors += ";"  # one name that would otherwise be split at "and" or commas
    values = {field: getattr(record, field) for field in CSV_COLUMNS}
    values["authors"] = authors
    return [_one_line(values[field]) for field in CSV_COLUMNS]


def write_records(
    records: Iterable[Record], path: str | os.PathLike[str], format: str = "ris"
) -> None:
    """Write records to a RIS or CSV file (UTF-8) that :func:`read_records` reads back.

    Parameters
    ----------
    records : iterable of Record
        The records, written in this order.
    path : str or os.PathLike
        The file to write (replaced if it exists).
    format : {"ris", "csv"}
        ``"ris"``: tags TY TI AU PY JO VL IS SP EP DO AN AB SN LA ER (``DB  - PubMed`` with a
        PubMed id in AN); ``"csv"``: one column per normalised field (see ``CSV_COLUMNS``),
        authors joined by ``"; "``.

    Notes
    -----
    Reading the file back gives the same normalised fields (title, abstract, authors, year,
    journal, volume, issue, pages, doi, pmid, issn, language); raw fields are not written.
    In RIS, a type that is not an RIS code is written as the closest code (``JOUR`` for
    articles and anything unknown), so only RIS types survive the round trip.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evsynth.records import Record, read_records
    >>> record = Record("a.nbib", "PubMed", 0, 1, {}, title="A trial", year=2020,
    ...                 authors=("Smith, JA",), pmid="123456")
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.ris"
    >>> write_records([record], target, "ris")
    >>> print(target.read_text(encoding="utf-8").rstrip())
    TY  - JOUR
    TI  - A trial
    AU  - Smith, JA
    PY  - 2020
    DB  - PubMed
    AN  - 123456
    ER  -
    >>> back = read_records(target)[0]
    >>> (back.title, back.authors, back.year, back.pmid)
    ('A trial', ('Smith, JA',), 2020, '123456')
    """
    if format not in WRITE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(WRITE_FORMATS)}; got {format!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path, not {type(path).__name__}")
    if isinstance(records, (str, bytes)):
        raise TypeError("records must be an iterable of Record")
    records = list(records)
    for position, record in enumerate(records):
        if not isinstance(record, Record):
            raise TypeError(f"records[{position}] is a {type(record).__name__}, not a Record")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if format == "ris":
            blocks = ["\n".join(_ris_lines(record)) + "\n" for record in records]
            handle.write("\n".join(blocks))
        else:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows(_csv_row(record) for record in records)
