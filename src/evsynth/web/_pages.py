"""The pages of a review: home, screening, full texts, conflicts, agreement, PRISMA, studies.

Every route here depends on :func:`member` (or :func:`lead` or :func:`resolver`, which
depend on it), so a non-member gets 404 on all of them; pages render blinded views only
(``view_for`` and ``progress_for``), never the states themselves. Everything else comes from
the store's workflow methods: the records to screen, the states, the next record, votes and
resolutions (checked and recorded in one locked transaction), agreement and PRISMA counts.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evsynth.review import PrismaError
from evsynth.screening import (
    AGREEMENT_CSV_FIELDS,
    STAGES,
    ScreeningError,
    agreement_csv_rows,
    progress_for,
    view_for,
)
from evsynth.store import Store, StoreError
from evsynth.web._access import Access, Lead, Member, Resolver
from evsynth.web._app import render
from evsynth.web._steps import screening_step_and_check, stopping_status
from evsynth.web._views import refusal_message

__all__ = ["router"]

router = APIRouter()


def _store(request: Request) -> Store:
    return request.app.state.store


def _check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise HTTPException(404, "Not found")
    return stage


def _base(access: Access) -> str:
    return f"/reviews/{quote(access.review, safe='')}"


def _page(request: Request, access: Access, template: str, context: dict, status: int = 200):
    context = {"access": access, "base": _base(access), "review": access.review, **context}
    return render(request, template, context, user=access.user, status_code=status)


@router.get("/reviews/{review}", response_class=HTMLResponse)
def review_home(request: Request, access: Member):
    store = _store(request)
    progress = store.screening_progress(access.review, access.username)
    counts = {(stage, status): n for stage, status, n in progress.status_counts}
    n_records = store.count_screened(access.review)
    stopping = {}  # per stage: the running check (or None) and the test's numbers
    for own in progress.stages:
        check = store.stopping_check(access.review, access.username, own.stage)
        stopping[own.stage] = (check, stopping_status(store, access, own, check))
    return _page(
        request,
        access,
        "home.html",
        {
            "progress": progress,
            "counts": counts,
            "n_records": n_records,
            "stages": STAGES,
            "stopping": stopping,
        },
    )


def _screen(request: Request, access: Access, stage: str, record: str | None, *, error=None):
    store = _store(request)
    if record is not None and not store.is_screened(access.review, record):
        raise HTTPException(404, "Not found")
    step, check = screening_step_and_check(request, access, stage, record)
    record = step.record_id
    context = {
        "stage": stage,
        "record_id": record,
        "record": step.record,
        "view": None,
        "own": step.progress,
        "check": check,
        "estimate": stopping_status(store, access, step.progress, check) if check else None,
        "keywords": request.app.state.keywords(access.review),
        "undo_seconds": request.app.state.undo_seconds,
        "error": error,
        "attachment": None,
        "reasons": (),
    }
    if record is not None:
        context["view"] = view_for(step.state, access.username, access.role)
        if stage == "full_text":
            found = store.attachments(access.review, record)
            context["attachment"] = found[-1] if found else None
            settings = store.review_settings(access.review)
            context["reasons"] = settings.exclusion_reasons
    return _page(request, access, "screen.html", context, status=409 if error else 200)


@router.get("/reviews/{review}/screen/{stage}", response_class=HTMLResponse)
def screen(request: Request, access: Member, stage: str, record: str | None = None):
    return _screen(request, access, _check_stage(stage), record)


def _reason_and_note(decision: str, reason: str, custom_reason: str, note: str) -> dict:
    """The ``reason`` (a typed one before the listed one; only to exclude) and ``note`` of a
    vote or resolution form, trimmed to their columns' lengths."""
    chosen = (custom_reason.strip() or reason.strip())[:500] or None
    return {
        "reason": chosen if decision == "exclude" else None,
        "note": note.strip()[:4000] or None,
    }


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
    store = _store(request)
    try:
        store.screen_vote(
            access.review,
            record,
            access.username,
            stage,
            decision,
            **_reason_and_note(decision, reason, custom_reason, note),
        )
    except (ScreeningError, StoreError) as error:
        shown = record if store.is_screened(access.review, record) else None
        return _screen(request, access, stage, shown, error=refusal_message(error))
    return RedirectResponse(f"{_base(access)}/screen/{stage}", status_code=303)


