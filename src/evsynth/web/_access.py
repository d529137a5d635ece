"""Who is asking and what they may touch: sessions, CSRF tokens and review membership.

Every route of a review depends on :func:`member`: an unknown review and a review the user
does not belong to give the same 404, whatever the route (page or JSON). Every
state-changing request must carry the session's CSRF token (the ``csrf_token`` form field or
the ``X-CSRF-Token`` header) or it is refused with 403 before anything runs.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from evsynth.store import SessionUser, Store

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "Access",
    "Lead",
    "Member",
    "SignedIn",
    "NotLoggedIn",
    "Resolver",
    "check_login_csrf",
    "current_user",
    "lead",
    "member",
    "resolver",
    "signed_in",
]

SESSION_COOKIE = "evsynth_session"
LOGIN_CSRF_COOKIE = "evsynth_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class NotLoggedIn(Exception):
    """No valid session: pages send the user to the login form, JSON answers 401."""


@dataclass(frozen=True)
class Access:
    """A signed-in member of a review, with their role in it."""

    review: str
    user: SessionUser
    role: str

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def may_resolve(self) -> bool:
        """The lead or a designated resolver: they see the conflicts list (a resolver only
        the conflicts they did not vote on)."""
        return self.role in ("lead", "resolver")


def _store(request: Request) -> Store:
    return request.app.state.store


async def current_user(request: Request) -> SessionUser:
    """The session's user (from the cookie), or :class:`NotLoggedIn`."""
    token = request.cookies.get(SESSION_COOKIE)
    user = await run_in_threadpool(_store(request).session_user, token) if token else None
    if user is None:
        raise NotLoggedIn()
    return user


async def _submitted_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    if request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _check_csrf(request: Request, user: SessionUser) -> None:
    if request.method in _UNSAFE and not user.csrf_matches(await _submitted_token(request)):
        raise HTTPException(403, "The form has expired or lacks its security token; reload it.")


async def signed_in(
    request: Request, user: Annotated[SessionUser, Depends(current_user)]
) -> SessionUser:
    """A route outside any review: the user, with the CSRF check on unsafe methods."""
    await _check_csrf(request, user)
    return user


async def member(review: str, request: Request) -> Access:
    """A route of a review: the session's user (else :class:`NotLoggedIn`), 404 unless they
    belong to the review, then the CSRF check. Session and role are read in one call."""
    token = request.cookies.get(SESSION_COOKIE)
    found = (
        await run_in_threadpool(_store(request).session_member, token, review) if token else None
    )
    if found is None:
        raise NotLoggedIn()
    user, role = found
    if role is None:
        raise HTTPException(404, "Not found")
    await _check_csrf(request, user)
    return Access(review, user, role)


async def lead(access: Annotated[Access, Depends(member)]) -> Access:
    """A route for the review's lead: members with another role get 403."""
    if not access.is_lead:
        raise HTTPException(403, "Only the review's lead can open this page.")
    return access


async def resolver(access: Annotated[Access, Depends(member)]) -> Access:
    """A route for those who resolve conflicts (the lead, a designated resolver): members
    with another role get 403."""
    if not access.may_resolve:
        raise HTTPException(403, "Only the review's lead or a designated resolver can open this.")
    return access


#: Route parameters: a member of the review, its lead, a lead or resolver, a signed-in user
#: (CSRF-checked).
Member = Annotated[Access, Depends(member)]
Lead = Annotated[Access, Depends(lead)]
Resolver = Annotated[Access, Depends(resolver)]
SignedIn = Annotated[SessionUser, Depends(signed_in)]


def check_login_csrf(request: Request, submitted: object) -> None:
    """The login form's token (double-submit: a cookie and a hidden field) must match."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (
        isinstance(cookie, str)
        and isinstance(submitted, str)
        and cookie
        and hmac.compare_digest(cookie.encode(), submitted.encode())
    ):
        raise HTTPException(403, "The login form has expired; reload it and try again.")
