"""Bibliographic records: import of database exports (RIS, PubMed/MEDLINE, BibTeX, EndNote
XML, CSV/TSV) into normalised records, and deduplication.

Works on in-memory records; the store (``evsynth.store``) keeps them.
"""

__all__: list[str] = []
