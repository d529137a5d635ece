"""The ``evsynth`` command (Typer).

The CLI reads and checks files, calls :mod:`evsynth.stats` through the public API and prints
with rich; it computes no statistics itself.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path
from typing import Annotated

import typer

import evsynth as es
from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stderr as _stderr
from evsynth.cli._console import stdout as _stdout
from evsynth.cli._input import (
    LAYOUT_DESCRIPTIONS,
    InputError,
    StudyTable,
    read_study_table,
)
from evsynth.cli._records import records_app
from evsynth.cli._render import (
    print_result,
    print_subgroup_test,
    print_warnings,
)
from evsynth.cli._screening import screening_app
from evsynth.cli._users import reviews_app, users_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="evsynth",
    help="evsynth: systematic reviews with meta-analysis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

app.add_typer(records_app, name="records", help="Bibliographic records: import, dedup, export.")
app.add_typer(users_app, name="users", help="Workbench users: add, list.")
app.add_typer(reviews_app, name="reviews", help="Review teams: add members, list them.")
app.add_typer(
    screening_app, name="screening", help="Screening decisions: export, import, kappa, PRISMA."
)

MEASURES = ("MD", "SMD", "GENERIC")
METHODS = ("REML", "FE", "DL", "ML", "PM", "HE", "SJ", "HS", "EB")
TESTS = ("z", "hksj")
SMD_VARIANTS = ("hedges", "revman")


def _choice(choices: tuple[str, ...]):
    """A case-insensitive choice: returns the canonical spelling or raises a usage error."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        for choice in choices:
            if value.strip().lower() == choice.lower():
                return choice
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")

    return check


