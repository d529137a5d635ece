"""``evsynth users`` and ``evsynth reviews``: the workbench's accounts and review teams.

Users are global to a database: a team's PostgreSQL server (``--db``) holds one set of users
for all its reviews; a review folder's SQLite database (``DIR/evsynth.db``) has its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stdout as _stdout
from evsynth.store import DEFAULT_DATABASE, ROLES, Store, StoreError, open_store

__all__ = ["users_app", "reviews_app"]

users_app = typer.Typer(
    help="Workbench users (global to a database): add, list.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
reviews_app = typer.Typer(
    help="Review teams: add members (lead or reviewer), list them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (sqlite:///… or postgresql://…). Default: DIR/evsynth.db.",
    ),
]
OptionalDir = Annotated[
    Path | None,
    typer.Argument(
        metavar="DIR",
        help="A review folder (its evsynth.db); give either DIR or --db.",
        show_default=False,
    ),
]
ReviewDir = Annotated[
    Path,
    typer.Argument(metavar="DIR", help="The review folder (the review is named after it)."),
]


def _check_one(directory: Path | None, db: str | None) -> None:
    if directory is None and db is None:
        raise _fail("give a review folder (DIR) or a database URL (--db)")
    if directory is not None and db is not None:
        raise _fail("give a review folder (DIR) or a database URL (--db), not both")


@contextmanager
def _store(directory: Path | None, db: str | None, *, create: bool) -> Iterator[Store]:
    """Open the store named by DIR or --db; every store error becomes one line, exit status 2."""
    _check_one(directory, db)
    if db is None and not create and not (directory / DEFAULT_DATABASE).is_file():
        raise _fail(f"{directory}: no {DEFAULT_DATABASE} here yet")
    store = None
    try:
        store = open_store(db, directory=directory)
        yield store
    except StoreError as error:
        raise _fail(str(error)) from None
    finally:
        if store is not None:
            store.close()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise _fail("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="The new user's name.")],
    directory: OptionalDir = None,
    db: DatabaseOption = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input instead of asking.",
        ),
    ] = False,
) -> None:
    """Add a user who can log in to the workbench (asks for the password twice)."""
    _check_one(directory, db)
    password = _read_password(password_stdin)
    with _store(directory, db, create=True) as store:
        store.add_user(username, password)
        where = store.url
    _stdout().print(f"Added user '{username.strip()}' to {where}", soft_wrap=True)


@users_app.command("list")
def list_users(directory: OptionalDir = None, db: DatabaseOption = None) -> None:
    """List the database's users."""
    with _store(directory, db, create=False) as store:
        names = store.users()
    console = _stdout()
    for name in names:
        console.print(name, soft_wrap=True)
    if not names:
        console.print("No users yet (evsynth users add USERNAME).")


@reviews_app.command("add-member")
def add_member(
    directory: ReviewDir,
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="An existing user.")],
    role: Annotated[
        str,
        typer.Option(
            "--role", metavar="lead|resolver|reviewer", help="The user's role in the review."
        ),
    ],
    db: DatabaseOption = None,
) -> None:
    """Give a user a role in the review named after DIR."""
    role = role.strip().lower()
    if role not in ROLES:
        raise typer.BadParameter(f"{role!r} is not one of {', '.join(ROLES)}", param_hint="--role")
    review = directory.resolve().name
    with _store(None if db else directory, db, create=False) as store:
        store.add_member(review, username, role)
    _stdout().print(f"{username} is now a {role} of review '{review}'", soft_wrap=True)


@reviews_app.command("members")
def list_members(directory: ReviewDir, db: DatabaseOption = None) -> None:
    """List the members of the review named after DIR, with their roles."""
    review = directory.resolve().name
    with _store(None if db else directory, db, create=False) as store:
        members = store.members(review)
    console = _stdout()
    for member in members:
        console.print(f"{member.username}\t{member.role}", soft_wrap=True)
    if not members:
        console.print(f"Review '{review}' has no members yet.", soft_wrap=True)
