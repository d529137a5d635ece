"""The lead's Team page: members and roles, votes required, and the exclusion reasons.

Every route here depends on :func:`evsynth.web._access.lead`: a non-member gets 404 (as on
every route of a review), another member 403, and every POST needs the session's CSRF token.
The store checks and records every change (``add_member``, ``configure_review``,
``add_exclusion_reason``); a refusal re-renders the page with the store's message (409), and
input that cannot be used as it is (an unknown user, a role that does not exist, a number
that is not one) with a message of its own (422).

The custom exclusion reasons listed for adding are taken from the lead's blinded views
(``view_for``), not from the raw decision events: a lead does not see the votes on a record
whose voting is still open, and a reason typed there would tell them that someone excluded a
record at full text before it closed (a lead screens too, and may be about to vote on it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from evsynth.screening import ScreeningStates, view_for
from evsynth.store import MAX_VOTES_REQUIRED, ROLES, Store, StoreError
from evsynth.web._access import Access, Lead
from evsynth.web._pages import _base, _page

__all__ = ["custom_reasons", "router"]

router = APIRouter()

_ROLE_LABELS = {
    "lead": "Lead",
    "resolver": "Resolver (third reviewer)",
    "reviewer": "Reviewer",
}


def _store(request: Request) -> Store:
    return request.app.state.store


def _clean(text: str) -> str:
    """Whitespace as the store keeps it: runs collapsed to one space, none at the ends."""
    return " ".join(text.split())


def custom_reasons(
    states: ScreeningStates, listed: Sequence[str], lead: str
) -> tuple[tuple[str, int], ...]:
    """The exclusion reasons used at full text that are not on the review's list, with how
    many decisions used each, most used first.

    Only what the lead ``lead`` may see counts: the votes and resolutions of records whose
    voting has closed, and the lead's own votes (see the module's docstring). Reasons that
    differ only in case or spacing are one reason (as the store's list treats them), shown
    as first typed.

    Parameters
    ----------
    states : ScreeningStates
        The review's screening states (``Store.screening_states``).
    listed : sequence of str
        The review's exclusion reasons (``Store.review_settings(...).exclusion_reasons``).
    lead : str
        A lead of the review: whose views are read.

    Returns
    -------
    tuple of (str, int)

    Examples
    --------
    >>> from datetime import datetime
    >>> from evsynth.screening import ScreeningEvent, derive_states
    >>> t = datetime(2024, 3, 1)
    >>> def vote(record, who, decision, reason=None, stage="full_text"):
    ...     return ScreeningEvent(record, who, stage, decision, reason=reason, at=t)
    >>> included = [vote(r, who, "include", stage="title_abstract")
    ...             for r in ("r1", "r2", "r3") for who in ("ana", "ben")]
    >>> states = derive_states([
    ...     *included,
    ...     vote("r1", "ana", "exclude", "Protocol only"),
    ...     vote("r1", "ben", "exclude", "protocol  only"),
    ...     vote("r2", "ana", "exclude", "Wrong population"),
    ...     vote("r2", "ben", "include"),
    ...     vote("r3", "ana", "exclude", "Secret"),  # still open: the lead cannot see it
    ... ])
    >>> custom_reasons(states, ["Wrong population"], "lea")
    (('Protocol only', 2),)
    """
    known = {reason.casefold() for reason in listed}
    used = []
    for state in states:
        if state.stage == "full_text":
            view = view_for(state, lead, "lead")
            events = (view.own_vote, *view.votes, view.resolution)
            unique = {(event.reviewer, event.kind): event for event in events if event}
            used.extend(
                event
                for event in unique.values()
                if event.decision == "exclude" and event.reason and _clean(event.reason)
            )
    counts: Counter[str] = Counter()
    shown_as: dict[str, str] = {}
    for event in sorted(used, key=lambda event: event.at):
        reason = _clean(event.reason)
        if reason.casefold() not in known:
            shown_as.setdefault(reason.casefold(), reason)
            counts[reason.casefold()] += 1
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return tuple((shown_as[key], counts[key]) for key in ranked)


def _team_page(
    request: Request,
    access: Access,
    *,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    store = _store(request)
    members = store.members(access.review)
    member_names = {member.username for member in members}
    settings = store.review_settings(access.review)
    context = {
        "members": members,
        "candidates": [name for name in store.users() if name not in member_names],
        "roles": ROLES,
        "role_labels": _ROLE_LABELS,
        "settings": settings,
        "max_votes": MAX_VOTES_REQUIRED,
        "custom": custom_reasons(
            store.screening_states(access.review), settings.exclusion_reasons, access.username
        ),
        "error": error,
        "form": {"username": "", "role": "reviewer", "reason": "", **(form or {})},
    }
    return _page(request, access, "team.html", context, status=status)


def _back(access: Access) -> RedirectResponse:
    return RedirectResponse(f"{_base(access)}/team", status_code=303)


@router.get("/reviews/{review}/team", response_class=HTMLResponse)
def team(request: Request, access: Lead):
    """The members with their roles, the settings, and the custom reasons used so far."""
    return _team_page(request, access)


@router.post("/reviews/{review}/team/members")
def add_member(
    request: Request,
    access: Lead,
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
):
    """Give an existing user a role in the review."""
    username = username.strip()[:200]
    form = {"username": username, "role": role if role in ROLES else "reviewer"}
    store = _store(request)
    if not username:
        return _team_page(
            request, access, error="Enter the username of the person to add.", status=422,
            form=form,
        )  # fmt: skip
    if role not in ROLES:
        message = f"Choose a role: {', '.join(ROLES)} (got {role[:40]!r})."
        return _team_page(request, access, error=message, status=422, form=form)
    if username not in store.users():
        message = (
            f"There is no user named {username!r}. People need an account first "
            "(`evsynth users add NAME`); then add them here."
        )
        return _team_page(request, access, error=message, status=422, form=form)
    try:
        store.add_member(access.review, username, role)
    except StoreError as error:
        return _team_page(request, access, error=str(error), status=409, form=form)
    return _back(access)


@router.post("/reviews/{review}/team/settings")
def configure(request: Request, access: Lead, votes_required: Annotated[str, Form()] = ""):
    """Change the votes each record needs per stage (the store refuses once there are
    votes)."""
    text = votes_required.strip()
    try:
        votes = int(text)
    except ValueError:
        votes = None
    if votes is None or not 1 <= votes <= MAX_VOTES_REQUIRED:
        message = (
            f"Votes required per record must be a whole number from 1 to {MAX_VOTES_REQUIRED}; "
            f"got {text[:20]!r}."
        )
        return _team_page(request, access, error=message, status=422)
    try:
        _store(request).configure_review(access.review, votes_required=votes)
    except StoreError as error:
        return _team_page(request, access, error=str(error), status=409)
    return _back(access)


@router.post("/reviews/{review}/team/reasons")
def add_reason(request: Request, access: Lead, reason: Annotated[str, Form()] = ""):
    """Add an exclusion reason at the end of the review's list."""
    reason = _clean(reason[:1000])
    store = _store(request)
    if not reason:
        return _team_page(request, access, error="Enter the exclusion reason to add.", status=422)
    listed = store.review_settings(access.review).exclusion_reasons
    if reason.casefold() in {known.casefold() for known in listed}:
        message = f"{reason!r} is on the list of exclusion reasons already."
        return _team_page(request, access, error=message, status=409, form={"reason": reason})
    try:
        store.add_exclusion_reason(access.review, reason)
    except StoreError as error:  # too long, or added by someone else a moment ago
        return _team_page(request, access, error=str(error), status=422, form={"reason": reason})
    return _back(access)
