"""``evsynth records``: import search exports into the workflow store, list, deduplicate,
export.

The review is named after its folder (``DIR``); the store is ``DIR/evsynth.db`` unless
``--db`` names another database (e.g. a team's PostgreSQL server).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stderr as _stderr
from evsynth.cli._console import stdout as _stdout
from evsynth.records import FORMATS, RecordsError, write_groups_csv
from evsynth.store import DEFAULT_DATABASE, Store, StoreError, open_store

__all__ = ["records_app"]

records_app = typer.Typer(
    help="Bibliographic records: import search exports, deduplicate, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXPORT_FORMATS = ("ris", "csv")

ReviewDir = Annotated[
    Path,
    typer.Argument(metavar="DIR", help="The review folder (the review is named after it)."),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (sqlite:///… or postgresql://…). Default: DIR/evsynth.db.",
    ),
]


def _review_name(directory: Path) -> str:
    return directory.resolve().name


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return None


@contextmanager
def _store(directory: Path, db: str | None, *, create: bool = False) -> Iterator[Store]:
    """Open the store, turning every store or records error into one line and exit code 1.

    Without ``create``, a review folder without a store is an error (nothing is created).
    """
    if db is None and not create and not (directory / DEFAULT_DATABASE).is_file():
        raise _fail(
            f"{directory}: no {DEFAULT_DATABASE} here yet (import records first: "
            "evsynth records import DIR FILE... --source NAME)"
        )
    store = None
    try:
        store = open_store(db, directory=directory)
        yield store
    except (StoreError, RecordsError) as error:
        raise _fail(str(error)) from None
    finally:
        if store is not None:
            store.close()


def _choice(value: str | None, choices: tuple[str, ...], option: str) -> str | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)
    return lowered


@records_app.command("import")
def import_(
    directory: ReviewDir,
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Search exports of one source.")
    ],
    source: Annotated[
        str, typer.Option("--source", metavar="NAME", help="The database searched, e.g. MEDLINE.")
    ],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="F",
            help=f"File format ({', '.join(FORMATS)}). Default: detected per file.",
        ),
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Import search exports into the review, all or nothing: a malformed file stores no
    records from any file."""
    format = _choice(format, FORMATS, "--format")
    with _store(directory, db, create=True) as store:
        with _stderr().status(f"Importing {len(files)} file(s)…"):
            summary = store.import_records(
                _review_name(directory), source, files, format=format, imported_by=_user()
            )
    console = _stdout()
    span = summary.first_last_ids
    ids = f" ({span[0]}–{span[-1]})" if span else ""
    console.print(
        f"Imported {summary.n_records} records{ids} from {source} into review '{summary.review}':",
        soft_wrap=True,
    )
    for path, count in summary.files:
        console.print(f"  {path}: {count}", soft_wrap=True)


@records_app.command("list")
def list_(directory: ReviewDir, db: DatabaseOption = None) -> None:
    """Show the review's records per source, its duplicate groups and its review queue."""
    review = _review_name(directory)
    with _store(directory, db) as store:
        counts = store.source_counts(review)
        runs = store.dedup_runs(review)
        groups = store.duplicate_groups(review)
        queue = store.review_queue(review)
    total = sum(counts.values())
    table = Table(title=f"Review '{review}'", title_justify="left")
    table.add_column("Source")
    table.add_column("Records", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    table.add_section()
    table.add_row("Total", str(total), style="bold")
    table.add_section()
    if runs:
        removed = sum(len(group.record_ids) - 1 for group in groups)
        person = sum(group.origin == "person" for group in groups)
        table.add_row(f"Duplicate groups ({person} made by a person)", str(len(groups)))
        table.add_row("Records removed as duplicates", str(removed))
        table.add_row("Unique records", str(total - removed), style="bold")
        table.add_row("Review queue (uncertain pairs)", str(len(queue)))
    else:
        table.add_row("Duplicate groups", "not run yet")
    console = _stdout()
    console.print(table)
    if runs and runs[-1].n_records != total:
        console.print(
            f"{total - runs[-1].n_records} records were imported after the last "
            "deduplication: run evsynth records dedup again.",
            soft_wrap=True,
        )


@records_app.command()
def dedup(
    directory: ReviewDir,
    db: DatabaseOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Also write the groups as CSV (merged_ids)."),
    ] = None,
) -> None:
    """Find duplicate records (conservatively: uncertain pairs go to a review queue) and save
    the groups; groups made by a person are kept."""
    review = _review_name(directory)
    with _store(directory, db) as store:
        n_records = sum(store.source_counts(review).values())
        with _stderr().status(f"Deduplicating {n_records} records…"):
            result = store.deduplicate(review, run_by=_user())
    if out is not None:
        try:
            write_groups_csv(result, out)
        except OSError as error:
            raise _fail(f"{out}: cannot write the groups: {error.strerror}") from None
    console = _stdout()
    console.print(
        f"{result.n_records} records: {len(result.groups)} duplicate groups, "
        f"{result.n_duplicates_removed} records removed, "
        f"{result.n_records - result.n_duplicates_removed} unique.",
        soft_wrap=True,
    )
    console.print(f"Review queue: {len(result.review_pairs)} uncertain pairs to decide.")
    if out is not None:
        console.print(f"Groups written to {out}", soft_wrap=True)


@records_app.command()
def export(
    directory: ReviewDir,
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="The file to write.")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format", metavar="ris|csv", help="Default: from the --out extension (.ris, .csv)."
        ),
    ] = None,
    all_records: Annotated[
        bool,
        typer.Option("--all", help="Every record; default: one record per duplicate group."),
    ] = False,
    db: DatabaseOption = None,
) -> None:
    """Write the review's records (unique ones by default) to a RIS or CSV file."""
    format = _choice(format, EXPORT_FORMATS, "--format")
    if format is None:
        format = out.suffix.lower().lstrip(".")
        if format not in EXPORT_FORMATS:
            raise _fail(f"{out}: say --format ris or --format csv (not clear from the name)")
    review = _review_name(directory)
    with _store(directory, db) as store:
        try:
            n_written = store.export(review, out, format, unique=not all_records)
        except OSError as error:
            raise _fail(f"{out}: cannot write the file: {error.strerror}") from None
        deduplicated = bool(store.dedup_runs(review))
    which = "all" if all_records or not deduplicated else "unique"
    _stdout().print(f"Wrote {n_written} records ({which}) to {out}", soft_wrap=True)
    if not all_records and not deduplicated:
        _stderr().print("Note: not deduplicated yet, so every record was written.")
