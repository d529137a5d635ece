"""Helpers for the review-folder tests: a copy of the minimal folder to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evsynth.review import Problem, ReviewError, load_review

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of ``fixtures/minimal``."""
    dest = tmp_path / "my-review"
    shutil.copytree(MINIMAL, dest)
    return dest


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the first occurrence of ``old`` (which must be there) in a folder's file."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(folder: Path) -> tuple[Problem, ...]:
    """The problems load_review reports for ``folder`` (it must fail)."""
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    return info.value.problems


def only_problem(folder: Path) -> Problem:
    """The single problem load_review reports for ``folder``."""
    found = problems_of(folder)
    assert len(found) == 1, "\n".join(str(p) for p in found)
    return found[0]
