"""Validate review.toml (pydantic at the boundary) and build the :class:`Protocol`."""

from __future__ import annotations

import dataclasses
import itertools
import re
import tomllib
from pathlib import PurePath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from evsynth.review._grade_settings import GradeSettings
from evsynth.review._model import (
    AnalysisSettings,
    ComparatorSpec,
    ModeratorSpec,
    OutcomeSpec,
    Protocol,
    SearchSource,
    TimepointWindow,
)
from evsynth.review._problems import Problem, describe
from evsynth.review._tomllines import TomlLines
from evsynth.stats import METHODS, TESTS

FILE = "review.toml"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def _fail(message: str):
    return PydanticCustomError("evsynth", message)


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise _fail("must be a non-empty id of letters, digits, '_' or '-'")
    return value


def _check_pair(value: list[float]) -> tuple[float, float]:
    if len(value) != 2 or not value[0] < value[1]:
        raise _fail(_PAIRS["rescale_to"])
    return (value[0], value[1])


def _check_method(value: str) -> str:
    method = value.upper()
    if method not in METHODS:
        raise _fail("must be one of " + ", ".join(repr(m) for m in METHODS))
    return method


def _check_eligibility(value: Any) -> Any:
    if not isinstance(value, dict):
        raise _fail("must be a table of text or lists of text")
    for item in value.values():
        ok = isinstance(item, str) or (
            isinstance(item, list) and all(isinstance(x, str) for x in item)
        )
        if not ok:
            raise _fail("each entry must be text or a list of text")
    return value


def _window_form(value: Any) -> Any:
    return {"weeks": value} if isinstance(value, list) else value


Id = Annotated[str, AfterValidator(_check_id)]
Text = Annotated[str, Field(min_length=1)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _ReviewIn(_Table):
    title: Text
    intervention_label: Text
    question: str = ""
    notice: str = ""


class _OutcomeIn(_Table):
    id: Id
    label: Text
    direction: Literal["higher_is_better", "lower_is_better"]
    measure: Literal["auto", "MD", "SMD"] = "auto"
    rescale_to: Annotated[list[float], AfterValidator(_check_pair)] | None = None
    mcid: Annotated[float, Field(gt=0)] | None = None
    pool: bool = True


class _ComparatorIn(_Table):
    id: Id
    label: Text


class _WindowIn(_Table):
    label: Text | None = None
    weeks: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=2, max_length=2)]


class _AnalysisIn(_Table):
    model: Literal["random", "fixed"] = "random"
    method: Annotated[str, AfterValidator(_check_method)] | None = None
    test: Literal[TESTS] = "z"
    prediction_interval: bool = True
    level: Annotated[float, Field(gt=0, lt=1)] = 0.95
    smd_variant: Literal["hedges", "revman"] = "hedges"


class _ModeratorIn(_Table):
    column: Text
    label: Text | None = None
    kind: Literal["categorical", "numeric"]


class _SourceIn(_Table):
    name: Text
    file: Text
    kind: Literal["database", "register"] = "database"
    searched: str = ""
    format: Text | None = None


