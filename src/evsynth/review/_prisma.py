"""The counts of the PRISMA 2020 flow diagram, checked to add up.

:class:`PrismaCounts` holds the numbers of the PRISMA 2020 template for new systematic
reviews that searched databases, registers and other sources (and of the template for
updated reviews). Building one checks the arithmetic of the flow: every record identified is
either removed before screening or screened, every record screened is either excluded or
leads to a report sought, and so on down to the reports of the included studies. Counts that
do not add up raise :class:`PrismaError` listing every broken equation with its numbers.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields

__all__ = ["PrismaCounts", "PrismaError"]

_MINUS = "\u2212"


class PrismaError(ValueError):
    """PRISMA counts that do not add up; ``problems`` lists every broken rule in words."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        listed = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"the PRISMA flow counts do not add up:\n{listed}")


class _Tally(Mapping):
    """An immutable, hashable, ordered mapping of name to count.

    Two tallies are equal when they list the same names with the same counts in the same
    order (the order is the order of the lines in the diagram); a tally equals a plain
    mapping with the same items.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: tuple[tuple[str, int], ...]):
        self._items = items
        self._index = dict(items)

    def __getitem__(self, key: str) -> int:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other) -> bool:
        if isinstance(other, _Tally):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._index == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._index)

    def __reduce__(self):
        return (_Tally, (self._items,))

    def total(self) -> int:
        return sum(n for _, n in self._items)


def _count(value, name: str) -> int:
    """``value`` as an int (integral types only: no bool, no float), else TypeError."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a whole number, got {type(value).__name__} {value!r}"
        ) from None


def _tally(value, name: str) -> _Tally:
    """A mapping or a sequence of ``(name, count)`` pairs as a :class:`_Tally`."""
    if isinstance(value, _Tally):
        return value
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a mapping of name to count or a sequence of (name, count) pairs, "
            f"got {type(value).__name__}"
        )
    else:
        pairs = []
        for item in value:
            if isinstance(item, str | bytes) or not isinstance(item, Iterable):
                raise TypeError(f"each entry of {name} must be a (name, count) pair, got {item!r}")
            item = tuple(item)
            if len(item) != 2:
                raise TypeError(f"each entry of {name} must be a (name, count) pair, got {item!r}")
            pairs.append(item)
    seen: set[str] = set()
    items = []
    for key, n in pairs:
        if not isinstance(key, str) or not key.strip():
            raise TypeError(f"the names in {name} must be non-empty strings, got {key!r}")
        if key in seen:
            raise ValueError(f"{name} lists {key!r} more than once")
        seen.add(key)
        items.append((key, _count(n, f"the count of {key!r} in {name}")))
    return _Tally(tuple(items))


_TALLIES = ("databases", "registers", "reports_excluded", "other_methods", "other_excluded")
_OTHER_BLOCK = ("other_reports_sought", "other_not_retrieved", "other_assessed")
_UPDATE_BLOCK = ("previous_studies", "previous_reports")

# How each count is named in messages.
_WORDS = {
    "duplicates_removed": "duplicates removed",
    "automation_removed": "records marked as ineligible by automation tools",
    "other_removed": "records removed for other reasons",
    "records_screened": "records screened",
    "records_excluded": "records excluded",
    "reports_sought": "reports sought for retrieval",
    "reports_not_retrieved": "reports not retrieved",
    "reports_assessed": "reports assessed for eligibility",
    "studies_included": "studies included",
    "reports_included": "reports of included studies",
    "studies_in_meta_analysis": "studies in the meta-analysis",
    "other_reports_sought": "other methods: reports sought for retrieval",
    "other_not_retrieved": "other methods: reports not retrieved",
    "other_assessed": "other methods: reports assessed for eligibility",
    "previous_studies": "studies included in the previous version",
    "previous_reports": "reports of studies included in the previous version",
}


