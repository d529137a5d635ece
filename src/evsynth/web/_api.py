"""JSON endpoints: the next record, a vote, a record's view, progress.

Behind the same dependency as the pages (404 for non-members, CSRF on POST) and built from
the same blinded views, so no response carries another reviewer's unresolved decision.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from evsynth.screening import STAGES, ScreeningError, progress_for, view_for
from evsynth.store import Store, StoreError
from evsynth.web._access import Access, Member
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


def _own_progress(states, records, access: Access, stage: str) -> dict:
    progress = progress_for(states, access.username, access.role, records=records)
    own = next(s for s in progress.stages if s.stage == stage)
    return {"voted": own.voted, "to_do": own.to_do}


@router.get("/reviews/{review}/next")
def next_record(request: Request, access: Member, stage: str = "title_abstract"):
    stage, store = _stage(stage), _store(request)
    records = store.screened_records(access.review)
    record = store.next_record(access.review, access.username, stage)
    states = store.screening_states(access.review)
    body = {"stage": stage, "record": None, "view": None}
    if record is not None:
        body["record"] = record_json(record, store.record(access.review, record))
        body["view"] = view_json(
            view_for(states.state(record, stage), access.username, access.role)
        )
    body["progress"] = _own_progress(states, records, access, stage)
    return body


@router.get("/reviews/{review}/records/{record}")
def record_view(request: Request, access: Member, record: str, stage: str = "title_abstract"):
    stage, store = _stage(stage), _store(request)
    if record not in store.screened_records(access.review):
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
        store.screen_vote(
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
    state = store.record_state(access.review, vote.record, stage)
    return {"view": view_json(view_for(state, access.username, access.role))}


@router.get("/reviews/{review}/progress")
def progress(request: Request, access: Member):
    store = _store(request)
    records = store.screened_records(access.review)
    states = store.screening_states(access.review)
    return progress_json(progress_for(states, access.username, access.role, records=records))
