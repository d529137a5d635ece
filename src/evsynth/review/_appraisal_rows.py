"""Read rob.csv (risk-of-bias answers or judgements) and grade.csv (GRADE decisions).

Only the form is checked here: known studies, outcomes, comparators and timepoints, answer
and judgement spellings, one row per study (x outcome), reasons where they are required. The
RoB algorithms, and the checks that need them (an answer to a question that does not apply),
run in :mod:`evsynth.appraisal`.
"""

from __future__ import annotations

import re

from evsynth.review._model import (
    GRADE_DOMAINS,
    ROB_TOOLS,
    GradeDecisionRow,
    Protocol,
    RiskOfBias,
    Study,
)
from evsynth.review._problems import Problem
from evsynth.review._tables import Table, required_columns

__all__ = ["ANSWERS", "JUDGEMENTS", "parse_grade", "parse_rob"]

ANSWERS = ("Y", "PY", "PN", "N", "NI")
#: the judgements each tool's domains take (lower case, as the report prints them)
JUDGEMENTS = {
    "rob2": ("low", "some concerns", "high"),
    "robins_i": ("low", "moderate", "serious", "critical", "no information"),
}
_QUESTION = re.compile(r"^(\d+b?|S)\.\d+$")
_DOMAIN = re.compile(r"^D(\d+b?|S)$")
_ROB_KNOWN = {"study_id", "outcome_id", "tool", "overall", "reason", "notes", "weight"}
_TOOL_SPELLINGS = {
    "rob2": "rob2",
    "rob2cluster": "rob2_cluster",
    "rob2crossover": "rob2_crossover",
    "robinsi": "robins_i",
}
_DOWN = {"not serious": 0, "serious": -1, "very serious": -2}
_UP = {"none": 0, "one level": 1, "two levels": 2}


def _default_tool(study: Study | None) -> str:
    design = (study.design or "").lower() if study else ""
    if "crossover" in design or "cross-over" in design:
        return "rob2_crossover"
    if study is not None and (study.cluster or "cluster" in design):
        return "rob2_cluster"
    return "rob2"


def parse_rob(
    table: Table,
    problems: list[Problem],
    studies: dict[str, Study],
    outcome_ids: set[str] | None,
) -> list[RiskOfBias]:
    """The valid rob.csv rows in file order; append the problems of the others.

    Columns: ``study_id`` (required), ``outcome_id`` (empty: every outcome of the study),
    ``tool`` (``rob2``, ``rob2_cluster``, ``rob2_crossover`` or ``robins_i``; empty: RoB 2,
    its cluster variant for cluster trials and its crossover variant for crossover designs),
    signalling questions (``1.1`` ... ``5.3``, ``1b.1`` ..., ``S.1`` ...) answered Y, PY, PN,
    N or NI, domain judgements (``D1`` ...), ``overall`` and ``reason``. Other columns (e.g.
    notes, robvis's ``weight``) are ignored.
    """
    file = table.file
    if not required_columns(table, ("study_id",), problems):
        return []
    questions = [c for c in table.columns if _QUESTION.match(c)]
    domains = [c for c in table.columns if _DOMAIN.match(c)]
    unknown = [
        c
        for c in table.columns
        if c
        and c not in _ROB_KNOWN
        and c not in questions
        and c not in domains
        and (c[:1].isdigit() or c[:1] in "DdSs")
    ]
    for column in unknown:
        problems.append(
            Problem(
                file,
                1,
                column,
                "is neither a signalling question (like 1.1, 1b.2, S.1) nor a domain "
                "(like D1, D1b, DS)",
            )
        )
    if not questions and not domains and "overall" not in table.columns:
        problems.append(
            Problem(
                file,
                1,
                None,
                "needs signalling-question columns (1.1 ...) or domain columns (D1 ...)",
            )
        )
        return []
    seen: dict[tuple[str, str | None], int] = {}
    out: list[RiskOfBias] = []
    for line, cells in table.rows:
        found: list[tuple[str | None, str]] = []
        study_id = cells.get("study_id")
        outcome_id = cells.get("outcome_id")
        if study_id is None:
            found.append(("study_id", "is required (the cell is empty)"))
        elif study_id not in studies:
            found.append(("study_id", f"unknown study {study_id!r} (not in studies.csv)"))
        if outcome_id is not None and outcome_ids is not None and outcome_id not in outcome_ids:
            found.append(
                ("outcome_id", f"unknown outcome {outcome_id!r} (not an outcome of review.toml)")
            )
        raw_tool = cells.get("tool")
        if raw_tool is None:
            tool = _default_tool(studies.get(study_id or ""))
        else:
            tool = _TOOL_SPELLINGS.get(re.sub(r"[\s_\-]", "", raw_tool.lower()))
            if tool is None:
                found.append(("tool", f"must be one of {list(ROB_TOOLS)}; got {raw_tool!r}"))
        answers = {}
        for q in questions:
            value = cells.get(q)
            if value is None:
                continue
            answer = value.upper()
            if answer not in ANSWERS:
                found.append((q, f"must be one of Y, PY, PN, N, NI (or empty); got {value!r}"))
            else:
                answers[q] = answer
        allowed = JUDGEMENTS["robins_i" if tool == "robins_i" else "rob2"]
        judgements = {}
        for column in [*domains, "overall"]:
            value = cells.get(column)
            if value is None:
                continue
            judgement = " ".join(value.lower().replace("_", " ").split())
            if judgement not in allowed:
                found.append((column, f"must be one of {list(allowed)}; got {value!r}"))
            else:
                judgements["Overall" if column == "overall" else column] = judgement
        if not any(cells.get(c) for c in [*questions, *domains, "overall"]):
            found.append((None, "has neither signalling answers nor judgements"))
        key = (study_id, outcome_id)
        if study_id is not None and key in seen:
            what = f"study {study_id!r}" + (f", outcome {outcome_id!r}" if outcome_id else "")
            found.append(("study_id", f"second assessment of {what} (first on line {seen[key]})"))
        if found:
            problems.extend(Problem(file, line, f, m) for f, m in found)
            continue
        seen[key] = line
        out.append(
            RiskOfBias(
                study_id=study_id,
                tool=tool,
                outcome_id=outcome_id,
                answers=answers,
                judgements=judgements,
                reason=cells.get("reason"),
                line=line,
            )
        )
    return out


