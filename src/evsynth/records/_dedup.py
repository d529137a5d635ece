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
# Database annotations in titles: "[Erratum appears in ...]", "[Review] [133 refs]",
# "<ORIGINAL> ..." (the original-language title that follows an English one), "[Abstract]",
# "[abstract no: 134]", "(Structured abstract)", Embase's "(multiple letters)" and a trailing
# "[1]" reference mark.
_TITLE_NOTES = re.compile(
    r"\[(?:erratum|review|comment|retracted|corrected|\d+\s*refs)[^\]]*\]?.*$"
    r"|<original>.*$|\[\d+\s*refs\]"
    r"|[\[(]\s*(?:structured\s+|conference\s+|meeting\s+)?abstract(?:\s+(?:no|number)\b[^\])]*)?"
    r"\s*[\])]"
    r"|\(\s*multiple\s+letters\s*\)|\[\d+\]\s*$",
    re.IGNORECASE,
)
# A correction notice cites the corrected article at the end of its title, as Web of Science
# "... (vol 360, pg 542, 2009)" or Embase "... (New England Journal of Medicine (2009) 360
# (542-544))" (or "(The Journal of Pediatrics (March 2003) 142 (310-317))"); an export may cut
# the citation short ("... (The Journal of Pediatrics (M").
_CORRECTION_CITATION = re.compile(r"\(\s*vol\.?\s*\d+\s*,\s*(?:pg|pp?|page)\.?\s*\w+", re.I)
_WOS_CITATION = re.compile(
    r"\(\s*vol\.?\s*(\d+)\s*,\s*(?:pg|pp?|page)\.?\s*[A-Za-z]?(\d+)[^,)]*"
    r"(?:,\s*(\d{4}))?\s*\)?\s*$",
    re.I,
)
_EMBASE_CITATION = re.compile(
    r"\(([^()]+?)\s*\((?:[A-Za-z]+\.?\s+)?(?:\d{1,2},?\s+)?(\d{4})\)\s*(\d+)\s*"
    r"(?:\(\s*[^()]*\)\s*)??\(\s*[A-Za-z]?(\d+)[^()]*\)\s*\)?\s*$"
)
_EMBASE_CITATION_CUT = re.compile(r"\(([A-Za-z][^()]{8,})\((?:[A-Za-z]+|\d+)?\s*[^()]*$")
# A correction notice that names the article instead: "Erratum: <the article's title>".
_NOTICE_PREFIX = re.compile(
    r"^\s*(?:erratum|errata|correction|corrigendum|addendum)s?\b\s*(?:to\b)?\s*[:.\-]?\s*", re.I
)
# The authors' reply to a letter: "<the letter's title> - Reply", "... Authors' reply",
# "... - Reply to Buddles et al", "In reply: ...", "Reply: ...".
_REPLY_SUFFIX = re.compile(
    r"(?:\s*[:;.(\-\u2010-\u2015]\s*|\s+(?=(?:the\s+)?authors?\W))"
    r"(?:(?:the\s+)?authors?['\u2019]?s?['\u2019]?\s+|in\s+)?reply"
    r"(?:\s+to\s+[^.:;()]{1,60}?\bet\s+al\b\.?)?\s*\)?[\s.]*$",
    re.I,
)
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:the\s+)?authors?['\u2019]?s?['\u2019]?\s+reply|in\s+reply|reply)\s*[:.\-]\s*",
    re.I,
)
_SUPPLEMENT = re.compile(r"\bsup(?:p|pl|plement)?\b\.?|\bs\d+\b", re.I)
_CONGRESS = re.compile(r"\b(?:conference|congress|meeting|symposium|abstracts?)\b", re.I)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_PAGE_RANGE = re.compile(
    r"^[^0-9A-Za-z]*[A-Za-z]*[\s.]*(\d+)\s*(?:[-\u2010-\u2015]+\s*[A-Za-z]*(\d+))?"
)
_NUMERIC_PAGES = re.compile(r"[A-Za-z]{0,4}\d+(?:[-\u2010-\u2015][A-Za-z]{0,4}\d+)?")
_NOTICE_WORDS = frozenset(
    {"erratum", "errata", "correction", "corrigendum", "retraction", "retracted", "reply",
     "comment", "commentary", "response", "editorial", "letter", "addendum"}
)  # fmt: skip
_JOURNAL_STOPWORDS = frozenset({"the", "of", "and", "for", "in", "on", "de", "la", "a", "y"})
_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")
# Titles shorter than this (in words) are too generic to merge on when pages disagree.
_MIN_INFORMATIVE_WORDS = 6


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


