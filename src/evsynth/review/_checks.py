"""Checks that need more than one file: ids, timepoints, scales, moderators."""

from __future__ import annotations

from evsynth.review._model import OutcomeRow, Protocol, Study
from evsynth.review._problems import Problem, show
from evsynth.review._tables import Table
from evsynth.review._tomllines import TomlLines


def _listing(ids) -> str:
    return ", ".join(repr(i) for i in ids)


def check_rows(
    table: Table | None,
    rows: list[OutcomeRow],
    protocol: Protocol | None,
    study_ids: set[str] | None,
) -> list[Problem]:
    """Problems of valid outcome rows against the protocol and the study ids (None: unknown)."""
    if table is None:
        return []
    file = table.file
    found: list[Problem] = []

    def add(row: OutcomeRow, field: str | None, message: str) -> None:
        found.append(Problem(file, row.line, field, message))

    seen: dict[tuple, int | None] = {}
    for row in rows:
        key = (row.study_id, row.outcome_id, row.comparator_id, row.timepoint_weeks, row.arm)
        if key in seen:
            add(
                row,
                "arm" if row.arm else None,
                f"duplicate row: same study, outcome, "
                f"comparator, timepoint and arm as line {seen[key]}; a multi-arm trial needs "
                "a distinct 'arm' on each row",
            )
        seen.setdefault(key, row.line)
        if study_ids is not None and row.study_id not in study_ids:
            add(row, "study_id", f"unknown study {row.study_id!r}; it is not in studies.csv")
    if protocol is None:
        return found
    outcomes = {o.id: o for o in protocol.outcomes}
    comparators = dict.fromkeys(c.id for c in protocol.comparators)  # ordered, as listed
    windows = ", ".join(
        f"{w.id} [{show(w.start_week)}, {show(w.end_week)}]" for w in protocol.timepoints
    )
    for row in rows:
        if row.outcome_id not in outcomes:
            add(
                row,
                "outcome_id",
                f"unknown outcome {row.outcome_id!r}; review.toml defines " + _listing(outcomes),
            )
        if row.comparator_id not in comparators:
            add(
                row,
                "comparator_id",
                f"unknown comparator {row.comparator_id!r}; review.toml "
                "defines " + _listing(comparators),
            )
        if protocol.window_for(row.timepoint_weeks) is None:
            add(
                row,
                "timepoint_weeks",
                f"{show(row.timepoint_weeks)} weeks is outside every timepoint window ({windows})",
            )
        spec = outcomes.get(row.outcome_id)
        if spec is None:
            continue
        if spec.rescale_to is not None and row.scale_min is None:
            add(
                row,
                "scale_min",
                f"is required: outcome {spec.id!r} has rescale_to, so each "
                "row needs its instrument's scale_min and scale_max",
            )
        if spec.measure == "MD" and row.measure == "SMD":
            add(row, "measure", f"outcome {spec.id!r} is pooled as MD but this contrast is an SMD")
    found.extend(_md_scales(file, rows, protocol))
    return found


def _md_scales(file: str, rows: list[OutcomeRow], protocol: Protocol) -> list[Problem]:
    """MD outcomes without rescale_to must have one scale range across their rows."""
    found = []
    for spec in protocol.outcomes:
        if spec.measure != "MD" or spec.rescale_to is not None:
            continue
        first: OutcomeRow | None = None
        for row in rows:
            if row.outcome_id != spec.id or row.scale_min is None:
                continue
            if first is None:
                first = row
            elif (row.scale_min, row.scale_max) != (first.scale_min, first.scale_max):
                found.append(Problem(file, row.line, "scale_max", _md_message(spec.id, row, first)))
    return found


def _span(row: OutcomeRow) -> str:
    return f"[{show(row.scale_min)}, {show(row.scale_max)}]"


def _md_message(outcome_id: str, row: OutcomeRow, first: OutcomeRow) -> str:
    return (
        f"outcome {outcome_id!r} is pooled as MD without rescale_to, but this row's scale "
        f"{_span(row)} differs from line {first.line}'s {_span(first)}; set rescale_to in "
        "review.toml or use measure 'SMD'"
    )


def check_moderators(
    protocol: Protocol, lines: TomlLines, studies: Table, parsed: dict[str, Study]
) -> list[Problem]:
    """Moderator columns must exist in studies.csv; numeric ones must hold numbers."""
    found = []
    for i, mod in enumerate(protocol.moderators):
        if mod.column not in studies.columns:
            found.append(
                Problem(
                    "review.toml",
                    lines.line(("moderator", i, "column")),
                    "moderator.column",
                    f"column {mod.column!r} is not in "
                    f"{studies.file} (its columns: {_listing(studies.columns)})",
                )
            )
            continue
        if mod.kind != "numeric":
            continue
        for study in parsed.values():
            value = study.value(mod.column)
            if isinstance(value, str) and not _is_number(value):
                found.append(
                    Problem(
                        studies.file,
                        study.line,
                        mod.column,
                        (
                            f"moderator {mod.column!r} is numeric, so this must be a number; "
                            f"got {show(value)}"
                        ),
                    )
                )
    return found


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