MEASURE_TEXT = {
    "MD": "mean difference (group 1 minus group 2)",
    "SMD": "standardised mean difference (group 1 minus group 2)",
    "GENERIC": "effect sizes as given",
}
DEMO_DIR = Path("evsynth-demo")
#: the examples/ folder of a source checkout (src/evsynth/cli/_app.py -> repository root)
EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evsynth {es.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """evsynth: systematic reviews with meta-analysis."""


# --- the engine, called through the public API ------------------------------------------

_INDEXED = re.compile(r"\b([A-Za-z_]\w*)\[(\d+)\]")


def _engine_error(exc: ValueError, table: StudyTable) -> InputError:
    """Map an engine ValueError such as ``sd1[3] is -1.0; ...`` to the file, line and column."""
    message = str(exc)
    match = _INDEXED.search(message)
    if match is None or int(match.group(2)) >= table.k:
        column = table.group_column if message.startswith("groups") else None
        return InputError(table.path, message, column=column)
    name, index = match.group(1), int(match.group(2))
    detail = _INDEXED.sub(lambda m: m.group(1), message, count=1)
    column = table.columns.get(name)
    if column is None and name == "groups":
        column = table.group_column
    if column is None and name == "labels":
        column = table.label_column
    if column is None:
        source = ", ".join(table.columns.values())
        detail = f"study '{table.labels[index]}' (from {source}): {detail}"
    return InputError(table.path, detail, line=table.lines[index], column=column)


def _effect_sizes(table: StudyTable, measure: str, smd_variant: str, input_level: float):
    v = table.values
    if table.layout == "arm":
        kwargs = {key: v[key] for key in ("m1", "sd1", "n1", "m2", "sd2", "n2")}
        if measure == "SMD":
            kwargs["smd_variant"] = smd_variant
        ef = es.effect_sizes(measure, **kwargs)
        return ef.yi, ef.vi
    if table.layout == "yi_vi":
        return v["yi"], v["vi"]
    if table.layout == "estimate_se":
        ef = es.effect_sizes("GENERIC", estimate=v["estimate"], se=v["se"])
        return ef.yi, ef.vi
    ef = es.effect_sizes(
        "GENERIC",
        estimate=v["estimate"],
        ci_low=v["ci_low"],
        ci_high=v["ci_high"],
        level=input_level,
    )
    return ef.yi, ef.vi


def _analyse(table, *, measure, method, test, level, smd_variant, input_level, by):
    """Run the analysis; return (result, warning messages). Engine errors become InputErrors."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yi, vi = _effect_sizes(table, measure, smd_variant, input_level)
            if by:
                result = es.subgroup_analysis(
                    yi,
                    vi,
                    table.groups,
                    method=method,
                    test=test,
                    level=level,
                    labels=table.labels,
                )
            else:
                result = es.meta_analysis(
                    yi, vi, method=method, test=test, level=level, labels=table.labels
                )
        except InputError:
            raise
        except ValueError as exc:
            raise _engine_error(exc, table) from None
    return result, list(dict.fromkeys(str(w.message) for w in caught))


def _check_level(level: float, option: str) -> float:
    if 0 < level < 1:
        return level * 100
    if 1 < level < 100:
        return level
    raise _fail(f"{option} must be a percentage between 1 and 100, such as 95 (got {level:g})")


def _model_label(method: str, test: str) -> str:
    model = "Common-effect" if method == "FE" else f"Random-effects ({method})"
    return f"{model}, {'HKSJ t-test' if test == 'hksj' else 'z-test'}"


def _pooled_label(method: str, test: str) -> str:
    """Short label of the pooled row: ``RE (REML)``, ``RE (REML, HKSJ)``, ``FE``."""
    parts = [] if method == "FE" else [method]
    if test == "hksj":
        parts.append("HKSJ")
    kind = "FE" if method == "FE" else "RE"
    return f"Pooled {kind}" + (f" ({', '.join(parts)})" if parts else "")


# --- evsynth meta ------------------------------------------------------------------------


@app.command()
def meta(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV file, one row per study: m1,sd1,n1,m2,sd2,n2 (MD, SMD), "
            "or yi,vi, or estimate,se, or estimate,ci_low,ci_high (GENERIC).",
            metavar="FILE.csv",
            show_default=False,
        ),
    ],
    measure: Annotated[
        str | None,
        typer.Option(
            metavar="MD|SMD|GENERIC",
            callback=_choice(MEASURES),
            help="Effect measure. Default: MD for arm-level columns, GENERIC otherwise.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            metavar="METHOD",
            callback=_choice(METHODS),
            help="tau^2 estimator: REML, DL, ML, PM, HE, SJ, HS, EB; FE for a common-effect model.",
        ),
    ] = "REML",
    test: Annotated[
        str,
        typer.Option(
            metavar="z|hksj",
            callback=_choice(TESTS),
            help="z (Wald) or hksj (Hartung-Knapp-Sidik-Jonkman, t with k-1 df).",
        ),
    ] = "z",
    by: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help="Column defining subgroups: one analysis per subgroup and a test for "
            "subgroup differences.",
        ),
    ] = None,
    smd_variant: Annotated[
        str | None,
        typer.Option(
            metavar="hedges|revman",
            callback=_choice(SMD_VARIANTS),
            help="SMD formulas: hedges (as metafor escalc) or revman (RevMan 5). Default: hedges.",
            show_default=False,
        ),
    ] = None,
    level: Annotated[
        float, typer.Option(metavar="PCT", help="Confidence level of the output, in %.")
    ] = 95.0,
    input_level: Annotated[
        float,
        typer.Option(metavar="PCT", help="Confidence level of ci_low/ci_high in the file, in %."),
    ] = 95.0,
    label_column: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help="Column with study labels. Default: 'study', else the first text column, "
            "else the row number.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Meta-analysis of the studies in a CSV file."""
    level = _check_level(level, "--level")
    input_level = _check_level(input_level, "--input-level")
    measure_name = measure
    if smd_variant is not None and measure_name != "SMD":
        raise _fail("--smd-variant applies only to --measure SMD")
    try:
        table = read_study_table(file, measure=measure_name, label_column=label_column, by=by)
        if measure_name is None:
            measure_name = "MD" if table.layout == "arm" else "GENERIC"
        result, messages = _analyse(
            table,
            measure=measure_name,
            method=method,
            test=test,
            level=level,
            smd_variant=(smd_variant or "hedges"),
            input_level=input_level,
            by=by,
        )
    except InputError as exc:
        raise _fail(exc.format()) from None

    console = _stdout()
    notes = [
        f"Data: {table.path}, k = {table.k}, {LAYOUT_DESCRIPTIONS[table.layout]}",
        f"Measure: {measure_name}, {MEASURE_TEXT[measure_name]}"
        + (f"; SMD variant {(smd_variant or 'hedges')}" if measure_name == "SMD" else ""),
        "Study labels: "
        + (f"column '{table.label_column}'" if table.label_column else "row numbers"),
    ]
    model = _model_label(method, test)
    if not by and result.method != method:  # e.g. the DL fallback after non-convergence
        model = _model_label(result.method, test)
    if by:
        print_result_groups(console, result, table, model=model, level=level, notes=notes)
    else:
        print_result(
            console,
            result,
            title=f"{model} meta-analysis",
            level=level,
            pooled_label=_pooled_label(method, test),
            notes=notes,
        )
    print_warnings(_stderr(), messages)


def print_result_groups(console, sub, table: StudyTable, *, model, level, notes) -> None:
    for label, res in sub.groups.items():
        print_result(
            console,
            res,
            title=f"Subgroup {table.group_column} = {label}: {model} meta-analysis",
            level=level,
            pooled_label=f"Pooled ({label})",
            notes=notes,
        )
        notes = ()
    print_subgroup_test(console, sub, table.group_column)


# --- evsynth demo ------------------------------------------------------------------------


@app.command()
def demo(
    directory: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Folder for the demo review (created if missing)."),
    ] = DEMO_DIR,
) -> None:
    """Copy the example review (peer support for chronic pain; synthetic data) into DIR,
    build its report in DIR/report, and set up its screening workbench (DIR/evsynth.db)."""
    if directory.exists() and not directory.is_dir():
        raise _fail(f"{directory}: exists and is not a folder")
    example = EXAMPLES_DIR / "peer-support-msk"
    if not (example / "review.toml").is_file():
        raise _fail(
            f"{example}: the example review is not there; `evsynth demo` runs from a source "
            "checkout of evsynth (make demo)"
        )
    shutil.copytree(
        example, directory, dirs_exist_ok=True, ignore=shutil.ignore_patterns("report", "*.db*")
    )
    review = _build_report(directory, directory / "report")
    from evsynth.cli._demo import DEMO_PASSWORD, DEMO_TEAM, demo_workbench

    with _stderr().status("Setting up the screening workbench"):
        demo_workbench(directory, review)
    users = ", ".join(f"{user} ({role})" for user, role in DEMO_TEAM)
    _stdout().print(
        f"Screening workbench: run `evsynth serve {directory}` and open "
        f"http://127.0.0.1:8000/; sign in as {users} with the password {DEMO_PASSWORD}",
        soft_wrap=True,
    )