def _greek_to_name(char: str) -> str:
    if "\u0370" <= char <= "\u03ff":
        name = unicodedata.name(char, "")
        if name.startswith("GREEK") and "LETTER" in name:
            return f" {name.split()[-1].lower()} "
    return char


def _fold(text: str) -> str:
    """Lower-case ASCII words: markup and entities removed, diacritics dropped, Greek letters
    spelled out ("TNF-α" and "TNF-alpha" fold alike)."""
    text = html.unescape(_TAGS.sub(" ", html.unescape(text)))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(_greek_to_name(ch) for ch in text if not unicodedata.combining(ch)).lower()
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
    name = re.sub(r"\bet\.?\s*al\b\.?", " ", name, flags=re.IGNORECASE).strip(" ,.")
    if not name or name.lower() == "others":
        return ""
    if "," in name:
        return _fold(name.split(",", 1)[0])
    tokens = _fold(name).split()
    if not tokens:
        return ""
    # "Smith JA" (Vancouver) vs "John A Smith": trailing initials mean the surname leads.
    if len(tokens) > 1 and len(tokens[-1]) <= 2 and name.strip().split()[-1].isupper():
        return tokens[0]
    return tokens[-1]


def _pages(value: str) -> tuple[str, str, str]:
    """Return (first page, last page, expanded range), digits only: "S1234-8" -> ("1234",
    "1238", "1234-1238"); letter prefixes ("S", "e", "c", "viii") are dropped."""
    match = _PAGE_RANGE.match(value)
    if not match:
        folded = _fold(value)
        return folded, folded, folded
    start, end = match.group(1).lstrip("0") or "0", match.group(2)
    if not end:
        return start, start, start
    end = end.lstrip("0") or "0"
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return start, end, f"{start}-{end}"


def _doi(value: str) -> str:
    """The DOI in ``value``, lower case, without resolver prefix or trailing junk."""
    match = _DOI.search(value.lower())
    if not match:
        return ""
    return re.split(r"[\s\[<\"']", match.group(0))[0].rstrip(".,;:)]}")


def _volume(value: str) -> str:
    """The volume number: "24 Suppl 3" -> "24", "Drug Discovery. 9" -> "9"."""
    match = re.search(r"\d+", value)
    return match.group(0).lstrip("0") if match else _fold(value)


def _journal_abbreviation_match(first: str, second: str) -> bool:
    """True when one title's words are prefixes of the other's, in order (ISO-4 style
    abbreviations: "surg endosc" and "surgical endoscopy"; "pediatric transplantation" and
    "pediatric transplantation conference 6th congress ...")."""
    return _prefix_words_in_order(first, second) or _prefix_words_in_order(second, first)


def _prefix_words_in_order(short_title: str, long_title: str) -> bool:
    short = [w for w in short_title.split() if w not in _JOURNAL_STOPWORDS]
    long = [w for w in long_title.split() if w not in _JOURNAL_STOPWORDS]
    if not short or len(short) > len(long):
        return False
    position = 0
    for word in short:
        while position < len(long) and not _abbreviates(word, long[position]):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


def _abbreviates(short: str, word: str) -> bool:
    """ "med" abbreviates "medicine"; a word of four letters or more may also drop letters
    after its first ("dtsch" abbreviates "deutsche")."""
    if word.startswith(short):
        return True
    if len(short) < 4 or short[0] != word[0]:
        return False
    remaining = iter(word)
    return all(char in remaining for char in short)


