"""The normalised bibliographic record, its error, and field normalisation.

References
----------
.. [1] Crossref, "DOI display guidelines", https://www.crossref.org/display-guidelines/
.. [2] NLM, "MEDLINE/PubMed Data Element (Field) Descriptions",
   https://www.nlm.nih.gov/bsd/mms/medlineelements.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "Record",
    "RecordsError",
    "normalise_authors",
    "normalise_author",
    "normalise_doi",
    "normalise_pages",
    "normalise_year",
]


class RecordsError(ValueError):
    """A bibliographic file could not be read.

    Parameters
    ----------
    file : str
        The file's path or name.
    line : int or None
        Line (1-based) where the problem was found; None when no line applies.
    problem : str
        What is wrong.

    Examples
    --------
    >>> str(RecordsError("a.ris", 12, "record has no 'ER  -' end tag"))
    "a.ris, line 12: record has no 'ER  -' end tag"
    """

    def __init__(self, file: str, line: int | None, problem: str):
        self.file = str(file)
        self.line = line
        self.problem = problem
        where = self.file if line is None else f"{self.file}, line {line}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Record:
    """One bibliographic record read from a database export.

    ``raw`` keeps the original fields (tag or column -> value, lists where repeated); the other
    fields are normalised: ``authors`` as ``"Surname, Initials"``, ``doi`` lower-case without
    a resolver prefix, ``pages`` as a full range (``"23-35"``), ``year`` as an int.

    Examples
    --------
    >>> r = Record("a.ris", "MEDLINE", 0, 1, {"TI": "A trial"}, title="A trial", year=2020)
    >>> (r.title, r.year, r.authors)
    ('A trial', 2020, ())
    """

    source_file: str
    source_name: str | None
    record_index: int
    line: int
    raw: dict = field(compare=False, repr=False)
    title: str | None = None
    abstract: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    issn: str | None = None
    language: str | None = None
    type: str | None = None


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI_FIND = re.compile(r"10\.\d{4,9}/\S+")


def normalise_doi(text: str | None) -> str | None:
    """Return the DOI in ``text`` lower-cased, without resolver prefix; None if there is none.

    Examples
    --------
    >>> normalise_doi("https://doi.org/10.1000/ABC.123 [doi]")
    '10.1000/abc.123'
    >>> normalise_doi("no doi") is None
    True
    """
    if not text:
        return None
    cleaned = _DOI_PREFIX.sub("", text.strip())
    found = _DOI_FIND.search(cleaned)
    if found is None:
        return None
    return found.group(0).rstrip(".,;").lower()


def normalise_pages(text: str | None) -> str | None:
    """Expand abbreviated page ranges: ``"23-5"`` -> ``"23-35"``; other forms kept as given.

    Examples
    --------
    >>> normalise_pages("123-9")
    '123-129'
    >>> normalise_pages("29-5")
    '29-35'
    >>> normalise_pages("23--35")
    '23-35'
    >>> normalise_pages("e0123")
    'e0123'
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"([A-Za-z]?)(\d+)\s*[-\u2013\u2014]+\s*([A-Za-z]?)(\d+)", text)
    if match is None:
        return text
    prefix, start, _, end = match.groups()
    if len(end) < len(start):
        written = len(end)
        end = start[: len(start) - written] + end
        if int(end) < int(start):
            # "29-5" means 29-35: the abbreviated end rolled over to the next ten.
            end = str(int(end) + 10**written)
    if start == end:
        return prefix + start
    return f"{prefix}{start}-{prefix}{end}"


def normalise_year(text: str | int | None) -> int | None:
    """Return the first plausible four-digit year (1000-2999) in a date string, or None.

    Examples
    --------
    >>> normalise_year("2019 Mar 12")
    2019
    >>> normalise_year("2021///")
    2021
    >>> normalise_year("n.d.") is None
    True
    """
    if text is None:
        return None
    match = re.search(r"(?<!\d)([12]\d{3})(?!\d)", str(text))
    return int(match.group(1)) if match else None


def _initials(given: str) -> str:
    parts = [p for p in re.split(r"[\s.]+", given) if p]
    out = []
    for part in parts:
        pieces = [q for q in part.split("-") if q]
        if len(pieces) > 1:
            out.append("-".join(q[0].upper() for q in pieces))
        elif part.isupper() and len(part) <= 3:
            # Already initials, as in MEDLINE "Smith JA".
            out.append(part)
        else:
            out.append(part[0].upper())
    return "".join(out)


def normalise_author(name: str) -> str | None:
    """Return ``"Surname, Initials"`` from "Surname, Given", "Given Surname" or "Surname GH".

    Examples
    --------
    >>> normalise_author("Müller, Hans Peter")
    'Müller, HP'
    >>> normalise_author("Smith JA")
    'Smith, JA'
    >>> normalise_author("Jean-Luc Picard")
    'Picard, J-L'
    """
    name = " ".join(name.replace("\u00a0", " ").split()).strip(" ;,")
    if not name:
        return None
    if "," in name:
        surname, given = (s.strip() for s in name.split(",", 1))
        return f"{surname}, {_initials(given)}" if given else surname
    words = name.split(" ")
    if len(words) == 1:
        return name
    last = words[-1].replace(".", "")
    if last.isupper() and len(last) <= 3:
        return f"{' '.join(words[:-1])}, {last}"
    return f"{words[-1]}, {_initials(' '.join(words[:-1]))}"


def normalise_authors(names) -> tuple[str, ...]:
    """Normalise an iterable of author names, dropping empty ones.

    Examples
    --------
    >>> normalise_authors(["Smith, J.", "", "Anne Lee"])
    ('Smith, J', 'Lee, A')
    """
    result = []
    for name in names:
        normalised = normalise_author(str(name)) if name is not None else None
        if normalised:
            result.append(normalised)
    return tuple(result)
