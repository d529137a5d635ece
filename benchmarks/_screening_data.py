"""The ten labelled screening datasets of ``shared/data/screening`` for the benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "screening"
#: where the screening benchmarks write their per-run figures and screening orders
RESULTS = ROOT / "benchmarks" / "results" / "screening"
DATASETS = (
    "cohen2006_ACEInhibitors",
    "cohen2006_ADHD",
    "cohen2006_NSAIDS",
    "cohen2006_Triptans",
    "synergy_Donners_2021",
    "synergy_Jeyaraman_2020",
    "synergy_Nelson_2002",
    "synergy_Oud_2018",
    "synergy_meta_Nagtegaal_2019",
    "synergy_van_der_Valk_2021",
)


#: the columns of one simulated run that every screening benchmark writes (:func:`run_row`)
RUN_COLUMNS = ("dataset", "seed", "prior_included", "prior_excluded", "records", "included")
METRIC_COLUMNS = ("loss", "wss_95", "atd", "recall_10", "recall_25", "recall_50")


def run_row(name: str, seed: int, priors, metrics, *, digits: int | None = None) -> dict:
    """:data:`RUN_COLUMNS` and :data:`METRIC_COLUMNS` of one run: its dataset, seed and
    priors (included row, excluded row), and its ``order_metrics`` (rounded to ``digits``)."""
    values = (
        metrics.loss,
        metrics.wss_95,
        metrics.atd,
        *(metrics.recall_at[share] for share in (0.10, 0.25, 0.50)),
    )
    if digits is not None:
        values = tuple(round(value, digits) for value in values)
    run = (name, seed, priors[0], priors[1], metrics.records, metrics.included)
    return dict(zip(RUN_COLUMNS + METRIC_COLUMNS, run + values, strict=True))


def load(name: str) -> pd.DataFrame:
    """One dataset as read (row order kept: the priors are row indices of this frame)."""
    frame = pd.read_csv(DATA / f"{name}.csv.gz", dtype={"record_id": str}, keep_default_na=False)
    frame["label_included"] = frame["label_included"].astype(np.int64)
    return frame
