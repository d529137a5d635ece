"""The review's domain model and the review-folder loader.

``load_review(folder)`` reads ``review.toml`` (the protocol), ``studies.csv`` (one row per
included study) and ``outcomes.csv`` (one row per study x outcome x comparator x timepoint,
x arm for multi-arm trials), validates everything, and returns a :class:`Review` of frozen
dataclasses, or raises :class:`ReviewError` listing every :class:`Problem` at once.
``synthesise(review)`` prepares the data and runs the grid of meta-analyses. Nothing here
touches the database.
"""

from evsynth.review._io import load_review
from evsynth.review._model import (
    LAYOUTS,
    SCREENING_DECISIONS,
    AnalysisSettings,
    ComparatorSpec,
    ModeratorSpec,
    OutcomeRow,
    OutcomeSpec,
    Protocol,
    Review,
    ScreeningDecisionRow,
    SearchSource,
    Study,
    TimepointWindow,
)
from evsynth.review._prepare import PreparedRow, prepare_rows
from evsynth.review._prisma import PrismaCounts, PrismaError
from evsynth.review._problems import Problem, ReviewError
from evsynth.review._synthesis import (
    SynthesisCell,
    SynthesisResult,
    interpretation,
    synthesise,
)

__all__ = [
    "load_review",
    "prepare_rows",
    "synthesise",
    "interpretation",
    "PreparedRow",
    "SynthesisCell",
    "SynthesisResult",
    "ReviewError",
    "PrismaCounts",
    "PrismaError",
    "Problem",
    "Review",
    "Protocol",
    "OutcomeSpec",
    "ComparatorSpec",
    "TimepointWindow",
    "AnalysisSettings",
    "ModeratorSpec",
    "Study",
    "SearchSource",
    "ScreeningDecisionRow",
    "SCREENING_DECISIONS",
    "OutcomeRow",
    "LAYOUTS",
]