@dataclass(frozen=True, kw_only=True)
class PrismaCounts:
    """The counts of a PRISMA 2020 flow diagram, checked to add up.

    The fields follow the boxes of the PRISMA 2020 template for new systematic reviews that
    searched databases, registers and other sources; the optional update block adds the
    studies and reports of the previous version of the review. Mappings (name to count) may
    be given as dicts or as sequences of ``(name, count)`` pairs; they are stored as
    immutable ordered mappings, in the order given (the order of the lines in the diagram).

    Building the counts checks them (see :meth:`check`): inconsistent counts raise
    :class:`PrismaError`, so a ``PrismaCounts`` always adds up.

    Parameters
    ----------
    databases : mapping of str to int
        Records identified in each database searched.
    registers : mapping of str to int, optional
        Records identified in each register searched (e.g. trial registries).
    duplicates_removed, automation_removed, other_removed : int
        Records removed before screening: duplicates, records marked as ineligible by
        automation tools, records removed for other reasons.
    records_screened, records_excluded : int
        Records screened (titles and abstracts) and records excluded at that stage.
    reports_sought, reports_not_retrieved, reports_assessed : int
        Reports sought for retrieval, reports not retrieved, reports assessed for eligibility
        (full texts).
    reports_excluded : mapping of str to int, optional
        Reports excluded at full text, per reason.
    studies_included, reports_included : int
        Studies included in the review and reports of the included studies (in an update:
        the totals, previous version included).
    studies_in_meta_analysis : int, optional
        Studies in at least one meta-analysis.
    other_methods : mapping of str to int, optional
        Records identified by each other method (websites, organisations, citation
        searching...). Giving it adds the other-methods column, and then
        ``other_reports_sought``, ``other_not_retrieved`` and ``other_assessed`` are
        required.
    other_reports_sought, other_not_retrieved, other_assessed : int, optional
        The other-methods column's reports sought, not retrieved and assessed.
    other_excluded : mapping of str to int, optional
        The other-methods column's reports excluded, per reason.
    previous_studies, previous_reports : int, optional
        Studies, and reports of studies, included in the previous version of the review
        (both or neither).

    Raises
    ------
    PrismaError
        Counts that do not add up, or negative counts; every problem is listed.
    TypeError
        A count that is not a whole number, or a malformed mapping.

    References
    ----------
    Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline
    for reporting systematic reviews. BMJ. 2021;372:n71.

    Examples
    --------
    >>> counts = PrismaCounts(
    ...     databases={"MEDLINE": 120, "Embase": 180},
    ...     duplicates_removed=100,
    ...     records_screened=200, records_excluded=170,
    ...     reports_sought=30, reports_not_retrieved=2, reports_assessed=28,
    ...     reports_excluded={"Wrong population": 15, "Wrong design": 6},
    ...     studies_included=5, reports_included=7,
    ... )
    >>> counts.records_identified, counts.reports_excluded_total
    (300, 21)
    >>> PrismaCounts(
    ...     databases={"MEDLINE": 120}, duplicates_removed=10,
    ...     records_screened=100, records_excluded=90,
    ...     reports_sought=10, reports_not_retrieved=0, reports_assessed=10,
    ...     studies_included=9, reports_included=10,
    ... )
    Traceback (most recent call last):
    ...
    evsynth.review._prisma.PrismaError: the PRISMA flow counts do not add up:
    - records identified (120) − duplicates removed (10) = 110, but records screened is 100
    """

    databases: Mapping[str, int]
    registers: Mapping[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    automation_removed: int = 0
    other_removed: int = 0
    records_screened: int
    records_excluded: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: Mapping[str, int] = field(default_factory=dict)
    studies_included: int
    reports_included: int
    studies_in_meta_analysis: int | None = None
    other_methods: Mapping[str, int] | None = None
    other_reports_sought: int | None = None
    other_not_retrieved: int | None = None
    other_assessed: int | None = None
    other_excluded: Mapping[str, int] | None = None
    previous_studies: int | None = None
    previous_reports: int | None = None

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _TALLIES:
                if value is not None:
                    object.__setattr__(self, f.name, _tally(value, f.name))
            elif value is not None or f.name not in _OPTIONAL:
                object.__setattr__(self, f.name, _count(value, f.name))
        if self.other_methods is None:
            given = [n for n in (*_OTHER_BLOCK, "other_excluded") if getattr(self, n) is not None]
            if given:
                raise TypeError(
                    f"{', '.join(given)} given without other_methods (the records identified "
                    "by other methods, which the other-methods column starts from)"
                )
        else:
            missing = [n for n in _OTHER_BLOCK if getattr(self, n) is None]
            if missing:
                raise TypeError(f"other_methods is given, so {', '.join(missing)} are required")
            if self.other_excluded is None:
                object.__setattr__(self, "other_excluded", _Tally(()))
        update = [getattr(self, n) is None for n in _UPDATE_BLOCK]
        if any(update) and not all(update):
            raise TypeError(
                "previous_studies and previous_reports go together: give both or neither"
            )
        if not self.databases and not self.registers:
            raise ValueError("no database or register is listed: give at least one")
        self.check()

    # ---- derived counts ----------------------------------------------------------------------

    @property
    def databases_total(self) -> int:
        """Records identified in all databases."""
        return self.databases.total()

    @property
    def registers_total(self) -> int:
        """Records identified in all registers."""
        return self.registers.total()

    @property
    def records_identified(self) -> int:
        """Records identified in databases and registers."""
        return self.databases_total + self.registers_total

    @property
    def records_removed(self) -> int:
        """Records removed before screening (duplicates, automation tools, other reasons)."""
        return self.duplicates_removed + self.automation_removed + self.other_removed

    @property
    def reports_excluded_total(self) -> int:
        """Reports excluded at full text, all reasons."""
        return self.reports_excluded.total()

    @property
    def has_other_methods(self) -> bool:
        """Whether the diagram has the other-methods column."""
        return self.other_methods is not None

    @property
    def is_update(self) -> bool:
        """Whether these are the counts of an updated review (with a previous version)."""
        return self.previous_studies is not None

    @property
    def other_identified(self) -> int:
        """Records identified by other methods (0 without the other-methods column)."""
        return self.other_methods.total() if self.other_methods is not None else 0

    @property
    def other_excluded_total(self) -> int:
        """Other-methods reports excluded, all reasons (0 without the column)."""
        return self.other_excluded.total() if self.other_excluded is not None else 0

    @property
    def other_reports_included(self) -> int:
        """Reports from other methods that were included (0 without the column)."""
        if self.other_assessed is None:
            return 0
        return self.other_assessed - self.other_excluded_total

    @property
    def new_reports_included(self) -> int:
        """Reports included from this version's searches (all of them in a new review)."""
        return self.reports_included - (self.previous_reports or 0)

    @property
    def new_studies_included(self) -> int:
        """Studies new in this version (all of them in a new review)."""
        return self.studies_included - (self.previous_studies or 0)

    # ---- the checks --------------------------------------------------------------------------

    def problems(self) -> tuple[str, ...]:
        """Every rule of the flow that these counts break, in words with the numbers.

        Always empty for a built ``PrismaCounts`` (building checks it); :meth:`check` raises
        them.
        """
        out = [
            f"{_WORDS.get(name, name)} is {value}; counts cannot be negative"
            for name, value in self._plain_counts()
            if value < 0
        ]
        for tally_name in _TALLIES:
            tally = getattr(self, tally_name)
            for key, n in (tally or {}).items():
                if n < 0:
                    out.append(f"{tally_name} {key!r} is {n}; counts cannot be negative")

        removed = [("duplicates removed", self.duplicates_removed)]
        removed += [
            (_WORDS[name], getattr(self, name))
            for name in ("automation_removed", "other_removed")
            if getattr(self, name) != 0
        ]
        expected = self.records_identified - sum(n for _, n in removed)
        if expected != self.records_screened:
            terms = " ".join(f"{_MINUS} {w} ({n})" for w, n in removed)
            out.append(
                f"records identified ({self.records_identified}) {terms} = {expected}, "
                f"but records screened is {self.records_screened}"
            )
        out += _difference(
            "records screened",
            self.records_screened,
            "records excluded",
            self.records_excluded,
            "reports sought for retrieval",
            self.reports_sought,
        )
        out += _difference(
            "reports sought for retrieval",
            self.reports_sought,
            "reports not retrieved",
            self.reports_not_retrieved,
            "reports assessed for eligibility",
            self.reports_assessed,
        )
        if self.reports_excluded_total > self.reports_assessed:
            out.append(
                f"reports excluded ({self.reports_excluded_total}) exceed reports assessed for "
                f"eligibility ({self.reports_assessed})"
            )
        if self.other_methods is not None:
            out += self._other_problems()

        terms = [
            f"reports assessed for eligibility ({self.reports_assessed}) {_MINUS} reports "
            f"excluded ({self.reports_excluded_total})"
        ]
        expected = self.reports_assessed - self.reports_excluded_total
        if self.other_methods is not None:
            terms.append(
                f"other methods: reports assessed ({self.other_assessed}) {_MINUS} reports "
                f"excluded ({self.other_excluded_total})"
            )
            expected += self.other_reports_included
        if self.previous_reports is not None:
            terms.append(f"reports of the previous version ({self.previous_reports})")
            expected += self.previous_reports
        if expected != self.reports_included:
            out.append(
                f"{' + '.join(terms)} = {expected}, but reports of included studies is "
                f"{self.reports_included}"
            )

        if self.studies_included > self.reports_included:
            out.append(
                f"studies included ({self.studies_included}) exceed reports of included "
                f"studies ({self.reports_included}): every study has at least one report"
            )
        if self.reports_included > 0 and self.studies_included == 0:
            out.append(
                f"reports of included studies is {self.reports_included}, but no study is included"
            )
        if (
            self.studies_in_meta_analysis is not None
            and self.studies_in_meta_analysis > self.studies_included
        ):
            out.append(
                f"studies in the meta-analysis ({self.studies_in_meta_analysis}) exceed studies "
                f"included ({self.studies_included})"
            )
        if self.previous_studies is not None:
            out += self._update_problems()
        return tuple(out)

    def check(self) -> None:
        """Raise :class:`PrismaError` listing every problem of :meth:`problems`, if any.

        The rules: no count is negative; records identified (databases and registers)
        − duplicates − records marked ineligible by automation tools − records removed for
        other reasons = records screened; records screened − records excluded = reports
        sought; reports sought − reports not retrieved = reports assessed; reports excluded
        ≤ reports assessed; reports assessed − reports excluded (+ the same for the
        other-methods column) (+ reports of the previous version) = reports of included
        studies; studies included ≤ reports included, and at least one study when a report
        is included; studies in the meta-analysis ≤ studies included. In the other-methods
        column: reports sought ≤ records identified, reports sought − not retrieved =
        reports assessed, reports excluded ≤ reports assessed. In an update: previous studies
        ≤ previous reports, and the new studies (studies included − previous studies) are
        between 0 and the new reports.
        """
        problems = self.problems()
        if problems:
            raise PrismaError(problems)

    def _plain_counts(self) -> list[tuple[str, int]]:
        return [
            (f.name, getattr(self, f.name))
            for f in fields(self)
            if f.name not in _TALLIES and getattr(self, f.name) is not None
        ]

    def _other_problems(self) -> list[str]:
        out = []
        if self.other_reports_sought > self.other_identified:
            out.append(
                f"other methods: reports sought for retrieval ({self.other_reports_sought}) "
                f"exceed records identified ({self.other_identified})"
            )
        out += _difference(
            "other methods: reports sought for retrieval",
            self.other_reports_sought,
            "reports not retrieved",
            self.other_not_retrieved,
            "reports assessed for eligibility",
            self.other_assessed,
        )
        if self.other_excluded_total > self.other_assessed:
            out.append(
                f"other methods: reports excluded ({self.other_excluded_total}) exceed reports "
                f"assessed for eligibility ({self.other_assessed})"
            )
        return out

    def _update_problems(self) -> list[str]:
        out = []
        if self.previous_studies > self.previous_reports:
            out.append(
                f"studies included in the previous version ({self.previous_studies}) exceed "
                f"their reports ({self.previous_reports})"
            )
        new_studies, new_reports = self.new_studies_included, self.new_reports_included
        if new_studies < 0:
            out.append(
                f"studies included ({self.studies_included}) are fewer than the studies of the "
                f"previous version ({self.previous_studies})"
            )
        elif new_studies > max(new_reports, 0):
            out.append(
                f"new studies (studies included {self.studies_included} {_MINUS} previous "
                f"{self.previous_studies} = {new_studies}) exceed new reports (reports "
                f"included {self.reports_included} {_MINUS} previous {self.previous_reports} "
                f"= {new_reports})"
            )
        return out


_OPTIONAL = frozenset(
    {"studies_in_meta_analysis", *_OTHER_BLOCK, *_UPDATE_BLOCK, "other_methods", "other_excluded"}
)


def _difference(a_words, a, b_words, b, c_words, c) -> list[str]:
    """``a − b = c`` in words, or nothing when it holds."""
    if a - b == c:
        return []
    return [f"{a_words} ({a}) {_MINUS} {b_words} ({b}) = {a - b}, but {c_words} is {c}"]
