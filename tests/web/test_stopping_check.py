"""The stopping check in the workbench: starting and ending it, the random order, the numbers
shown (those of recall_test and records_until_stop on the reviewer's own labels), blinding,
CSRF and access."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evsynth.screening import recall_test, records_until_stop
from evsynth.web import create_app
from evsynth.web._steps import stopping_check_order
from tests.web._seed import ANN, BEN, LEAD, NORA, REVIEW, csrf_of, login, seed_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

N_RECORDS = 40
BASE = f"/reviews/{REVIEW}"
TA, FT = "title_abstract", "full_text"
_RECORD = re.compile(r'name="record" value="(r\d+)"')
_PROGRESS = re.compile(r"You have voted on (\d+); (\d+) to screen\.")
_STATUS = re.compile(r'<div class="stopping-status" id="stopping-status">.*?</div>', re.S)
_NOT_YET = re.compile(r"not yet: after <strong>(\d+)</strong> more records in random order")
_IF_NOW = re.compile(r"If you now screen <strong>(\d+) records?</strong> in random order")


@pytest.fixture
def store(tmp_path):
    opened = seed_store(tmp_path, n_records=N_RECORDS)
    yield opened
    opened.close()


def start(client, stage=TA, token=None):
    token = csrf_of(client) if token is None else token
    return client.post(
        f"{BASE}/screen/{stage}/stopping-check", data={"csrf_token": token}, follow_redirects=False
    )


def end(client, stage=TA):
    return client.post(
        f"{BASE}/screen/{stage}/stopping-check/end",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )


def shown(client, stage=TA) -> str | None:
    """The record the screening page offers to vote on."""
    found = _RECORD.search(client.get(f"{BASE}/screen/{stage}").text)
    return found.group(1) if found else None


def vote(client, record, decision, stage=TA):
    data = {"record": record, "decision": decision, "csrf_token": csrf_of(client)}
    response = client.post(f"{BASE}/screen/{stage}/vote", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def status(client, stage=TA) -> tuple[bool, int, int, int]:
    """(reached, records to go, voted, to screen) as the screening page shows them."""
    page = client.get(f"{BASE}/screen/{stage}").text
    voted, to_do = map(int, _PROGRESS.search(page).groups())
    line = _STATUS.search(page).group(0)
    if "confidence: <strong>reached</strong>" in line:
        return True, 0, voted, to_do
    return False, int(_NOT_YET.search(line).group(1)), voted, to_do


def test_a_check_turns_the_queue_random_and_stable_and_ending_it_turns_it_back(client_for, store):
    ann = client_for(ANN)
    assert shown(ann) == "r000001"  # record order before (a small review: no spread)
    for record in ("r000001", "r000002", "r000003"):
        vote(ann, record, "exclude")
    response = start(ann)
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/screen/{TA}"
    check = store.stopping_check(REVIEW, ANN, TA)
    assert check is not None and check.started_after_votes == 3
    order = [r for r in stopping_check_order(check, N_RECORDS) if r > "r000003"]
    first = shown(ann)
    assert first == order[0]
    assert shown(ann) == first  # the same on every request
    api = ann.get(f"/api/reviews/{REVIEW}/next?stage={TA}").json()
    assert api["record"]["id"] == first  # and through the JSON endpoint
    other_server = TestClient(create_app(store))  # another app over the same store
    login(other_server, ANN)
    assert shown(other_server) == first
    seen = []
    for _ in range(8):
        seen.append(shown(ann))
        vote(ann, seen[-1], "exclude")
    assert seen == order[:8]
    assert seen != sorted(seen)
    assert start(ann).status_code == 303  # a second click: the same check goes on
    assert store.stopping_check(REVIEW, ANN, TA) == check

    assert end(ann).status_code == 303
    assert store.stopping_check(REVIEW, ANN, TA) is None
    assert shown(ann) == "r000004"  # back in record order
    assert end(ann).status_code == 303  # nothing to end: nothing changes
    assert start(ann).status_code == 303
    again = store.stopping_check(REVIEW, ANN, TA)
    assert again.id != check.id and again.started_after_votes == 11
    left = [r for r in stopping_check_order(again, N_RECORDS) if r > "r000003" and r not in seen]
    assert shown(ann) == left[0]
    assert list(stopping_check_order(again, N_RECORDS)) != list(order)


def test_the_order_is_the_same_in_another_process(store):
    check = store.start_stopping_check(REVIEW, ANN, TA)
    here = list(stopping_check_order(check, N_RECORDS))
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from evsynth.store import StoppingCheck\n"
        "from evsynth.web._steps import stopping_check_order\n"
        f"check = StoppingCheck({check.id}, {REVIEW!r}, {ANN!r}, {TA!r}, 0, "
        "datetime.now(UTC), None)\n"
        f"print(' '.join(stopping_check_order(check, {N_RECORDS})))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == here


def test_the_numbers_are_those_of_the_test_on_the_reviewers_own_labels(client_for, store):
    ann = client_for(ANN)
    labels = []
    for record, decision in (("r000001", "include"), ("r000002", "maybe"), ("r000003", "exclude")):
        vote(ann, record, decision)
        labels.append(int(decision != "exclude"))
    home = ann.get(BASE).text
    n = len(labels) + (N_RECORDS - 3)
    expected = records_until_stop(labels, n, sample_start=len(labels))
    assert int(_IF_NOW.search(home).group(1)) == expected
    assert "Start a stopping check" in home

    start(ann)
    sample_start = len(labels)
    decisions = ["exclude", "include"] + ["exclude"] * 60
    reached_at = None
    for decision in decisions:
        reached, to_go, voted, to_do = status(ann)
        assert voted == len(labels)
        n = voted + to_do
        result = recall_test(labels, n, sample_start=sample_start)
        assert reached == result.stop
        assert to_go == (0 if result.stop else records_until_stop(labels, n, sample_start=3))
        if reached:
            reached_at = len(labels)
            break
        vote(ann, shown(ann), decision)
        labels.append(int(decision == "include"))
    assert reached_at is not None  # a small review: nearly every record is needed
    home = ann.get(BASE).text
    assert "confidence: <strong>reached</strong>" in home
    assert "End the stopping check" in home


def test_a_check_at_full_text(client_for, store):
    ann, ben = client_for(ANN), client_for(BEN)
    for record in ("r000001", "r000002", "r000003", "r000004"):
        vote(ann, record, "include")
        vote(ben, record, "include")
    assert start(ann, FT).status_code == 303
    assert store.stopping_check(REVIEW, ANN, FT).started_after_votes == 0
    assert store.stopping_check(REVIEW, ANN, TA) is None
    reached, to_go, voted, to_do = status(ann, FT)
    assert (voted, to_do) == (0, 4)
    assert (reached, to_go) == (False, records_until_stop([], 4, sample_start=0))
    record = shown(ann, FT)
    order = stopping_check_order(store.stopping_check(REVIEW, ANN, FT), N_RECORDS)
    assert record == next(r for r in order if r <= "r000004")
    data = {"record": record, "decision": "not_retrieved", "csrf_token": csrf_of(ann)}
    ann.post(f"{BASE}/screen/{FT}/vote", data=data)
    reached, to_go, voted, to_do = status(ann, FT)
    assert (voted, to_do) == (1, 3)
    assert reached == recall_test([0], 4, sample_start=0).stop


def _ann_sees(folder: Path, ben_decision: str | None) -> dict[str, str]:
    """What ANN is shown of her stopping check after BEN, running a check of his own, voted
    ``ben_decision`` on every record ANN has not voted on yet (None: BEN does not vote)."""
    folder.mkdir()
    store = seed_store(folder, n_records=N_RECORDS)
    try:
        app = create_app(store)
        ann, ben = TestClient(app), TestClient(app)
        login(ann, ANN), login(ben, BEN)
        for record, decision in (("r000001", "include"), ("r000002", "exclude")):
            vote(ann, record, decision)
        start(ben)  # in every world, so that ANN's check has the same id (and order)
        if ben_decision is not None:
            for number in range(3, N_RECORDS + 1):
                vote(ben, f"r{number:06d}", ben_decision)
        out = {"home": _stopping_panel(ann.get(BASE).text)}
        start(ann)
        for step in range(6):
            record = shown(ann)
            out[f"record {step}"] = record
            out[f"status {step}"] = _STATUS.search(ann.get(f"{BASE}/screen/{TA}").text).group(0)
            vote(ann, record, "include" if step == 2 else "exclude")
        out["home after"] = _stopping_panel(ann.get(BASE).text)
        token = csrf_of(ann)
        return {key: value.replace(token, "CSRF") for key, value in out.items()}
    finally:
        store.close()


def _stopping_panel(page: str) -> str:
    """The home page's stopping panel at title/abstract (at full text, the records open to
    ANN are those whose title/abstract decision is final, which she may see)."""
    found = re.search(r'<div class="stopping" id="stopping-title_abstract">.*?</div>', page, re.S)
    return found.group(0)


def test_another_reviewers_votes_never_change_a_reviewers_numbers(tmp_path):
    alone = _ann_sees(tmp_path / "alone", None)
    includes = _ann_sees(tmp_path / "includes", "include")
    excludes = _ann_sees(tmp_path / "excludes", "exclude")
    assert alone == includes == excludes
    assert "not yet: after" in alone["status 0"]


def test_the_check_needs_the_csrf_token(client_for, store):
    ann, ben = client_for(ANN), client_for(BEN)
    for token in ("", "not-the-token", csrf_of(ben)):
        assert start(ann, token=token).status_code == 403
    assert store.stopping_check(REVIEW, ANN, TA) is None
    start(ann)
    response = ann.post(f"{BASE}/screen/{TA}/stopping-check/end", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert store.stopping_check(REVIEW, ANN, TA) is not None


def test_a_non_member_gets_404_and_changes_nothing(client_for, store):
    nora = client_for(NORA)
    token = csrf_of(nora)
    for path in (f"{BASE}/screen/{TA}/stopping-check", f"{BASE}/screen/{TA}/stopping-check/end"):
        assert nora.post(path, data={"csrf_token": token}).status_code == 404
    for name in (ANN, BEN, LEAD):
        assert store.stopping_check(REVIEW, name, TA) is None
    lead = client_for(LEAD)
    assert start(lead, "abstracts").status_code == 404  # no such stage
    assert start(lead).status_code == 303  # the lead screens too
    assert store.stopping_check(REVIEW, LEAD, TA) is not None
