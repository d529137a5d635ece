"""``evsynth simulate DATA``: order files, printed metrics and stopping point, plot, errors.

Most tests replace the simulation by a stand-in (priors first, then included records before
excluded ones, each group in file order), so that the expected numbers follow from the
fixture and the tests run in milliseconds; one runs the real simulation on a tiny dataset.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import evsynth.cli._simulate as simulate_module
from evsynth.cli import app
from evsynth.screening import OrderMetrics, order_metrics, stopping_point
from evsynth.screening._priors import prior_indices

# 30 records, 6 included (ids r01..r30; included: r02 r05 r09 r14 r20 r27)
INCLUDED = {2, 5, 9, 14, 20, 27}
ROWS = [
    (f"r{i:02d}", f"Title {i} {'trial' if i in INCLUDED else 'survey'}", f"Abstract {i}.")
    for i in range(1, 31)
]


@dataclass(frozen=True)
class FakeResult:
    order: np.ndarray
    labels_in_order: np.ndarray
    metrics: OrderMetrics
    seconds: float


def fake_simulate(calls: list | None = None):
    """A stand-in for the model (a kind and the texts) and for the simulation."""

    def ranking_model(texts, kind):
        if kind not in {"default", "nb"}:
            raise ValueError(f"kind must be one of default, nb, not {kind!r}")
        return {"kind": kind, "texts": texts}, 0.5

    def simulate(labels, *, prior, model, progress):
        labels = np.asarray(labels)
        if calls is not None:
            calls.append({"texts": model["texts"], "prior": list(prior), "model": model["kind"]})
        rest = [i for i in range(labels.size) if i not in prior]
        rest = [i for i in rest if labels[i] == 1] + [i for i in rest if labels[i] == 0]
        order = np.array([*prior, *rest])
        for done in range(len(prior), labels.size + 1):
            progress(done, labels.size, int(labels[order[:done]].sum()))
        in_order = labels[order]
        return FakeResult(order, in_order, order_metrics(in_order), 0.25)

    return ranking_model, simulate


@pytest.fixture
def calls(monkeypatch) -> list:
    made: list = []
    ranking_model, simulate = fake_simulate(made)
    monkeypatch.setattr(simulate_module, "_ranking_model", ranking_model)
    monkeypatch.setattr(simulate_module, "_simulate", simulate)
    # the default model wherever the tests run, with or without the embeddings package
    monkeypatch.setattr("evsynth.screening._ranking.available_kind", lambda: "default")
    return made


@pytest.fixture
def data(tmp_path) -> Path:
    path = tmp_path / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "title", "abstract", "label_included"])
        for i, (record_id, title, abstract) in enumerate(ROWS, start=1):
            writer.writerow([record_id, title, abstract, int(i in INCLUDED)])
    return path


def labels() -> np.ndarray:
    return np.array([int(i in INCLUDED) for i in range(1, 31)])


def invoke(*args):
    return CliRunner().invoke(app, ["simulate", *map(str, args)], env={"COLUMNS": "200"})


def read_order(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def expected_order(seed: int) -> list[int]:
    prior = prior_indices(labels(), seed)
    rest = [i for i in range(30) if i not in prior]
    return prior + [i for i in rest if labels()[i]] + [i for i in rest if not labels()[i]]


def test_one_seed_writes_the_order_and_prints_the_metrics(data, calls, tmp_path):
    out = tmp_path / "order.csv"
    result = invoke(data, "--seed", 7, "--out", out)
    assert result.exit_code == 0, result.output
    # the simulation got title + abstract texts, the seed's prior and the default model
    assert calls[0]["prior"] == prior_indices(labels(), 7)
    assert calls[0]["texts"][0] == "Title 1 survey\nAbstract 1."
    assert calls[0]["model"] == "default"
    rows = read_order(out)
    assert list(rows[0]) == ["rank", "record_id", "label"]
    order = expected_order(7)
    assert [r["record_id"] for r in rows] == [ROWS[i][0] for i in order]
    assert [int(r["label"]) for r in rows] == labels()[order].tolist()
    assert [int(r["rank"]) for r in rows] == list(range(1, 31))
    # printed: the data, the metrics and the stopping point of this order
    metrics = order_metrics(labels()[order])
    stop = stopping_point(labels()[order])
    output = result.output
    assert "30 records, 6 included (labels from column 'label_included')" in output
    for share in (0.10, 0.25, 0.50):
        assert f"{100 * metrics.recall_at[share]:.1f}%" in output
    assert f"{metrics.wss_95:.3f}" in output and f"{metrics.loss:.4f}" in output
    assert f"{metrics.atd:.3f}" in output
    assert f"{stop.records_screened} ({100 * stop.share_screened:.1f}%)" in output
    assert f"{100 * stop.recall:.1f}%" in output
    assert "recall target 95%, confidence 95%" in output
    prior_ids = ", ".join(ROWS[i][0] for i in prior_indices(labels(), 7))
    assert prior_ids in output
    assert f"Written: {out}" in output
    assert "Over the" not in output  # no summary for one seed


def test_default_seed_is_1_and_nothing_is_written_without_out(data, calls, tmp_path):
    result = invoke(data)
    assert result.exit_code == 0, result.output
    assert calls[0]["prior"] == prior_indices(labels(), 1)
    assert "Written" not in result.output
    assert list(tmp_path.iterdir()) == [data]


def test_several_seeds_write_one_file_each_and_summarise(data, calls, tmp_path):
    out = tmp_path / "order.csv"
    result = invoke(data, "--seed", 1, "--seed", 2, "--seed", 3, "--out", out)
    assert result.exit_code == 0, result.output
    assert not out.exists()
    for seed in (1, 2, 3):
        rows = read_order(tmp_path / f"order-seed{seed}.csv")
        assert [r["record_id"] for r in rows] == [ROWS[i][0] for i in expected_order(seed)]
    assert [c["prior"] for c in calls] == [prior_indices(labels(), s) for s in (1, 2, 3)]
    wss = np.array([order_metrics(labels()[expected_order(s)]).wss_95 for s in (1, 2, 3)])
    assert "Over the 3 seeds" in result.output
    assert f"{wss.mean():.3f} ({wss.std(ddof=1):.3f})" in result.output
    assert f"{wss.min():.3f}–{wss.max():.3f}" in result.output


def test_prior_counts_and_model_are_passed_on(data, calls):
    result = invoke(data, "--prior-included", 2, "--prior-excluded", 3, "--model", "nb")
    assert result.exit_code == 0, result.output
    assert calls[0]["prior"] == prior_indices(labels(), 1, included=2, excluded=3)
    assert calls[0]["model"] == "nb"
    assert "Model: nb (features fitted in 0.5 s)" in result.output
    assert "2 included + 3 excluded" in result.output


@pytest.mark.parametrize("ids", [["r05,r01"], ["r05", "r01"], ["r05, r01", "r05"]])
def test_prior_record_ids(data, calls, tmp_path, ids):
    args = [a for record_id in ids for a in ("--prior-record-ids", record_id)]
    result = invoke(data, *args, "--out", tmp_path / "o.csv")
    assert result.exit_code == 0, result.output
    assert calls[0]["prior"] == [4, 0]
    rows = read_order(tmp_path / "o.csv")
    assert [r["record_id"] for r in rows[:2]] == ["r05", "r01"]


def test_plot_is_written_in_the_format_named(data, calls, tmp_path):
    result = invoke(data, "--seed", 1, "--seed", 2, "--plot", tmp_path / "recall.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "recall.svg").exists()
    result = invoke(data, "--plot", tmp_path / "recall.svg")
    assert result.exit_code == 0, result.output
    assert "Records screened (%)" in (tmp_path / "recall.svg").read_text(encoding="utf-8")


def test_a_stop_below_the_target_is_flagged(data, calls, monkeypatch):
    def worst_first(labels, *, prior, model, progress):
        labels = np.asarray(labels)
        rest = [i for i in range(labels.size) if i not in prior]
        # every excluded record first: a ranked test on this order stops early
        order = np.array([*prior, *sorted(rest, key=lambda i: labels[i])])
        return FakeResult(order, labels[order], order_metrics(labels[order]), 0.1)

    monkeypatch.setattr(simulate_module, "_simulate", worst_first)
    result = invoke(data, "--recall-target", 0.5)
    assert result.exit_code == 0, result.output
    stop = stopping_point(
        labels()[worst_first(labels(), prior=prior_indices(labels(), 1), model=None,
                             progress=None).order],
        recall_target=0.5,
    )  # fmt: skip
    assert not stop.reached_target
    assert f"{100 * stop.recall:.1f}% *" in result.output
    assert "* the rule stopped below the recall target of 50%" in result.output


# --- errors: exit 2, a clear message, nothing written ------------------------------------


def assert_fails(result, *fragments):
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output


def test_bad_data_exits_2_with_the_readers_message(tmp_path, calls):
    path = tmp_path / "bad.csv"
    path.write_text("record_id,title,label\nr1,A,1\nr2,B,maybe\n", encoding="utf-8")
    out = tmp_path / "order.csv"
    result = invoke(path, "--out", out)
    assert_fails(result, f"{path}, line 3: column 'label' holds 'maybe'", "Nothing was written")
    assert not out.exists() and not calls
    assert_fails(invoke(tmp_path / "missing.csv"), "missing.csv: cannot read the file")


def test_prior_record_ids_must_exist_and_hold_both_labels(data, calls):
    assert_fails(invoke(data, "--prior-record-ids", "r05,x9"), "'x9' is not a record id of")
    assert_fails(
        invoke(data, "--prior-record-ids", "r05,r09"),
        "are all included",
        "at least one included and one excluded",
    )
    assert_fails(invoke(data, "--prior-record-ids", "r01"), "the record r01 is excluded")
    assert not calls


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prior-record-ids", "r05,r01", "--prior-included", "2"], "use either"),
        (["--prior-record-ids", "r05,r01", "--seed", "1", "--seed", "2"], "give one --seed"),
        (["--prior-included", "0"], "--prior-included must be 1 or more"),
        (["--prior-excluded", "40"], "asked for 1 included and 40 excluded priors"),
        (["--seed", "2", "--seed", "2"], "--seed 2 is given more than once"),
        (["--seed", "-1"], "--seed must be 0 or more"),
        (["--recall-target", "95"], "--recall-target must be a fraction"),
        (["--confidence", "1"], "--confidence must be a fraction"),
        (["--plot", "recall.jpg"], "name a .svg, .png or .pdf file"),
        (["--model", "bert"], "--model bert: kind must be one of default, nb, not 'bert'"),
    ],
)
def test_bad_options_exit_2(data, calls, args, message):
    assert_fails(invoke(data, *args), message)


def test_real_simulation_on_a_tiny_dataset(data, tmp_path):
    pytest.importorskip("evsynth.screening._simulation")
    assert_fails(invoke(data, "--model", "nope"), "--model nope: kind must be one of")
    out = tmp_path / "order.csv"
    result = invoke(data, "--seed", 1, "--out", out)
    assert result.exit_code == 0, result.output
    rows = read_order(out)
    assert sorted(r["record_id"] for r in rows) == sorted(r[0] for r in ROWS)
    prior = prior_indices(labels(), 1)
    assert [r["record_id"] for r in rows[:2]] == [ROWS[i][0] for i in prior]
    in_order = np.array([int(r["label"]) for r in rows])
    assert f"{order_metrics(in_order).wss_95:.3f}" in result.output
