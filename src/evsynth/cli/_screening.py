"""``evsynth screening``: the workbench's decisions as files, agreement and the PRISMA counts.

Every command works on the review named after DIR, in DIR/evsynth.db or in the database
given with ``--db`` (a team server).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stdout as _stdout
from evsynth.cli._users import DatabaseOption, ReviewDir, _store
from evsynth.review import PrismaError
from evsynth.screening import AGREEMENT_CSV_FIELDS, agreement_csv_rows

__all__ = ["screening_app"]

screening_app = typer.Typer(
    help="Screening decisions: export, import, agreement (kappa), PRISMA counts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

STAGE_NAMES = {"title_abstract": "title/abstract", "full_text": "full text"}


def _open(directory: Path, db: str | None):
    return _store(None if db else directory, db, create=False)


@screening_app.command("export")
def export_decisions(
    directory: ReviewDir,
    out: Annotated[
        Path,
        typer.Option("--out", metavar="FILE", help="The CSV file to write (decisions.csv)."),
    ],
    db: DatabaseOption = None,
) -> None:
    """Write every decision event of the review to a CSV file, in the order recorded."""
    review = directory.resolve().name
    with _open(directory, db) as store:
        try:
            n = store.export_decisions_csv(review, out)
        except OSError as error:
            raise _fail(f"{out}: cannot be written ({error.strerror})") from None
    _stdout().print(f"Wrote {n} decision events of review '{review}' to {out}", soft_wrap=True)


@screening_app.command("import")
def import_decisions(
    directory: ReviewDir,
    decisions: Annotated[
        Path, typer.Argument(metavar="FILE", help="A decisions CSV file (as export writes).")
    ],
    as_user: Annotated[
        str, typer.Option("--as", metavar="USER", help="The lead of the review who imports.")
    ],
    db: DatabaseOption = None,
) -> None:
    """Append an earlier screening's decisions to the review, all or nothing."""
    review = directory.resolve().name
    with _open(directory, db) as store:
        n = store.import_decisions_csv(review, decisions, as_user=as_user)
    _stdout().print(f"Imported {n} decision events into review '{review}'", soft_wrap=True)


def _number(value: float, digits: int = 3) -> str:
    return "undefined" if math.isnan(value) else f"{value:.{digits}f}"


@screening_app.command("agreement")
def show_agreement(
    directory: ReviewDir,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Also write the results to a CSV file."),
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Cohen's kappa (95% CI), percent agreement and PABAK per stage and reviewer pair."""
    review = directory.resolve().name
    with _open(directory, db) as store:
        results = store.agreement(review)
    console = _stdout()
    if not results:
        console.print(
            f"No agreement yet: review '{review}' has no record on which voting has closed.",
            soft_wrap=True,
        )
    else:
        table = Table(title=f"Agreement between reviewers, review '{review}'")
        for name in ("Stage", "Pair", "n", "Kappa (95% CI)", "Agreement", "PABAK"):
            table.add_column(name, justify="left" if name in ("Stage", "Pair") else "right")
        for result in results:
            low, high = result.confidence_interval(0.95)
            kappa = _number(result.kappa)
            if not math.isnan(result.kappa):
                kappa += f" ({_number(low)} to {_number(high)})"
            table.add_row(
                STAGE_NAMES[result.stage],
                " / ".join(result.reviewers) if result.reviewers else "all pairs",
                str(result.n),
                kappa,
                f"{result.percent_agreement:.1f}%",
                _number(result.pabak),
            )
        console.print(table)
    if out is not None:
        try:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, AGREEMENT_CSV_FIELDS, lineterminator="\n")
                writer.writeheader()
                writer.writerows(agreement_csv_rows(results))
        except OSError as error:
            raise _fail(f"{out}: cannot be written ({error.strerror})") from None
        console.print(f"Wrote {len(results)} rows to {out}", soft_wrap=True)


def _tally(counts) -> str:
    return ", ".join(f"{name}: {n}" for name, n in counts.items())


@screening_app.command("prisma")
def show_prisma(directory: ReviewDir, db: DatabaseOption = None) -> None:
    """The PRISMA 2020 counts of the review, or why they are not complete yet."""
    review = directory.resolve().name
    with _open(directory, db) as store:
        try:
            counts = store.prisma_counts(review)
        except PrismaError as error:
            listed = "\n".join(f"- {problem}" for problem in error.problems)
            raise _fail(
                f"the PRISMA counts of review '{review}' are not complete:\n{listed}"
            ) from None
    table = Table(title=f"PRISMA 2020 counts, review '{review}'", show_header=False)
    table.add_column("Box")
    table.add_column("Records", justify="right")
    table.add_column("Detail")
    rows = [
        ("Records identified", counts.records_identified, _tally(counts.databases)),
        ("Duplicates removed", counts.duplicates_removed, ""),
        ("Records screened", counts.records_screened, ""),
        ("Records excluded", counts.records_excluded, ""),
        ("Reports sought for retrieval", counts.reports_sought, ""),
        ("Reports not retrieved", counts.reports_not_retrieved, ""),
        ("Reports assessed for eligibility", counts.reports_assessed, ""),
        ("Reports excluded", counts.reports_excluded_total, _tally(counts.reports_excluded)),
        ("Studies included", counts.studies_included, ""),
        ("Reports of included studies", counts.reports_included, ""),
    ]
    for box, n, detail in rows:
        table.add_row(box, str(n), detail)
    _stdout().print(table)
