"""Benchmark of evsynth's screening prioritisation (issue 7) against ASReview's default model.

Simulates screening each of the ten labelled datasets of ``../shared/data/screening`` with
:func:`evsynth.screening._simulation.simulate`, from one included and one excluded prior drawn
per seed exactly as the ASReview baseline was (``prior_indices``), and writes

- ``results/screening/evsynth-<kind>.csv``: one row per dataset and seed (dataset, seed, the
  prior rows ``prior_included`` and ``prior_excluded``, records, included, loss, wss_95, atd,
  recall_10/25/50, seconds, retrains), the columns of ``asreview-3.0.8.csv``;
- ``results/screening/evsynth-<kind>-orders.csv.gz``: every screening order
  (dataset, seed, rank, row; rank 1 is the first prior);

then prints the mean per dataset beside ASReview 3.0.8's: its 10-seed results in
``results/screening/asreview-3.0.8.csv`` (same seeds) where that file exists, else the
3-seed table of ``shared/data/README.md``.

``--timing`` instead times one "retrain + re-rank" (``RankingModel.rank``) on 5,000 records
(all of ACEInhibitors and Nagtegaal 2019, and the first rows of Jeyaraman 2020), with ~50
and ~2,000 labelled records.

Usage (always ``nice``: the machine is shared)::

    nice -n 19 .venv/bin/python benchmarks/bench_prioritisation.py             # 10 seeds
    nice -n 19 .venv/bin/python benchmarks/bench_prioritisation.py --model anchor
    nice -n 19 .venv/bin/python benchmarks/bench_prioritisation.py \\
        --datasets synergy_Donners_2021 --seeds 1-3 --no-write
    nice -n 19 .venv/bin/python benchmarks/bench_prioritisation.py --timing
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _screening_data import DATASETS, METRIC_COLUMNS, RESULTS, RUN_COLUMNS, load, run_row
from evsynth.screening._priors import prior_indices
from evsynth.screening._ranking import (
    EMBEDDING_KINDS,
    RANKING_KINDS,
    ranking_model,
    record_embeddings,
    record_texts,
)
from evsynth.screening._simulation import simulate

EMBEDDINGS = Path(os.environ.get("EVSYNTH_EMBEDDINGS_CACHE", "/tmp/evsynth-embeddings"))
ASREVIEW_CSV = RESULTS / "asreview-3.0.8.csv"
# shared/data/README.md: ASReview 3.0.8, default model (ELAS u4), means over seeds 1, 2, 3
ASREVIEW_README = {
    "cohen2006_ACEInhibitors": (0.0662, 0.751),
    "cohen2006_ADHD": (0.1009, 0.535),
    "cohen2006_NSAIDS": (0.0672, 0.724),
    "cohen2006_Triptans": (0.1400, 0.621),
    "synergy_Donners_2021": (0.0656, 0.575),
    "synergy_Jeyaraman_2020": (0.0686, 0.633),
    "synergy_Nelson_2002": (0.1513, 0.353),
    "synergy_Oud_2018": (0.0486, 0.825),
    "synergy_meta_Nagtegaal_2019": (0.0689, 0.730),
    "synergy_van_der_Valk_2021": (0.1461, 0.461),
}
FIELDS = (*RUN_COLUMNS, *METRIC_COLUMNS, "seconds", "retrains")


def parse_seeds(text: str) -> list[int]:
    """``"1-10"`` or ``"1,2,5"`` (or a mix) as a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def dataset_texts(name: str) -> tuple[list[str], np.ndarray]:
    frame = load(name)
    return record_texts(frame["title"], frame["abstract"]), frame["label_included"].to_numpy()


