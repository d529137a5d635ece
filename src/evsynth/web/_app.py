"""The workbench app: the factory, security headers, errors, login and logout."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from evsynth.screening import ReviewerQueues
from evsynth.store import RateLimited, SessionUser, Store
from evsynth.web._access import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    NotLoggedIn,
    SignedIn,
    check_login_csrf,
)
from evsynth.web._highlight import highlight
from evsynth.web._views import DECISION_LABELS, STAGE_LABELS, STATUS_LABELS

__all__ = ["SECURITY_HEADERS", "create_app", "render"]

_HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    user: SessionUser | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page from ``templates/``, with the session's CSRF token and the shared labels."""
    full = {
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": user.csrf_token if user is not None else "",
        "stage_labels": STAGE_LABELS,
        "decision_labels": DECISION_LABELS,
        "status_labels": STATUS_LABELS,
        **context,
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def _safe_next(value: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) is followed after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def create_app(
    store: Store,
    *,
    keywords: Mapping[str, Sequence[str]] | Callable[[str], Sequence[str]] | None = None,
    undo_seconds: float = 5.0,
    queues: ReviewerQueues | None = None,
) -> FastAPI:
    """The workbench as an ASGI app over an open store.

    Parameters
    ----------
    store : Store
        The workflow store (users, reviews, records, decisions).
    keywords : mapping of review name to words, or callable, optional
        The protocol's keywords, highlighted in titles and abstracts (a callable is asked
        with the review's name).
    undo_seconds : float, default 5
        How long the screening page waits, offering to undo, before it sends a vote.
    queues : ReviewerQueues, optional
        Orders each reviewer's queue by the prioritisation model (retrained in the
        background from what that reviewer may see); without it, record order.

    Returns
    -------
    FastAPI

    Examples
    --------
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> from evsynth.store import open_store
    >>> with open_store(directory=tempfile.mkdtemp()) as store:
    ...     client = TestClient(create_app(store))
    ...     page = client.get("/login")
    ...     page.status_code, page.headers["x-content-type-options"]
    (200, 'nosniff')
    """
    if not isinstance(store, Store):
        raise TypeError(f"store must be an evsynth.store.Store, not {type(store).__name__}")
    if not (isinstance(undo_seconds, int | float) and 0 <= undo_seconds <= 60):
        raise ValueError(f"undo_seconds must be between 0 and 60; got {undo_seconds!r}")
    app = FastAPI(title="evsynth workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.undo_seconds = float(undo_seconds)
    if queues is not None and not isinstance(queues, ReviewerQueues):
        raise TypeError(f"queues must be a ReviewerQueues, not {type(queues).__name__}")
    app.state.queues = queues
    if keywords is None:
        app.state.keywords = lambda review: ()
    elif callable(keywords):
        app.state.keywords = keywords
    else:
        known = {name: tuple(words) for name, words in keywords.items()}
        app.state.keywords = lambda review: known.get(review, ())
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    templates.env.filters["highlight"] = highlight
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _exc: NotLoggedIn):
        if _is_api(request):
            return JSONResponse({"detail": "Not signed in"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        response = RedirectResponse("/login", status_code=303)
        if target != "/":
            response = RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        message = "Not found" if exc.status_code == 404 else str(exc.detail)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": message},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        fields = sorted({".".join(str(p) for p in e["loc"][1:]) or "request" for e in exc.errors()})
        message = "Missing or invalid: " + ", ".join(fields)
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=422)
        return render(request, "error.html", {"status": 422, "message": message}, status_code=422)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str | None = None):
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", {"login_token": token, "next": _safe_next(next)})
        _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    @app.post("/login")
    async def login(
        request: Request,
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ):
        check_login_csrf(request, csrf_token)
        client = request.client.host if request.client and request.client.host else "unknown"
        outcome = await run_in_threadpool(
            store.verify_login, username[:200], password[:1024], client=client
        )
        if not outcome:
            if isinstance(outcome, RateLimited):
                minutes = max(1, math.ceil(outcome.retry_after.total_seconds() / 60))
                unit = "minute" if minutes == 1 else "minutes"
                message = f"Too many attempts, try again in {minutes} {unit}."
                status = 429
            else:
                message, status = "Wrong username or password.", 401
            token = secrets.token_urlsafe(32)
            response = render(
                request,
                "login.html",
                {"login_token": token, "next": _safe_next(next), "error": message,
                 "username": username[:200]},
                status_code=status,
            )  # fmt: skip
            _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
            return response
        session = await run_in_threadpool(store.create_session, outcome.username)
        response = RedirectResponse(_safe_next(next), status_code=303)
        lifetime = int((session.expires_at - session.created_at).total_seconds())
        _set_cookie(request, response, SESSION_COOKIE, session.token, max_age=lifetime)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout")
    async def logout(request: Request, _user: SignedIn):
        await run_in_threadpool(store.revoke_session, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    @app.get("/", response_class=HTMLResponse)
    def my_reviews(request: Request, user: SignedIn):
        reviews = store.reviews_of(user.username)
        return render(request, "reviews.html", {"reviews": reviews}, user=user)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    from evsynth.web._api import router as api_router
    from evsynth.web._pages import router as pages_router
    from evsynth.web._team import router as team_router

    app.include_router(pages_router)
    app.include_router(team_router)
    app.include_router(api_router)
    return app


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int):
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