@router.post("/reviews/{review}/screen/{stage}/stopping-check")
def start_stopping_check(request: Request, access: Member, stage: str):
    """Start the member's stopping check at the stage: their queue turns random. When one is
    running already (a second click) it goes on as it was."""
    _check_stage(stage)
    store = _store(request)
    try:
        store.start_stopping_check(access.review, access.username, stage)
    except StoreError as error:
        if store.stopping_check(access.review, access.username, stage) is None:
            raise HTTPException(409, str(error)) from None
    return RedirectResponse(f"{_base(access)}/screen/{stage}", status_code=303)


@router.post("/reviews/{review}/screen/{stage}/stopping-check/end")
def end_stopping_check(request: Request, access: Member, stage: str):
    """End the member's stopping check at the stage: back to the ranked queue. With none
    running (a second click) nothing changes."""
    _check_stage(stage)
    store = _store(request)
    try:
        store.end_stopping_check(access.review, access.username, stage)
    except StoreError as error:
        if store.stopping_check(access.review, access.username, stage) is not None:
            raise HTTPException(409, str(error)) from None
    return RedirectResponse(f"{_base(access)}/screen/{stage}", status_code=303)


@router.post("/reviews/{review}/records/{record}/pdf")
def upload_pdf(request: Request, access: Member, record: str, file: Annotated[UploadFile, File()]):
    content = file.file.read(50 * 1024 * 1024 + 1)
    store = _store(request)
    try:
        store.attach_pdf(
            access.review, record, file.filename or "full-text.pdf", content, by=access.username
        )
    except StoreError as error:
        if not store.is_screened(access.review, record):
            raise HTTPException(404, "Not found") from None
        return _screen(request, access, "full_text", record, error=str(error))
    return RedirectResponse(f"{_base(access)}/screen/full_text?record={record}", status_code=303)


@router.get("/reviews/{review}/records/{record}/pdf")
def download_pdf(request: Request, access: Member, record: str, download: bool = False):
    try:
        found = _store(request).attachment(access.review, record)
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
def conflicts(request: Request, access: Resolver):
    """The conflicts the viewer may resolve: every one for the lead, those they did not vote
    on for a designated resolver."""
    store = _store(request)
    states = store.screening_states(access.review)
    progress = progress_for(states, access.username, access.role)
    records = store.records(access.review) if progress.conflicts else {}
    items = [
        (records[record], view_for(states.state(record, stage), access.username, access.role))
        for record, stage in progress.conflicts
    ]
    settings = store.review_settings(access.review)
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
    access: Resolver,
    stage: str,
    record: str,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    custom_reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    _check_stage(stage)
    try:
        _store(request).resolve(
            access.review,
            record,
            access.username,
            stage,
            decision,
            **_reason_and_note(decision, reason, custom_reason, note),
        )
    except (ScreeningError, StoreError) as error:
        raise HTTPException(409, refusal_message(error)) from None
    return RedirectResponse(f"{_base(access)}/conflicts", status_code=303)


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


@router.get("/reviews/{review}/agreement", response_class=HTMLResponse)
def agreement_page(request: Request, access: Lead):
    results = _store(request).agreement(access.review)
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
    results = _store(request).agreement(access.review)
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
    """The PRISMA counts once screening is complete; until then, what is missing."""
    counts, problems = None, ()
    try:
        counts = _store(request).prisma_counts(access.review)
    except PrismaError as error:
        problems = error.problems
    return _page(request, access, "prisma.html", {"counts": counts, "problems": problems})


@router.get("/reviews/{review}/studies", response_class=HTMLResponse)
def studies(request: Request, access: Lead):
    store = _store(request)
    included = store.included_reports(access.review)
    records = store.records(access.review)
    study_of = {link.record_id: link.study_id for link in store.study_links(access.review)}
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
    store = _store(request)
    if record not in store.included_reports(access.review):
        raise HTTPException(409, f"{record} is not a report included at full text")
    try:
        store.link_report(access.review, record, study_id.strip(), access.username)
    except StoreError as error:
        raise HTTPException(409, str(error)) from None
    return RedirectResponse(f"{_base(access)}/studies", status_code=303)
