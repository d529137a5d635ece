"""``evsynth users add | list`` and ``evsynth reviews add-member | members`` on SQLite (a review
folder's evsynth.db) and on PostgreSQL (--db)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from evsynth.cli import app
from evsynth.store import DEFAULT_DATABASE, open_store

PASSWORD = "correct horse battery"


@pytest.fixture
def review_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "peer-support"
    folder.mkdir()
    return folder


@pytest.fixture
def where(backend: str, store_url: str, review_dir: Path) -> list[str]:
    """Where users live: the review folder on SQLite, --db URL on PostgreSQL."""
    return [str(review_dir)] if backend == "sqlite" else ["--db", store_url]


@pytest.fixture
def opened(backend: str, store_url: str, review_dir: Path):
    def open_():
        if backend == "sqlite":
            return open_store(directory=review_dir)
        return open_store(store_url)

    return open_


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def test_users_add_reads_the_password_from_stdin(where, opened):
    result = run("users", "add", "ann", *where, "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Added user 'ann'" in result.output
    with opened() as store:
        assert store.verify_login("ann", PASSWORD, client="test").username == "ann"
    listed = run("users", "list", *where)
    assert listed.exit_code == 0 and listed.output.split() == ["ann"]


def test_users_add_asks_twice_without_echo(where, opened):
    result = run("users", "add", "bob", *where, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output
    with opened() as store:
        assert store.verify_login("bob", PASSWORD, client="test")


def test_users_add_refuses_different_or_short_passwords(where, opened):
    result = run("users", "add", "bob", *where, input="first password\nsecond password\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    result = run("users", "add", "bob", *where, "--password-stdin", input="short\n")
    assert result.exit_code == 2
    assert "at least 8 characters" in result.output
    result = run("users", "add", "bob", *where, "--password-stdin", input="")
    assert result.exit_code == 2 and "no password on standard input" in result.output
    with opened() as store:
        assert store.users() == []


def test_users_add_needs_one_place(review_dir, store_url):
    result = run("users", "add", "ann", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2 and "give a review folder (DIR) or a database URL" in result.output
    result = run("users", "add", "ann", str(review_dir), "--db", store_url, input=PASSWORD)
    assert result.exit_code == 2 and "not both" in result.output
    result = run("users", "list", str(review_dir))
    assert result.exit_code == 2 and f"no {DEFAULT_DATABASE} here yet" in result.output
    assert not (review_dir / DEFAULT_DATABASE).exists()


def test_users_are_unique(where):
    assert run("users", "add", "ann", *where, "--password-stdin", input=PASSWORD).exit_code == 0
    result = run("users", "add", "ann", *where, "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2 and "a user named 'ann' exists already" in result.output


def test_reviews_add_member(backend, store_url, review_dir, exports, opened):
    db = [] if backend == "sqlite" else ["--db", store_url]
    with opened() as store:
        store.import_records("peer-support", "MEDLINE", [exports["medline"]])
        for name in ("ann", "bob", "cy"):
            store.add_user(name)
    result = run("reviews", "add-member", str(review_dir), "ann", "--role", "lead", *db)
    assert result.exit_code == 0, result.output
    assert "ann is now a lead of review 'peer-support'" in result.output
    result = run("reviews", "add-member", str(review_dir), "bob", "--role", "Reviewer", *db)
    assert result.exit_code == 0, result.output
    result = run("reviews", "add-member", str(review_dir), "cy", "--role", "resolver", *db)
    assert result.exit_code == 0, result.output
    assert "cy is now a resolver of review 'peer-support'" in result.output
    with opened() as store:
        assert store.reviews_of("ann") == {"peer-support": "lead"}
        assert store.role_of("peer-support", "bob") == "reviewer"
        assert store.role_of("peer-support", "cy") == "resolver"
    listed = run("reviews", "members", str(review_dir), *db)
    assert listed.exit_code == 0
    assert [line.split() for line in listed.output.splitlines()] == [
        ["ann", "lead"],
        ["cy", "resolver"],
        ["bob", "reviewer"],
    ]


def test_reviews_add_member_errors(backend, store_url, review_dir, exports, opened):
    db = [] if backend == "sqlite" else ["--db", store_url]
    result = run("reviews", "add-member", str(review_dir), "ann", "--role", "lead", *db)
    assert result.exit_code == 2
    with opened() as store:
        store.import_records("peer-support", "MEDLINE", [exports["medline"]])
        store.add_user("ann")
    result = run("reviews", "add-member", str(review_dir), "ann", "--role", "owner", *db)
    assert (
        result.exit_code == 2 and "'owner' is not one of lead, resolver, reviewer" in result.output
    )
    result = run("reviews", "add-member", str(review_dir), "nobody", "--role", "lead", *db)
    assert result.exit_code == 2 and "no user named 'nobody'" in result.output
    assert (
        run("reviews", "add-member", str(review_dir), "ann", "--role", "lead", *db).exit_code == 0
    )
    result = run("reviews", "add-member", str(review_dir), "ann", "--role", "reviewer", *db)
    assert result.exit_code == 2 and "'ann' is already a lead of 'peer-support'" in result.output
