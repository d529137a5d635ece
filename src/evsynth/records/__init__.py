"""Bibliographic records: import of database exports (RIS, PubMed/MEDLINE, BibTeX, EndNote
XML, CSV/TSV, Web of Science) into normalised records, and deduplication.

``read_records(path, source_name=...)`` reads one export (format detected from the extension
and the content, encoding from the bytes) into :class:`Record` objects, or raises
:class:`RecordsError` naming the file and line: a file yields all its records or none.
``deduplicate(records)`` groups duplicates conservatively: certain pairs merge, uncertain
ones go to a review queue. ``identify(review)`` reads every export that a review folder's
``[[source]]`` blocks name and deduplicates them. Works on in-memory records; the store
(``evsynth.store``) keeps them.
"""

from evsynth.records._dedup import DedupResult, ReviewPair, deduplicate, write_groups_csv
from evsynth.records._folder import Identification, dedup_fields, identify, record_id
from evsynth.records._model import (
    Record,
    RecordsError,
    normalise_author,
    normalise_authors,
    normalise_doi,
    normalise_pages,
    normalise_year,
)
from evsynth.records._readers import FIELDS, FORMATS, read_records
from evsynth.records._writers import CSV_COLUMNS, WRITE_FORMATS, write_records

__all__ = [
    "read_records",
    "write_records",
    "WRITE_FORMATS",
    "CSV_COLUMNS",
    "identify",
    "Identification",
    "record_id",
    "dedup_fields",
    "deduplicate",
    "write_groups_csv",
    "DedupResult",
    "ReviewPair",
    "Record",
    "RecordsError",
    "FORMATS",
    "FIELDS",
    "normalise_doi",
    "normalise_pages",
    "normalise_year",
    "normalise_author",
    "normalise_authors",
]
