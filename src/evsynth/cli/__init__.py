"""The ``evsynth`` command line (Typer): ``evsynth meta``, ``evsynth demo``, ``--version``."""

from evsynth.cli._app import app, main

__all__ = ["app", "main"]
