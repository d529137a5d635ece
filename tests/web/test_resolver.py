"""The designated resolver in the workbench: a third reviewer who sees the conflicts they did
not vote on and resolves them; otherwise they screen as a reviewer. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests._databases import BACKENDS, empty_database
from tests.web._seed import ANN, BEN, LEAD, PASSWORD, REVIEW, csrf_of, login, seed_store
from tests.web.test_security import review_routes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CY = "cy"
BASE = f"/reviews/{REVIEW}"
TA = "title_abstract"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty store's URL: a SQLite file, or a fresh PostgreSQL schema (dropped after)."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def team(database_url, tmp_path):
    """The seeded review with CY as its designated resolver, and a signed-in client per name."""
    from evsynth.web import create_app

    store = seed_store(tmp_path, url=database_url)
    store.add_user(CY, PASSWORD)
    store.add_member(REVIEW, CY, "resolver")
    app = create_app(store)
    clients = {}
    for name in (LEAD, ANN, BEN, CY):
        clients[name] = TestClient(app)
        assert login(clients[name], name).status_code == 303
    yield store, clients
    for client in clients.values():
        client.close()
    store.close()


def vote(client, record, decision, stage=TA):
    data = {"record": record, "decision": decision, "csrf_token": csrf_of(client)}
    return client.post(f"{BASE}/screen/{stage}/vote", data=data, follow_redirects=False)


def resolve(client, record, decision, stage=TA):
    return client.post(
        f"{BASE}/conflicts/{stage}/{record}/resolve",
        data={"decision": decision, "note": "third reviewer", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )


def conflict_records(client) -> list[str]:
    page = client.get(f"{BASE}/conflicts")
    assert page.status_code == 200
    return sorted(set(re.findall(r'data-record="(r\d+)"', page.text)))


def test_a_resolver_resolves_the_conflicts_they_did_not_vote_on(team):
    store, c = team
    # r000001: ann and ben disagree; r000002: cy (screening as a reviewer) and ann disagree
    assert vote(c[ANN], "r000001", "include").status_code == 303
    assert vote(c[BEN], "r000001", "exclude").status_code == 303
    assert vote(c[CY], "r000002", "include").status_code == 303
    assert vote(c[ANN], "r000002", "exclude").status_code == 303

    assert conflict_records(c[LEAD]) == ["r000001", "r000002"]
    assert conflict_records(c[CY]) == ["r000001"]  # not the one they voted on
    home = c[CY].get(BASE).text
    assert 'id="conflict-count">1<' in home and 'id="team-progress"' not in home
    assert f'href="{BASE}/conflicts"' in home
    for page in ("agreement", "agreement.csv", "prisma", "studies"):
        assert c[CY].get(f"{BASE}/{page}").status_code == 403, page
    for reviewer in (ANN, BEN):
        assert c[reviewer].get(f"{BASE}/conflicts").status_code == 403
        assert f'href="{BASE}/conflicts"' not in c[reviewer].get(BASE).text

    refused = resolve(c[CY], "r000002", "include")
    assert refused.status_code == 409
    assert "a resolver may not resolve a record they voted on" in refused.text
    assert resolve(c[BEN], "r000001", "include").status_code == 403
    assert resolve(c[CY], "r000001", "include").status_code == 303
    state = store.record_state(REVIEW, "r000001", TA)
    assert (state.status, state.final_decision, state.resolved_by) == ("resolved", "include", CY)
    assert state.resolution.note == "third reviewer"
    assert resolve(c[CY], "r000001", "exclude").status_code == 409  # resolved already

    assert conflict_records(c[CY]) == []
    assert 'id="no-conflicts"' in c[CY].get(f"{BASE}/conflicts").text
    assert conflict_records(c[LEAD]) == ["r000002"]
    assert resolve(c[LEAD], "r000002", "exclude").status_code == 303
    kinds = [(e.username, e.kind) for e in store.decisions(REVIEW) if e.kind == "resolution"]
    assert kinds == [(CY, "resolution"), (LEAD, "resolution")]


def test_a_resolver_screens_as_a_reviewer_and_sees_no_undecided_vote(team):
    store, c = team
    assert vote(c[ANN], "r000001", "exclude").status_code == 303
    page = c[CY].get(f"{BASE}/screen/{TA}").text
    assert 'data-record="r000001"' in page and 'id="vote-form"' in page
    view = c[CY].get(f"/api/reviews/{REVIEW}/records/r000001?stage={TA}").json()["view"]
    assert view["status"] == "to_do" and view["votes"] == [] and view["can_vote"]
    progress = c[CY].get(f"/api/reviews/{REVIEW}/progress").json()
    assert progress["role"] == "resolver"
    assert progress["reviewers"] == [] and progress["status_counts"] == []
    assert progress["stages"][TA] == {"voted": 0, "to_do": 6}
    assert vote(c[CY], "r000001", "maybe").status_code == 303
    own = c[CY].get(f"/api/reviews/{REVIEW}/records/r000001?stage={TA}").json()["view"]
    assert own["status"] == "voted" and own["votes"] == [] and not own["can_resolve"]
    assert [e.username for e in store.decisions(REVIEW)] == [ANN, CY]


def _resolver_sees(tmp_path, ann_decision: str) -> dict[str, bytes]:
    """Every GET answer CY (the resolver) gets after voting include on r000001, where ANN then
    voted ``ann_decision``: each body with CY's CSRF token masked, after the status."""
    from evsynth.web import create_app

    tmp_path.mkdir()
    store = seed_store(tmp_path)
    try:
        store.add_user(CY, PASSWORD)
        store.add_member(REVIEW, CY, "resolver")
        app = create_app(store)
        cy, ann = TestClient(app), TestClient(app)
        login(cy, CY), login(ann, ANN)
        assert vote(cy, "r000001", "include").status_code == 303
        assert vote(ann, "r000001", ann_decision).status_code == 303
        token = csrf_of(cy)
        paths = ["/"] + [p for m, p in review_routes(app) if m == "GET"]
        paths += [p.replace(TA, "full_text") for p in paths if TA in p]
        paths += [f"/api/reviews/{REVIEW}/records/r000001?stage={TA}",
                  f"/api/reviews/{REVIEW}/next?stage={TA}"]  # fmt: skip
        out = {}
        for path in paths:
            response = cy.get(path, follow_redirects=False)
            out[path] = f"{response.status_code}".encode() + response.content.replace(
                token.encode(), b"CSRF"
            )
        return out
    finally:
        store.close()


def test_a_resolver_who_voted_cannot_learn_the_other_vote(tmp_path):
    agreed = _resolver_sees(tmp_path / "one", "include")  # closes as agreed: final, shown
    conflict = _resolver_sees(tmp_path / "two", "exclude")
    maybe = _resolver_sees(tmp_path / "three", "maybe")
    assert conflict.keys() == maybe.keys() and len(conflict) >= 14
    for path in conflict:
        assert conflict[path] == maybe[path], path
    conflicts = f"{BASE}/conflicts"
    assert conflict[conflicts].startswith(b"200") and b'id="no-conflicts"' in conflict[conflicts]
    assert agreed != conflict  # an agreed record is final: its outcome is shown to a voter
