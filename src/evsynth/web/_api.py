"""JSON endpoints: the next record, a vote, a record's view, progress.

Behind the same dependency as the pages (404 for non-members, CSRF on POST) and built from
the same blinded views, so no response carries another reviewer's unresolved decision.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from evsynth.screening import STAGES, progress_for, view_for
from evsynth.store import StoreError
from evsynth.web._access import Access, Member
from evsynth.web._views import progress_json, record_json, view_json
from evsynth.web._workflow import Workflow, WorkflowRefusal

__all__ = ["VoteRequest", "router"]

router = APIRouter(prefix="/api")


class VoteRequest(BaseModel):
    """A vote sent as JSON (with the ``X-CSRF-Token`` header)."""

    record: str = Field(max_length=40)
    stage: str = Field(max_length=40)
    decision: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=4000)


def _flow(request: Request) -> Workflow:
    return request.app.state.workflow


def _stage(stage: str) -> str:
    if stage not in STAGES:
        raise HTTPException(404, "Not found")
    return stage


def _role(access: Access) -> str:
    return "lead" if access.is_lead else "reviewer"


def _own_progress(states, records, access: Access, stage: str) -> dict:
    progress = progress_for(states, access.username, _role(access), records=records)
    own = next(s for s in progress.stages if s.stage == stage)
    return {"voted": own.voted, "to_do": own.to_do}


@router.get("/reviews/{review}/next")
def next_record(request: Request, access: Member, stage: str = "title_abstract"):
    stage, flow = _stage(stage), _flow(request)
    records = flow.screened_records(access.review)
    states = flow.states(access.review)
    record = flow.next_record(access.review, access.username, stage)
    body = {"stage": stage, "record": None, "view": None}
    if record is not None:
        body["record"] = record_json(record, records[record])
        body["view"] = view_json(
            view_for(states.state(record, stage), access.username, _role(access))
        )
    body["progress"] = _own_progress(states, records, access, stage)
    return body


@router.get("/reviews/{review}/records/{record}")
def record_view(request: Request, access: Member, record: str, stage: str = "title_abstract"):
    stage, flow = _stage(stage), _flow(request)
    records = flow.screened_records(access.review)
    if record not in records:
        raise HTTPException(404, "Not found")
    view = view_for(flow.states(access.review).state(record, stage), access.username, _role(access))
    return {"record": record_json(record, records[record]), "view": view_json(view)}


@router.post("/reviews/{review}/votes", status_code=201)
def post_vote(request: Request, access: Member, vote: VoteRequest):
    stage, flow = _stage(vote.stage), _flow(request)
    try:
        flow.vote(
            access.review,
            access.username,
            _role(access),
            vote.record,
            stage,
            vote.decision,
            reason=(vote.reason or None) if vote.decision == "exclude" else None,
            note=vote.note or None,
        )
    except (WorkflowRefusal, StoreError) as error:
        return JSONResponse({"detail": str(error)}, status_code=409)
    states = flow.states(access.review)
    view = view_for(states.state(vote.record, stage), access.username, _role(access))
    return {"view": view_json(view)}


@router.get("/reviews/{review}/progress")
def progress(request: Request, access: Member):
    flow = _flow(request)
    records = flow.screened_records(access.review)
    states = flow.states(access.review)
    return progress_json(progress_for(states, access.username, _role(access), records=records))
