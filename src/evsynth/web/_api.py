"""JSON endpoints: the next record, a vote, a record's view, progress.

Behind the same dependency as the pages (404 for non-members, CSRF on POST) and built from
the same blinded views, so no response carries another reviewer's unresolved decision.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from evsynth.screening import STAGES, ScreeningError, view_for
from evsynth.store import Store, StoreError
from evsynth.web._access import Member
from evsynth.web._steps import screening_step
from evsynth.web._views import progress_json, record_json, refusal_message, view_json

__all__ = ["VoteRequest", "router"]

router = APIRouter(prefix="/api")


class VoteRequest(BaseModel):
    """A vote sent as JSON (with the ``X-CSRF-Token`` header)."""

    record: str = Field(max_length=40)
    stage: str = Field(max_length=40)
    decision: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=4000)


def _store(request: Request) -> Store:
    return request.app.state.store


def _stage(stage: str) -> str:
    if stage not in STAGES:
        raise HTTPException(404, "Not found")
    return stage


@router.get("/reviews/{review}/next")
def next_record(request: Request, access: Member, stage: str = "title_abstract"):
    stage = _stage(stage)
    step = screening_step(request, access, stage)
    body = {"stage": stage, "record": None, "view": None}
    if step.record_id is not None:
        body["record"] = record_json(step.record_id, step.record)
        body["view"] = view_json(view_for(step.state, access.username, access.role))
    body["progress"] = {"voted": step.progress.voted, "to_do": step.progress.to_do}
    return body


@router.get("/reviews/{review}/records/{record}")
def record_view(request: Request, access: Member, record: str, stage: str = "title_abstract"):
    stage, store = _stage(stage), _store(request)
    if not store.is_screened(access.review, record):
        raise HTTPException(404, "Not found")
    state = store.record_state(access.review, record, stage)
    view = view_for(state, access.username, access.role)
    return {
        "record": record_json(record, store.record(access.review, record)),
        "view": view_json(view),
    }


@router.post("/reviews/{review}/votes", status_code=201)
def post_vote(request: Request, access: Member, vote: VoteRequest):
    stage, store = _stage(vote.stage), _store(request)
    try:
        recorded = store.screen_vote(
            access.review,
            vote.record,
            access.username,
            stage,
            vote.decision,
            reason=(vote.reason or None) if vote.decision == "exclude" else None,
            note=vote.note or None,
        )
    except (ScreeningError, StoreError) as error:
        return JSONResponse({"detail": refusal_message(error)}, status_code=409)
    return {"view": view_json(view_for(recorded.state, access.username, access.role))}


@router.get("/reviews/{review}/progress")
def progress(request: Request, access: Member):
    store = _store(request)
    return progress_json(store.screening_progress(access.review, access.username))
