"""The ``evsynth`` command: ``meta`` on every input layout, its errors, ``demo``, ``--version``.

Numbers are never hard-coded here: each test fits the same data through the Python API and
checks that the CLI printed those numbers.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import evsynth as es
from evsynth.cli import app
from evsynth.cli._demo import DEMO_PASSWORD, DEMO_TEAM
from evsynth.store import open_store

ARM_ROWS = [
    # study, m1, sd1, n1, m2, sd2, n2, setting
    ("Adams 2015", 42.1, 11.2, 30, 47.3, 12.0, 31, "community"),
    ("Baker 2017", 38.0, 9.5, 55, 41.2, 10.1, 52, "clinic"),
    ("Chen 2018", 50.4, 14.0, 22, 51.0, 13.2, 20, "community"),
    ("Diaz 2020", 35.2, 8.8, 80, 40.9, 9.6, 78, "clinic"),
    ("Evans 2021", 44.7, 12.5, 41, 45.1, 11.9, 44, "community"),
    ("Fox 2022", 39.9, 10.4, 60, 46.0, 12.2, 63, "clinic"),
]
ARM_HEADER = ["study", "m1", "sd1", "n1", "m2", "sd2", "n2", "setting"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    # A wide terminal so that rich never folds a table row in the middle of a number.
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def write_csv(path: Path, header, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def arm_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "arm.csv", ARM_HEADER, ARM_ROWS)


def arm_columns(rows=ARM_ROWS) -> dict[str, np.ndarray]:
    cols = list(zip(*rows, strict=True))
    return {name: np.array(cols[i + 1], dtype=float) for i, name in enumerate(ARM_HEADER[1:7])}


def labels(rows=ARM_ROWS) -> list[str]:
    return [r[0] for r in rows]


def f4(x: float) -> str:
    return f"{x:.4f}"


def assert_printed(output: str, res) -> None:
    """The summary text verbatim, and one table row per study with yi, CI and weight."""
    for line in res.summary().splitlines():
        if line.strip():
            assert line.rstrip() in output, f"summary line missing: {line!r}\n{output}"
    lines = output.splitlines()
    frame = res.summary_frame()
    for i in range(res.k):
        row = frame.iloc[i]
        expected = [
            str(row["study"]),
            f4(row["yi"]),
            f"[{f4(row['ci_low'])}, {f4(row['ci_high'])}]",
            f"{res.weights[i]:.2f}",
        ]
        assert any(all(e in ln for e in expected) for ln in lines), (
            f"no table row with {expected}\n{output}"
        )
    pooled = [f4(res.estimate), f"[{f4(res.ci_low)}, {f4(res.ci_high)}]", "100.00"]
    assert any(all(e in ln for e in pooled) for ln in lines), output


def assert_usage_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.stderr
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


# --- the layouts ---------------------------------------------------------------------------


def test_meta_md_arm_level(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--measure", "MD", "--method", "REML")
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("MD", **arm_columns())
    res = es.meta_analysis(ef.yi, ef.vi, method="REML", test="z", labels=labels())
    assert_printed(result.stdout, res)
    assert "Measure: MD" in result.stdout


def test_meta_arm_level_defaults_to_md(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv)
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("MD", **arm_columns())
    assert_printed(result.stdout, es.meta_analysis(ef.yi, ef.vi, labels=labels()))


@pytest.mark.parametrize("variant", ["hedges", "revman"])
def test_meta_smd_arm_level(runner, arm_csv, variant):
    result = invoke(runner, "meta", arm_csv, "--measure", "SMD", "--smd-variant", variant)
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("SMD", smd_variant=variant, **arm_columns())
    assert_printed(result.stdout, es.meta_analysis(ef.yi, ef.vi, labels=labels()))
    assert f"SMD variant {variant}" in result.stdout


def test_meta_yi_vi(runner, tmp_path):
    yi = [0.12, 0.45, -0.05, 0.30, 0.22]
    vi = [0.010, 0.025, 0.018, 0.040, 0.012]
    path = write_csv(
        tmp_path / "yv.csv",
        ["yi", "vi", "trial"],
        [(y, v, f"T{i}") for i, (y, v) in enumerate(zip(yi, vi, strict=True))],
    )
    result = invoke(runner, "meta", path, "--method", "dl")
    assert result.exit_code == 0, result.output
    # no 'study' column: the first text column labels the studies
    res = es.meta_analysis(yi, vi, method="DL", labels=[f"T{i}" for i in range(5)])
    assert_printed(result.stdout, res)
    assert "column 'trial'" in result.stdout


def test_meta_estimate_se(runner, tmp_path):
    est = [-0.40, -0.10, -0.75, 0.05]
    se = [0.20, 0.15, 0.30, 0.25]
    path = write_csv(
        tmp_path / "se.csv",
        ["study", "estimate", "se"],
        [(f"S{i}", e, s) for i, (e, s) in enumerate(zip(est, se, strict=True))],
    )
    result = invoke(runner, "meta", path, "--measure", "GENERIC")
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("GENERIC", estimate=est, se=se)
    assert_printed(
        result.stdout, es.meta_analysis(ef.yi, ef.vi, labels=[f"S{i}" for i in range(4)])
    )


def test_meta_estimate_ci(runner, tmp_path):
    est = [1.2, 0.4, 2.0]
    low = [0.2, -0.6, 0.5]
    high = [2.2, 1.4, 3.5]
    path = write_csv(
        tmp_path / "ci.csv",
        ["study", "estimate", "ci_low", "ci_high"],
        [(f"S{i}", *v) for i, v in enumerate(zip(est, low, high, strict=True))],
    )
    result = invoke(runner, "meta", path, "--level", "90")
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("GENERIC", estimate=est, ci_low=low, ci_high=high)
    res = es.meta_analysis(ef.yi, ef.vi, level=90, labels=["S0", "S1", "S2"])
    assert_printed(result.stdout, res)
    assert "90% CI" in result.stdout


def test_meta_hksj(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--measure", "MD", "--test", "hksj")
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("MD", **arm_columns())
    res = es.meta_analysis(ef.yi, ef.vi, method="REML", test="hksj", labels=labels())
    assert_printed(result.stdout, res)
    assert "HKSJ" in result.stdout


def test_meta_by_subgroup(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--measure", "MD", "--by", "setting")
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("MD", **arm_columns())
    groups = [r[7] for r in ARM_ROWS]
    sub = es.subgroup_analysis(ef.yi, ef.vi, groups, method="REML", test="z", labels=labels())
    assert set(sub.groups) == {"community", "clinic"}
    for res in sub.groups.values():
        assert_printed(result.stdout, res)
    assert f"Q_between = {f4(sub.q_between)}, df = {int(sub.q_between_df)}" in result.stdout
    assert "Test for subgroup differences" in result.stdout


def test_meta_semicolon_and_metafor_names(runner, tmp_path):
    path = tmp_path / "semi.csv"
    rows = [";".join(map(str, r[:7])) for r in ARM_ROWS]
    path.write_text("study;m1i;sd1i;n1i;m2i;sd2i;n2i\n" + "\n".join(rows) + "\n")
    result = invoke(runner, "meta", path)
    assert result.exit_code == 0, result.output
    ef = es.effect_sizes("MD", **arm_columns())
    assert_printed(result.stdout, es.meta_analysis(ef.yi, ef.vi, labels=labels()))


def test_meta_without_labels_uses_row_numbers(runner, tmp_path):
    path = write_csv(tmp_path / "nolab.csv", ["yi", "vi"], [(0.1, 0.01), (0.3, 0.02)])
    result = invoke(runner, "meta", path)
    assert result.exit_code == 0, result.output
    assert_printed(
        result.stdout, es.meta_analysis([0.1, 0.3], [0.01, 0.02], labels=["Row 2", "Row 3"])
    )


# --- errors: one line naming file, line and column; exit status 2 -----------------------------


def test_error_missing_column(runner, tmp_path):
    path = write_csv(
        tmp_path / "m.csv", ["study", "m1", "sd1", "n1", "m2", "n2"], [("A", 1, 1, 10, 2, 10)]
    )
    result = invoke(runner, "meta", path, "--measure", "MD")
    assert_usage_error(result, str(path), "line 1", "column 'sd2'", "missing column")


def test_error_non_numeric_cell(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("study,yi,vi\nA,0.1,0.01\n\nB,0.2,abc\nC,0.3,0.02\n")
    result = invoke(runner, "meta", path)
    # line 4: header is line 1 and the blank line 3 counts, as in a text editor
    assert_usage_error(result, str(path), "line 4", "column 'vi'", "'abc' is not a number")
    assert len(result.stderr.strip().splitlines()) == 1


def test_error_empty_cell(runner, tmp_path):
    path = write_csv(
        tmp_path / "e.csv", ARM_HEADER, [ARM_ROWS[0], (*ARM_ROWS[1][:2], "", *ARM_ROWS[1][3:])]
    )
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 3", "column 'sd1'", "empty cell")


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [("sd2", "-2.5", "cannot be negative"), ("n1", "1", "at least 2"), ("sd1", "0", "> 0")],
)
def test_error_bad_arm_values(runner, tmp_path, column, value, words):
    rows = [list(r) for r in ARM_ROWS]
    rows[2][ARM_HEADER.index(column)] = value
    path = write_csv(tmp_path / "v.csv", ARM_HEADER, rows)
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 4", f"column '{column}'", words)


def test_error_ci_not_around_estimate(runner, tmp_path):
    path = write_csv(
        tmp_path / "ci.csv",
        ["study", "estimate", "ci_low", "ci_high"],
        [("A", 1, 0, 2), ("B", 5, 0, 2)],
    )
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 3", "column 'estimate'", "outside")


def test_error_empty_file(runner, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 1", "empty")


def test_error_header_only(runner, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("study,yi,vi\n")
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 2", "no data rows")


def test_error_ragged_row(runner, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("study,yi,vi\nA,0.1,0.01\nB,0.2\n")
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 3", "2 fields", "3")


def test_error_bad_method(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--method", "BOGUS")
    assert_usage_error(result, "--method", "BOGUS", "REML")


def test_error_nonexistent_file(runner, tmp_path):
    path = tmp_path / "nowhere.csv"
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "no such file")


def test_error_measure_does_not_fit_columns(runner, tmp_path):
    path = write_csv(tmp_path / "yv.csv", ["study", "yi", "vi"], [("A", 0.1, 0.01)])
    result = invoke(runner, "meta", path, "--measure", "SMD")
    assert_usage_error(result, str(path), "line 1", "--measure SMD", "m1", "GENERIC")


def test_error_generic_on_arm_data(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--measure", "GENERIC")
    assert_usage_error(result, str(arm_csv), "line 1", "--measure GENERIC", "MD or SMD")


def test_error_by_column_missing(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--by", "region")
    assert_usage_error(result, str(arm_csv), "line 1", "column 'region'")


def test_error_smd_variant_without_smd(runner, arm_csv):
    result = invoke(runner, "meta", arm_csv, "--measure", "MD", "--smd-variant", "revman")
    assert_usage_error(result, "--smd-variant", "SMD")


def test_engine_error_is_mapped_to_line_and_column(runner, tmp_path, monkeypatch):
    """A ValueError of the engine that names ``argument[index]`` is reported at that row."""
    path = write_csv(
        tmp_path / "yv.csv", ["study", "yi", "vi"], [("A", 0.1, 0.01), ("B", 0.2, 0.02)]
    )

    def failing(*args, **kwargs):
        raise ValueError("vi[1] is 0.02; a made-up engine complaint")

    monkeypatch.setattr(es, "meta_analysis", failing)
    result = invoke(runner, "meta", path)
    assert_usage_error(result, str(path), "line 3", "column 'vi'", "a made-up engine complaint")


# --- demo and version ------------------------------------------------------------------------


def test_demo_copies_the_example_and_builds_its_report(runner, tmp_path):
    out = tmp_path / "demo-out"
    result = invoke(runner, "demo", out)
    assert result.exit_code == 0, result.output
    index = out / "report" / "index.html"
    assert f"Report written to {index.resolve()}" in result.stdout.replace("\n", "")
    for name in ("review.toml", "studies.csv", "outcomes.csv", "README.md"):
        assert (out / name).is_file(), name
    page = index.read_text(encoding="utf-8")
    assert "Synthetic example" in page  # the protocol's notice is the report's banner
    assert "Study selection" in page  # the PRISMA flow diagram, derived from records/
    assert (out / "report" / "figures" / "prisma-flow-diagram.svg").is_file()
    assert f"Screening workbench: run `evsynth serve {out}`" in result.stdout.replace("\n", "")
    with open_store(directory=out) as store:  # the workbench: exports imported, team added
        assert store.reviews() == [out.name]
        assert sum(store.source_counts(out.name).values()) == 3329
        assert {m.username: m.role for m in store.members(out.name)} == dict(DEMO_TEAM)
        assert store.verify_login("ann", DEMO_PASSWORD, client="test")
    assert invoke(runner, "demo", out).exit_code == 0  # again into the same folder
    synthesis = es.synthesise(es.load_review(out))
    written = list(csv.DictReader((out / "report" / "tables" / "results.csv").open()))
    assert len(written) == len(synthesis.pooled_cells) > 10
    for row, cell in zip(written, synthesis.pooled_cells, strict=True):
        assert float(row["estimate"]) == pytest.approx(cell.result.estimate, rel=1e-12)


def test_demo_refuses_a_file_as_directory(runner, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    result = invoke(runner, "demo", target)
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.output


def test_bundled_normand_data():
    """The bundled copy of metadat's dat.normand1999 (Normand 1999, Table 3)."""
    text = resources.files("evsynth").joinpath("data/normand1999.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == ["study", "source", "n1", "m1", "sd1", "n2", "m2", "sd2"]
    assert len(rows) == 9
    assert rows[0] == {
        "study": "Edinburgh",
        "source": "Edinburgh",
        "n1": "155",
        "m1": "55",
        "sd1": "47",
        "n2": "156",
        "m2": "75",
        "sd2": "64",
    }
    assert [r["study"] for r in rows][-1] == "Uppsala"


def test_version(runner):
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"evsynth {es.__version__}"
