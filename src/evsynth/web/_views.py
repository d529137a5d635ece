"""What pages and JSON show of records, views and progress (built only from blinded views)."""

from __future__ import annotations

from typing import Any

from evsynth.records import Record
from evsynth.screening import Progress, StageView

__all__ = [
    "DECISION_LABELS",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "progress_json",
    "record_json",
    "refusal_message",
    "view_json",
]

STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}
DECISION_LABELS = {
    "include": "Include",
    "exclude": "Exclude",
    "maybe": "Maybe",
    "not_retrieved": "Not retrieved",
}
STATUS_LABELS = {
    "unavailable": "Not open at this stage",
    "to_do": "To screen",
    "voted": "You have voted",
    "closed": "Closed",
    "conflict": "Conflict",
    "agreed": "Agreed",
    "resolved": "Resolved",
}


def refusal_message(error: Exception) -> str:
    """What to tell the user when the store refuses a decision: the rule, without the
    description of the event in front of it (the store's messages name only the user's own
    decision and what their view shows)."""
    return str(error).split(" refused: ", 1)[-1]


def record_json(record_id: str, record: Record) -> dict[str, Any]:
    """The bibliographic fields a screener reads."""
    return {
        "id": record_id,
        "title": record.title,
        "authors": list(record.authors),
        "journal": record.journal,
        "year": record.year,
        "abstract": record.abstract,
        "doi": record.doi,
    }


def _vote(event) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "reviewer": event.reviewer,
        "decision": event.decision,
        "reason": event.reason,
        "note": event.note,
    }


def view_json(view: StageView) -> dict[str, Any]:
    """A blinded view: other votes and the outcome only when the viewer may see them."""
    return {
        "record": view.record_id,
        "stage": view.stage,
        "status": view.status,
        "own_vote": _vote(view.own_vote),
        "votes": [_vote(vote) for vote in view.votes],
        "final_decision": view.final_decision,
        "final_reason": view.final_reason,
        "resolved_by": view.resolved_by,
        "can_vote": view.can_vote,
        "can_resolve": view.can_resolve,
    }


def progress_json(progress: Progress) -> dict[str, Any]:
    """A viewer's progress: their own counts; the team's for the lead."""
    return {
        "viewer": progress.viewer,
        "role": progress.role,
        "stages": {s.stage: {"voted": s.voted, "to_do": s.to_do} for s in progress.stages},
        "reviewers": [
            {"reviewer": r.reviewer, "title_abstract": r.title_abstract, "full_text": r.full_text}
            for r in progress.reviewers
        ],
        "status_counts": [
            {"stage": stage, "status": status, "records": n}
            for stage, status, n in progress.status_counts
        ],
        "conflicts": [{"record": record, "stage": stage} for record, stage in progress.conflicts],
    }
