"""Screening: the rules of the selection process and what is derived from its decisions.

``prisma_counts(identification, decisions)`` counts every box of the PRISMA 2020 flow
diagram from the records the searches found (:func:`evsynth.records.identify`) and the
resolved screening decisions, and refuses when screening is incomplete or contradicts itself;
``prisma_from_review(review)`` does it all for a review folder.

Dual independent screening: every decision is an append-only :class:`ScreeningEvent`;
``derive_states(events)`` derives each record's state (open, agreed, conflict, resolved),
``check_new_event`` refuses what the rules do not allow, ``view_for`` and ``progress_for``
give each person only what the blinding lets them see, ``agreement`` computes Cohen's kappa,
percent agreement and PABAK, and ``resolved_decision_rows`` turns the final decisions into
the rows ``prisma_counts`` takes.
"""

from evsynth.screening._agreement import (
    AGREEMENT_CSV_FIELDS,
    Agreement,
    agreement,
    agreement_csv_rows,
    cohen_kappa,
)
from evsynth.screening._blinding import (
    VIEW_STATUSES,
    Progress,
    ReviewerProgress,
    StageProgress,
    StageView,
    progress_for,
    view_for,
)
from evsynth.screening._events import (
    EVENT_KINDS,
    ROLES,
    STAGES,
    STATUSES,
    VOTE_DECISIONS,
    ScreeningError,
    ScreeningEvent,
    ScreeningStates,
    StageState,
    check_new_event,
    derive_states,
    resolved_decision_rows,
)
from evsynth.screening._labelled import LABEL_COLUMNS, LabelledRecords, read_labelled
from evsynth.screening._metrics import OrderMetrics, order_metrics, recall_curve
from evsynth.screening._priors import prior_indices
from evsynth.screening._prisma import prisma_counts, prisma_from_review
from evsynth.screening._queues import QueueRanking, ReviewerQueues
from evsynth.screening._stopping import (
    STOPPING_METHODS,
    StoppingPoint,
    StoppingResult,
    recall_test,
    records_until_stop,
    stopping_point,
)
from evsynth.screening._stopping_estimate import (
    StoppingEstimate,
    sampling_order,
    stopping_estimate,
)

__all__ = [
    "AGREEMENT_CSV_FIELDS",
    "EVENT_KINDS",
    "LABEL_COLUMNS",
    "ROLES",
    "STAGES",
    "STATUSES",
    "STOPPING_METHODS",
    "VIEW_STATUSES",
    "VOTE_DECISIONS",
    "Agreement",
    "LabelledRecords",
    "OrderMetrics",
    "Progress",
    "ReviewerProgress",
    "QueueRanking",
    "ReviewerQueues",
    "ScreeningError",
    "ScreeningEvent",
    "ScreeningStates",
    "StageProgress",
    "StageState",
    "StageView",
    "StoppingEstimate",
    "StoppingPoint",
    "StoppingResult",
    "agreement",
    "agreement_csv_rows",
    "check_new_event",
    "cohen_kappa",
    "derive_states",
    "order_metrics",
    "prior_indices",
    "prisma_counts",
    "prisma_from_review",
    "progress_for",
    "read_labelled",
    "recall_curve",
    "recall_test",
    "records_until_stop",
    "resolved_decision_rows",
    "sampling_order",
    "stopping_estimate",
    "stopping_point",
    "view_for",
]
