"""Real datasets for the tests, read from the committed metafor fixture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "metafor" / "rma.json"
_REF = json.loads(_FIXTURE.read_text(encoding="utf-8"))
DATASETS = {d["name"]: d for d in _REF["datasets"]}


def dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    d = DATASETS[name]
    return np.array(d["yi"], dtype=float), np.array(d["vi"], dtype=float)


def fit_ref(name: str, method: str, test: str) -> dict:
    for f in _REF["fits"]:
        if f["dataset"] == name and f["method"] == method and f["test"] == test:
            return f
    raise KeyError((name, method, test))
