"""Validate the rows of studies.csv and outcomes.csv (pydantic at the boundary)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evsynth.review._layout import row_layout
from evsynth.review._model import OutcomeRow, Study
from evsynth.review._problems import Problem, describe, show
from evsynth.review._tables import Table, required_columns

Positive = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=2)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, str_strip_whitespace=True)


class _StudyIn(_Row):
    study_id: str
    label: str | None = None
    design: str | None = None
    country: str | None = None
    n_randomised: Annotated[int, Field(ge=1)] | None = None
    percent_women: Annotated[float, Field(ge=0, le=100)] | None = None
    mean_age: Positive | None = None
    delivery_format: str | None = None
    peer_type: str | None = None
    duration_weeks: Positive | None = None
    cluster: bool = False
    icc: Annotated[float, Field(ge=0, lt=1)] | None = None
    mean_cluster_size: Annotated[float, Field(ge=1)] | None = None


class _OutcomeIn(_Row):
    study_id: str
    outcome_id: str
    comparator_id: str
    timepoint_weeks: Annotated[float, Field(ge=0)]
    instrument: str | None = None
    scale_min: float | None = None
    scale_max: float | None = None
    higher_is_better: bool | None = None
    arm: str | None = None
    control_group: str | None = None
    m1: float | None = None
    sd1: Positive | None = None
    se1: Positive | None = None
    ci1_low: float | None = None
    ci1_high: float | None = None
    median1: float | None = None
    q1_1: float | None = None
    q3_1: float | None = None
    min1: float | None = None
    max1: float | None = None
    n1: Count | None = None
    m2: float | None = None
    sd2: Positive | None = None
    se2: Positive | None = None
    ci2_low: float | None = None
    ci2_high: float | None = None
    median2: float | None = None
    q1_2: float | None = None
    q3_2: float | None = None
    min2: float | None = None
    max2: float | None = None
    n2: Count | None = None
    estimate: float | None = None
    se: Positive | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    measure: Literal["MD", "SMD"] | None = None
    notes: str | None = None


STUDY_COLUMNS = tuple(_StudyIn.model_fields)
OUTCOME_COLUMNS = tuple(_OutcomeIn.model_fields)
REQUIRED_STUDY = ("study_id",)
REQUIRED_OUTCOME = ("study_id", "outcome_id", "comparator_id", "timepoint_weeks")


def _validate(model, table: Table, line: int, cells: dict, problems: list[Problem]):
    try:
        return model.model_validate(cells)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else None
            message = describe(error)
            if error["type"] == "missing":
                message = "is required (the cell is empty)"
            problems.append(Problem(table.file, line, field, message))
        return None


def parse_studies(table: Table, problems: list[Problem]) -> dict[str, Study]:
    """Studies by id, from the rows that are valid; append the problems of the others."""
    if not required_columns(table, REQUIRED_STUDY, problems):
        return {}
    studies: dict[str, Study] = {}
    for line, cells in table.rows:
        row = _validate(_StudyIn, table, line, cells, problems)
        if row is None:
            continue
        if row.study_id in studies:
            first = studies[row.study_id].line
            problems.append(
                Problem(
                    table.file,
                    line,
                    "study_id",
                    f"duplicate study_id {row.study_id!r} (first on line {first})",
                )
            )
            continue
        if row.cluster:
            for column in ("icc", "mean_cluster_size"):
                if getattr(row, column) is None:
                    problems.append(
                        Problem(
                            table.file,
                            line,
                            column,
                            "is required when cluster is true (for the design effect)",
                        )
                    )
        extra = {c: cells.get(c) for c in table.columns if c and c not in STUDY_COLUMNS}
        values = row.model_dump()
        values["label"] = row.label or row.study_id
        studies[row.study_id] = Study(**values, extra=extra, line=line)
    return studies


def parse_outcomes(table: Table, problems: list[Problem]) -> list[OutcomeRow]:
    """The valid outcome rows in file order; append the problems of the others."""
    if not required_columns(table, REQUIRED_OUTCOME, problems):
        return []
    rows: list[OutcomeRow] = []
    for line, cells in table.rows:
        row = _validate(_OutcomeIn, table, line, cells, problems)
        if row is None:
            continue
        values = row.model_dump()
        found = _scale_problems(values)
        layout = row_layout(values)
        if isinstance(layout, tuple):
            found.append(layout)
        if found:
            problems.extend(Problem(table.file, line, f, m) for f, m in found)
            continue
        extra = {c: cells.get(c) for c in table.columns if c and c not in OUTCOME_COLUMNS}
        rows.append(OutcomeRow(**values, layout=layout, line=line, extra=extra))
    return rows


def _scale_problems(values: dict) -> list[tuple[str, str]]:
    low, high = values["scale_min"], values["scale_max"]
    if (low is None) != (high is None):
        missing = "scale_max" if high is None else "scale_min"
        return [(missing, "is required when the other end of the scale is given")]
    if low is not None and low >= high:
        return [("scale_min", f"must be < scale_max; got {show(low)} >= {show(high)}")]
    return []