def embeddings_of(name: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The texts' :func:`record_embeddings`, computed once and kept under ``EMBEDDINGS``."""
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
    paths = (EMBEDDINGS / f"{name}-{digest}.npy", EMBEDDINGS / f"{name}-{digest}-title.npy")
    if all(path.exists() for path in paths):
        return tuple(np.load(path) for path in paths)
    started = time.perf_counter()
    blocks = record_embeddings(texts)
    EMBEDDINGS.mkdir(parents=True, exist_ok=True)
    for path, block in zip(paths, blocks, strict=True):
        np.save(path, block)
    print(f"  {name}: {len(texts)} embeddings in {time.perf_counter() - started:.0f} s")
    return blocks


def build_model(name: str, texts: list[str], kind: str):
    embeddings = embeddings_of(name, texts) if kind in EMBEDDING_KINDS else None
    return ranking_model(texts, kind=kind, embeddings=embeddings)


def run_one(name: str, seed: int, kind: str, batch: int) -> tuple[dict, list]:
    """One simulation: the features fitted, then screening from the seed's priors."""
    texts, labels = dataset_texts(name)
    if kind in EMBEDDING_KINDS:
        embeddings_of(name, texts)  # computed once and kept: not part of the timing
    started = time.perf_counter()
    model = build_model(name, texts, kind)
    fit_seconds = time.perf_counter() - started
    prior = prior_indices(labels, seed)
    result = simulate(None, labels, prior=prior, model=model, batch=batch)
    metrics = result.metrics
    row = run_row(name, seed, prior, metrics, digits=6)
    row["seconds"] = round(fit_seconds + result.seconds, 3)
    row["retrains"] = result.retrains
    print(
        f"  {name} seed {seed}: loss {metrics.loss:.4f}, WSS@95 {metrics.wss_95:.3f}, "
        f"{result.retrains} retrains, {row['seconds']:.1f} s",
        flush=True,
    )
    return row, [(name, seed, rank, r) for rank, r in enumerate(result.order.tolist(), 1)]


def asreview_means(seeds: list[int]) -> tuple[dict[str, tuple[float, float]], str]:
    """ASReview's mean loss and WSS@95 per dataset, and where they come from."""
    if ASREVIEW_CSV.exists():
        with open(ASREVIEW_CSV, encoding="utf-8") as handle:
            table = list(csv.DictReader(handle))
        means = {}
        for name in DATASETS:
            picked = [r for r in table if r["dataset"] == name and int(r["seed"]) in seeds]
            if {int(r["seed"]) for r in picked} == set(seeds):
                means[name] = (
                    float(np.mean([float(r["loss"]) for r in picked])),
                    float(np.mean([float(r["wss_95"]) for r in picked])),
                )
        if len(means) == len(DATASETS):
            return means, f"{ASREVIEW_CSV.name}, seeds {format_seeds(seeds)}"
    return ASREVIEW_README, "shared/data/README.md, seeds 1-3"


def format_seeds(seeds: list[int]) -> str:
    if seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def print_table(rows: list[dict], seeds: list[int], kind: str) -> None:
    reference, source = asreview_means(seeds)
    print(f"\nevsynth {kind}, seeds {format_seeds(seeds)}; ASReview 3.0.8 from {source}")
    header = f"{'dataset':30s} {'N':>5s} {'R':>4s}  {'loss':>7s} {'ASR':>7s} {'diff':>7s}"
    print(header + f"  {'WSS@95':>7s} {'ASR':>6s}  {'s/run':>6s}")
    losses, asr_losses, wss, asr_wss = [], [], [], []
    for name in DATASETS:
        mine = [r for r in rows if r["dataset"] == name]
        if not mine:
            continue
        loss = float(np.mean([r["loss"] for r in mine]))
        w = float(np.mean([r["wss_95"] for r in mine]))
        ref_loss, ref_wss = reference[name]
        flag = "  worse by > 0.01" if loss - ref_loss > 0.01 else ""
        print(
            f"{name:30s} {mine[0]['records']:5d} {mine[0]['included']:4d}  {loss:7.4f} "
            f"{ref_loss:7.4f} {loss - ref_loss:+7.4f}  {w:7.3f} {ref_wss:6.3f}  "
            f"{np.mean([r['seconds'] for r in mine]):6.1f}{flag}"
        )
        losses.append(loss)
        asr_losses.append(ref_loss)
        wss.append(w)
        asr_wss.append(ref_wss)
    mean, asr_mean = float(np.mean(losses)), float(np.mean(asr_losses))
    print(
        f"{'mean':30s} {'':5s} {'':4s}  {mean:7.4f} {asr_mean:7.4f} {mean - asr_mean:+7.4f}  "
        f"{np.mean(wss):7.3f} {np.mean(asr_wss):6.3f}   ({100 * (mean / asr_mean - 1):+.1f} % loss)"
    )


def write_results(rows: list[dict], orders: list[tuple], kind: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"evsynth-{kind}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    orders_path = RESULTS / f"evsynth-{kind}-orders.csv.gz"
    # mtime=0: the same orders give the same bytes
    with (
        open(orders_path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
    ):
        zipped.write(b"dataset,seed,rank,row\n")
        zipped.write("".join(f"{d},{s},{k},{r}\n" for d, s, k, r in orders).encode())
    print(f"\nwrote {path.relative_to(RESULTS.parents[1])} and {orders_path.name}")


def timing(kind: str, repeats: int) -> None:
    """Median and 95th percentile of one retrain + re-rank on 5,000 records."""
    parts = [
        ("cohen2006_ACEInhibitors", 2544),
        ("synergy_meta_Nagtegaal_2019", 2019),
        ("synergy_Jeyaraman_2020", 437),
    ]
    texts, labels, embeddings = [], [], []
    for name, rows in parts:
        part_texts, part_labels = dataset_texts(name)
        texts += part_texts[:rows]
        labels += part_labels[:rows].tolist()
        if kind in EMBEDDING_KINDS:
            embeddings.append([block[:rows] for block in embeddings_of(name, part_texts)])
    labels = np.asarray(labels)
    if embeddings:
        embeddings = [np.vstack(blocks) for blocks in zip(*embeddings, strict=True)]
    started = time.perf_counter()
    model = ranking_model(texts, kind=kind, embeddings=embeddings or None)
    fit_seconds = time.perf_counter() - started
    print(
        f"{kind}: {len(texts)} records, {model.features.shape[1]} features, "
        f"{model.features.nnz} non-zeros; features fitted in {fit_seconds:.2f} s "
        f"(once per review; embeddings, when used, computed before); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    rng = np.random.default_rng(7)
    for n_labelled in (50, 2000):
        # a labelled set as screening makes it: richer in included records than the whole
        included = rng.choice(np.flatnonzero(labels == 1), n_labelled // 20, replace=False)
        excluded = rng.choice(np.flatnonzero(labels == 0), n_labelled - included.size, False)
        rows = np.concatenate([included, excluded])
        labelled = (rows, labels[rows])
        model.rank(labelled)  # warm-up
        wall, cpu = [], []
        for _ in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            model.rank(labelled)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        ms, cpu_ms = 1000 * np.asarray(wall), 1000 * np.asarray(cpu)
        print(
            f"  {n_labelled:5d} labelled ({included.size} included): retrain + re-rank "
            f"median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms "
            f"(min {ms.min():.1f}, max {ms.max():.1f}; CPU time median "
            f"{np.median(cpu_ms):.1f} ms; {repeats} repeats)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--seeds", default="1-10", help="e.g. 1-10 or 1,2,3 (default 1-10)")
    parser.add_argument("--model", default="default", choices=RANKING_KINDS)
    parser.add_argument("--batch", type=int, default=1, help="records revealed per retraining")
    parser.add_argument("--jobs", type=int, default=1, help="simulations run at once")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--timing", action="store_true", help="time retrain + re-rank only")
    parser.add_argument(
        "--embed-only",
        action="store_true",
        help="compute and keep the sentence embeddings of the datasets, then stop",
    )
    parser.add_argument("--repeats", type=int, default=50, help="timing repeats (default 50)")
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    if args.embed_only:
        for name in args.datasets:
            embeddings_of(name, dataset_texts(name)[0])
        return
    if args.timing:
        timing(args.model, args.repeats)
        return
    seeds = parse_seeds(args.seeds)
    tasks = [(name, seed, args.model, args.batch) for name in args.datasets for seed in seeds]
    started = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            done = list(pool.map(run_one, *zip(*tasks, strict=True)))
    else:
        done = [run_one(*task) for task in tasks]
    rows = [row for row, _ in done]
    orders = [step for _, steps in done for step in steps]
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    print_table(rows, seeds, args.model)
    if not args.no_write:
        write_results(rows, orders, args.model)


if __name__ == "__main__":
    main()
