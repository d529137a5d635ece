"""The review's domain objects: frozen dataclasses that the synthesis and the report use.

They are built by :func:`evsynth.review.load_review` from a review folder (or by
``evsynth.store`` from the database); nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from evsynth.review._grade_settings import GradeSettings

Direction = Literal["higher_is_better", "lower_is_better"]
Measure = Literal["auto", "MD", "SMD"]

#: The data layouts an outcomes.csv row can use (see :attr:`OutcomeRow.layout`).
LAYOUTS = ("arm_sd", "arm_se", "arm_ci", "arm_median", "contrast_se", "contrast_ci")


@dataclass(frozen=True)
class OutcomeSpec:
    """An outcome of the protocol (a ``[[outcome]]`` block of review.toml).

    ``mcid`` is in the units of the outcome's measure: scale points (after rescaling) for
    ``MD``, standard deviations for ``SMD``; with ``measure = "auto"`` it is in scale points
    and applies only to cells pooled as MD.
    """

    id: str
    label: str
    direction: Direction
    measure: Measure = "auto"
    rescale_to: tuple[float, float] | None = None
    mcid: float | None = None
    pool: bool = True


#: What a searched source is, as the PRISMA 2020 flow diagram sorts them.
SOURCE_KINDS = ("database", "register")


@dataclass(frozen=True)
class SearchSource:
    """A searched database or register (a ``[[source]]`` block of review.toml).

    ``file`` is the export's path relative to the review folder (e.g.
    ``"records/medline.nbib"``); ``searched`` is the date of the search as written.
    """

    name: str
    file: str
    kind: Literal["database", "register"] = "database"
    searched: str = ""
    format: str | None = None


#: Screening stages and the decisions each takes.
SCREENING_DECISIONS = {
    "title_abstract": ("include", "exclude"),
    "full_text": ("include", "exclude", "not_retrieved"),
}


@dataclass(frozen=True)
class ScreeningDecisionRow:
    """One resolved screening decision (a row of screening.csv).

    ``record_id`` names a record of the searched exports as ``"FILE#N"``: the export's file
    name and the record's 1-based position in it. A decision on one record of a duplicate
    group is the decision on the group. ``reason`` is required to exclude at full text;
    ``study_id`` (a study of studies.csv) is required to include at full text: several
    reports may belong to one study.
    """

    record_id: str
    stage: Literal["title_abstract", "full_text"]
    decision: str
    reason: str | None = None
    study_id: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class ComparatorSpec:
    """A comparator category (a ``[[comparator]]`` block), e.g. usual care."""

    id: str
    label: str


@dataclass(frozen=True)
class TimepointWindow:
    """A timepoint window in weeks after randomisation, both ends inclusive."""

    id: str
    label: str
    start_week: float
    end_week: float

    def contains(self, weeks: float) -> bool:
        """Whether ``weeks`` lies in the window (ends included)."""
        return self.start_week <= weeks <= self.end_week


@dataclass(frozen=True)
class AnalysisSettings:
    """Model settings for every meta-analysis of the review (``[analysis]``)."""

    model: Literal["random", "fixed"] = "random"
    method: str = "REML"
    test: Literal["z", "hksj"] = "z"
    prediction_interval: bool = True
    level: float = 0.95
    smd_variant: Literal["hedges", "revman"] = "hedges"


@dataclass(frozen=True)
class ModeratorSpec:
    """A studies.csv column used for subgroup analyses or meta-regression."""

    column: str
    label: str
    kind: Literal["categorical", "numeric"]


@dataclass(frozen=True)
class Protocol:
    """The review protocol from review.toml."""

    title: str
    intervention_label: str
    question: str
    eligibility: dict[str, str | list[str]]
    outcomes: tuple[OutcomeSpec, ...]
    comparators: tuple[ComparatorSpec, ...]
    timepoints: tuple[TimepointWindow, ...]
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    moderators: tuple[ModeratorSpec, ...] = ()
    #: a notice for readers, shown as a banner in the report (e.g. "synthetic data")
    notice: str = ""
    #: thresholds of the GRADE rules (``[grade]``)
    grade: GradeSettings = field(default_factory=GradeSettings)
    #: the searched databases and registers (``[[source]]``), in search order
    sources: tuple[SearchSource, ...] = ()

    def outcome(self, outcome_id: str) -> OutcomeSpec:
        """The outcome with this id (``KeyError`` if none)."""
        return _by_id(self.outcomes, outcome_id, "outcome")

    def comparator(self, comparator_id: str) -> ComparatorSpec:
        """The comparator with this id (``KeyError`` if none)."""
        return _by_id(self.comparators, comparator_id, "comparator")

    def window_for(self, weeks: float) -> TimepointWindow | None:
        """The timepoint window containing ``weeks``, or None."""
        return next((w for w in self.timepoints if w.contains(weeks)), None)


def _by_id(items, item_id: str, kind: str):
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"no {kind} with id {item_id!r}")


@dataclass(frozen=True)
class Study:
    """One included study (a row of studies.csv).

    ``extra`` keeps the cells of any further columns (as text, None when empty), so that
    moderators can refer to them.
    """

    study_id: str
    label: str
    design: str | None = None
    country: str | None = None
    n_randomised: int | None = None
    percent_women: float | None = None
    mean_age: float | None = None
    delivery_format: str | None = None
    peer_type: str | None = None
    duration_weeks: float | None = None
    cluster: bool = False
    icc: float | None = None
    mean_cluster_size: float | None = None
    extra: dict[str, str | None] = field(default_factory=dict)
    line: int | None = None

    def value(self, column: str):
        """The value of a studies.csv column, known or extra (None when empty)."""
        if column in _STUDY_COLUMNS:
            return getattr(self, column)
        return self.extra.get(column)


_STUDY_COLUMNS = frozenset(
    "study_id label design country n_randomised percent_women mean_age delivery_format "
    "peer_type duration_weeks cluster icc mean_cluster_size".split()
)


@dataclass(frozen=True)
class OutcomeRow:
    """One extracted result: study x outcome x comparator x timepoint (x arm).

    ``layout`` says which data the row carries (one of :data:`LAYOUTS`): ``arm_sd``
    (``m1, sd1, n1, m2, sd2, n2``), ``arm_se`` (``se1``/``se2`` instead of SD), ``arm_ci``
    (``ci1_low, ci1_high``/``ci2_low, ci2_high``), ``arm_median`` (``median`` with quartiles
    and/or range), ``contrast_se`` (``estimate, se``) or ``contrast_ci``
    (``estimate, ci_low, ci_high``). Arm 1 is the intervention, arm 2 the comparator.
    ``higher_is_better`` is the instrument's own direction (None: as the outcome's).
    """

    study_id: str
    outcome_id: str
    comparator_id: str
    timepoint_weeks: float
    layout: str
    instrument: str | None = None
    scale_min: float | None = None
    scale_max: float | None = None
    higher_is_better: bool | None = None
    arm: str | None = None
    control_group: str | None = None
    m1: float | None = None
    sd1: float | None = None
    se1: float | None = None
    ci1_low: float | None = None
    ci1_high: float | None = None
    median1: float | None = None
    q1_1: float | None = None
    q3_1: float | None = None
    min1: float | None = None
    max1: float | None = None
    n1: int | None = None
    m2: float | None = None
    sd2: float | None = None
    se2: float | None = None
    ci2_low: float | None = None
    ci2_high: float | None = None
    median2: float | None = None
    q1_2: float | None = None
    q3_2: float | None = None
    min2: float | None = None
    max2: float | None = None
    n2: int | None = None
    estimate: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    measure: Literal["MD", "SMD"] | None = None
    notes: str | None = None
    line: int | None = None
    extra: dict[str, str | None] = field(default_factory=dict)

    @property
    def is_contrast(self) -> bool:
        """Whether the row gives a contrast (estimate) rather than arm-level data."""
        return self.layout.startswith("contrast")


#: Risk-of-bias tools a rob.csv row can name (RoB 2 and its variants, ROBINS-I).
ROB_TOOLS = ("rob2", "rob2_cluster", "rob2_crossover", "robins_i")


@dataclass(frozen=True)
class RiskOfBias:
    """One row of rob.csv: a study's risk-of-bias assessment, for all its outcomes
    (``outcome_id`` None) or for one outcome.

    ``answers`` holds the signalling questions' answers (question id -> "Y", "PY", "PN", "N"
    or "NI"; questions left empty do not apply); ``judgements`` the reviewer's own domain
    judgements ("D1" ..., and "Overall"), which override the algorithm's and then need a
    ``reason``. The algorithms themselves live in :mod:`evsynth.appraisal`.
    """

    study_id: str
    tool: str
    outcome_id: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    judgements: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    line: int | None = None


#: GRADE domains a grade.csv row can rate: the five for rating down, then the three for
#: rating up (mainly observational evidence).
GRADE_DOMAINS = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
    "large_effect",
    "dose_response",
    "plausible_confounding",
)


@dataclass(frozen=True)
class GradeDecisionRow:
    """One row of grade.csv: a reviewer's rating of one GRADE domain, with the reason.

    ``comparator_id`` and ``timepoint`` (a timepoint window id) may be None: the decision
    then applies to every cell of the outcome (or of the outcome and comparator) that has no
    more specific decision. ``levels`` is 0, -1 or -2 for the domains that rate down and
    0, +1 or +2 for those that rate up.
    """

    outcome_id: str
    domain: str
    levels: int
    reason: str
    comparator_id: str | None = None
    timepoint: str | None = None
    line: int | None = None

    def applies_to(self, outcome_id: str, comparator_id: str, timepoint: str) -> bool:
        return (
            self.outcome_id == outcome_id
            and self.comparator_id in (None, comparator_id)
            and self.timepoint in (None, timepoint)
        )

    @property
    def specificity(self) -> int:
        """How specific the row is: 2 for a cell, 1 for an outcome x comparator or an outcome
        x timepoint, 0 for a whole outcome (the most specific applicable row wins)."""
        return (self.comparator_id is not None) + (self.timepoint is not None)


@dataclass(frozen=True)
class Review:
    """A loaded review folder: the protocol, the studies, the extracted results and, where
    the folder has them, the risk-of-bias assessments (rob.csv), GRADE decisions (grade.csv)
    and resolved screening decisions (screening.csv)."""

    root: Path
    protocol: Protocol
    studies: dict[str, Study]
    outcome_rows: tuple[OutcomeRow, ...]
    risk_of_bias: tuple[RiskOfBias, ...] = ()
    grade_decisions: tuple[GradeDecisionRow, ...] = ()
    screening_decisions: tuple[ScreeningDecisionRow, ...] = ()

    def rows_for(self, outcome_id: str) -> tuple[OutcomeRow, ...]:
        """The outcome rows of one outcome, in file order."""
        return tuple(r for r in self.outcome_rows if r.outcome_id == outcome_id)