def _spelling_variants(first: str, second: str) -> bool:
    """Typos, truncations and words split or joined ("p16ink4a" and "ink4a"); numbers and
    short words ("i", "ii") must match exactly."""
    short, long = sorted((first, second), key=len)
    if len(short) < 3 or short.isdigit():
        return False
    if short in long:
        return True
    return len(short) >= 4 and short.isalpha() and long.isalpha() and fuzz.ratio(short, long) >= 75


def _substituted_word(first: str, second: str) -> bool:
    """True when each title has a word the other lacks that is not a spelling variant of
    one there ("plasma-sensitive" vs "plasma-resistant", "part I" vs "part II"): two
    reports, whatever the overall similarity. Words only one title has (a subtitle, a
    truncated end) are not a substitution."""
    first_words, second_words = set(first.split()), set(second.split())
    only_first, only_second = first_words - second_words, second_words - first_words
    if not only_first or not only_second:
        return False
    unmatched_first = [
        w for w in only_first if not any(_spelling_variants(w, v) for v in only_second)
    ]
    unmatched_second = [
        w for w in only_second if not any(_spelling_variants(w, v) for v in only_first)
    ]
    return bool(unmatched_first) and bool(unmatched_second)


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


def _is_notice(title: str, raw_title: str) -> bool:
    words = title.split()
    return bool(
        _NOTICE_WORDS.intersection(words[:3])
        or (words and words[-1] == "reply")
        or re.match(r"\s*re\s*:", raw_title, re.IGNORECASE)
        or _CORRECTION_CITATION.search(raw_title)
        or _EMBASE_CITATION.search(raw_title)
        or _REPLY_SUFFIX.search(raw_title)
    )


def _cited_article(raw_title: str) -> tuple[str, str, str, str] | None:
    """The (volume, first page, year, journal) a correction notice's title cites, or None:
    "(vol 360, pg 542, 2009)" -> ("360", "542", "2009", ""), "(New England Journal of
    Medicine (2009) 360 (542-544))" -> ("360", "542", "2009", "new england journal of
    medicine")."""
    match = _WOS_CITATION.search(raw_title)
    if match:
        volume, page, year = match.groups()
        return volume.lstrip("0"), page.lstrip("0"), year or "", ""
    match = _EMBASE_CITATION.search(raw_title)
    if match:
        journal, year, volume, page = match.groups()
        return volume.lstrip("0"), page.lstrip("0"), year, _fold(journal)
    return None


def _notice_subject(raw_title: str) -> str:
    """The folded title a notice is about: its title without the "Erratum:" prefix, the
    citation (whole or cut short) and database notes."""
    text = _NOTICE_PREFIX.sub("", raw_title)
    for pattern in (_WOS_CITATION, _EMBASE_CITATION, _EMBASE_CITATION_CUT):
        text = pattern.sub(" ", text)
    return _fold(_TITLE_NOTES.sub(" ", text))


def _replied_title(raw_title: str) -> str:
    """The folded title of the letter an authors' reply answers ("X - Reply" -> "x"), or ""
    when the title is not a reply."""
    text, n_suffix = _REPLY_SUFFIX.subn("", _TITLE_NOTES.sub(" ", raw_title).strip())
    text, n_prefix = _REPLY_PREFIX.subn("", text)
    return _fold(text) if n_suffix + n_prefix else ""


