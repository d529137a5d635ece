"""Labelled records for screening simulations: texts and the reviewers' final labels.

Reads a CSV/TSV with a label column (the SYNERGY and ASReview convention) or a RIS file
labelled the way ASReview writes it, through :func:`evsynth.records.read_records`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evsynth.records import Record, RecordsError, read_records

__all__ = ["LABEL_COLUMNS", "LabelledRecords", "read_labelled"]

#: label columns of a CSV/TSV, the first one present is used (case-insensitive)
LABEL_COLUMNS = ("label_included", "included", "label")
#: record id columns of a CSV/TSV, the first one present is used (case-insensitive)
ID_COLUMNS = ("record_id", "id")

_LABEL_VALUES = {
    **dict.fromkeys(("1", "1.0", "yes", "y", "true", "include", "included"), 1),
    **dict.fromkeys(("0", "0.0", "no", "n", "false", "exclude", "excluded"), 0),
}
_LABEL_HELP = "use 1/0, yes/no, true/false or include/exclude"
# ASReview writes its decision into a RIS record's N1 (notes) tag
_ASREVIEW_NOTES = {"asreview_relevant": 1, "asreview_irrelevant": 0, "asreview_not_seen": None}
_ASREVIEW_WORD = re.compile(r"\basreview_\w+")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".ris": "ris", ".txt": "ris"}


@dataclass(frozen=True, eq=False)
class LabelledRecords:
    """Records with a final screening label each, in file order.

    Attributes
    ----------
    record_ids : tuple of str
        Each record's id (unique): the id column or tag, else its position ``1..N``.
    texts : tuple of str
        ``title + "\\n" + abstract`` (an absent part is empty).
    labels : numpy.ndarray
        1 (included) or 0 (excluded) per record, ``int64``.
    path : pathlib.Path
        The file read.
    lines : tuple of int
        The line where each record starts in the file.
    label_source : str
        Where the labels came from, e.g. ``"column 'label_included'"``.

    Examples
    --------
    >>> import numpy as np
    >>> data = LabelledRecords(("a", "b"), ("A\\n", "B\\n"), np.array([1, 0]), Path("x.csv"),
    ...                        (2, 3), "column 'label'")
    >>> data.n_records, data.n_included
    (2, 1)
    """

    record_ids: tuple[str, ...]
    texts: tuple[str, ...]
    labels: np.ndarray = field(repr=False)
    path: Path
    lines: tuple[int, ...] = field(repr=False)
    label_source: str

    @property
    def n_records(self) -> int:
        """Records in all (``N``)."""
        return len(self.record_ids)

    @property
    def n_included(self) -> int:
        """Records labelled included (``R``)."""
        return int(self.labels.sum())


def read_labelled(path) -> LabelledRecords:
    """Read labelled records for a screening simulation.

    Parameters
    ----------
    path : str or os.PathLike
        One of:

        - a CSV or TSV file (optionally gzip-compressed, ``.csv.gz``) with a title column
          (``title``, ``Title``, ...; see :func:`evsynth.records.read_records`), an optional
          ``abstract`` column, a label column (the first of ``label_included``, ``included``,
          ``label``; case-insensitive) holding 1/0, yes/no, true/false or include/exclude
          (case-insensitive) and optionally a record id column (``record_id``, else ``id``);
        - a RIS file (``.ris`` or ``.txt``, optionally gzip-compressed) labelled as ASReview
          exports it: ``ASReview_relevant`` or ``ASReview_irrelevant`` in an ``N1`` note, or
          else an ``LB`` tag holding a label value as above (ASReview reads ``LB`` as its
          ``label`` column). The ``ID`` tag gives the record id where every record has one.

        Without an id column (or tag), records are numbered ``1..N`` in file order.

    Returns
    -------
    LabelledRecords

    Raises
    ------
    ValueError
        :class:`evsynth.records.RecordsError` naming the file, line and field: the file
        cannot be read, has no label column, a record has no label or one that is not a
        label, two records share an id, or no record is included or none excluded (a
        simulation needs both).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "data.csv").write_text(
    ...     "record_id,title,abstract,label_included\\n"
    ...     "r1,Aspirin trial,Randomised.,1\\n"
    ...     "r2,Cohort study,,no\\n")
    >>> data = read_labelled(folder / "data.csv")
    >>> data.record_ids, data.labels.tolist(), data.texts[0]
    (('r1', 'r2'), [1, 0], 'Aspirin trial\\nRandomised.')
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path, not {type(path).__name__}")
    path = Path(path)
    file = str(path)
    name = path.name.lower().removesuffix(".gz")
    fmt = _FORMATS.get(Path(name).suffix)
    if fmt is None:
        raise RecordsError(
            file,
            None,
            "labelled records must be a CSV or TSV file with a label column or a RIS file "
            "with ASReview labels (.csv, .tsv, .ris or .txt, optionally .gz)",
        )
    records = read_records(path, format=fmt)
    if not records:
        raise RecordsError(file, None, "holds no records")
    if fmt == "ris":
        labels, label_source = _ris_labels(records, file)
        ids = _ids(records, file, "ID", "tag")
    else:
        label_column = _column(records, LABEL_COLUMNS)
        if label_column is None:
            header = ", ".join(records[0].raw)
            raise RecordsError(
                file,
                1,
                f"no label column (expected one of {', '.join(LABEL_COLUMNS)}); "
                f"the header has {header}",
            )
        labels = [_label(r.raw[label_column], r, file, f"column {label_column!r}") for r in records]
        label_source = f"column {label_column!r}"
        ids = _ids(records, file, _column(records, ID_COLUMNS), "column")
    labels = np.array(labels, dtype=np.int64)
    n_included = int(labels.sum())
    if n_included == 0 or n_included == labels.size:
        kind = "excluded (0)" if n_included == 0 else "included (1)"
        raise RecordsError(
            file,
            None,
            f"all {labels.size} records are labelled {kind} in {label_source}; a simulation "
            "needs at least one included and one excluded record",
        )
    return LabelledRecords(
        record_ids=tuple(ids),
        texts=tuple(f"{r.title or ''}\n{r.abstract or ''}" for r in records),
        labels=labels,
        path=path,
        lines=tuple(r.line for r in records),
        label_source=label_source,
    )


