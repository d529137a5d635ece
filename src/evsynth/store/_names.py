"""Names and ids: checks of names given to the store, and the stable record ids."""

from __future__ import annotations

from evsynth.screening import STAGES
from evsynth.store._errors import StoreError

__all__ = ["check_name", "check_stage", "stored_record_id"]


def check_name(value: object, what: str, limit: int) -> str:
    """``value`` stripped, when it is a non-empty string of at most ``limit`` characters.

    Examples
    --------
    >>> check_name("  ann ", "user", 100)
    'ann'
    """
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"the {what} name must be a non-empty string; got {value!r}")
    value = value.strip()
    if len(value) > limit:
        raise StoreError(f"the {what} name is longer than {limit} characters: {value[:40]}...")
    return value


def stored_record_id(number: int) -> str:
    """The stable text id of a review's ``number``-th record.

    Examples
    --------
    >>> stored_record_id(123)
    'r000123'
    """
    return f"r{number:06d}"


def check_stage(stage: object) -> str:
    """``stage`` when it is a screening stage, else a :class:`StoreError` listing them.

    Examples
    --------
    >>> check_stage("full_text")
    'full_text'
    """
    if stage not in STAGES:
        raise StoreError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
    return stage  # type: ignore[return-value]
