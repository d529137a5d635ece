"""Load a review folder (review.toml, studies.csv, outcomes.csv, and rob.csv, grade.csv and
screening.csv where present) into a :class:`Review`."""

from __future__ import annotations

from pathlib import Path

from evsynth.review._appraisal_rows import parse_grade, parse_rob
from evsynth.review._checks import check_moderators, check_rows
from evsynth.review._model import Review
from evsynth.review._problems import Problem, ReviewError
from evsynth.review._protocol import load_protocol
from evsynth.review._rows import parse_outcomes, parse_studies
from evsynth.review._screening_rows import parse_screening
from evsynth.review._tables import Table, find_table, read_table
from evsynth.review._tomllines import TomlLines


def load_review(path) -> Review:
    """Load and validate a review folder.

    Parameters
    ----------
    path : str or os.PathLike
        The review folder. It holds ``review.toml``, ``studies.csv`` and ``outcomes.csv``,
        and optionally ``rob.csv`` (risk of bias), ``grade.csv`` (GRADE decisions) and
        ``screening.csv`` (resolved screening decisions on the exports of ``[[source]]``); each
        table may be ``.xlsx`` instead when the CSV is absent (the first sheet is read).

    Returns
    -------
    Review
        The protocol, the studies by id and the outcome rows in file order.

    Raises
    ------
    ReviewError
        If anything is wrong. Every problem found in the folder is listed at once (file,
        line, field, message); no partial review is returned.
    """
    root = Path(path)
    if not root.is_dir():
        raise ReviewError([Problem(str(root), None, None, "is not a folder")])
    problems: list[Problem] = []

    protocol, lines = None, None
    toml_path = root / "review.toml"
    if toml_path.is_file():
        text = toml_path.read_text(encoding="utf-8")
        lines = TomlLines(text)
        protocol = load_protocol(text, problems)
    else:
        problems.append(Problem("review.toml", None, None, "file is missing"))

    tables = {}
    for stem in ("studies", "outcomes"):
        found = find_table(root, stem)
        if found is None:
            message = f"file is missing (looked for {stem}.csv and {stem}.xlsx)"
            problems.append(Problem(f"{stem}.csv", None, None, message))
        else:
            tables[stem] = read_table(found, problems)

    studies = parse_studies(tables["studies"], problems) if tables.get("studies") else {}
    rows = parse_outcomes(tables["outcomes"], problems) if tables.get("outcomes") else []
    study_ids = _cells(tables.get("studies"), "study_id")
    problems.extend(check_rows(tables.get("outcomes"), rows, protocol, study_ids))
    if protocol is not None and tables.get("studies") is not None:
        problems.extend(check_moderators(protocol, lines, tables["studies"], studies))

    risk_of_bias, grade_decisions = [], []
    rob_table = find_table(root, "rob")
    if rob_table is not None and (table := read_table(rob_table, problems)) is not None:
        outcome_ids = None if protocol is None else {o.id for o in protocol.outcomes}
        risk_of_bias = parse_rob(table, problems, studies, outcome_ids)
    grade_table = find_table(root, "grade")
    if grade_table is not None and (table := read_table(grade_table, problems)) is not None:
        if protocol is not None:
            grade_decisions = parse_grade(table, problems, protocol)

    screening_decisions = []
    screening_table = find_table(root, "screening")
    if screening_table is not None and (table := read_table(screening_table, problems)) is not None:
        screening_decisions = parse_screening(table, problems, studies)
    if protocol is not None:
        for i, source in enumerate(protocol.sources):
            if not (root / source.file).is_file():
                line = lines.line(("source", i, "file"))
                message = f"the export {source.file!r} is not in the review folder"
                problems.append(Problem("review.toml", line, "source.file", message))

    if problems or protocol is None:
        raise ReviewError(problems)
    return Review(
        root=root,
        protocol=protocol,
        studies=studies,
        outcome_rows=tuple(rows),
        risk_of_bias=tuple(risk_of_bias),
        grade_decisions=tuple(grade_decisions),
        screening_decisions=tuple(screening_decisions),
    )


def _cells(table: Table | None, column: str) -> set[str] | None:
    """Every value of a column (valid rows or not); None when the table is unreadable."""
    if table is None or column not in table.columns:
        return None
    return {cells[column] for _, cells in table.rows if column in cells}