def _column(records: list[Record], candidates: tuple[str, ...]) -> str | None:
    """The header's first column matching a candidate (in the candidates' order)."""
    header = {}
    for name in records[0].raw:
        header.setdefault(name.strip().lower(), name)
    return next((header[c] for c in candidates if c in header), None)


def _label(value, record: Record, file: str, field_name: str) -> int:
    text = (value or "").strip()
    if not text:
        raise RecordsError(
            file,
            record.line,
            f"{field_name} is empty; every record needs a label ({_LABEL_HELP})",
        )
    label = _LABEL_VALUES.get(text.lower())
    if label is None:
        raise RecordsError(
            file, record.line, f"{field_name} holds {text!r}, which is not a label ({_LABEL_HELP})"
        )
    return label


def _ris_labels(records: list[Record], file: str) -> tuple[list[int], str]:
    labels, sources = [], set()
    for record in records:
        notes = record.raw.get("N1") or []
        notes = [notes] if isinstance(notes, str) else notes
        found = {
            word: _ASREVIEW_NOTES[word]
            for note in notes
            for word in _ASREVIEW_WORD.findall(str(note).lower())
            if word in _ASREVIEW_NOTES
        }
        if len(found) > 1:
            raise RecordsError(
                file,
                record.line,
                f"tag N1 holds two ASReview labels ({', '.join(sorted(found))}) for one record",
            )
        if found:
            (label,) = found.values()
            if label is None:
                raise RecordsError(
                    file,
                    record.line,
                    "tag N1 says ASReview_not_seen; a simulation needs every record labelled "
                    "(ASReview_relevant or ASReview_irrelevant)",
                )
            labels.append(label)
            sources.add("N1 notes (ASReview_relevant/ASReview_irrelevant)")
            continue
        value = record.raw.get("LB")
        if value is None:
            raise RecordsError(
                file,
                record.line,
                "record has no label: no ASReview_relevant or ASReview_irrelevant in tag N1 "
                "and no tag LB",
            )
        if isinstance(value, list):
            value = value[-1] if value else ""
        labels.append(_label(str(value), record, file, "tag LB"))
        sources.add("tag LB")
    return labels, " and ".join(sorted(sources))


def _ids(records: list[Record], file: str, column: str | None, kind: str) -> list[str]:
    """Each record's id from ``column`` (a CSV column or RIS tag), else ``1..N``."""
    if column is None or (kind == "tag" and not all(r.raw.get(column) for r in records)):
        return [str(i) for i in range(1, len(records) + 1)]
    ids: list[str] = []
    first_line: dict[str, int] = {}
    for record in records:
        value = record.raw.get(column)
        value = (value[0] if value else "") if isinstance(value, list) else value
        value = (value or "").strip()
        if not value:
            raise RecordsError(
                file, record.line, f"{kind} {column!r} is empty; every record needs an id"
            )
        if value in first_line:
            raise RecordsError(
                file,
                record.line,
                f"{kind} {column!r}: id {value!r} repeats the id of line {first_line[value]}; "
                "record ids must be unique",
            )
        first_line[value] = record.line
        ids.append(value)
    return ids
