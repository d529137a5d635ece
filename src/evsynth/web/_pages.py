"""The pages of a review: home, screening, full texts, conflicts, agreement, PRISMA, studies.

Every route here depends on :func:`member` (or :func:`lead`, which depends on it), so a
non-member gets 404 on all of them; pages render blinded views only (``view_for`` and
``progress_for``), never the states themselves.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evsynth.screening import (
    AGREEMENT_CSV_FIELDS,
    STAGES,
    agreement,
    agreement_csv_rows,
    progress_for,
    view_for,
)
from evsynth.store import StoreError
from evsynth.web._access import Access, Lead, Member
from evsynth.web._app import render
from evsynth.web._workflow import Workflow, WorkflowRefusal

__all__ = ["router"]

router = APIRouter()


def _flow(request: Request) -> Workflow:
    return request.app.state.workflow


def _check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise HTTPException(404, "Not found")
    return stage


def _base(access: Access) -> str:
    return f"/reviews/{quote(access.review, safe='')}"


def _page(request: Request, access: Access, template: str, context: dict, status: int = 200):
    context = {"access": access, "base": _base(access), "review": access.review, **context}
    return render(request, template, context, user=access.user, status_code=status)


def _role(access: Access) -> str:
    return "lead" if access.is_lead else "reviewer"


@router.get("/reviews/{review}", response_class=HTMLResponse)
def review_home(request: Request, access: Member):
    flow = _flow(request)
    records = flow.screened_records(access.review)
    progress = progress_for(
        flow.states(access.review), access.username, _role(access), records=records
    )
    counts = {(stage, status): n for stage, status, n in progress.status_counts}
    return _page(
        request,
        access,
        "home.html",
        {"progress": progress, "counts": counts, "n_records": len(records), "stages": STAGES},
    )


def _screen(request: Request, access: Access, stage: str, record: str | None, *, error=None):
    flow = _flow(request)
    records = flow.screened_records(access.review)
    states = flow.states(access.review)
    if record is None:
        record = flow.next_record(access.review, access.username, stage)
    elif record not in records:
        raise HTTPException(404, "Not found")
    progress = progress_for(states, access.username, _role(access), records=records)
    own = next(s for s in progress.stages if s.stage == stage)
    context = {
        "stage": stage,
        "record_id": record,
        "record": records.get(record) if record else None,
        "view": None,
        "own": own,
        "keywords": request.app.state.keywords(access.review),
        "undo_seconds": request.app.state.undo_seconds,
        "error": error,
        "attachment": None,
        "reasons": (),
    }
    if record is not None:
        context["view"] = view_for(states.state(record, stage), access.username, _role(access))
        if stage == "full_text":
            found = request.app.state.store.attachments(access.review, record)
            context["attachment"] = found[-1] if found else None
            settings = request.app.state.store.review_settings(access.review)
            context["reasons"] = settings.exclusion_reasons
    return _page(request, access, "screen.html", context, status=409 if error else 200)


@router.get("/reviews/{review}/screen/{stage}", response_class=HTMLResponse)
def screen(request: Request, access: Member, stage: str, record: str | None = None):
    return _screen(request, access, _check_stage(stage), record)


def _reason(reason: str, custom_reason: str) -> str | None:
    chosen = custom_reason.strip() or reason.strip()
    return chosen[:500] or None


@router.post("/reviews/{review}/screen/{stage}/vote")
def vote(
    request: Request,
    access: Member,
    stage: str,
    record: Annotated[str, Form()],
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    custom_reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    _check_stage(stage)
    try:
        _flow(request).vote(
            access.review,
            access.username,
            _role(access),
            record,
            stage,
            decision,
            reason=_reason(reason, custom_reason) if decision == "exclude" else None,
            note=note.strip()[:4000] or None,
        )
    except (WorkflowRefusal, StoreError) as error:
        shown = record if record in _flow(request).screened_records(access.review) else None
        return _screen(request, access, stage, shown, error=str(error))
    return RedirectResponse(f"{_base(access)}/screen/{stage}", status_code=303)


@router.post("/reviews/{review}/records/{record}/pdf")
def upload_pdf(request: Request, access: Member, record: str, file: Annotated[UploadFile, File()]):
    content = file.file.read(50 * 1024 * 1024 + 1)
    try:
        request.app.state.store.attach_pdf(
            access.review, record, file.filename or "full-text.pdf", content, by=access.username
        )
    except StoreError as error:
        if record not in _flow(request).screened_records(access.review):
            raise HTTPException(404, "Not found") from None
        return _screen(request, access, "full_text", record, error=str(error))
    return RedirectResponse(f"{_base(access)}/screen/full_text?record={record}", status_code=303)


@router.get("/reviews/{review}/records/{record}/pdf")
def download_pdf(request: Request, access: Member, record: str, download: bool = False):
    try:
        found = request.app.state.store.attachment(access.review, record)
    except StoreError:
        found = None
    if found is None:
        raise HTTPException(404, "Not found")
    attachment, content = found
    disposition = "attachment" if download else "inline"
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.filename)}"
        },
    )


@router.get("/reviews/{review}/conflicts", response_class=HTMLResponse)
def conflicts(request: Request, access: Lead):
    flow = _flow(request)
    records = flow.screened_records(access.review)
    states = flow.states(access.review)
    progress = progress_for(states, access.username, "lead", records=records)
    items = [
        (records[record], view_for(states.state(record, stage), access.username, "lead"))
        for record, stage in progress.conflicts
    ]
    settings = request.app.state.store.review_settings(access.review)
    return _page(
        request,
        access,
        "conflicts.html",
        {
            "items": items,
            "reasons": settings.exclusion_reasons,
            "keywords": request.app.state.keywords(access.review),
        },
    )


@router.post("/reviews/{review}/conflicts/{stage}/{record}/resolve")
def resolve(
    request: Request,
    access: Lead,
    stage: str,
    record: str,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    custom_reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    _check_stage(stage)
    try:
        _flow(request).resolve(
            access.review,
            access.username,
            "lead",
            record,
            stage,
            decision,
            reason=_reason(reason, custom_reason) if decision == "exclude" else None,
            note=note.strip()[:4000] or None,
        )
    except (WorkflowRefusal, StoreError) as error:
        raise HTTPException(409, str(error)) from None
    return RedirectResponse(f"{_base(access)}/conflicts", status_code=303)


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


@router.get("/reviews/{review}/agreement", response_class=HTMLResponse)
def agreement_page(request: Request, access: Lead):
    results = agreement(_flow(request).states(access.review))
    rows = []
    for result in results:
        low, high = result.confidence_interval(0.95)
        rows.append(
            {
                "stage": result.stage,
                "pair": " – ".join(result.reviewers) if result.reviewers else "All pairs",
                "pooled": result.reviewers is None,
                "n": result.n,
                "percent": _fmt(result.percent_agreement, 1),
                "kappa": _fmt(result.kappa),
                "ci": f"{_fmt(low)} to {_fmt(high)}" if not math.isnan(low) else "–",
                "pabak": _fmt(result.pabak),
            }
        )
    return _page(request, access, "agreement.html", {"rows": rows})


@router.get("/reviews/{review}/agreement.csv")
def agreement_csv(request: Request, access: Lead):
    results = agreement(_flow(request).states(access.review))
    out = io.StringIO()
    writer = csv.DictWriter(out, AGREEMENT_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(agreement_csv_rows(results))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="agreement.csv"'},
    )


@router.get("/reviews/{review}/prisma", response_class=HTMLResponse)
def prisma(request: Request, access: Lead):
    outcome = _flow(request).prisma(access.review)
    return _page(request, access, "prisma.html", {"outcome": outcome})


def _included_reports(request: Request, access: Access):
    flow = _flow(request)
    records = flow.screened_records(access.review)
    states = flow.states(access.review)
    included = [
        record
        for record in records
        if (s := states.state(record, "full_text")).final and s.final_decision == "include"
    ]
    return records, included, flow.study_of(access.review)


@router.get("/reviews/{review}/studies", response_class=HTMLResponse)
def studies(request: Request, access: Lead):
    records, included, study_of = _included_reports(request, access)
    grouped: dict[str, list[str]] = {}
    for record in included:
        if record in study_of:
            grouped.setdefault(study_of[record], []).append(record)
    return _page(
        request,
        access,
        "studies.html",
        {
            "records": records,
            "included": included,
            "study_of": study_of,
            "grouped": dict(sorted(grouped.items())),
        },
    )


@router.post("/reviews/{review}/studies")
def link_study(
    request: Request, access: Lead, record: Annotated[str, Form()], study_id: Annotated[str, Form()]
):
    _records, included, _study_of = _included_reports(request, access)
    if record not in included:
        raise HTTPException(409, f"{record} is not a report included at full text")
    try:
        request.app.state.store.link_report(
            access.review, record, study_id.strip(), access.username
        )
    except StoreError as error:
        raise HTTPException(409, str(error)) from None
    return RedirectResponse(f"{_base(access)}/studies", status_code=303)
