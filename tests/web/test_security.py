"""Security of the workbench: access, CSRF, login rate limiting, escaping, headers, blinding."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from evsynth.web import create_app
from tests.web._seed import (
    ANN,
    BEN,
    EVIL_TITLE,
    LEAD,
    NORA,
    PASSWORD,
    REVIEW,
    csrf_of,
    login,
    seed_store,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PARAMS = {"stage": "title_abstract", "record": "r000001"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api_routes(routes) -> list[APIRoute]:
    """Every endpoint of a route table, into included routers (FastAPI >= 0.165 keeps them
    as branches); anything else is the static files' mount, or the test must learn it."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            assert not getattr(route.include_context, "prefix", ""), "included with a prefix"
            found.extend(api_routes(route.original_router.routes))
        else:
            assert isinstance(route, Mount) and route.path == "/static", route
    return found


def review_routes(app, review: str = REVIEW) -> list[tuple[str, str]]:
    """(method, path) of every route of a review, from the app's own route table."""
    found = []
    for route in api_routes(app.routes):
        if "{review}" not in route.path:
            continue
        path = route.path.replace("{review}", review)
        for name, value in PARAMS.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"add a value for the parameters of {route.path} to PARAMS"
        found.extend((method, path) for method in sorted(route.methods))
    return found


def unsafe_routes(app) -> list[tuple[str, str]]:
    return [(m, p) for m, p in review_routes(app) if m not in ("GET", "HEAD")] + [
        (m, r.path)
        for r in api_routes(app.routes)
        if "{review}" not in r.path
        for m in r.methods
        if m not in ("GET", "HEAD")
    ]


def send(client, method: str, path: str, token: str | None = None):
    headers = {"X-CSRF-Token": token} if token else {}
    if method == "POST" and "/api/" in path:
        body = {"record": "r000001", "stage": "title_abstract", "decision": "include"}
        return client.post(path, json=body, headers=headers, follow_redirects=False)
    if method == "POST" and path.endswith("/pdf"):
        files = {"file": ("a.pdf", PDF, "application/pdf")}
        return client.post(path, files=files, headers=headers, follow_redirects=False)
    if method == "POST":
        data = {"record": "r000001", "decision": "include", "study_id": "Smith 2020"}
        return client.post(path, data=data, headers=headers, follow_redirects=False)
    return client.request(method, path, headers=headers, follow_redirects=False)


def test_the_route_table_covers_every_page_and_endpoint(app):
    routes = review_routes(app)
    assert len(routes) >= 14
    assert ("POST", f"/api/reviews/{REVIEW}/votes") in routes
    assert ("GET", f"/reviews/{REVIEW}/screen/title_abstract") in routes


def test_a_non_member_gets_404_on_every_route_of_a_review(app, client_for, store):
    outsider = client_for(NORA)
    token = csrf_of(outsider)
    bodies = set()
    for method, path in review_routes(app):
        response = send(outsider, method, path, token)
        assert response.status_code == 404, (method, path, response.status_code)
        unknown = send(outsider, method, path.replace(REVIEW, "no-such-review"), token)
        assert unknown.status_code == 404, (method, path)
        assert unknown.content == response.content  # the same answer: nothing to tell apart
        bodies.add(response.content)
    assert len(bodies) == 2  # one page, one JSON body
    assert store.decisions(REVIEW) == ()
    assert store.attachments(REVIEW) == ()
    assert store.study_links(REVIEW) == ()


def test_a_member_gets_404_for_a_review_that_does_not_exist(app, client_for):
    member = client_for(ANN)
    for method, path in review_routes(app, "no-such-review"):
        assert send(member, method, path, csrf_of(member)).status_code == 404, (method, path)


