"""``evsynth records import | list | dedup | export`` on SQLite (DIR/evsynth.db) and on
PostgreSQL (--db)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evsynth.cli import app
from evsynth.records import read_records
from evsynth.store import DEFAULT_DATABASE, open_store


@pytest.fixture
def review_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "peer-support"
    folder.mkdir()
    return folder


@pytest.fixture
def db(backend: str, store_url: str) -> list[str]:
    """The --db option: none on SQLite (the review folder's evsynth.db), the URL otherwise."""
    return [] if backend == "sqlite" else ["--db", store_url]


def run(*args):
    result = CliRunner().invoke(app, ["records", *map(str, args)], env={"COLUMNS": "200"})
    return result


def table_rows(text: str) -> list[list[str]]:
    """The body rows of a rich table, cells stripped."""
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


def open_review_store(review_dir: Path, db: list[str]):
    return open_store(db[1]) if db else open_store(directory=review_dir)


def test_import_list_dedup_export(review_dir, db, exports, tmp_path):
    result = run("import", review_dir, exports["medline"], "--source", "MEDLINE", *db)
    assert result.exit_code == 0, result.output
    assert "Imported 4 records (r000001–r000004) from MEDLINE into review 'peer-support'" in (
        result.stdout
    )
    assert f"{exports['medline']}: 4" in result.stdout
    result = run(
        "import", review_dir, exports["embase"], "--source", "Embase", "--format", "RIS", *db
    )
    assert result.exit_code == 0, result.output
    if not db:
        assert (review_dir / DEFAULT_DATABASE).is_file()

    result = run("list", review_dir, *db)
    assert result.exit_code == 0, result.output
    rows = table_rows(result.stdout)
    assert rows[:3] == [["MEDLINE", "4"], ["Embase", "4"], ["Total", "8"]]
    assert rows[3] == ["Duplicate groups", "not run yet"]

    groups_csv = tmp_path / "groups.csv"
    result = run("dedup", review_dir, *db, "--out", groups_csv)
    assert result.exit_code == 0, result.output
    assert "8 records: 2 duplicate groups, 2 records removed, 6 unique." in result.stdout
    assert "Review queue: 1 uncertain pairs" in result.stdout
    with groups_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["merged_ids"] for row in rows} == {"r000001;r000005", "r000002;r000006"}

    result = run("list", review_dir, *db)
    assert table_rows(result.stdout)[3:] == [
        ["Duplicate groups (0 made by a person)", "2"],
        ["Records removed as duplicates", "2"],
        ["Unique records", "6"],
        ["Review queue (uncertain pairs)", "1"],
    ]

    unique, everything = tmp_path / "unique.ris", tmp_path / "all.csv"
    result = run("export", review_dir, "--out", unique, *db)
    assert result.exit_code == 0, result.output
    assert f"Wrote 6 records (unique) to {unique}" in result.stdout
    assert len(read_records(unique)) == 6
    result = run("export", review_dir, "--format", "csv", "--out", everything, "--all", *db)
    assert result.exit_code == 0, result.output
    assert len(read_records(everything)) == 8


def test_malformed_file_is_one_line_and_changes_nothing(review_dir, db, exports, tmp_path):
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - A\nER  - \nAU  - Stray, A\n")
    result = run("import", review_dir, exports["medline"], bad, "--source", "MEDLINE", *db)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: {bad}, line 4: tag AU outside a record ('TY  -')"
    ]
    with open_review_store(review_dir, db) as store:
        assert store.reviews() == []


def test_errors_are_one_line_with_exit_code_1(review_dir, db, exports, tmp_path):
    result = run("list", review_dir, *db)
    assert result.exit_code == 2
    expected = "no review named 'peer-support'" if db else f"no {DEFAULT_DATABASE} here yet"
    assert result.stderr.startswith("Error: ") and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (review_dir / DEFAULT_DATABASE).exists()
    run("import", review_dir, exports["medline"], "--source", "MEDLINE", *db)
    again = run("import", review_dir, exports["medline"], "--source", "MEDLINE", *db)
    assert again.exit_code == 2 and "was imported into 'peer-support' before" in again.stderr
    result = run("export", review_dir, "--out", tmp_path / "refs.txt", *db)
    assert result.exit_code == 2 and "say --format ris or --format csv" in result.stderr
    result = run("export", review_dir, "--out", tmp_path / "no" / "refs.ris", *db)
    assert result.exit_code == 2 and "cannot write the file" in result.stderr


def test_bad_database_url_and_missing_folder(tmp_path, exports):
    result = run("list", tmp_path, "--db", "mysql://u@host/db")
    assert result.exit_code == 2 and "unsupported database" in result.stderr
    result = run("import", tmp_path / "missing", exports["medline"], "--source", "MEDLINE")
    assert result.exit_code == 2 and "no such folder" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_bad_format_is_a_usage_error(tmp_path, exports):
    result = run("import", tmp_path, exports["medline"], "--source", "X", "--format", "docx")
    assert result.exit_code == 2 and "'docx' is not one of" in result.stderr
