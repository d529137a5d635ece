"""``evsynth serve``: the screening workbench in the browser (FastAPI on uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stdout as _stdout

__all__ = ["serve"]


def serve(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="A review folder: its evsynth.db, and review.toml's keywords to highlight.",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Database URL (sqlite:///… or postgresql://…) for a team server. "
            "Default: DIR/evsynth.db.",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the screening workbench: sign in, screen blind, resolve conflicts, see kappa and
    the PRISMA counts."""
    if directory is None and db is None:
        raise _fail("give a review folder (DIR) or a database URL (--db)")
    if directory is not None and not directory.is_dir():
        raise _fail(f"{directory}: no such folder")

    import uvicorn

    from evsynth.store import StoreError, open_store
    from evsynth.web import create_app, keywords_from_toml

    keywords = {}
    if directory is not None:
        try:
            words = keywords_from_toml(directory / "review.toml")
        except ValueError as error:
            raise _fail(str(error)) from None
        keywords = {directory.resolve().name: words}
    try:
        store = open_store(db, directory=directory)
    except StoreError as error:
        raise _fail(str(error)) from None
    try:
        app = create_app(store, keywords=lambda review: keywords.get(review, ()))
        _stdout().print(f"evsynth workbench on http://{host}:{port}/ ({store.url})")
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
    finally:
        store.close()
