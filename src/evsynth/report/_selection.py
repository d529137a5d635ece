"""The report's study-selection section: the searches, the PRISMA 2020 flow diagram and its
counts as a table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evsynth.report._prisma import prisma_flow_diagram
from evsynth.review import PrismaCounts, Protocol

__all__ = ["selection_section", "prisma_rows", "search_text"]


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def search_text(protocol: Protocol, counts: PrismaCounts) -> str:
    """A methods sentence on the searches (grouped by date) and the deduplication.

    Examples
    --------
    >>> import textwrap
    >>> from evsynth.review import SearchSource
    >>> counts = PrismaCounts(
    ...     databases={"MEDLINE": 3, "Embase": 2, "CINAHL": 1}, duplicates_removed=1,
    ...     records_screened=5, records_excluded=4, reports_sought=1, reports_not_retrieved=0,
    ...     reports_assessed=1, studies_included=1, reports_included=1)
    >>> protocol = Protocol("T", "x", "", {}, (), (), (), sources=(
    ...     SearchSource("MEDLINE", "m.nbib", searched="2024-01-31"),
    ...     SearchSource("Embase", "e.ris", searched="2024-01-31"),
    ...     SearchSource("CINAHL", "c.ris")))
    >>> print(textwrap.fill(search_text(protocol, counts), 88))
    We searched MEDLINE and Embase on 2024-01-31, and CINAHL; the 6 records found were
    deduplicated automatically (1 duplicate removed) before screening.
    """
    by_date: dict[str, list[str]] = {}
    for source in protocol.sources:
        by_date.setdefault(source.searched, []).append(source.name)
    parts = [_joined(names) + (f" on {date}" if date else "") for date, names in by_date.items()]
    searched = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]
    removed = counts.duplicates_removed
    return (
        f"We searched {searched}; the {counts.records_identified:,} records found were "
        "deduplicated automatically "
        f"({removed:,} duplicate{'' if removed == 1 else 's'} removed) before screening."
    )


def prisma_rows(counts: PrismaCounts) -> list[tuple[str, str, int]]:
    """The flow diagram's counts as (box, item, n) rows, in the diagram's order."""
    rows = [("identified", name, n) for name, n in counts.databases.items()]
    rows += [("identified (registers)", name, n) for name, n in counts.registers.items()]
    rows += [
        ("removed before screening", "duplicate records", counts.duplicates_removed),
        ("removed before screening", "marked ineligible by automation tools",
         counts.automation_removed),
        ("removed before screening", "other reasons", counts.other_removed),
        ("screening", "records screened", counts.records_screened),
        ("screening", "records excluded", counts.records_excluded),
        ("retrieval", "reports sought for retrieval", counts.reports_sought),
        ("retrieval", "reports not retrieved", counts.reports_not_retrieved),
        ("eligibility", "reports assessed for eligibility", counts.reports_assessed),
    ]  # fmt: skip
    rows += [("reports excluded", reason, n) for reason, n in counts.reports_excluded.items()]
    rows += [
        ("included", "studies included in review", counts.studies_included),
        ("included", "reports of included studies", counts.reports_included),
    ]
    if counts.studies_in_meta_analysis is not None:
        rows.append(("included", "studies in the meta-analyses", counts.studies_in_meta_analysis))
    return rows


def selection_section(counts: PrismaCounts, protocol: Protocol, out: Path, writer) -> dict:
    """Draw the flow diagram, write tables/prisma.csv; return what the page shows."""
    buffer = io.StringIO()
    table = csv.writer(buffer, lineterminator="\n")
    table.writerow(["box", "item", "n"])
    table.writerows(prisma_rows(counts))
    (out / "tables" / "prisma.csv").write_text(buffer.getvalue(), encoding="utf-8")
    svg = writer.add(prisma_flow_diagram(counts), "prisma-flow-diagram", "p")
    return {"svg": svg, "text": search_text(protocol, counts) if protocol.sources else ""}