# --- evsynth report ----------------------------------------------------------------------


@app.command()
def report(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="The review folder (review.toml, studies.csv, …).")
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="OUT", help="Report folder. Default: DIR/report."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write report.pdf (tables and forest plots).")
    ] = False,
) -> None:
    """Synthesise a review folder and write its report (index.html, figures/, tables/)."""
    _build_report(directory, output or directory / "report", pdf=pdf)


def _build_report(directory: Path, out: Path, pdf: bool = False):
    """Load, synthesise, appraise and report a review folder; return the loaded review."""
    from rich.progress import BarColumn, Progress, TextColumn

    from evsynth.report import write_report
    from evsynth.review import ReviewError

    try:
        review = es.load_review(directory)
    except ReviewError as exc:
        raise _fail(f"{directory}: the review folder has problems:\n{exc}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        synthesis = es.synthesise(review)
        try:
            appraisal = es.appraise(review, synthesis)
        except ReviewError as exc:
            raise _fail(f"{directory}: the review folder has problems:\n{exc}") from None
        prisma = _prisma_counts(directory, review, synthesis)
        pooled = synthesis.pooled_cells
        # steps: tables, each forest plot built, then every figure written (an estimate)
        steps = 10 + 2 * len(pooled) + sum(len(c.subgroups) for c in pooled)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), console=_stderr(), transient=True
        ) as bar:
            task = bar.add_task("Writing the report", total=steps)
            index = write_report(
                synthesis,
                out,
                review=review,
                appraisal=appraisal,
                prisma=prisma,
                pdf=pdf,
                progress=lambda msg: bar.update(task, advance=1, description=msg),
            )
    print_warnings(_stderr(), sorted({str(w.message) for w in caught}))
    _stdout().print(f"Report written to {index.resolve()}", soft_wrap=True)
    return review


def _prisma_counts(directory: Path, review, synthesis):
    """The PRISMA counts of the review's searches and screening, or None where it has none.

    An unreadable export stops the report; screening that is incomplete or inconsistent
    leaves the flow diagram out with a warning saying why.
    """
    from evsynth.records import RecordsError
    from evsynth.review import PrismaError
    from evsynth.screening import prisma_from_review

    if not review.protocol.sources:
        return None
    if not review.screening_decisions:
        message = "PRISMA flow diagram left out: screening.csv has no decisions yet"
        warnings.warn(message, stacklevel=2)
        return None
    try:
        return prisma_from_review(review, synthesis)
    except RecordsError as exc:
        raise _fail(f"{directory}: a search export cannot be read:\n{exc}") from None
    except PrismaError as exc:
        warnings.warn(f"PRISMA flow diagram left out: {exc}", stacklevel=2)
        return None


def main() -> None:
    """Entry point of the ``evsynth`` console script."""
    app()


# Commands defined in their own modules, registered here (they use the helpers above).
from evsynth.cli._dedup import dedup  # noqa: E402
from evsynth.cli._serve import serve  # noqa: E402
from evsynth.cli._simulate import simulate  # noqa: E402

app.command()(dedup)
app.command()(serve)
app.command()(simulate)
