"""The workbench as a real server process: simultaneous decisions on one record are all
checked against each other, and killing the server loses no decision it acknowledged.

The server is ``evsynth serve --db URL`` in a subprocess on a free port, over a SQLite file
(WAL) or, where EVSYNTH_TEST_POSTGRES_URL is set, a fresh PostgreSQL schema.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from functools import partial
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from evsynth.store import open_store
from tests._databases import BACKENDS, empty_database

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

pytestmark = [pytest.mark.slow]

REVIEW = "durable-review"
PASSWORD = "correct horse battery"
STAGE = "title_abstract"
_SERVE = "from evsynth.cli import main; main()"
_LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty store's URL: a SQLite file, or a fresh PostgreSQL schema (dropped after)."""
    with empty_database(request.param, tmp_path) as url:
        yield url


def _seed(url: str, folder: Path, n_records: int, reviewers: list[str]) -> None:
    lines = []
    for i in range(1, n_records + 1):
        lines += ["TY  - JOUR", f"TI  - Peer support trial number {i}", f"AU  - Author{i}, A.",
                  f"PY  - {1990 + i % 30}", f"DO  - 10.1000/durable.{i}", "ER  - "]  # fmt: skip
    export = folder / "records.ris"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with open_store(url, password_hasher=cheap) as store:
        store.import_records(REVIEW, "MEDLINE", [export])
        for name in reviewers:
            store.add_user(name, PASSWORD)
            store.add_member(REVIEW, name, "reviewer")


class Server:
    """``evsynth serve --db url`` in a subprocess on a free port (log in ``log``)."""

    def __init__(self, url: str, log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-c", _SERVE, "serve", "--db", url, "--port", str(self.port)]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the server stopped at start:\n{self.output()}")
            with suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/login", timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the server did not answer within 60 s:\n{self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, no connection is closed cleanly."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_server(tmp_path: Path):
    started: list[Server] = []

    def start(url: str) -> Server:
        server = Server(url, tmp_path / "server.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class Reviewer:
    """A signed-in reviewer talking to the JSON API (own cookies, own CSRF token)."""

    def __init__(self, base: str, username: str) -> None:
        self.username = username
        self.client = httpx.Client(base_url=base, timeout=60)
        form = self.client.get("/login")
        token = _LOGIN_TOKEN.search(form.text).group(1)
        signed = self.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        )
        assert signed.status_code == 303, (username, signed.status_code, signed.text[:300])
        self.csrf = _META_TOKEN.search(self.client.get("/").text).group(1)

    def vote(self, record: str, decision: str) -> httpx.Response:
        return self.client.post(
            f"/api/reviews/{REVIEW}/votes",
            json={"record": record, "stage": STAGE, "decision": decision},
            headers={"X-CSRF-Token": self.csrf},
        )

    def own_votes(self) -> int:
        answer = self.client.get(f"/api/reviews/{REVIEW}/progress")
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()["stages"][STAGE]["voted"]

    def close(self) -> None:
        self.client.close()