class _ProtocolIn(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    review: _ReviewIn
    eligibility: Annotated[dict, AfterValidator(_check_eligibility)] = {}
    outcome: Annotated[list[_OutcomeIn], Field(min_length=1)]
    comparator: Annotated[list[_ComparatorIn], Field(min_length=1)]
    timepoints: Annotated[
        dict[str, Annotated[_WindowIn, BeforeValidator(_window_form)]], Field(min_length=1)
    ]
    analysis: _AnalysisIn = _AnalysisIn()
    moderator: list[_ModeratorIn] = []
    grade: dict = {}
    source: list[_SourceIn] = []


_MISSING_TABLE = {
    "review": "the [review] table is required (title, intervention_label)",
    "outcome": "at least one [[outcome]] block is required",
    "comparator": "at least one [[comparator]] block is required",
    "timepoints": "the [timepoints] table is required (e.g. short = [0, 12])",
}


def load_protocol(text: str, problems: list[Problem]) -> Protocol | None:
    """Parse and validate review.toml's text; append problems and return None if invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        problems.append(Problem(FILE, line, None, f"is not valid TOML: {exc}"))
        return None
    lines = TomlLines(text)
    try:
        parsed = _ProtocolIn.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.append(_problem(error, data, lines))
        return None
    found: list[Problem] = []
    protocol = _build(parsed, data, lines, found)
    problems.extend(found)
    return None if found else protocol


_PAIRS = {
    "rescale_to": "must be two increasing numbers [low, high]",
    "weeks": "must be two numbers [start_week, end_week], each >= 0",
}


def _raw(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _problem(error: dict, data: dict, lines: TomlLines) -> Problem:
    loc = tuple(error["loc"])
    pair = next((k for k in _PAIRS if k in loc), None)
    if pair and error["type"] != "missing":
        loc = loc[: loc.index(pair) + 1]
        raw = _raw(data, loc)
        if pair == "weeks" and isinstance(_raw(data, loc[:-1]), list):
            loc, raw = loc[:-1], _raw(data, loc[:-1])  # short = [0, 12]
        error = {"type": "evsynth", "msg": _PAIRS[pair], "input": raw}
    field = ".".join(str(p) for p in loc if not isinstance(p, int)) or None
    if len(loc) == 1 and loc[0] in _MISSING_TABLE and error["type"] in {"missing", "too_short"}:
        return Problem(FILE, lines.line(loc), field, _MISSING_TABLE[loc[0]])
    return Problem(FILE, lines.line(loc), field, describe(error))


def _build(p: _ProtocolIn, data: dict, lines: TomlLines, found: list[Problem]) -> Protocol:
    def add(path: tuple, message: str) -> None:
        field = ".".join(str(x) for x in path if not isinstance(x, int))
        found.append(Problem(FILE, lines.line(path), field, message))

    for table, items, key in (
        ("outcome", p.outcome, "id"),
        ("comparator", p.comparator, "id"),
        ("source", p.source, "name"),
    ):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            value = getattr(item, key)
            if value in seen:
                add(
                    (table, i, key),
                    f"duplicate {table} {key} {value!r}; {key}s must be unique",
                )
            seen.setdefault(value, i)
    file_names: dict[str, str] = {}
    for i, source in enumerate(p.source):
        # records are named FILE#N in screening.csv, so file names must differ
        name = PurePath(source.file).name
        if name in file_names:
            add(
                ("source", i, "file"),
                f"export file name {name!r} is also used by {file_names[name]!r}; "
                "record ids (FILE#N) need distinct file names",
            )
        file_names.setdefault(name, source.file)
    windows = []
    for wid, w in p.timepoints.items():
        start, end = w.weeks
        if start > end:
            add(("timepoints", wid), f"window is inverted: start {start:g} > end {end:g}")
        label = w.label or wid.replace("_", " ").capitalize()
        windows.append(TimepointWindow(wid, label, start, end))
    ordered = sorted((w for w in windows if w.start_week <= w.end_week), key=_start)
    for before, after in itertools.pairwise(ordered):
        if after.start_week <= before.end_week:
            add(
                ("timepoints", after.id),
                f"window [{after.start_week:g}, {after.end_week:g}] overlaps window "
                f"{before.id!r} [{before.start_week:g}, {before.end_week:g}]",
            )
    a = p.analysis
    method = a.method or ("FE" if a.model == "fixed" else "REML")
    if (a.model == "fixed") != (method == "FE"):
        add(
            ("analysis", "method"),
            f"model {a.model!r} needs "
            + ("method 'FE'" if a.model == "fixed" else "a random-effects method, not 'FE'")
            + f"; got {method!r}",
        )
    grade = _grade_settings(p.grade, add)
    return Protocol(
        title=p.review.title,
        intervention_label=p.review.intervention_label,
        question=p.review.question,
        notice=p.review.notice,
        eligibility=dict(p.eligibility),
        outcomes=tuple(
            OutcomeSpec(o.id, o.label, o.direction, o.measure, o.rescale_to, o.mcid, o.pool)
            for o in p.outcome
        ),
        comparators=tuple(ComparatorSpec(c.id, c.label) for c in p.comparator),
        timepoints=tuple(windows),
        analysis=AnalysisSettings(
            a.model, method, a.test, a.prediction_interval, a.level, a.smd_variant
        ),
        moderators=tuple(ModeratorSpec(m.column, m.label or m.column, m.kind) for m in p.moderator),
        grade=grade,
        sources=tuple(SearchSource(s.name, s.file, s.kind, s.searched, s.format) for s in p.source),
    )


def _grade_settings(table: dict, add) -> GradeSettings:
    """The [grade] thresholds; each bad key is reported with GradeSettings' own message."""
    known = {f.name for f in dataclasses.fields(GradeSettings)}
    good = {}
    for key, value in table.items():
        if key not in known:
            add(("grade", key), f"unknown key; the [grade] settings are {sorted(known)}")
            continue
        try:
            GradeSettings(**{key: value})
        except (TypeError, ValueError) as exc:
            add(("grade", key), str(exc).removeprefix(f"GradeSettings.{key} "))
            continue
        good[key] = value
    try:
        return GradeSettings(**good)
    except (TypeError, ValueError) as exc:  # a setting that conflicts with another
        name = str(exc).split()[0].removeprefix("GradeSettings.")
        add(("grade", name), str(exc).removeprefix(f"GradeSettings.{name} "))
        return GradeSettings()


def _start(window: TimepointWindow) -> float:
    return window.start_week
