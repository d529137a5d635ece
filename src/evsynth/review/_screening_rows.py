"""Read screening.csv: the resolved title/abstract and full-text decisions of a review.

Only the form is checked here (stages, decisions, reasons, known studies, one decision per
record and stage, no full-text decision on a record excluded at title/abstract). Which records
the ids name, and the PRISMA counts, are worked out in :mod:`evsynth.screening` once the
exports have been read.
"""

from __future__ import annotations

from evsynth.review._model import SCREENING_DECISIONS, ScreeningDecisionRow, Study
from evsynth.review._problems import Problem
from evsynth.review._tables import Table, required_columns

__all__ = ["parse_screening"]

_REQUIRED = ("record_id", "stage", "decision")


def parse_screening(
    table: Table, problems: list[Problem], studies: dict[str, Study]
) -> list[ScreeningDecisionRow]:
    """The valid screening.csv rows in file order; append the problems of the others.

    Columns: ``record_id`` (``FILE#N``), ``stage`` (``title_abstract`` or ``full_text``),
    ``decision`` (``include``, ``exclude``; at full text also ``not_retrieved``), ``reason``
    (required to exclude at full text) and ``study_id`` (required to include at full text).
    """
    file = table.file
    if not required_columns(table, _REQUIRED, problems):
        return []
    seen: dict[tuple[str, str], int] = {}
    out: list[ScreeningDecisionRow] = []
    for line, cells in table.rows:
        found: list[tuple[str, str]] = []
        record_id, stage = cells.get("record_id"), cells.get("stage")
        decision = (cells.get("decision") or "").lower()
        if record_id is None:
            found.append(("record_id", "is required (the cell is empty)"))
        elif "#" not in record_id:
            found.append(("record_id", f"must be FILE#N (e.g. medline.nbib#12); got {record_id!r}"))
        if stage not in SCREENING_DECISIONS:
            found.append(("stage", f"must be one of {list(SCREENING_DECISIONS)}; got {stage!r}"))
        elif decision not in SCREENING_DECISIONS[stage]:
            allowed = list(SCREENING_DECISIONS[stage])
            found.append(("decision", f"must be one of {allowed} at {stage}; got {decision!r}"))
        elif stage == "full_text" and decision == "exclude" and not cells.get("reason"):
            found.append(("reason", "is required to exclude at full text (PRISMA counts reasons)"))
        study_id = cells.get("study_id")
        if stage == "full_text" and decision == "include":
            if study_id is None:
                found.append(("study_id", "is required to include at full text"))
            elif study_id not in studies:
                found.append(("study_id", f"unknown study {study_id!r}: not in studies.csv"))
        elif study_id is not None:
            found.append(("study_id", "is only for reports included at full text"))
        key = (record_id, stage)
        if record_id is not None and key in seen:
            found.append(("record_id", f"decided twice at {stage} (first on line {seen[key]})"))
        if found:
            problems.extend(Problem(file, line, f, m) for f, m in found)
            continue
        seen[key] = line
        out.append(
            ScreeningDecisionRow(
                record_id=record_id,
                stage=stage,
                decision=decision,
                reason=cells.get("reason"),
                study_id=study_id,
                line=line,
            )
        )
    excluded = {r.record_id for r in out if r.stage == "title_abstract" and r.decision == "exclude"}
    for row in out:
        if row.stage == "full_text" and row.record_id in excluded:
            problems.append(
                Problem(
                    file,
                    row.line,
                    "record_id",
                    f"{row.record_id} has a full-text decision but was excluded at title/abstract",
                )
            )
    return out
