"""Benchmark of ``evsynth.records`` deduplication (issue 5, point 4).

On each labelled set in ``../shared/data/dedup/``: pair sensitivity and specificity of the
automatic merges (with correction notices and replies in their article's group, the default,
and with ``link_notices=False``), precision of the merged pairs, review-queue size and
runtime; the same for bib-dedupe when it is installed (``.venv/bin/pip install bib-dedupe``).
Then the speed on 100,000 records made from perturbed copies of one set.

Usage::

    .venv/bin/python benchmarks/bench_dedup.py            # all sets, bib-dedupe, 100k scale
    .venv/bin/python benchmarks/bench_dedup.py --quick    # one set, no bib-dedupe, 5k scale
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from evsynth.records._dedup import deduplicate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dedup"
SETS = ("cytology_screening", "haematology", "respiratory")
COLUMN_MAP = {"ID": "id", "author": "authors", "number": "issue"}


def load_records(name: str) -> list[dict[str, str]]:
    with gzip.open(DATA / name / "records_pre_merged.csv.gz", "rt", encoding="utf-8") as handle:
        return [{COLUMN_MAP.get(k, k): v for k, v in row.items()} for row in csv.DictReader(handle)]


def load_true_groups(name: str) -> list[list[str]]:
    with open(DATA / name / "merged_record_ids.csv", encoding="utf-8") as handle:
        return [row["merged_ids"].split(";") for row in csv.DictReader(handle)]


def group_pairs(groups) -> set[tuple[str, str]]:
    pairs = set()
    for group in groups:
        ordered = sorted(group)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                pairs.add((first, second))
    return pairs


def pair_metrics(predicted: set, truth: set, n_records: int) -> dict[str, float]:
    true_positive = len(predicted & truth)
    false_positive = len(predicted - truth)
    negatives = n_records * (n_records - 1) // 2 - len(truth)
    return {
        "true_pairs": len(truth),
        "found": true_positive,
        "false_pairs": false_positive,
        "sensitivity": true_positive / len(truth) if truth else float("nan"),
        "specificity": 1 - false_positive / negatives,
        "precision": true_positive / len(predicted) if predicted else float("nan"),
    }


def run_evsynth(records, **options):
    start = time.perf_counter()
    result = deduplicate(records, **options)
    seconds = time.perf_counter() - start
    queue = {tuple(sorted((p.first_id, p.second_id))) for p in result.review_pairs}
    return group_pairs(result.groups), queue, seconds


def run_bib_dedupe(name: str):
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    frame = pd.read_csv(DATA / name / "records_pre_merged.csv.gz", dtype=str)
    start = time.perf_counter()
    prepared = prep(frame, verbosity_level=0)
    matched = match(block(prepared, verbosity_level=0), verbosity_level=0)
    clusters = cluster(matched, verbosity_level=0)
    seconds = time.perf_counter() - start
    n_maybe = (
        int((matched["duplicate_label"] == "maybe").sum()) if "duplicate_label" in matched else -1
    )
    return group_pairs(clusters), n_maybe, seconds


def missed_in_queue(predicted: set, truth: set, queue: set) -> str:
    """Missed true pairs that the review queue offers (directly) to a human: 'k of n'."""
    missed = truth - predicted
    return f"{len(missed & queue)} of {len(missed)}"


def perturb(record: dict[str, str], copy: int, rng: random.Random) -> dict[str, str]:
    """A distinct-looking variant of a record (new id; title words, year, pages changed)."""
    new = dict(record)
    new["id"] = f"{record['id']}_c{copy}"
    words = (record.get("title") or "").split()
    if words:
        for _ in range(3):
            words[rng.randrange(len(words))] = rng.choice(VOCABULARY)
        rng.shuffle(words)
    new["title"] = " ".join(words)
    if (record.get("year") or "").isdigit():
        new["year"] = str(int(record["year"]) + rng.randint(-15, 15))
    new["pages"] = f"{rng.randint(1, 3000)}-{rng.randint(1, 99)}"
    new["volume"] = str(rng.randint(1, 200))
    return new


VOCABULARY = (
    "trial cohort randomised outcome therapy children adults risk blood cancer screening "
    "lung asthma anaemia cells survival quality review effect treatment patients study"
).split()


def scaled_records(name: str, target: int, seed: int = 20261122) -> list[dict[str, str]]:
    base = load_records(name)
    rng = random.Random(seed)
    records = list(base)
    copy = 0
    while len(records) < target:
        copy += 1
        records.extend(perturb(r, copy, rng) for r in base[: target - len(records)])
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one set, no bib-dedupe, 5k scale")
    parser.add_argument("--no-bib-dedupe", action="store_true")
    parser.add_argument("--scale", type=int, default=100_000)
    args = parser.parse_args(argv)
    sets = SETS[:1] if args.quick else SETS
    use_bib = not (args.quick or args.no_bib_dedupe)
    if use_bib:
        try:
            import bib_dedupe  # noqa: F401
        except ImportError:
            print("bib-dedupe not installed (.venv/bin/pip install bib-dedupe): skipped")
            use_bib = False
    print("| set | tool | records | true pairs | found | false pairs | sensitivity | "
          "specificity | precision | review queue | missed, in queue | seconds |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in sets:
        records = load_records(name)
        truth = group_pairs(load_true_groups(name))
        tools = ["evsynth", "evsynth, notices apart"] + (["bib-dedupe 0.11.0"] if use_bib else [])
        for tool in tools:
            if tool.startswith("evsynth"):
                options = {"link_notices": False} if tool.endswith("apart") else {}
                predicted, queue, seconds = run_evsynth(records, **options)
                n_review, in_queue = len(queue), missed_in_queue(predicted, truth, queue)
            else:
                predicted, n_review, seconds = run_bib_dedupe(name)
                in_queue = "-"
            m = pair_metrics(predicted, truth, len(records))
            print(
                f"| {name} | {tool} | {len(records)} | {m['true_pairs']} | {m['found']} | "
                f"{m['false_pairs']} | {m['sensitivity']:.3f} | {m['specificity']:.7f} | "
                f"{m['precision']:.4f} | {n_review} | {in_queue} | {seconds:.2f} |"
            )
    target = 5_000 if args.quick else args.scale
    records = scaled_records("respiratory", target)
    tracemalloc.start()
    start = time.perf_counter()
    result = deduplicate(records)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start = time.perf_counter()
    deduplicate(records)
    untraced = time.perf_counter() - start
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nscale: {len(records)} records, {len(result.groups)} groups, "
        f"{len(result.review_pairs)} review pairs; {untraced:.1f} s untraced "
        f"({seconds:.1f} s under tracemalloc); tracemalloc peak {peak / 2**20:.0f} MiB; "
        f"process peak RSS {max_rss:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
