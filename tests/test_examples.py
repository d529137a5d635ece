"""The shipped example review folders load, synthesise, and (synthetic one) regenerate."""

from __future__ import annotations

import csv
import importlib.util
import io
import warnings
from pathlib import Path

import numpy as np
import pytest

import evsynth as es

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("name", ["peer-support-msk", "normand1999-stroke"])
def test_example_loads_and_synthesises_without_warnings(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        synthesis = es.synthesise(es.load_review(EXAMPLES / name))
    assert synthesis.pooled_cells


def test_normand_example_equals_the_bundled_dataset_analysis():
    cell = es.synthesise(es.load_review(EXAMPLES / "normand1999-stroke")).pooled_cells[0]
    rows = list(
        csv.DictReader(
            io.StringIO((EXAMPLES.parent / "src/evsynth/data/normand1999.csv").read_text())
        )
    )
    ef = es.effect_sizes(
        "MD", **{k: [float(r[k]) for r in rows] for k in ("m1", "sd1", "n1", "m2", "sd2", "n2")}
    )
    ref = es.meta_analysis(ef.yi, ef.vi, method="REML")
    assert cell.result.estimate == pytest.approx(ref.estimate, rel=1e-12)
    assert cell.result.tau2 == pytest.approx(ref.tau2, rel=1e-12)


def test_synthetic_example_is_regenerated_exactly_by_its_script():
    path = EXAMPLES / "peer-support-msk" / "make_data.py"
    spec = importlib.util.spec_from_file_location("make_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    studies, rows = module.make(np.random.default_rng(module.SEED))
    committed = list(csv.DictReader((EXAMPLES / "peer-support-msk" / "outcomes.csv").open()))
    assert len(rows) == len(committed)
    assert [str(r["study_id"]) for r in rows] == [r["study_id"] for r in committed]
    assert len(studies) == 24