def _normalise(records: Sequence[Mapping[str, object]], id_key: str) -> dict[str, list]:
    columns: dict[str, list] = {
        name: []
        for name in (
            "id", "title", "title_squashed", "authors", "first_author", "year", "journal",
            "volume", "first_page", "last_page", "pages", "pages_raw", "doi", "pmid",
            "completeness", "notice", "n_authors", "issue", "congress", "cited", "subject",
            "prefixed_notice", "replied",
        )
    }  # fmt: skip
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise TypeError(f"record {position} is a {type(record).__name__}, not a mapping")
        record_id = _text(record.get(id_key))
        if not record_id:
            raise ValueError(f"record {position} has no {id_key!r}")
        raw_title = _text(record.get("title"))
        title = _fold(_TITLE_NOTES.sub(" ", raw_title))
        authors = _author_list(record.get("authors"))
        surnames = [s for s in (_surname(name) for name in authors) if s]
        first_page, last_page, pages = _pages(_text(record.get("pages")))
        columns["id"].append(record_id)
        columns["title"].append(title)
        columns["title_squashed"].append(title.replace(" ", ""))
        columns["authors"].append(" ".join(surnames))
        columns["first_author"].append(surnames[0] if surnames else "")
        year = re.search(r"\d{4}", _text(record.get("year")))
        columns["year"].append(year.group(0) if year else "")
        columns["journal"].append(_fold(_text(record.get("journal"))))
        columns["volume"].append(_volume(_text(record.get("volume"))))
        columns["first_page"].append(first_page)
        columns["last_page"].append(last_page)
        columns["pages"].append(pages)
        columns["pages_raw"].append(re.sub(r"\s+", "", _text(record.get("pages"))))
        columns["doi"].append(_doi(_text(record.get("doi"))))
        columns["pmid"].append(re.sub(r"\D", "", _text(record.get("pmid"))))
        columns["completeness"].append(sum(bool(_text(record.get(f))) for f in _FIELDS))
        notice = _is_notice(title, raw_title)
        columns["notice"].append(notice)
        columns["n_authors"].append(len(surnames))
        issue = _text(record.get("issue"))
        columns["issue"].append(_volume(issue))
        columns["congress"].append(
            bool(_SUPPLEMENT.search(issue) or _SUPPLEMENT.search(_text(record.get("volume"))))
            or bool(_CONGRESS.search(_text(record.get("journal"))))
        )
        columns["cited"].append(_cited_article(raw_title) if notice else None)
        columns["subject"].append(_notice_subject(raw_title) if notice else "")
        columns["prefixed_notice"].append(bool(_NOTICE_PREFIX.match(raw_title)))
        columns["replied"].append(_replied_title(raw_title) if notice else "")
    return columns


