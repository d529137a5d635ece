"""The records of a review folder: every export named by review.toml's ``[[source]]`` blocks,
read and deduplicated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from evsynth.records._dedup import DedupResult, deduplicate
from evsynth.records._model import Record
from evsynth.records._readers import read_records
from evsynth.review import Review, SearchSource

__all__ = ["Identification", "identify", "record_id", "dedup_fields"]

_DEDUP_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")


def record_id(record: Record) -> str:
    """A record's id in a review folder: its export's file name and 1-based position.

    Examples
    --------
    >>> record_id(Record("records/medline.nbib", "MEDLINE", 11, 230, {}))
    'medline.nbib#12'
    """
    return f"{Path(record.source_file).name}#{record.record_index + 1}"


def dedup_fields(record: Record, identifier: str) -> dict[str, object]:
    """The mapping :func:`evsynth.records.deduplicate` reads for one record."""
    fields: dict[str, object] = {name: getattr(record, name) for name in _DEDUP_FIELDS}
    fields["id"] = identifier
    return fields


@dataclass(frozen=True)
class Identification:
    """What the searches found: the records of each source and their duplicate groups.

    Attributes
    ----------
    sources : tuple of SearchSource
        The searched databases and registers, in review.toml's order.
    records : Mapping of str to Record
        Every record by its id (``FILE#N``), in source order.
    dedup : DedupResult
        The automatic duplicate groups (and the uncertain pairs, not merged).
    """

    sources: tuple[SearchSource, ...]
    records: Mapping[str, Record]
    dedup: DedupResult

    def counts(self, kind: str) -> dict[str, int]:
        """Records identified per source of one kind ("database" or "register")."""
        names = {s.name: 0 for s in self.sources if s.kind == kind}
        for record in self.records.values():
            if record.source_name in names:
                names[record.source_name] += 1
        return names

    @cached_property
    def primary_of(self) -> dict[str, str]:
        """Record id -> the primary id of its duplicate group (itself when unique)."""
        primary = {identifier: identifier for identifier in self.records}
        for group in self.dedup.groups:
            for member in group:
                primary[member] = group[0]
        return primary


def identify(review: Review) -> Identification:
    """Read every export of ``review.protocol.sources`` and deduplicate the records.

    Raises
    ------
    RecordsError
        An export cannot be read (the message names the file and line).

    Examples
    --------
    >>> import evsynth as es
    >>> review = es.load_review("examples/peer-support-msk")  # doctest: +SKIP
    >>> identify(review).dedup.n_duplicates_removed  # doctest: +SKIP
    """
    records: dict[str, Record] = {}
    for source in review.protocol.sources:
        path = review.root / source.file
        for record in read_records(path, source_name=source.name, format=source.format):
            records[record_id(record)] = record
    dedup = deduplicate([dedup_fields(r, identifier) for identifier, r in records.items()])
    return Identification(review.protocol.sources, records, dedup)
