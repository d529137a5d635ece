"""Benchmark of the statistical stopping rule (evsynth issue 7, stopping).

Applies :func:`evsynth.screening._stopping.stopping_point` to the screening orders written by
the prioritisation benchmarks, ``benchmarks/results/screening/*-orders.csv.gz`` (columns
``dataset,seed,rank,row``: the dataset rows in the order they were screened; rows not listed
were never reached and are all excluded, so they are appended after the listed ones, which is
checked). Labels come from ``_screening_data.load(name)["label_included"]``.

For each order, two ways of stopping (recall target 95 %, confidence 95 % unless changed):

- ``ranked``: the ranked test applied after every record (the last records screened are
  treated as a random sample, every window scanned);
- ``random_sample``: prioritised screening until 50 excluded records in a row (ASReview's own
  heuristic), then the remaining records in a random order drawn with the run's seed (or
  ``--sample-seeds`` seeds per order), the random-sample test applied after every record;

and, for comparison, the heuristic alone (stop after 50 excluded records in a row) and the
oracle (stop as soon as 95 % of the included records are found).

Per source file and dataset, then overall: runs, how many reached the target at the stop,
the mean recall reached and the mean share of records screened at the stop. The figure the
issue asks for: the rule reaching its target in >= 95 % of runs.

When no orders file exists yet, the same is run on synthetic orders (or always with
``--synthetic``): 2,000 records with 50 included, in random order, in a prioritised-like order
(each included record 10 times as likely as an excluded one to come next) and in the perfect
order, 100 seeds each.

Usage::

    nice -n 19 .venv/bin/python benchmarks/bench_stopping.py
    .venv/bin/python benchmarks/bench_stopping.py --synthetic
    .venv/bin/python benchmarks/bench_stopping.py --recall-target 0.9 --sample-seeds 5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from _screening_data import RESULTS, load
from evsynth.screening._stopping import stopping_point

HEURISTIC_RUN = 50


def orders_from_file(path: Path) -> Iterator[tuple[str, int, np.ndarray]]:
    """(dataset, seed, labels in screening order) for every run in one orders file."""
    frame = pd.read_csv(path)
    for name, runs in frame.groupby("dataset", sort=True):
        labels = load(str(name))["label_included"].to_numpy()
        for seed, run in runs.groupby("seed", sort=True):
            rows = run.sort_values("rank")["row"].to_numpy()
            if len(np.unique(rows)) != len(rows) or rows.min() < 0 or rows.max() >= len(labels):
                raise ValueError(f"{path.name}: {name} seed {seed}: rows repeated or out of range")
            unreached = np.setdiff1d(np.arange(len(labels)), rows)
            if labels[unreached].any():
                raise ValueError(
                    f"{path.name}: {name} seed {seed}: an included record was never screened"
                )
            yield str(name), int(seed), labels[np.concatenate((rows, unreached))]


def synthetic_orders(runs: int = 100) -> Iterator[tuple[str, int, np.ndarray]]:
    n_records, n_included = 2000, 50
    base = np.zeros(n_records, dtype=np.int64)
    base[:n_included] = 1
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        yield "random order", seed, rng.permutation(base)
        weights = np.where(base == 1, 10.0, 1.0)
        order = rng.choice(n_records, n_records, replace=False, p=weights / weights.sum())
        yield "prioritised (bias 10)", seed, base[order]
        yield "perfect order", seed, base


def heuristic_stop(labels: np.ndarray, run: int) -> int:
    """Records screened when ``run`` excluded records in a row were first seen (else all)."""
    positions = np.arange(1, labels.size + 1)
    last_included = np.maximum.accumulate(np.where(labels == 1, positions, 0))
    reached = np.flatnonzero(positions - last_included >= run)
    return int(reached[0] + 1) if reached.size else labels.size


def evaluate(labels, seed, target, confidence, sample_seeds) -> list[dict]:
    rows = []
    ranked = stopping_point(labels, recall_target=target, confidence=confidence)
    rows.append(("ranked", ranked.recall, ranked.share_screened, ranked.reached_target))
    for offset in range(sample_seeds):
        point = stopping_point(
            labels,
            recall_target=target,
            confidence=confidence,
            method="random_sample",
            switch_after_excluded=HEURISTIC_RUN,
            seed=seed * 1000 + offset,
        )
        rows.append(("random_sample", point.recall, point.share_screened, point.reached_target))
    found = np.cumsum(labels)
    total = int(found[-1])
    for rule, stop in (
        ("heuristic_50", heuristic_stop(labels, HEURISTIC_RUN)),
        ("oracle", int(np.searchsorted(found, np.ceil(target * total - 1e-9)) + 1)),
    ):
        recall = found[stop - 1] / total
        rows.append((rule, recall, stop / labels.size, recall >= target - 1e-12))
    return [
        {"rule": rule, "recall": recall, "share": share, "reached": bool(reached)}
        for rule, recall, share, reached in rows
    ]


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame.groupby(["source", "dataset", "rule"], sort=False).agg(
        runs=("reached", "size"),
        reached=("reached", "sum"),
        mean_recall=("recall", "mean"),
        min_recall=("recall", "min"),
        mean_share=("share", "mean"),
    )
    overall = frame.groupby(["source", "rule"], sort=False).agg(
        runs=("reached", "size"),
        reached=("reached", "sum"),
        mean_recall=("recall", "mean"),
        min_recall=("recall", "min"),
        mean_share=("share", "mean"),
    )
    overall.index = pd.MultiIndex.from_tuples(
        [(source, "ALL", rule) for source, rule in overall.index], names=table.index.names
    )
    return pd.concat([table, overall])


def print_table(summary: pd.DataFrame, target: float) -> None:
    header = (
        f"{'dataset':<30} {'rule':<14} {'runs':>5} {'reached target':>15} "
        f"{'mean recall':>11} {'min recall':>10} {'mean screened':>13}"
    )
    for source, block in summary.groupby(level="source", sort=False):
        print(f"\n== {source} (recall target {target:.0%}) ==")
        print(header)
        for (_, dataset, rule), row in block.iterrows():
            runs, reached = int(row["runs"]), int(row["reached"])
            print(
                f"{dataset:<30} {rule:<14} {runs:>5} {f'{reached} ({reached / runs:.0%})':>15} "
                f"{row['mean_recall']:>11.3f} {row['min_recall']:>10.3f} "
                f"{row['mean_share']:>13.1%}"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recall-target", type=float, default=0.95)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--sample-seeds", type=int, default=1, help="random orders per run")
    parser.add_argument("--synthetic", action="store_true", help="synthetic orders only")
    parser.add_argument("--out", type=Path, help="also write the per-run rows to this CSV")
    args = parser.parse_args(argv)

    files = [] if args.synthetic else sorted(RESULTS.glob("*-orders.csv.gz"))
    sources = [(path.name.removesuffix("-orders.csv.gz"), orders_from_file(path)) for path in files]
    if not sources:
        print("no orders file in benchmarks/results/screening: synthetic orders")
        sources = [("synthetic", synthetic_orders())]

    records, seconds = [], 0.0
    for source, runs in sources:
        for dataset, seed, labels in runs:
            start = time.perf_counter()
            results = evaluate(labels, seed, args.recall_target, args.confidence, args.sample_seeds)
            seconds += time.perf_counter() - start
            for result in results:
                records.append({"source": source, "dataset": dataset, "seed": seed, **result})
    frame = pd.DataFrame(records)
    summary = summarise(frame)
    print_table(summary, args.recall_target)
    n_orders = frame.groupby(["source", "dataset", "seed"]).ngroups
    print(f"\n{n_orders} orders; stopping computations {seconds:.2f} s in all")
    for (source, _, rule), row in summary.xs("ALL", level="dataset", drop_level=False).iterrows():
        if rule in ("ranked", "random_sample"):
            share = row["reached"] / row["runs"]
            verdict = "met" if share >= 0.95 else "NOT met"
            print(f"{source}: {rule} reached the target in {share:.1%} of runs ({verdict})")
    if args.out:
        frame.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
