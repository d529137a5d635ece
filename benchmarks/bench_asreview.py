"""The ASReview LAB baseline for screening prioritisation (evsynth issue 7).

Runs ``asreview simulate`` with ASReview's default model (ELAS u4) on each labelled dataset
of ``../shared/data/screening`` for each seed, starting from one included and one excluded
record chosen by :func:`evsynth.screening._priors.prior_indices` (the protocol of
``shared/data/README.md``), reads the order in which ASReview labelled the records from its
project file and scores that order with :func:`evsynth.screening._metrics.order_metrics`, the
code that scores evsynth's own orders.

ASReview lives in a virtual environment of its own, never in evsynth's::

    python3 -m venv /work/asreview-venv
    /work/asreview-venv/bin/pip install asreview==3.0.8

Usage::

    nice -n 19 .venv/bin/python benchmarks/bench_asreview.py            # 10 datasets x seeds 1..10
    .venv/bin/python benchmarks/bench_asreview.py --seeds 1 2 3 --datasets synergy_Donners_2021

Each run is one call, from a temporary directory holding the dataset as
``title,abstract,label_included`` (rows in the order of the CSV as read)::

    asreview simulate DATASET.csv --prior-idx I E --seed S -o project.asreview

``--prior-idx`` takes 0-based row numbers of the input file; ASReview numbers its records
the same way (``record.record_id == record.dataset_row`` == row), which is checked on every
run, as are the record count, the titles and the labels. Without ``--n-stop`` ASReview stops
when the last included record has been labelled. The project file is a zip holding
``results.db`` (SQLite); its ``results`` table has one row per labelled record, written in
the order of labelling: the priors first (``training_set`` NULL), then each record the model
chose (``training_set`` = the number of records labelled before it). The order is read
``ORDER BY rowid`` and checked against ``training_set``.

Output: one row per (dataset, seed) in ``--out``, and the screening orders (the rows in the
order ASReview labelled them, priors first; rows not listed were never reached and are all
excluded) in ``<out stem>-orders.csv.gz`` with columns ``dataset,seed,rank,row``. The
metrics append the unreached rows after the listed ones (their order cannot change any
metric: every included record is among the listed ones). ``seconds`` is the wall time of
the whole ``asreview simulate`` process (start-up, reading the CSV, features, the simulation,
writing the project file). Pairs already in ``--out`` are skipped, so an interrupted run
resumes; ASReview runs with one BLAS/OpenMP thread (its orders are the same either way).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from _screening_data import DATASETS, METRIC_COLUMNS, RESULTS, RUN_COLUMNS, load, run_row
from evsynth.screening._metrics import order_metrics
from evsynth.screening._priors import prior_indices

DEFAULT_ASREVIEW = Path("/work/asreview-venv/bin/asreview")
COLUMNS = (*RUN_COLUMNS, "screened", *METRIC_COLUMNS, "seconds", "asreview_version")
ORDER_COLUMNS = ("dataset", "seed", "rank", "row")
# one thread for BLAS/OpenMP: the benchmark must not take the second core from other work
SINGLE_THREAD = {
    name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
}


def asreview_version(executable: Path) -> str:
    # in a temporary directory: ASReview leaves a cache file (synergy_cache.sqlite) in its cwd
    with tempfile.TemporaryDirectory(prefix="bench-asreview-") as tmp:
        answer = subprocess.run(
            [str(executable), "--version"], cwd=tmp, capture_output=True, text=True, check=True
        )
    return answer.stdout.split()[-1]


def simulate(executable: Path, frame: pd.DataFrame, name: str, priors, seed: int, workdir: Path):
    """One ``asreview simulate`` call; returns the project file and the call's wall time."""
    dataset = workdir / f"{name}.csv"
    frame[["title", "abstract", "label_included"]].to_csv(dataset, index=False)
    project = workdir / "project.asreview"
    command = [
        str(executable),
        "simulate",
        dataset.name,
        "--prior-idx",
        *(str(row) for row in priors),
        "--seed",
        str(seed),
        "-o",
        project.name,
    ]
    start = time.perf_counter()
    answer = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, env={**os.environ, **SINGLE_THREAD}
    )
    seconds = time.perf_counter() - start
    if answer.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({name}, seed {seed}):\n{answer.stderr[-3000:]}"
        )
    return project, seconds


def read_order(project: Path, frame: pd.DataFrame, priors) -> tuple[np.ndarray, str]:
    """The rows in the order ASReview labelled them, checked against the input."""
    with zipfile.ZipFile(project) as archive:
        version = json.loads(archive.read("project.json"))["version"]
        database = project.parent / "results.db"
        database.write_bytes(archive.read("results.db"))
    with contextlib.closing(sqlite3.connect(database)) as connection:
        records = connection.execute(
            "SELECT record_id, dataset_row, title, included FROM record ORDER BY record_id"
        ).fetchall()
        results = connection.execute(
            "SELECT record_id, label, training_set FROM results ORDER BY rowid"
        ).fetchall()
    labels = frame["label_included"].to_numpy()
    if len(records) != len(frame):
        raise RuntimeError(f"ASReview read {len(records)} records, the CSV has {len(frame)}")
    for record_id, dataset_row, title, included in records:
        row = record_id
        if dataset_row != row or title != frame["title"].iat[row] or included != labels[row]:
            raise RuntimeError(f"ASReview's record {record_id} is not row {row} of the CSV")
    order = np.array([record_id for record_id, _, _ in results], dtype=np.int64)
    if order[: len(priors)].tolist() != list(priors):
        raise RuntimeError(f"the order starts {order[:2].tolist()}, not with the priors {priors}")
    training_sets = [training_set for _, _, training_set in results]
    if any(size is not None for size in training_sets[: len(priors)]) or training_sets[
        len(priors) :
    ] != list(range(len(priors), len(order))):
        raise RuntimeError("the results table is not in the order of labelling")
    if [label for _, label, _ in results] != labels[order].tolist():
        raise RuntimeError("the labels ASReview recorded differ from the CSV's")
    if len(set(order.tolist())) != len(order) or labels[order].sum() != labels.sum():
        raise RuntimeError("ASReview stopped before labelling every included record")
    return order, version


