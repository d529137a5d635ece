"""Conservative deduplication of bibliographic records.

Records are plain mappings (``id``, ``title``, ``authors``, ``year``, ``journal``, ``volume``,
``issue``, ``pages``, ``doi``, ``pmid``; missing keys are empty). Candidate pairs come from
blocking on normalised keys; each pair is scored with rapidfuzz similarities; only pairs with
strong evidence merge automatically, uncertain ones go to a review queue.

References
----------
Rathbone J, Carter M, Hoffmann T, Glasziou P. Better duplicate detection for systematic
reviewers: evaluation of Systematic Review Assistant-Deduplication Module. Systematic Reviews
2015;4:80.

bib-dedupe (CoLRev), https://github.com/CoLRev-Environment/bib-dedupe (compared with in
``benchmarks/bench_dedup.py``; no code taken from it).
"""

from __future__ import annotations

import csv
import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

__all__ = ["DedupResult", "ReviewPair", "deduplicate", "write_groups_csv"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TAGS = re.compile(r"<[^>]+>")
# Database annotations appended to titles: "[Erratum appears in ...]", "[Review] [133 refs]",
# "<ORIGINAL> ..." (the original-language title that follows an English one).
_TITLE_NOTES = re.compile(
    r"\[(?:erratum|review|comment|retracted|corrected|\d+\s*refs)[^\]]*\]?.*$"
    r"|<original>.*$|\[\d+\s*refs\]",
    re.IGNORECASE,
)
_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:doi:?\s*)?", re.IGNORECASE)
_PAGES = re.compile(r"^\s*([A-Za-z]?)(\d+)\s*(?:[-\u2010-\u2015]+\s*[A-Za-z]?(\d+))?")
_NOTICE_WORDS = frozenset(
    {"erratum", "errata", "correction", "corrigendum", "retraction", "retracted", "reply",
     "comment", "commentary", "response", "editorial", "letter", "addendum"}
)  # fmt: skip
_JOURNAL_STOPWORDS = frozenset({"the", "of", "and", "for", "in", "on", "de", "la", "a"})
_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")


@dataclass(frozen=True)
class ReviewPair:
    """An uncertain candidate pair for a human to decide (not merged).

    Scores are similarities in 0-100 (``year_match`` and ``pages_match``: 1 equal, 0 differ,
    -1 unknown).
    """

    first_id: str
    second_id: str
    title: float
    authors: float
    journal: float
    year_match: int
    pages_match: int
    reason: str


@dataclass(frozen=True)
class DedupResult:
    """Outcome of :func:`deduplicate`.

    Attributes
    ----------
    groups : tuple of tuple of str
        Duplicate groups of two or more ids, the primary (most complete) record first.
    review_pairs : tuple of ReviewPair
        Uncertain pairs, not merged.
    n_records : int
        Number of input records.
    """

    groups: tuple[tuple[str, ...], ...]
    review_pairs: tuple[ReviewPair, ...]
    n_records: int

    @property
    def primary_ids(self) -> tuple[str, ...]:
        """The primary id of every duplicate group."""
        return tuple(group[0] for group in self.groups)

    @property
    def n_duplicates_removed(self) -> int:
        """Records that would be removed by keeping one record per group."""
        return sum(len(group) - 1 for group in self.groups)

    def merged_pairs(self) -> set[tuple[str, str]]:
        """All id pairs (sorted within the pair) implied by the groups."""
        pairs: set[tuple[str, str]] = set()
        for group in self.groups:
            ordered = sorted(group)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1 :]:
                    pairs.add((first, second))
        return pairs

    def group_of(self, record_id: str) -> tuple[str, ...] | None:
        """The group containing ``record_id``, or None when it is unique."""
        for group in self.groups:
            if record_id in group:
                return group
        return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _fold(text: str) -> str:
    text = html.unescape(_TAGS.sub(" ", html.unescape(text)))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def _author_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"\s+and\s+|;|\n", value)
    else:
        parts = [_text(part) for part in value]
    return [part.strip() for part in parts if part and part.strip()]


def _surname(name: str) -> str:
    if "," in name:
        return _fold(name.split(",", 1)[0])
    tokens = _fold(name).split()
    if not tokens:
        return ""
    # "Smith JA" (Vancouver) vs "John A Smith": trailing initials mean the surname leads.
    if len(tokens) > 1 and len(tokens[-1]) <= 2 and name.strip().split()[-1].isupper():
        return tokens[0]
    return tokens[-1]


