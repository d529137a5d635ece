"""Reading and checking the CSV that ``evsynth meta`` analyses.

This module only parses and validates: it turns a CSV file into NumPy arrays named after the
arguments of :func:`evsynth.effect_sizes` / :func:`evsynth.meta_analysis`, and every problem
into an :class:`InputError` that names the file, the line (as a spreadsheet counts them: the
header is line 1, the first data row line 2) and the column. No statistics are computed here.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "ARM_COLUMNS",
    "LAYOUTS",
    "InputError",
    "StudyTable",
    "read_study_table",
]

ARM_COLUMNS = ("m1", "sd1", "n1", "m2", "sd2", "n2")
#: layout name -> the canonical columns it needs, in the order they are reported
LAYOUTS: dict[str, tuple[str, ...]] = {
    "arm": ARM_COLUMNS,
    "yi_vi": ("yi", "vi"),
    "estimate_se": ("estimate", "se"),
    "estimate_ci": ("estimate", "ci_low", "ci_high"),
}
LAYOUT_DESCRIPTIONS = {
    "arm": "arm-level columns m1, sd1, n1, m2, sd2, n2",
    "yi_vi": "effect sizes with sampling variances (yi, vi)",
    "estimate_se": "estimates with standard errors (estimate, se)",
    "estimate_ci": "estimates with confidence intervals (estimate, ci_low, ci_high)",
}
DATA_COLUMNS = frozenset(c for cols in LAYOUTS.values() for c in cols)

# Other spellings accepted in the header (after lower-casing and turning ". -" into "_").
_ALIASES = {
    "m1i": "m1",
    "sd1i": "sd1",
    "n1i": "n1",
    "m2i": "m2",
    "sd2i": "sd2",
    "n2i": "n2",
    "sei": "se",
    "ci_lb": "ci_low",
    "ci_ub": "ci_high",
}

_MISSING_TOKENS = frozenset({"", "na", "nan", "n/a", "null", "none", "."})


class InputError(ValueError):
    """A problem with the user's input, reported as one line and exit status 2."""

    def __init__(self, path: str, message: str, *, line: int | None = None, column=None):
        self.path = path
        self.line = line
        self.column = column
        self.detail = message
        super().__init__(self.format())

    def format(self) -> str:
        where = [self.path]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.detail}"


@dataclass(frozen=True)
class StudyTable:
    """The validated content of a study CSV.

    ``values`` maps canonical column names (``m1``, ``yi``, ``estimate`` ...) to float arrays;
    ``columns`` maps the same names to the header as the user wrote it; ``lines`` holds the
    line number of each data row in the file.
    """

    path: str
    layout: str
    values: dict[str, np.ndarray]
    columns: dict[str, str]
    labels: list[str]
    label_column: str | None
    lines: list[int]
    groups: list[str] | None = None
    group_column: str | None = None
    header: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        return len(self.lines)