def run_one(executable: Path, name: str, frame: pd.DataFrame, seed: int):
    labels = frame["label_included"].to_numpy()
    priors = prior_indices(labels, seed)
    with tempfile.TemporaryDirectory(prefix="bench-asreview-") as tmp:
        project, seconds = simulate(executable, frame, name, priors, seed, Path(tmp))
        order, version = read_order(project, frame, priors)
    unreached = np.setdiff1d(np.arange(len(labels)), order)
    metrics = order_metrics(labels[np.concatenate([order, unreached])])
    row = run_row(name, seed, priors, metrics)
    row.update(screened=len(order), seconds=round(seconds, 3), asreview_version=version)
    return row, order


def orders_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-orders.csv.gz")


def finished_runs(out: Path) -> pd.DataFrame:
    """The rows already in ``out``; orders of runs not in it (an interrupted run) are dropped."""
    done = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=COLUMNS)
    orders = orders_path(out)
    if orders.exists():
        stored = pd.read_csv(orders)
        keep = stored.set_index(["dataset", "seed"]).index.isin(
            done.set_index(["dataset", "seed"]).index
        )
        if not keep.all():
            stored[keep].to_csv(orders, index=False, compression="gzip")
    return done


def append(out: Path, row: dict, order: np.ndarray) -> None:
    # the order first: a run counts as done only once its row is in ``out``
    orders = orders_path(out)
    new_orders = not orders.exists()
    with gzip.open(orders, "at", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new_orders:
            writer.writerow(ORDER_COLUMNS)
        writer.writerows(
            (row["dataset"], row["seed"], rank, int(r)) for rank, r in enumerate(order)
        )
    new_out = not out.exists()
    with open(out, "a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        if new_out:
            writer.writeheader()
        writer.writerow(row)


def summary(results: pd.DataFrame, version: str) -> Table:
    table = Table(title=f"ASReview {version} (ELAS u4): mean (SD) over seeds")
    for header in ("dataset", "N", "R", "seeds", "loss", "WSS@95", "ATD", "recall@10%", "s/run"):
        table.add_column(header, justify="left" if header == "dataset" else "right")
    names = [name for name in DATASETS if name in set(results["dataset"])]
    for name in names:
        runs = results[results["dataset"] == name]
        table.add_row(
            name,
            str(runs["records"].iat[0]),
            str(runs["included"].iat[0]),
            str(len(runs)),
            f"{runs['loss'].mean():.4f} ({runs['loss'].std():.4f})",
            f"{runs['wss_95'].mean():.3f} ({runs['wss_95'].std():.3f})",
            f"{runs['atd'].mean():.4f}",
            f"{runs['recall_10'].mean():.3f}",
            f"{runs['seconds'].mean():.1f}",
        )
    means = results.groupby("dataset")[["loss", "wss_95", "atd", "recall_10", "seconds"]].mean()
    table.add_row(
        "mean of the dataset means",
        "",
        "",
        str(len(results)),
        f"{means['loss'].mean():.4f}",
        f"{means['wss_95'].mean():.3f}",
        f"{means['atd'].mean():.4f}",
        f"{means['recall_10'].mean():.3f}",
        f"{means['seconds'].mean():.1f}",
    )
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asreview", type=Path, default=DEFAULT_ASREVIEW)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument(
        "--out", type=Path, help="default: benchmarks/results/screening/asreview-VERSION.csv"
    )
    args = parser.parse_args(argv)
    if not args.asreview.exists():
        parser.error(f"no ASReview at {args.asreview} (see this script's docstring)")
    version = asreview_version(args.asreview)
    out = args.out or RESULTS / f"asreview-{version}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    done = finished_runs(out)
    done_pairs = set(zip(done["dataset"], done["seed"].astype(int), strict=True))
    console = Console(width=None if sys.stdout.isatty() else 140)
    for name in args.datasets:
        todo = [seed for seed in args.seeds if (name, seed) not in done_pairs]
        if not todo:
            continue
        frame = load(name)
        for seed in todo:
            row, order = run_one(args.asreview, name, frame, seed)
            append(out, row, order)
            console.print(
                f"{name} seed {seed}: loss {row['loss']:.4f}, WSS@95 {row['wss_95']:.3f}, "
                f"screened {row['screened']} of {row['records']}, {row['seconds']:.1f} s"
            )
    results = pd.read_csv(out)
    chosen = results[results["dataset"].isin(args.datasets) & results["seed"].isin(args.seeds)]
    console.print(summary(chosen, version))
    console.print(f"rows: {out}\norders: {orders_path(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