def parse_grade(
    table: Table, problems: list[Problem], protocol: Protocol
) -> list[GradeDecisionRow]:
    """The valid grade.csv rows in file order; append the problems of the others.

    Columns: ``outcome_id`` (required), ``comparator_id`` and ``timepoint`` (a window id of
    ``[timepoints]``; either may be empty to cover every comparator or timepoint), ``domain``
    (one of :data:`GRADE_DOMAINS`), ``rating`` ("not serious", "serious", "very serious"; for
    the rating-up domains "none", "one level", "two levels") and ``reason`` (required).
    """
    file = table.file
    if not required_columns(table, ("outcome_id", "domain", "rating", "reason"), problems):
        return []
    outcomes = {o.id for o in protocol.outcomes}
    comparators = {c.id for c in protocol.comparators}
    windows = {w.id for w in protocol.timepoints}
    seen: dict[tuple, int] = {}
    out: list[GradeDecisionRow] = []
    for line, cells in table.rows:
        found: list[tuple[str, str]] = []
        for column, known, what in (
            ("outcome_id", outcomes, "an outcome"),
            ("comparator_id", comparators, "a comparator"),
            ("timepoint", windows, "a timepoint window"),
        ):
            value = cells.get(column)
            if value is None:
                if column == "outcome_id":
                    found.append((column, "is required (the cell is empty)"))
            elif value not in known:
                found.append((column, f"unknown {value!r}: not {what} of review.toml"))
        domain = cells.get("domain")
        levels = None
        if domain not in GRADE_DOMAINS:
            found.append(("domain", f"must be one of {list(GRADE_DOMAINS)}; got {domain!r}"))
        else:
            scale = _UP if GRADE_DOMAINS.index(domain) >= 5 else _DOWN
            rating = " ".join((cells.get("rating") or "").lower().split())
            levels = scale.get(rating)
            if levels is None:
                found.append(
                    (
                        "rating",
                        f"must be one of {list(scale)} for {domain}; got {cells.get('rating')!r}",
                    )
                )
        if not cells.get("reason"):
            found.append(("reason", "is required: say why (it becomes the table's footnote)"))
        key = (cells.get("outcome_id"), cells.get("comparator_id"), cells.get("timepoint"), domain)
        if key in seen:
            found.append(
                ("domain", f"{domain} is rated twice for this cell (first on line {seen[key]})")
            )
        if found:
            problems.extend(Problem(file, line, f, m) for f, m in found)
            continue
        seen[key] = line
        out.append(
            GradeDecisionRow(
                outcome_id=cells["outcome_id"],
                domain=domain,
                levels=levels,
                reason=cells["reason"],
                comparator_id=cells.get("comparator_id"),
                timepoint=cells.get("timepoint"),
                line=line,
            )
        )
    return out
