"""The store's error."""

from __future__ import annotations

__all__ = ["StoreError"]


class StoreError(Exception):
    """The store cannot do what was asked (unknown review, bad URL, database failure, ...).

    The message says what went wrong in one line; nothing was changed.

    Examples
    --------
    >>> str(StoreError("no review named 'pain' in sqlite:///evsynth.db"))
    "no review named 'pain' in sqlite:///evsynth.db"
    """