def _at_once(calls) -> list:
    """Run the calls in threads released together; their results (or exceptions), in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as error:  # reported by the caller's assertions
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


CASES = [
    ("r000001", "include", "include", "agreed", "include"),
    ("r000002", "include", "exclude", "conflict", None),
    ("r000003", "exclude", "exclude", "agreed", "exclude"),
    ("r000004", "exclude", "include", "conflict", None),
    ("r000005", "include", "include", "agreed", "include"),
    ("r000006", "exclude", "exclude", "agreed", "exclude"),
]


def test_two_reviewers_deciding_one_record_at_once_are_both_recorded(
    database_url, tmp_path, start_server
):
    _seed(database_url, tmp_path, n_records=len(CASES), reviewers=["ann", "ben"])
    server = start_server(database_url)
    ann, ben = Reviewer(server.base, "ann"), Reviewer(server.base, "ben")
    for record, first, second, _status, _final in CASES:
        answers = _at_once([partial(ann.vote, record, first), partial(ben.vote, record, second)])
        for who, answer in zip(("ann", "ben"), answers, strict=True):
            assert isinstance(answer, httpx.Response), (record, who, answer)
            assert answer.status_code == 201, (record, who, answer.status_code, answer.text)
    ann.close(), ben.close()
    server.stop()

    with open_store(database_url) as store:
        votes = {(e.record_id, e.username): e.decision for e in store.decisions(REVIEW)}
        states = store.screening_states(REVIEW)
    assert len(votes) == 2 * len(CASES)
    for record, first, second, status, final in CASES:
        assert votes[record, "ann"] == first and votes[record, "ben"] == second
        state = states.state(record, STAGE)
        assert (state.status, state.final_decision) == (status, final), record
        assert set(state.votes) == {"ann", "ben"}


def test_three_reviewers_racing_for_two_votes_exactly_two_are_recorded(
    database_url, tmp_path, start_server
):
    """Two votes close a record: of three sent at the same moment, one must be refused,
    and the stored events must still follow the rules."""
    n_records = 8
    _seed(database_url, tmp_path, n_records=n_records, reviewers=["ann", "ben", "cy"])
    server = start_server(database_url)
    team = [Reviewer(server.base, name) for name in ("ann", "ben", "cy")]
    records = [f"r{i:06d}" for i in range(1, n_records + 1)]
    for record in records:
        answers = _at_once([partial(who.vote, record, "include") for who in team])
        codes = sorted(a.status_code if isinstance(a, httpx.Response) else repr(a)
                       for a in answers)  # fmt: skip
        assert codes == [201, 201, 409], (record, codes, server.output()[-1500:])
    for who in team:
        who.close()
    server.stop()

    with open_store(database_url) as store:
        states = store.screening_states(REVIEW)  # raises if a third vote got in
        assert len(store.decisions(REVIEW)) == 2 * n_records
    for record in records:
        state = states.state(record, STAGE)
        assert (state.status, state.final_decision, len(state.votes)) == ("agreed", "include", 2)


def test_killing_the_server_mid_burst_loses_no_acknowledged_vote(
    database_url, tmp_path, start_server
):
    names = ["ann", "ben", "cy", "dee"]
    n_records = 300
    _seed(database_url, tmp_path, n_records=n_records, reviewers=names)
    server = start_server(database_url)
    team = [Reviewer(server.base, name) for name in names]
    acknowledged: list[tuple[str, str, str]] = []  # (username, record, decision)
    unexpected: list[str] = []
    lock = threading.Lock()

    def burst(i: int, who: Reviewer) -> None:
        # each record gets exactly two voters (reviewers i and i+1 of four), so no refusals
        mine = [k for k in range(1, n_records + 1) if (k - i) % len(names) in (0, 1)]
        for k in mine:
            record, decision = f"r{k:06d}", ("include" if k % 3 else "exclude")
            try:
                answer = who.vote(record, decision)
            except httpx.TransportError:
                return  # the server is gone; this vote's fate is unknown
            if 200 <= answer.status_code < 300:
                with lock:
                    acknowledged.append((who.username, record, decision))
            else:
                with lock:
                    unexpected.append(f"{who.username} {record}: {answer.status_code}")

    threads = [threading.Thread(target=burst, args=(i, w)) for i, w in enumerate(team)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    acked_at_kill = len(acknowledged)
    for thread in threads:
        thread.join(timeout=60)
    for who in team:
        who.close()
    assert not unexpected, unexpected[:5]
    assert 40 <= acked_at_kill < n_records * 2, "the kill must land in the middle of the burst"

    if database_url.startswith("sqlite:"):
        database = Path(database_url.removeprefix("sqlite:///"))
        wal = database.with_name(database.name + "-wal")
        assert wal.exists(), "the killed server left no WAL file: nothing to recover"
        import sqlite3

        with sqlite3.connect(database) as connection:  # recovers the WAL
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with open_store(database_url) as store:
        stored = {(e.username, e.record_id, e.decision) for e in store.decisions(REVIEW)}
        store.screening_states(REVIEW)  # the events still follow the rules
    missing = [vote for vote in acknowledged if vote not in stored]
    assert not missing, f"{len(missing)} acknowledged votes lost, e.g. {missing[:3]}"
    assert len(stored) >= len(acknowledged)

    # a new server over the recovered store serves the votes it holds
    server = start_server(database_url)
    for name in names:
        who = Reviewer(server.base, name)
        assert who.own_votes() == sum(1 for vote in stored if vote[0] == name)
        who.close()
