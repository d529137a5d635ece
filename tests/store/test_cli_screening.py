"""``evsynth screening export | import | agreement | prisma`` on SQLite (the review folder's
evsynth.db) and on PostgreSQL (--db)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evsynth.cli import app
from evsynth.screening import AGREEMENT_CSV_FIELDS
from evsynth.store import DECISIONS_CSV_FIELDS, open_store

TA, FT = "title_abstract", "full_text"
REVIEW = "peer-support"


@pytest.fixture
def review_dir(tmp_path: Path) -> Path:
    folder = tmp_path / REVIEW
    folder.mkdir()
    return folder


@pytest.fixture
def where(backend: str, store_url: str, review_dir: Path) -> list[str]:
    return [str(review_dir)] if backend == "sqlite" else [str(review_dir), "--db", store_url]


@pytest.fixture
def opened(backend: str, store_url: str, review_dir: Path, exports):
    """Open the review's store: the MEDLINE export (r000001-r000004) and a team of three."""
    store = open_store(directory=review_dir) if backend == "sqlite" else open_store(store_url)
    with store:
        store.import_records(REVIEW, "MEDLINE", [exports["medline"]])
        for name, role in (("lea", "lead"), ("ana", "reviewer"), ("ben", "reviewer")):
            store.add_user(name)
            store.add_member(REVIEW, name, role)
        yield store


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def screen(store, complete: bool) -> None:
    for record, first, second in (
        ("r000001", "include", "include"),
        ("r000002", "exclude", "exclude"),
        ("r000003", "include", "exclude"),
        ("r000004", "exclude", "exclude"),
    ):
        store.screen_vote(REVIEW, record, "ana", TA, first)
        store.screen_vote(REVIEW, record, "ben", TA, second)
    store.resolve(REVIEW, "r000003", "lea", TA, "exclude")
    if complete:
        store.screen_vote(REVIEW, "r000001", "ana", FT, "include")
        store.screen_vote(REVIEW, "r000001", "ben", FT, "include")
        store.link_report(REVIEW, "r000001", "smith2019", by="lea")


def test_export_and_import_decisions(opened, where, tmp_path):
    screen(opened, complete=False)
    out = tmp_path / "decisions.csv"
    result = run("screening", "export", *where, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote 9 decision events of review '{REVIEW}'" in result.output
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == DECISIONS_CSV_FIELDS and len(rows) == 9
    # importing the same decisions again breaks the one-vote rule: refused, nothing added
    again = run("screening", "import", *where, str(out), "--as", "lea")
    assert again.exit_code == 2
    assert "Error:" in again.output and "line 2: vote by ana" in again.output
    fresh = tmp_path / "fresh.csv"
    fresh.write_text(
        ",".join(DECISIONS_CSV_FIELDS) + "\n"
        f"2025-01-02T10:00:00+00:00,ana,r000001,{FT},vote,include,,from the 2025 screening\n",
        encoding="utf-8",
    )
    result = run("screening", "import", *where, str(fresh), "--as", "lea")
    assert result.exit_code == 0, result.output
    assert f"Imported 1 decision events into review '{REVIEW}'" in result.output
    assert opened.decisions(REVIEW)[-1].note == "from the 2025 screening"
    refused = run("screening", "import", *where, str(fresh), "--as", "ana")
    assert refused.exit_code == 2 and "only a lead" in refused.output


def test_agreement_table_and_csv(opened, where, tmp_path):
    empty = run("screening", "agreement", *where)
    assert empty.exit_code == 0 and "No agreement yet" in empty.output
    screen(opened, complete=False)
    out = tmp_path / "kappa.csv"
    result = run("screening", "agreement", *where, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "title/abstract" in result.output and "ana / ben" in result.output
    assert "75.0%" in result.output and "0.500 (" in result.output
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == AGREEMENT_CSV_FIELDS
    assert [(r["reviewer_1"], r["records"], r["kappa"]) for r in rows] == [
        ("all", "4", "0.500000"),
        ("ana", "4", "0.500000"),
    ]


def test_prisma_prints_the_counts_or_what_is_missing(opened, where):
    screen(opened, complete=False)
    incomplete = run("screening", "prisma", *where)
    assert incomplete.exit_code == 2
    assert "not complete" in incomplete.output
    assert "have no full-text decision: r000001" in incomplete.output
    opened.screen_vote(REVIEW, "r000001", "ana", FT, "include")
    opened.screen_vote(REVIEW, "r000001", "ben", FT, "include")
    opened.link_report(REVIEW, "r000001", "smith2019", by="lea")
    result = run("screening", "prisma", *where)
    assert result.exit_code == 0, result.output
    lines = {" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()}
    assert "Records identified 4 MEDLINE: 4" in lines
    assert "Records screened 4" in lines and "Records excluded 3" in lines
    assert "Studies included 1" in lines


def test_a_missing_store_or_review_is_one_line_of_error(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the review folder's own database")
    folder = tmp_path / "nothing-here"
    folder.mkdir()
    result = run("screening", "prisma", str(folder))
    assert result.exit_code == 2 and "no evsynth.db here yet" in result.output