def test_signed_out_pages_go_to_the_login_form_and_json_says_401(app):
    client = TestClient(app)
    page = client.get(f"/reviews/{REVIEW}/screen/title_abstract", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/reviews/{REVIEW}/screen/title_abstract"
    assert client.get(f"/api/reviews/{REVIEW}/next").status_code == 401
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_state_changing_request_without_the_csrf_token_is_refused(app, client_for, store, token):
    lead = client_for(LEAD)
    before = store.decisions(REVIEW)
    routes = unsafe_routes(app)
    assert ("POST", "/logout") in routes and ("POST", "/login") in routes
    for method, path in routes:
        response = send(lead, method, path, token)
        assert response.status_code == 403, (method, path, response.status_code)
    assert store.decisions(REVIEW) == before
    assert store.attachments(REVIEW) == ()
    assert lead.get("/").status_code == 200  # still signed in: the logout was refused too


def test_the_csrf_token_from_another_session_is_refused(client_for, store):
    ann, ben = client_for(ANN), client_for(BEN)
    response = ann.post(
        f"/reviews/{REVIEW}/screen/title_abstract/vote",
        data={"record": "r000001", "decision": "include", "csrf_token": csrf_of(ben)},
    )
    assert response.status_code == 403
    assert store.decisions(REVIEW) == ()


def test_the_login_form_needs_its_own_token(app):
    client = TestClient(app)
    client.get("/login")
    response = client.post(
        "/login", data={"username": ANN, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert "evsynth_session" not in response.cookies


def test_wrong_passwords_are_rate_limited(app):
    client = TestClient(app)
    for _ in range(5):
        response = login(client, ANN, "wrong password!")
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
    refused = login(client, ANN, PASSWORD)  # even the right password, for now
    assert refused.status_code == 429
    assert "Too many attempts, try again in 15 minutes." in refused.text
    assert "evsynth_session" not in refused.cookies


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app):
    plain = login(TestClient(app), ANN).headers["set-cookie"]
    assert re.search(r"evsynth_session=[^;]+; HttpOnly; Max-Age=\d+; Path=/; SameSite=lax", plain)
    assert "Secure" not in plain.split(",")[0]
    secure = login(TestClient(app, base_url="https://testserver"), ANN).headers["set-cookie"]
    assert "Secure" in secure.split(", evsynth_login")[0]


def test_every_page_sends_the_security_headers(client_for):
    client = client_for(ANN)
    for path in ("/login", "/", f"/reviews/{REVIEW}", f"/api/reviews/{REVIEW}/progress"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_the_network_and_run_no_inline_script(client_for):
    client = client_for(LEAD)
    for path in ("/", f"/reviews/{REVIEW}", f"/reviews/{REVIEW}/screen/title_abstract",
                 f"/reviews/{REVIEW}/conflicts", f"/reviews/{REVIEW}/agreement"):  # fmt: skip
        html = client.get(path).text
        assert not re.search(r"(src|href)=\"(https?:)?//", html), path
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and " on" + "click=" not in html, path


def test_html_in_a_title_is_shown_as_text(client_for):
    client = client_for(ANN)
    html = client.get(f"/reviews/{REVIEW}/screen/title_abstract?record=r000001").text
    assert EVIL_TITLE not in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert "&amp; <mark>peer</mark> <mark>support</mark>" in html


def test_one_vote_per_reviewer_record_and_stage(client_for, store):
    client = client_for(ANN)
    token = csrf_of(client)
    vote = {"record": "r000002", "stage": "title_abstract", "decision": "include"}
    first = client.post(f"/api/reviews/{REVIEW}/votes", json=vote, headers={"X-CSRF-Token": token})
    assert first.status_code == 201
    assert first.json()["view"]["status"] == "voted"
    again = client.post(
        f"/api/reviews/{REVIEW}/votes", json={**vote, "decision": "exclude"},
        headers={"X-CSRF-Token": token},
    )  # fmt: skip
    assert again.status_code == 409
    assert [e.decision for e in store.decisions(REVIEW)] == ["include"]


# --- blinding: B's every response is the same whatever A voted ----------------------------


def _b_responses(
    tmp_path, a_decision: str, *, b_first: str | None, viewer: str = BEN
) -> dict[str, bytes]:
    """Everything ``viewer`` (BEN) can GET after ANN voted ``a_decision`` on r000001 (and BEN
    voted ``b_first`` there before, when given): each body with the viewer's CSRF token
    masked, after the status and redirect."""
    tmp_path.mkdir()
    store = seed_store(tmp_path)
    try:
        app = create_app(store, keywords={REVIEW: ("peer",)})
        ann, ben = TestClient(app), TestClient(app)
        login(ann, ANN), login(ben, BEN)
        if b_first is not None:
            vote = {"record": "r000001", "stage": "title_abstract", "decision": b_first}
            ben.post(f"/api/reviews/{REVIEW}/votes", json=vote,
                     headers={"X-CSRF-Token": csrf_of(ben)})  # fmt: skip
        vote = {"record": "r000001", "stage": "title_abstract", "decision": a_decision}
        assert ann.post(f"/api/reviews/{REVIEW}/votes", json=vote,
                        headers={"X-CSRF-Token": csrf_of(ann)}).status_code == 201  # fmt: skip
        if viewer != BEN:
            ben = TestClient(app)
            login(ben, viewer)
        token = csrf_of(ben)
        paths = ["/"] + [p for m, p in review_routes(app) if m == "GET"]
        paths += [p.replace("title_abstract", "full_text") for p in paths if "title_abstract" in p]
        paths += [f"/api/reviews/{REVIEW}/records/r000001?stage=title_abstract",
                  f"/api/reviews/{REVIEW}/next?stage=title_abstract"]  # fmt: skip
        out = {}
        for path in paths:
            response = ben.get(path, follow_redirects=False)
            body = response.content.replace(token.encode(), b"CSRF")
            out[path] = f"{response.status_code} {response.headers.get('location')}".encode() + body
        return out
    finally:
        store.close()


@pytest.mark.parametrize(
    ("b_first", "a_votes"),
    [
        (None, ("include", "exclude")),
        (None, ("include", "maybe")),
        ("include", ("exclude", "maybe")),
    ],
)
def test_b_cannot_learn_a_vote_on_an_unresolved_record(tmp_path, b_first, a_votes):
    first = _b_responses(tmp_path / "one", a_votes[0], b_first=b_first)
    second = _b_responses(tmp_path / "two", a_votes[1], b_first=b_first)
    assert first.keys() == second.keys()
    for path in first:
        assert first[path] == second[path], path
    assert len(first) >= 14
    screen = f"/reviews/{REVIEW}/screen/title_abstract"
    assert first[screen].startswith(b"200 None") and b'id="record"' in first[screen]


def test_the_blinding_comparison_would_see_a_leak(tmp_path):
    """The lead may see a conflict's votes: the same comparison tells the two worlds apart."""
    first = _b_responses(tmp_path / "one", "exclude", b_first="include", viewer=LEAD)
    second = _b_responses(tmp_path / "two", "maybe", b_first="include", viewer=LEAD)
    conflicts = f"/reviews/{REVIEW}/conflicts"
    assert first[conflicts] != second[conflicts]
    assert b"Exclude" in first[conflicts] and b"Maybe" in second[conflicts]