def _pages(value: str) -> tuple[str, str]:
    """Return (first page, expanded range): "1234-8" -> ("1234", "1234-1238")."""
    match = _PAGES.match(value)
    if not match:
        folded = _fold(value)
        return folded, folded
    prefix, start, end = match.group(1).lower(), match.group(2), match.group(3)
    first = prefix + start.lstrip("0")
    if not end:
        return first, first
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return first, f"{first}-{prefix}{end.lstrip('0')}"


def _doi(value: str) -> str:
    return _DOI_PREFIX.sub("", value.strip()).strip().lower().rstrip(".")


def _journal_abbreviation_match(first: str, second: str) -> bool:
    """True when the shorter title's words are prefixes of the longer's, in order."""
    short = [w for w in first.split() if w not in _JOURNAL_STOPWORDS]
    long = [w for w in second.split() if w not in _JOURNAL_STOPWORDS]
    if len(short) > len(long):
        short, long = long, short
    if not short:
        return False
    position = 0
    for word in short:
        while position < len(long) and not long[position].startswith(word):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = np.arange(size)

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return int(root)

    def union(self, first: int, second: int) -> None:
        root_a, root_b = self.find(first), self.find(second)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _normalise(records: Sequence[Mapping[str, object]], id_key: str) -> dict[str, list]:
    columns: dict[str, list] = {
        name: []
        for name in (
            "id", "title", "title_raw", "authors", "first_author", "year", "journal",
            "volume", "first_page", "pages", "pages_raw", "doi", "pmid", "completeness", "notice",
        )
    }  # fmt: skip
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise TypeError(f"record {position} is a {type(record).__name__}, not a mapping")
        record_id = _text(record.get(id_key))
        if not record_id:
            raise ValueError(f"record {position} has no {id_key!r}")
        title = _fold(_TITLE_NOTES.sub("", _text(record.get("title"))))
        authors = _author_list(record.get("authors"))
        surnames = [_surname(name) for name in authors]
        first_page, pages = _pages(_text(record.get("pages")))
        columns["id"].append(record_id)
        columns["title"].append(title)
        columns["title_raw"].append(_text(record.get("title")))
        columns["authors"].append(" ".join(s for s in surnames if s))
        columns["first_author"].append(surnames[0] if surnames else "")
        year = re.search(r"\d{4}", _text(record.get("year")))
        columns["year"].append(year.group(0) if year else "")
        columns["journal"].append(_fold(_text(record.get("journal"))))
        columns["volume"].append(_fold(_text(record.get("volume"))))
        columns["first_page"].append(first_page)
        columns["pages"].append(pages)
        columns["pages_raw"].append(re.sub(r"\s+", "", _text(record.get("pages"))))
        columns["doi"].append(_doi(_text(record.get("doi"))))
        columns["pmid"].append(re.sub(r"\D", "", _text(record.get("pmid"))))
        columns["completeness"].append(sum(bool(_text(record.get(f))) for f in _FIELDS))
        columns["notice"].append(bool(_NOTICE_WORDS.intersection(title.split()[:3])))
    return columns


