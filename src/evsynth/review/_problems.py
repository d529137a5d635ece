"""Problems found in a review folder, and the error that carries them all."""

from __future__ import annotations

import math
from dataclasses import dataclass

_FILE_ORDER = ("review.toml", "studies", "outcomes", "rob", "grade", "screening")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a review folder.

    Parameters
    ----------
    file : str
        File name inside the folder, e.g. ``"outcomes.csv"``.
    line : int or None
        Line number (CSV/XLSX: the header is line 1); None when no line applies.
    field : str or None
        Column name, or for review.toml the dotted key (``"outcome.direction"``).
    message : str
        What is wrong and what was expected.
    """

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts) + ": " + self.message


class ReviewError(ValueError):
    """A review folder could not be loaded; ``problems`` lists everything wrong with it."""

    def __init__(self, problems):
        self.problems = tuple(sorted(problems, key=_sort_key))
        super().__init__("\n".join(str(p) for p in self.problems))


def _sort_key(problem: Problem):
    rank = next((i for i, f in enumerate(_FILE_ORDER) if problem.file.startswith(f)), 9)
    return (rank, problem.file, problem.line or 0)


def show(value) -> str:
    """Render an offending value for a message: numbers as written, text quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return repr(value)
        return value if math.isfinite(number) else repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe(error: dict) -> str:
    """Turn one pydantic error into a sentence: what was expected, and what was found."""
    kind, ctx = error["type"], error.get("ctx") or {}
    got = "; got " + show(error["input"]) if "input" in error else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key" + got
    if kind in _SIMPLE:
        return _SIMPLE[kind] + got
    if kind in _BOUNDS:
        op, key = _BOUNDS[kind]
        return f"must be {op} {show(ctx[key])}{got}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}{got}"
    if kind == "evsynth":
        return error["msg"] + got
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])) + got
    return error["msg"][:1].lower() + error["msg"][1:] + got


_SIMPLE = {
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
}

_BOUNDS = {
    "greater_than": (">", "gt"),
    "greater_than_equal": (">=", "ge"),
    "less_than": ("<", "lt"),
    "less_than_equal": ("<=", "le"),
}
