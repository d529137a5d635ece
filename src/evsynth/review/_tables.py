"""Read studies/outcomes tables from CSV (or XLSX) with the line number of every row."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from evsynth.review._problems import Problem


@dataclass(frozen=True)
class Table:
    """A table as text cells: ``rows`` holds ``(line, {column: cell})``; empty cells omitted."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def required_columns(table: Table, required, problems: list[Problem]) -> bool:
    """Whether ``table`` has every ``required`` column; append a problem for each missing."""
    missing = [c for c in required if c not in table.columns]
    for column in missing:
        problems.append(Problem(table.file, 1, column, "required column is missing"))
    return not missing


def find_table(root: Path, stem: str) -> Path | None:
    """``stem.csv`` if present, else ``stem.xlsx``, else None."""
    for suffix in (".csv", ".xlsx"):
        path = root / (stem + suffix)
        if path.is_file():
            return path
    return None


def read_table(path: Path, problems: list[Problem]) -> Table | None:
    """Read a CSV or XLSX table; append problems (and return None) if it is unreadable."""
    try:
        if path.suffix == ".xlsx":
            raw = _xlsx_rows(path)
        else:
            raw = _csv_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        problems.append(Problem(path.name, None, None, f"cannot be read: {exc}"))
        return None
    if not raw:
        problems.append(Problem(path.name, None, None, "is empty; it needs a header row"))
        return None
    (_, header), body = raw[0], raw[1:]
    columns = tuple(c.strip() for c in header)
    bad = False
    seen: set[str] = set()
    for i, name in enumerate(columns):
        if not name and any(len(cells) > i and cells[i].strip() for _, cells in body):
            problems.append(Problem(path.name, 1, None, f"column {i + 1} has no name"))
            bad = True
        elif name and name in seen:
            problems.append(Problem(path.name, 1, name, "column appears twice in the header"))
            bad = True
        seen.add(name)
    if bad:
        return None
    rows = []
    for line, cells in body:
        row = {
            col: cell.strip()
            for col, cell in zip(columns, cells, strict=False)
            if col and cell.strip() and cell.strip().upper() != "NA"
        }
        if row:
            rows.append((line, row))
    return Table(path.name, columns, tuple(rows))


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        first = fh.readline()
        fh.seek(0)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(fh, delimiter=delimiter)
        out, previous = [], 0
        for cells in reader:
            out.append((previous + 1, cells))  # the physical line the record starts on
            previous = reader.line_num
        return out


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        return [
            (i, [_cell_text(v) for v in values]) for i, values in enumerate(rows, sheet.min_row)
        ]
    finally:
        book.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
