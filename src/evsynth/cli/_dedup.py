"""``evsynth dedup FILE...``: deduplicate exports without a review folder."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stderr as _stderr
from evsynth.cli._console import stdout as _stdout
from evsynth.records import (
    RecordsError,
    dedup_fields,
    deduplicate,
    read_records,
    record_id,
    write_groups_csv,
)

__all__ = ["dedup"]

#: id columns recognised in tabular exports (the benchmark files' "ID" among them)
ID_COLUMNS = ("record_id", "ID", "id")


def _ids(records, id_column: str | None) -> list[str]:
    """Each record's id: the id column's value, or FILE#N when there is none."""
    column = id_column
    if column is None:
        column = next((c for c in ID_COLUMNS if all(c in r.raw for r in records)), None)
        if column is None or not records:
            return [record_id(r) for r in records]
    ids, seen = [], {}
    for record in records:
        value = record.raw.get(column)
        value = value.strip() if isinstance(value, str) else value
        if not value:
            raise RecordsError(
                record.source_file, record.line, f"no {column!r} value (--id-column)"
            )
        if value in seen:
            first = seen[value]
            raise RecordsError(
                record.source_file,
                record.line,
                f"id {value!r} repeats the id of {first.source_file}, line {first.line}; "
                "record ids must be unique",
            )
        seen[value] = record
        ids.append(value)
    return ids


def dedup(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="Exports to deduplicate (RIS, nbib, BibTeX, CSV, …)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="CSV", help="Duplicate groups: one row per group."),
    ],
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id-column",
            metavar="ID",
            help="Field holding each record's id (default: a record_id/ID/id column, else FILE#N).",
        ),
    ] = None,
    queue: Annotated[
        Path | None,
        typer.Option("--queue", metavar="CSV", help="Also write the uncertain pairs here."),
    ] = None,
) -> None:
    """Find duplicate records across exports and write the groups (ids joined by ';'),
    in the format of the deduplication benchmark's merged_record_ids.csv."""
    records = []
    try:
        for path in files:
            records.extend(read_records(path))
        ids = _ids(records, id_column)
    except RecordsError as exc:
        raise _fail(f"{exc}\nNothing was written.") from None
    with _stderr().status(f"Deduplicating {len(records):,} records"):
        result = deduplicate([dedup_fields(r, i) for r, i in zip(records, ids, strict=True)])
    write_groups_csv(result, out)
    if queue is not None:
        with open(queue, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["first_id", "second_id", "title", "authors", "reason"])
            for pair in result.review_pairs:
                writer.writerow(
                    [pair.first_id, pair.second_id, f"{pair.title:.0f}", f"{pair.authors:.0f}",
                     pair.reason]
                )  # fmt: skip
    console = _stdout()
    console.print(
        f"{result.n_records:,} records: {len(result.groups):,} duplicate groups, "
        f"{result.n_duplicates_removed:,} duplicates removed, "
        f"{len(result.review_pairs):,} uncertain pairs left for a person"
    )
    console.print(f"Groups written to {out}", soft_wrap=True)