def _canonical(name: str) -> str:
    key = re.sub(r"[.\s\-]+", "_", name.strip().lower())
    return _ALIASES.get(key, key)


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_rows(path: Path, shown: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """Return the header's line, the header and the non-blank data rows with their lines.

    Line numbers are 1-based and count physical lines, blank ones included, as a text editor
    or a spreadsheet shows them.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except IsADirectoryError:
        raise InputError(shown, "is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise InputError(shown, "is not a UTF-8 text file (save it as CSV UTF-8)") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise InputError(
            shown,
            "the file is empty; expected a header line such as 'study,yi,vi'",
            line=1,
        )
    delimiter = _sniff_delimiter(text.lstrip("\r\n").splitlines()[0])
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue  # blank line (or a row of empty cells): skipped
            if header is None:
                header = [cell.strip() for cell in record]
                header_line = line
                continue
            rows.append((line, record))
    except csv.Error as exc:
        raise InputError(shown, f"not a valid CSV file ({exc})", line=reader.line_num) from None
    assert header is not None  # the text is not blank, so some record has a non-empty cell
    for i, name in enumerate(header):
        if not name:
            raise InputError(
                shown, f"the header has an empty column name (column {i + 1})", line=header_line
            )
    for line, record in rows:
        if len(record) != len(header):
            raise InputError(
                shown,
                f"this row has {len(record)} fields but the header has {len(header)}",
                line=line,
            )
    if not rows:
        raise InputError(shown, "the file has a header but no data rows", line=header_line + 1)
    return header_line, header, rows


def _parse_number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value


def _choose_layout(present: set[str], measure: str | None, shown: str, header: list[str], hline):
    """Pick the layout for ``measure`` from the columns present, or raise an InputError."""
    found = ", ".join(header)

    def missing(layout: str) -> InputError:
        need = LAYOUTS[layout]
        absent = [c for c in need if c not in present]
        kinds = {"arm": "arm-level data", "yi_vi": "yi", "estimate_ci": "estimate with a CI"}
        what = f"--measure {measure}" if measure else kinds.get(layout, layout)
        return InputError(
            shown,
            f"missing column '{absent[0]}' ({what} needs {', '.join(need)}; the file has {found})",
            line=hline,
            column=absent[0],
        )

    arm_present = present & set(ARM_COLUMNS)
    generic = [
        name for name in ("yi_vi", "estimate_se", "estimate_ci") if set(LAYOUTS[name]) <= present
    ]

    def generic_partial() -> InputError | None:
        if "yi" in present or "vi" in present:
            return missing("yi_vi")
        if "estimate" in present:
            if "ci_low" in present or "ci_high" in present:
                return missing("estimate_ci")
            return InputError(
                shown,
                "missing column 'se' (an 'estimate' column needs either 'se' or both "
                f"'ci_low' and 'ci_high'; the file has {found})",
                line=hline,
                column="se",
            )
        if present & {"se", "ci_low", "ci_high"}:
            return InputError(
                shown,
                "missing column 'estimate' (needed with se or ci_low/ci_high; "
                f"the file has {found})",
                line=hline,
                column="estimate",
            )
        return None

    if measure in ("MD", "SMD"):
        if arm_present == set(ARM_COLUMNS):
            return "arm"
        if arm_present:
            raise missing("arm")
        hint = " (use --measure GENERIC for yi/vi or estimate columns)" if generic else ""
        raise InputError(
            shown,
            f"--measure {measure} needs the arm-level columns {', '.join(ARM_COLUMNS)}, "
            f"but the file has {found}{hint}",
            line=hline,
            column="m1",
        )
    if measure == "GENERIC":
        if generic:
            return generic[0]
        partial = generic_partial()
        if partial is not None:
            raise partial
        hint = " (use --measure MD or SMD for arm-level data)" if arm_present else ""
        raise InputError(
            shown,
            "--measure GENERIC needs columns yi,vi or estimate,se or estimate,ci_low,ci_high, "
            f"but the file has {found}{hint}",
            line=hline,
            column="yi",
        )
    # No --measure: decide from the columns.
    if arm_present == set(ARM_COLUMNS):
        return "arm"
    if generic:
        return generic[0]
    if arm_present:
        raise missing("arm")
    partial = generic_partial()
    if partial is not None:
        raise partial
    raise InputError(
        shown,
        "cannot tell what to analyse: expected arm-level columns m1,sd1,n1,m2,sd2,n2, "
        f"or yi,vi, or estimate,se, or estimate,ci_low,ci_high; the file has {found}",
        line=hline,
    )


def read_study_table(
    path: Path | str,
    *,
    measure: str | None = None,
    label_column: str | None = None,
    by: str | None = None,
) -> StudyTable:
    """Read and validate a study CSV for ``evsynth meta``.

    Parameters
    ----------
    path
        The CSV file (comma-, semicolon- or tab-separated; UTF-8, with or without a BOM).
    measure
        ``"MD"``, ``"SMD"``, ``"GENERIC"`` or ``None`` to choose from the columns.
    label_column
        The column holding the study labels. ``None``: ``study`` if present, else the first
        non-numeric column that is not a data column, else ``Row <line>``.
    by
        A column whose values define subgroups.

    Raises
    ------
    InputError
        With the file, the line and the column of the first problem.
    """
    shown = str(path)
    hline, header, rows = _read_rows(Path(path), shown)

    by_canonical: dict[str, int] = {}
    for i, name in enumerate(header):
        key = _canonical(name)
        if key in by_canonical and key in DATA_COLUMNS:
            other = header[by_canonical[key]]
            raise InputError(
                shown,
                f"columns '{other}' and '{name}' both mean '{key}'; keep one",
                line=hline,
                column=name,
            )
        by_canonical.setdefault(key, i)
    present = {key for key in by_canonical if key in DATA_COLUMNS}
    layout = _choose_layout(present, measure, shown, header, hline)
    needed = LAYOUTS[layout]

    values: dict[str, np.ndarray] = {}
    columns: dict[str, str] = {}
    for key in needed:
        idx = by_canonical[key]
        name = header[idx]
        columns[key] = name
        out = np.empty(len(rows))
        for r, (line, record) in enumerate(rows):
            cell = record[idx].strip()
            if cell.lower() in _MISSING_TOKENS:
                raise InputError(
                    shown,
                    "empty cell; every study needs a value here (delete the row to leave "
                    "the study out)",
                    line=line,
                    column=name,
                )
            value = _parse_number(cell)
            if value is None:
                hint = ""
                if re.fullmatch(r"[-+]?\d+,\d+", cell):
                    hint = " (use a dot as the decimal separator)"
                raise InputError(shown, f"'{cell}' is not a number{hint}", line=line, column=name)
            if not math.isfinite(value):
                raise InputError(shown, f"'{cell}' is not a finite number", line=line, column=name)
            _check_value(key, value, cell, shown, line, name)
            out[r] = value
        values[key] = out

    if layout == "estimate_ci":
        est, lo, hi = values["estimate"], values["ci_low"], values["ci_high"]
        for r, (line, _) in enumerate(rows):
            if not lo[r] < hi[r]:
                raise InputError(
                    shown,
                    f"ci_low ({lo[r]:g}) must be smaller than ci_high ({hi[r]:g})",
                    line=line,
                    column=columns["ci_low"],
                )
            if not lo[r] <= est[r] <= hi[r]:
                raise InputError(
                    shown,
                    f"the estimate ({est[r]:g}) lies outside its confidence interval "
                    f"[{lo[r]:g}, {hi[r]:g}]",
                    line=line,
                    column=columns["estimate"],
                )

    labels, used_label_column = _labels(header, rows, by_canonical, label_column, shown, hline)

    groups = None
    group_column = None
    if by is not None:
        idx = _find_column(header, by)
        if idx is None:
            raise InputError(
                shown,
                f"missing column '{by}' (named by --by; the file has {', '.join(header)})",
                line=hline,
                column=by,
            )
        group_column = header[idx]
        groups = []
        for line, record in rows:
            cell = record[idx].strip()
            if cell.lower() in _MISSING_TOKENS:
                raise InputError(
                    shown,
                    "empty cell; every study needs a subgroup for --by",
                    line=line,
                    column=group_column,
                )
            groups.append(cell)

    return StudyTable(
        path=shown,
        layout=layout,
        values=values,
        columns=columns,
        labels=labels,
        label_column=used_label_column,
        lines=[line for line, _ in rows],
        groups=groups,
        group_column=group_column,
        header=header,
    )


_POSITIVE = {"sd1": "a standard deviation", "sd2": "a standard deviation"}
_POSITIVE.update({"se": "a standard error", "vi": "a sampling variance"})


def _check_value(key: str, value: float, cell: str, shown: str, line: int, name: str) -> None:
    what = _POSITIVE.get(key)
    if what is not None and value < 0:
        raise InputError(shown, f"{what} cannot be negative (got {cell})", line=line, column=name)
    if what is not None and value == 0:
        raise InputError(shown, f"{what} must be > 0 (got {cell})", line=line, column=name)
    if key in ("n1", "n2") and value < 2:
        raise InputError(
            shown,
            f"a group needs at least 2 participants for a standard deviation (got n = {cell})",
            line=line,
            column=name,
        )


def _find_column(header: list[str], name: str) -> int | None:
    for i, h in enumerate(header):
        if h == name:
            return i
    for i, h in enumerate(header):
        if h.strip().lower() == name.strip().lower():
            return i
    return None


def _labels(header, rows, by_canonical, label_column, shown, hline) -> tuple[list[str], str | None]:
    idx: int | None
    if label_column is not None:
        idx = _find_column(header, label_column)
        if idx is None:
            raise InputError(
                shown,
                f"missing column '{label_column}' (named by --label-column; the file has "
                f"{', '.join(header)})",
                line=hline,
                column=label_column,
            )
    else:
        idx = _find_column(header, "study")
        if idx is None:
            data_idx = {i for key, i in by_canonical.items() if key in DATA_COLUMNS}
            for i in range(len(header)):
                if i in data_idx:
                    continue
                cells = [record[i].strip() for _, record in rows]
                if any(c and _parse_number(c) is None for c in cells):
                    idx = i
                    break
    if idx is None:
        return [f"Row {line}" for line, _ in rows], None
    labels = [record[idx].strip() or f"Row {line}" for line, record in rows]
    return labels, header[idx]