def _candidate_pairs(columns: dict[str, list], max_block_size: int) -> np.ndarray:
    n_records = len(columns["id"])
    keys: list[list[str]] = [
        [f"d:{d}" if d else "" for d in columns["doi"]],
        [f"p:{p}" if p else "" for p in columns["pmid"]],
        [f"t:{t[:30]}" if len(t) >= 15 else "" for t in columns["title"]],
        [
            f"y:{y}|{p}" if y and p else ""
            for y, p in zip(columns["year"], columns["first_page"], strict=True)
        ],
        [
            f"a:{a}|{y}|{t[:1]}" if a and y else ""
            for a, y, t in zip(
                columns["first_author"], columns["year"], columns["title"], strict=True
            )
        ],
    ]
    chunks: list[np.ndarray] = []
    for key_column in keys:
        blocks: dict[str, list[int]] = {}
        for index, key in enumerate(key_column):
            if key:
                blocks.setdefault(key, []).append(index)
        for members in blocks.values():
            if len(members) < 2 or len(members) > max_block_size:
                continue
            member_array = np.asarray(members, dtype=np.int64)
            first, second = np.triu_indices(len(members), k=1)
            chunks.append(member_array[first] * n_records + member_array[second])
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.column_stack((codes // n_records, codes % n_records))


def _match_flags(values: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """1 where both present and equal, 0 where both present and different, -1 otherwise."""
    left, right = values[first], values[second]
    known = (left != "") & (right != "")
    return np.where(known, (left == right).astype(np.int8), np.int8(-1))


def deduplicate(
    records: Sequence[Mapping[str, object]],
    *,
    id_key: str = "id",
    max_block_size: int = 500,
) -> DedupResult:
    """Find duplicate records, merging only pairs with strong evidence.

    Parameters
    ----------
    records : sequence of mapping
        Records with keys ``id`` (see ``id_key``), ``title``, ``authors`` (a string with
        names joined by " and " or ";", or a sequence of names), ``year``, ``journal``,
        ``volume``, ``issue``, ``pages``, ``doi``, ``pmid``; missing keys count as empty.
    id_key : str
        Key holding each record's unique id.
    max_block_size : int
        Blocks (records sharing one key) larger than this are not compared pairwise.

    Returns
    -------
    DedupResult
        Groups (primary first) and the review queue of uncertain pairs.

    Notes
    -----
    Automatic merge: the same DOI or PMID with title similarity >= 90; or title similarity
    >= 97 (token sort ratio) with the same year, similar authors, no disagreement on first
    page, volume or journal (similarity < 60) and at least one of them agreeing; or title
    >= 93 with year, first page and volume all equal; or the same year, volume, first page
    and journal with the same page range, authors in order (ratio >= 90) and title token
    set ratio >= 75 (or an identical title, whatever the authors). Damaged page fields (not
    plain numbers) count as unknown rather than as a disagreement. Pairs where one title is a notice
    (erratum, correction, reply, ...) and the other is not never merge. Other pairs with
    title >= 85 or a shared DOI/PMID go to the review queue. ``issue`` is normalised for
    completeness only; it is not scored.

    References
    ----------
    Rathbone J et al. Better duplicate detection for systematic reviewers. Syst Rev 2015;4:80.

    Examples
    --------
    >>> records = [
    ...     {"id": "a", "title": "Aspirin for pain.", "doi": "10.1/ABC", "year": 2001},
    ...     {"id": "b", "title": "Aspirin for pain", "doi": "https://doi.org/10.1/abc"},
    ...     {"id": "c", "title": "Something else entirely", "year": 2001},
    ... ]
    >>> deduplicate(records).groups
    (('a', 'b'),)
    """
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence):
        raise TypeError("records must be a sequence of mappings")
    if not isinstance(id_key, str) or not id_key:
        raise ValueError("id_key must be a non-empty string")
    if not isinstance(max_block_size, int) or max_block_size < 2:
        raise ValueError("max_block_size must be an integer >= 2")
    columns = _normalise(records, id_key)
    ids = columns["id"]
    if len(set(ids)) != len(ids):
        raise ValueError(f"record ids ({id_key!r}) must be unique")
    n_records = len(ids)
    pairs = _candidate_pairs(columns, max_block_size)
    first, second = pairs[:, 0], pairs[:, 1]
    arrays = {name: np.asarray(values, dtype=object) for name, values in columns.items()}

    def similarity(name: str, scorer: object) -> np.ndarray:
        values = arrays[name]
        if len(first) == 0:
            return np.empty(0)
        scores = cpdist(list(values[first]), list(values[second]), scorer=scorer, workers=-1)
        missing = (values[first] == "") | (values[second] == "")
        return np.where(missing, np.nan, scores.astype(float))

    title = np.nan_to_num(similarity("title", fuzz.token_sort_ratio), nan=0.0)
    authors = similarity("authors", fuzz.token_set_ratio)
    journal = similarity("journal", fuzz.token_sort_ratio)
    abbreviated = np.fromiter(
        (
            _journal_abbreviation_match(arrays["journal"][i], arrays["journal"][j])
            for i, j in zip(first, second, strict=True)
        ),
        dtype=bool,
        count=len(first),
    )
    journal = np.where(abbreviated, 100.0, journal)
    year = _match_flags(arrays["year"], first, second)
    page = _match_flags(arrays["first_page"], first, second)
    volume = _match_flags(arrays["volume"], first, second)
    same_doi = _match_flags(arrays["doi"], first, second) == 1
    same_pmid = _match_flags(arrays["pmid"], first, second) == 1
    notice = arrays["notice"].astype(bool)
    notice_mismatch = notice[first] != notice[second]

    authors_ok = np.isnan(authors) | (authors >= 80)
    journal_ok = np.nan_to_num(journal, nan=0.0) >= 85
    # Page fields like "t-20", "01-Jun" (a spreadsheet date) or "Suppl-4" are export damage:
    # a disagreement counts only when both sides are plain numeric pages.
    numeric_page = np.fromiter(
        (bool(re.fullmatch(r"\d+(?:[-\u2010-\u2015]\d+)?", p)) for p in arrays["pages_raw"]),
        dtype=bool,
        count=n_records,
    )
    page_conflict = (page == 0) & numeric_page[first] & numeric_page[second]
    journal_conflict = np.nan_to_num(journal, nan=100.0) < 60
    no_conflict = ~page_conflict & ~journal_conflict & (volume != 0) & (year != 0)
    corroborated = (page == 1) | (volume == 1) | journal_ok
    merge = (same_doi | same_pmid) & (title >= 90)
    merge |= (title >= 97) & (year == 1) & authors_ok & no_conflict & corroborated
    merge |= (title >= 93) & (year == 1) & (page == 1) & (volume == 1) & authors_ok
    # Same year, volume, first page and journal with the same authors is one article even
    # when one title is truncated or carries a translation.
    title_subset = np.nan_to_num(similarity("title", fuzz.token_set_ratio), nan=0.0)
    same_citation = (year == 1) & (page == 1) & (volume == 1) & journal_ok
    # A page range (not one abstract page of a supplement) and the same author list in order.
    has_range = np.fromiter(("-" in p for p in arrays["pages"]), dtype=bool, count=n_records)
    same_range = (_match_flags(arrays["pages"], first, second) == 1) & has_range[first]
    authors_in_order = np.nan_to_num(similarity("authors", fuzz.ratio), nan=0.0) >= 90
    merge |= same_citation & same_range & authors_in_order & (title_subset >= 75)
    # Identical title and identical citation: author lists mangled in one export still match.
    merge |= same_citation & same_range & (title >= 99)
    merge &= ~notice_mismatch
    review = ~merge & ((title >= 85) | same_doi | same_pmid)

    union_find = _UnionFind(n_records)
    for i, j in pairs[merge]:
        union_find.union(int(i), int(j))
    members: dict[int, list[int]] = {}
    for index in range(n_records):
        members.setdefault(union_find.find(index), []).append(index)
    completeness = columns["completeness"]
    groups = []
    for indices in members.values():
        if len(indices) < 2:
            continue
        ordered = sorted(indices, key=lambda k: (-completeness[k], k))
        groups.append(tuple(ids[k] for k in ordered))
    groups.sort(key=lambda group: min(ids.index(g) for g in group))

    review_pairs = []
    for position in np.flatnonzero(review):
        i, j = int(first[position]), int(second[position])
        if union_find.find(i) == union_find.find(j):
            continue
        reason = "notice vs article" if notice_mismatch[position] else "similar title"
        if same_doi[position] or same_pmid[position]:
            reason = "same identifier, different title" if title[position] < 90 else reason
        review_pairs.append(
            ReviewPair(
                first_id=ids[i],
                second_id=ids[j],
                title=float(title[position]),
                authors=float(np.nan_to_num(authors[position], nan=-1.0)),
                journal=float(np.nan_to_num(journal[position], nan=-1.0)),
                year_match=int(year[position]),
                pages_match=int(page[position]),
                reason=reason,
            )
        )
    return DedupResult(groups=tuple(groups), review_pairs=tuple(review_pairs), n_records=n_records)


def write_groups_csv(result: DedupResult, path: str | PathLike[str]) -> None:
    """Write one row per duplicate group (column ``merged_ids``, ids joined by ``;``).

    The format is that of the benchmark files ``merged_record_ids.csv``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> result = DedupResult(groups=(("a", "b"),), review_pairs=(), n_records=3)
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "groups.csv"
    >>> write_groups_csv(result, target)
    >>> print(target.read_text().strip())
    merged_ids
    a;b
    """
    if not isinstance(result, DedupResult):
        raise TypeError("result must be a DedupResult")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["merged_ids"])
        for group in result.groups:
            if len(group) >= 2:
                writer.writerow([";".join(group)])