def _candidate_pairs(columns: dict[str, list], max_block_size: int) -> np.ndarray:
    n_records = len(columns["id"])
    titles, squashed = columns["title"], columns["title_squashed"]
    years, first_pages = columns["year"], columns["first_page"]
    keys: list[list[str]] = [
        [f"d:{d}" if d else "" for d in columns["doi"]],
        [f"p:{p}" if p else "" for p in columns["pmid"]],
        [f"t:{t[:30]}" if len(t) >= 15 else "" for t in titles],
        # Title ends and squashed prefixes catch prefixed, truncated or re-spaced titles.
        [f"e:{t[-30:]}" if len(t.split()) >= _MIN_INFORMATIVE_WORDS else "" for t in titles],
        [f"s:{s[:25]}" if len(s) >= 25 else "" for s in squashed],
        [f"y:{y}|{p}" if y and p else "" for y, p in zip(years, first_pages, strict=True)],
        [
            f"v:{v}|{p}" if v and p else ""
            for v, p in zip(columns["volume"], first_pages, strict=True)
        ],
        [
            f"a:{a}|{y}|{t[:1]}" if a and y else ""
            for a, y, t in zip(columns["first_author"], years, titles, strict=True)
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


def _numbers(values: list[str]) -> np.ndarray:
    return np.array([float(v) if v.isdigit() else np.nan for v in values], dtype=float)


def deduplicate(
    records: Sequence[Mapping[str, object]],
    *,
    id_key: str = "id",
    max_block_size: int = 500,
    link_notices: bool = True,
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
    link_notices : bool
        Put correction notices and authors' replies into the group of the article they cite
        (rules 10 to 12 of the Notes); False keeps every notice apart from its article.

    Returns
    -------
    DedupResult
        Groups (primary first) and the review queue of uncertain pairs.

    Notes
    -----
    Normalisation: titles lose markup, HTML entities, diacritics, punctuation and case;
    Greek letters are spelled out ("α" -> "alpha"); database notes are dropped ("[Review]
    [33 refs]", "[Erratum appears in ...]", "[Abstract]", "[abstract no: 134]", "(Structured
    abstract)", "(multiple letters)", a trailing "[1]"). Titles are compared word by word
    (token sort ratio) and with the spaces removed (so "p16(INK4a)" equals "p16INK4a"); the
    larger similarity counts. Authors are compared by surname (token set ratio, so a list
    cut short with "et al." still matches); "strong" authors means both lists known, a
    similarity >= 90 and the same first author. Journals match when similar (>= 85) or when
    one name's words abbreviate the other's in order (ISO-4 style: "Surg Endosc", "Dtsch
    Med Wochenschr"; also a subtitle or a "Conference: ..." tail). Volumes compare by their
    first number ("24 Suppl 3" is 24); pages by their digits ("S78-S89", "c37-c42",
    "1234-45" expanded), two page fields agreeing when their first or last pages are equal
    or the ranges overlap; a disagreement counts only between plain page fields, damaged
    ones ("01-Jun", "Suppl-89") being unknown. DOIs are taken from the text, without
    resolver prefix or trailing junk. Years differ by at most one for "years one apart".

    Automatic merge, on identifiers or the citation:

    1. the same DOI or PMID and title >= 90;
    2. the same year, journal, volume and first page, and either an identical title
       (>= 99) of at least six words, or the same page range and a title token set ratio
       >= 75 with authors in order (ratio >= 90), strong or unknown, or the same page range
       and an identical title whatever the authors; without the journal (a translated
       name), the same year, volume and page range, strong authors and a title token set
       ratio >= 90;
    3. citation fields shifted in one export (its issue and first page are the other's
       volume and issue: "", "26", "9" vs "26", "9", "1746") with title >= 97, the same
       year, strong authors and no journal disagreement;
    4. a retitled report (online-first vs print title): the same year, journal, volume and
       page range of two pages or more, and the same list of at least two authors in
       order, both titles known, whatever the titles, unless the DOIs or PMIDs differ.

    Automatic merge, driven by the title, unless each title has a word the other lacks
    that is not a spelling variant of one there ("plasma-sensitive" vs
    "plasma-resistant", "part I" vs "part II", "adult" vs "adolescent"):

    5. title >= 97, the same year, authors >= 80 or unknown, no disagreement on pages,
       volume or journal (< 60), and at least one of first page, volume, journal agreeing;
    6. title >= 93, the same year and first page, and the same volume (or the same journal
       with strong authors and no volume disagreement);
    7. title >= 97 with strong authors and the same journal and volume: for titles of at
       least six words, whatever the pages when the years are equal (one export's pages
       are wrong) or with years one apart (epub vs print) when the pages do not disagree;
       for shorter titles, years one apart and the same first page;
    8. one title containing the other's words (token set ratio >= 97: a translation,
       subtitle or group author appended), the shorter of at least six words, with strong
       authors, the same journal, volume and year, and pages that agree;
    9. one congress abstract printed in two supplements or proceedings (both records with
       "Suppl" in the issue or volume, or "Conference", "Congress", "Meeting",
       "Symposium", "Abstract" in the journal): title >= 97 of at least six words, the
       same year and strong authors, whatever the journals.

    A notice (erratum, correction, reply, comment, "Re: ...", a title ending in "(vol 360,
    pg 542, 2009)") never merges with an article by rules 1 to 9, except with the same
    year, journal, volume and page field (one notice exported with and without its
    "Erratum:" prefix), and rule 4 needs two articles. A notice that explicitly cites an
    article is no separate study, so (unless ``link_notices`` is False) it joins the
    article's group, after the rules above:

    10. a title ending in a citation, Web of Science "(vol 360, pg 542, 2009)" or Embase
        "(New England Journal of Medicine (2009) 360 (542-544))": the records (not notices)
        with that volume and first page, the year where cited, and a title (token set
        ratio >= 90 without the citation) or journal that agrees;
    11. "Erratum:", "Correction:", "Corrigendum:" or "Addendum:" and the article's title
        (an Embase citation cut short is ignored): the records with that title, year,
        volume and journal;
    12. an authors' reply, "<title> - Reply", "... Authors' reply", "... - Reply to Smith et
        al", "In reply: <title>": the records with that title (not replies) of the same
        year and journal, the volume equal where both are known.

    A notice joins only when its possible articles already form one group (and a group of
    notices only when all of them point to that group); the article stays the primary:
    notices come last in a group, the others by completeness.

    Other pairs with title >= 85 or a shared DOI/PMID go to the review queue, unless both
    the authors (< 50) and the years (more than one apart) differ, or each title has a
    word the other lacks (as above) and the authors (< 60) and either the first pages or
    the years (more than one apart) differ; so do pairs where one title is missing and the
    year, volume, page range and (strong) authors are the same. ``issue`` is scored only
    by rule 3. Groups are the connected components of the merged pairs.

    References
    ----------
    Rathbone J et al. Better duplicate detection for systematic reviewers. Syst Rev 2015;4:80.

    Examples
    --------
    >>> records = [
    ...     {"id": "a", "title": "Aspirin for pain.", "doi": "10.1000/ABC", "year": 2001},
    ...     {"id": "b", "title": "Aspirin for pain", "doi": "https://doi.org/10.1000/abc"},
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
    if not isinstance(link_notices, bool):
        raise TypeError("link_notices must be True or False")
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

    title = np.fmax(
        np.nan_to_num(similarity("title", fuzz.token_sort_ratio), nan=0.0),
        np.nan_to_num(similarity("title_squashed", fuzz.ratio), nan=0.0),
    )
    title_subset = np.nan_to_num(similarity("title", fuzz.token_set_ratio), nan=0.0)
    n_words = np.fromiter((len(t.split()) for t in columns["title"]), dtype=int, count=n_records)
    informative = np.minimum(n_words[first], n_words[second]) >= _MIN_INFORMATIVE_WORDS

    authors = similarity("authors", fuzz.token_set_ratio)
    authors_known = ~np.isnan(authors)
    authors_ok = ~authors_known | (authors >= 80)
    first_author = np.nan_to_num(similarity("first_author", fuzz.token_set_ratio), nan=0.0)
    authors_strong = (np.nan_to_num(authors, nan=0.0) >= 90) & (first_author >= 90)
    authors_in_order = np.nan_to_num(similarity("authors", fuzz.ratio), nan=0.0) >= 90

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
    journal_ok = np.nan_to_num(journal, nan=0.0) >= 85
    journal_conflict = np.nan_to_num(journal, nan=100.0) < 60

    year = _match_flags(arrays["year"], first, second)
    year_number = _numbers(columns["year"])
    year_near = np.abs(year_number[first] - year_number[second]) <= 1
    volume = _match_flags(arrays["volume"], first, second)
    page = _match_flags(arrays["first_page"], first, second)
    # Page fields like "t-20", "01-Jun" (a spreadsheet date) or "Suppl-4" are export damage:
    # pages count as known only when both sides are plain (possibly prefixed) page numbers.
    numeric_page = np.fromiter(
        (bool(_NUMERIC_PAGES.fullmatch(p)) for p in arrays["pages_raw"]),
        dtype=bool,
        count=n_records,
    )
    pages_known = numeric_page[first] & numeric_page[second]
    start, end = _numbers(columns["first_page"]), _numbers(columns["last_page"])
    end = np.fmax(start, end)
    pages_agree = (
        (page == 1)
        | (_match_flags(arrays["last_page"], first, second) == 1)
        | (np.fmax(start[first], start[second]) <= np.fmin(end[first], end[second]))
    )
    page_conflict = pages_known & ~pages_agree
    has_range = np.fromiter(("-" in p for p in arrays["pages"]), dtype=bool, count=n_records)
    same_pages = _match_flags(arrays["pages"], first, second) == 1
    same_range = same_pages & has_range[first]
    same_doi = _match_flags(arrays["doi"], first, second) == 1
    same_pmid = _match_flags(arrays["pmid"], first, second) == 1

    exact_title = title >= 97
    same_volume = volume == 1
    no_conflict = ~page_conflict & ~journal_conflict & (volume != 0) & (year != 0)
    corroborated = (page == 1) | same_volume | journal_ok
    same_citation = (year == 1) & (page == 1) & same_volume & journal_ok
    # Rules 1 and 2 of the Notes: an identifier or the citation itself.
    citation_merge = (same_doi | same_pmid) & (title >= 90)
    citation_merge |= same_citation & (title >= 99) & informative
    citation_merge |= (
        same_citation
        & same_range
        & (authors_in_order | authors_strong | ~authors_known)
        & (title_subset >= 75)
    )
    citation_merge |= same_citation & same_range & (title >= 99)
    citation_merge |= (year == 1) & same_volume & same_range & authors_strong & (title_subset >= 90)
    # Rules 3 to 6: driven by the title, so a substituted word vetoes them.
    title_merge = exact_title & (year == 1) & authors_ok & no_conflict & corroborated
    title_merge |= (
        (title >= 93)
        & (year == 1)
        & (page == 1)
        & authors_ok
        & (same_volume | (journal_ok & authors_strong & (volume != 0)))
    )
    same_report = exact_title & authors_strong & journal_ok & same_volume
    title_merge |= same_report & informative & ((year == 1) | (year_near & ~page_conflict))
    title_merge |= same_report & year_near & (page == 1)
    title_merge |= (
        (title_subset >= 97)
        & informative
        & authors_strong
        & journal_ok
        & same_volume
        & (year == 1)
        & pages_agree
    )
    titles_known = (arrays["title"][first] != "") & (arrays["title"][second] != "")
    notice = arrays["notice"].astype(bool)
    # One export shifted the citation fields: (issue, pages) of one are (volume, issue) of the
    # other ("", "26", "9" and "26", "9", "1746").
    issue_number = arrays["issue"]
    shifted = np.zeros(len(first), dtype=bool)
    for left, right in ((first, second), (second, first)):
        shifted |= (
            (issue_number[left] != "")
            & (issue_number[left] == arrays["volume"][right])
            & (arrays["first_page"][left] != "")
            & (arrays["first_page"][left] == issue_number[right])
        )
    citation_merge |= shifted & (title >= 97) & authors_strong & (year == 1) & ~journal_conflict
    # The same citation, retitled between the online and the print version: a page range of
    # two pages or more and the same list of authors in order.
    n_authors = np.asarray(columns["n_authors"])
    same_author_list = (_match_flags(arrays["authors"], first, second) == 1) & (
        n_authors[first] >= 2
    )
    long_range = same_range & (end[first] > start[first])
    citation_merge |= (
        (year == 1)
        & journal_ok
        & same_volume
        & long_range
        & same_author_list
        & titles_known
        & ~notice[first]
        & ~notice[second]
        & (_match_flags(arrays["doi"], first, second) != 0)
        & (_match_flags(arrays["pmid"], first, second) != 0)
    )
    # One congress abstract printed in two supplements (or proceedings): the same title, year
    # and authors.
    congress = np.asarray(columns["congress"], dtype=bool)
    title_merge |= (
        congress[first]
        & congress[second]
        & exact_title
        & informative
        & (year == 1)
        & authors_strong
    )
    for position in np.flatnonzero(title_merge & ~citation_merge):
        i, j = first[position], second[position]
        title_merge[position] = not _substituted_word(columns["title"][i], columns["title"][j])
    merge = citation_merge | title_merge
    notice_mismatch = (notice[first] != notice[second]) & ~(same_citation & same_pages)
    merge &= ~notice_mismatch
    # Similar titles go to the queue unless both the authors and the year clearly differ.
    unrelated = authors_known & (np.nan_to_num(authors) < 50) & (year != -1) & ~year_near
    # A record without a title cannot merge, but one with another's citation and authors is
    # worth a look.
    untitled_citation = ~titles_known & (year == 1) & same_volume & same_range & authors_strong
    # Nor is a title with one content word substituted ("Yoga for gout in women" vs "Yoga for
    # whiplash in women") by other authors, on other pages or years apart.
    other_report = (
        authors_known
        & (np.nan_to_num(authors) < 60)
        & ((page == 0) | ((year != -1) & ~year_near))
        & (title >= 85)
        & ~unrelated
    )
    for position in np.flatnonzero(other_report):
        i, j = first[position], second[position]
        other_report[position] = _substituted_word(columns["title"][i], columns["title"][j])
    unrelated |= other_report
    review = ~merge & (((title >= 85) & ~unrelated) | same_doi | same_pmid | untitled_citation)

    union_find = _UnionFind(n_records)
    for i, j in pairs[merge]:
        union_find.union(int(i), int(j))
    if link_notices:
        _attach_notices(columns, union_find)
    members: dict[int, list[int]] = {}
    for index in range(n_records):
        members.setdefault(union_find.find(index), []).append(index)
    completeness = columns["completeness"]
    is_notice = columns["notice"]
    groups = []
    for indices in members.values():
        if len(indices) < 2:
            continue
        ordered = sorted(indices, key=lambda k: (is_notice[k], -completeness[k], k))
        groups.append(tuple(ids[k] for k in ordered))
    position_of = {record_id: index for index, record_id in enumerate(ids)}
    groups.sort(key=lambda group: min(position_of[g] for g in group))

    review_pairs = []
    for position in np.flatnonzero(review):
        i, j = int(first[position]), int(second[position])
        if union_find.find(i) == union_find.find(j):
            continue
        reason = "notice vs article" if notice_mismatch[position] else "similar title"
        if untitled_citation[position]:
            reason = "same citation, title missing"
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


def _journals_agree(first: str, second: str) -> bool:
    return bool(first and second) and (
        fuzz.token_sort_ratio(first, second) >= 85 or _journal_abbreviation_match(first, second)
    )


def _attach_notices(columns: dict[str, list], union_find: _UnionFind) -> None:
    """Put each correction notice and authors' reply into the group of the article it cites
    (rules 10 to 12 of :func:`deduplicate`); a notice whose possible articles lie in more
    than one group, or a group of notices pointing at different groups, stays where it is."""
    notice, titles = columns["notice"], columns["title"]
    years, volumes, journals = columns["year"], columns["volume"], columns["journal"]
    by_citation: dict[tuple[str, str], list[int]] = {}
    by_title: dict[str, list[int]] = {}
    for index, (volume, page) in enumerate(zip(volumes, columns["first_page"], strict=True)):
        if not notice[index] and volume and page:
            by_citation.setdefault((volume, page), []).append(index)
        if titles[index] and not columns["replied"][index]:
            by_title.setdefault(titles[index], []).append(index)
            by_title.setdefault(columns["title_squashed"][index], []).append(index)

    def same_year(i: int, k: int) -> bool:
        return bool(years[i]) and years[i] == years[k]

    def volumes_agree(i: int, k: int) -> bool:
        return not volumes[i] or not volumes[k] or volumes[i] == volumes[k]

    targets: dict[int, set[int]] = {}
    for index in np.flatnonzero(np.asarray(notice, dtype=bool)):
        index = int(index)
        cited, subject, replied = (
            columns["cited"][index], columns["subject"][index], columns["replied"][index]
        )  # fmt: skip
        if cited:
            volume, page, year, journal = cited
            candidates = [
                k
                for k in by_citation.get((volume, page), [])
                if (not year or not years[k] or years[k] == year)
                and (
                    fuzz.token_set_ratio(subject, titles[k]) >= 90
                    or _journals_agree(journal or journals[index], journals[k])
                )
            ]
        elif replied:
            candidates = [
                k
                for k in {*by_title.get(replied, []), *by_title.get(replied.replace(" ", ""), [])}
                if k != index
                and same_year(index, k)
                and volumes_agree(index, k)
                and _journals_agree(journals[index], journals[k])
            ]
        elif columns["prefixed_notice"][index] and subject:
            candidates = [
                k
                for k in {*by_title.get(subject, []), *by_title.get(subject.replace(" ", ""), [])}
                if not notice[k]
                and same_year(index, k)
                and volumes[index]
                and volumes[index] == volumes[k]
                and _journals_agree(journals[index], journals[k])
            ]
        else:
            continue
        roots = {union_find.find(k) for k in candidates}
        if len(roots) == 1:
            targets.setdefault(union_find.find(index), set()).update(roots)
    for notice_root, article_roots in targets.items():
        if len(article_roots) == 1:
            union_find.union(notice_root, article_roots.pop())


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
