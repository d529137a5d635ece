"""The consoles every command prints to, and its one way of failing on bad input."""

from __future__ import annotations

import typer
from rich.console import Console

from evsynth.cli._render import print_error

__all__ = ["INPUT_ERROR", "fail", "stderr", "stdout"]

#: exit status of a command stopped by a problem in its input (as typer's usage errors)
INPUT_ERROR = 2


def stdout() -> Console:
    return Console(highlight=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print ``Error: message`` on stderr; return the exit to raise (status 2)."""
    print_error(stderr(), message)
    return typer.Exit(code=INPUT_ERROR)
