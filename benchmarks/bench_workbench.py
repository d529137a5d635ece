"""The screening workbench under load: reviewers recording decisions at the same time.

A store is seeded with one review of ``--records`` records and ``--reviewers`` reviewers
(members, two votes required per record), ``evsynth serve --db URL`` runs in its own process
on a free port, and one client thread per reviewer (httpx, its own session) signs in and then
repeats the screening step "record a decision and fetch the next record": POST
``/api/reviews/{review}/votes`` on the record it was given, then GET
``/api/reviews/{review}/next``. Each reviewer stops after ``--iterations`` steps, when the
time limit ``--seconds`` has passed, or when no record is left for them. The latency of the
pair (POST sent to GET answered) is measured in the client; p50 and p99 are nearest-rank
percentiles over every pair of every reviewer.

A vote refused with 409 is counted apart, not as an error: a reviewer who was given a record
that others closed in the meantime is told so (the client then fetches the next record).
Since GET next spreads reviewers (each starts at a block of records chosen by their name,
``Store.next_record(..., spread=True)``), this is rare; before, every reviewer started at the
same first open record and most votes were refused. Errors are
every other non-2xx answer and every failed request. After the server has stopped, the
store is opened again and checked: it must hold exactly the votes the server acknowledged
(201), and its events must still follow the screening rules.

Run::

    .venv/bin/python benchmarks/bench_workbench.py                    # SQLite and PostgreSQL
    .venv/bin/python benchmarks/bench_workbench.py --backend sqlite
    .venv/bin/python benchmarks/bench_workbench.py --quick            # seconds; a smoke test
    .venv/bin/python benchmarks/bench_workbench.py --backend sqlite --py-spy /path/to/py-spy

PostgreSQL: ``--postgres-url``, else ``EVSYNTH_TEST_POSTGRES_URL``, else a throwaway server
from ``tools/test-postgres.sh`` (stopped afterwards); the benchmark works in a schema of its
own, dropped afterwards. ``--py-spy`` samples the server process while the clients run and
prints where its time goes (inclusive samples per evsynth function).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from evsynth.store import StoreError, open_store

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "bench-review"
PASSWORD = "correct horse battery staple"
STAGE = "title_abstract"
_LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
_SERVE = "from evsynth.cli import main; main()"


# --- the seeded store ---------------------------------------------------------------------


def write_ris(path: Path, n_records: int) -> Path:
    """``n_records`` synthetic journal articles as one RIS export (distinct titles and DOIs)."""
    topics = ("peer support", "exercise", "yoga", "telephone coaching", "mindfulness")
    pains = ("chronic low back pain", "knee osteoarthritis", "neck pain", "fibromyalgia")
    lines = []
    for i in range(1, n_records + 1):
        topic, pain = topics[i % len(topics)], pains[(i // len(topics)) % len(pains)]
        title = f"{topic.capitalize()} for {pain}: randomised trial {i}"
        lines += [
            "TY  - JOUR",
            f"TI  - {title}",
            f"AU  - Author{i}, A.",
            "AU  - Second, B.",
            f"PY  - {1990 + i % 35}",
            "JO  - Journal of Pain Studies",
            f"AB  - Background: {title.lower()}. Methods: adults were randomised to {topic} "
            f"or usual care. Results: pain changed by {i % 17} points on a 100-point scale.",
            f"DO  - 10.1000/bench.{i}",
            "ER  - ",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seed(
    url: str, folder: Path, n_records: int, n_reviewers: int, closed_share: float = 0.0
) -> list[str]:
    """Import the records into review REVIEW and add the reviewers; returns their names.

    With ``closed_share``, that share of the records (spread evenly over the review) was
    already screened by two earlier reviewers, one include in ten: the late stage of a review,
    planted through the decisions import (as a screening update would be)."""
    export = write_ris(folder / "records.ris", n_records)
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # rehashed at login
    names = [f"reviewer{i:02d}" for i in range(1, n_reviewers + 1)]
    with open_store(url, password_hasher=cheap) as store:
        store.import_records(REVIEW, "MEDLINE", [export])
        for name in names:
            store.add_user(name, PASSWORD)
            store.add_member(REVIEW, name, "reviewer")
        n_closed = round(closed_share * n_records)
        if n_closed:
            store.add_user("bench-lead", PASSWORD)
            store.add_member(REVIEW, "bench-lead", "lead")
            earlier = ("earlier1", "earlier2")
            for name in earlier:
                store.add_user(name, PASSWORD)
                store.add_member(REVIEW, name, "reviewer")
            step = n_records / n_closed
            rows = ["at,username,record,stage,kind,decision,reason,note"]
            for k in range(n_closed):
                record = f"r{int(k * step) + 1:06d}"
                decision = "include" if k % 10 == 0 else "exclude"
                for name in earlier:
                    rows.append(f"2026-01-01T00:00:00,{name},{record},{STAGE},vote,{decision},,")
            planted = folder / "earlier-decisions.csv"
            planted.write_text("\n".join(rows) + "\n", encoding="utf-8")
            store.import_decisions_csv(REVIEW, planted, as_user="bench-lead")
    return names


# --- the server process -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(
    url: str, log: Path, *, startup_s: float = 60, prioritise: bool = False
) -> Iterator[tuple[str, int]]:
    """``evsynth serve --db url`` on a free port: yields (base URL, process id)."""
    port = free_port()
    command = [sys.executable, "-c", _SERVE, "serve", "--db", url, "--port", str(port)]
    command.append("--prioritise" if prioritise else "--no-prioritise")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped at start:\n{_tail(log)}")
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in {startup_s} s:\n{_tail(log)}")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _tail(log: Path, n: int = 3000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-n:]


# --- PostgreSQL ---------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_schema(given: str | None) -> Iterator[tuple[str, str]]:
    """A database URL whose search path is a fresh schema (dropped afterwards), and the
    server's version; starts tools/test-postgres.sh when no URL is given."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    started = False
    base = given or os.environ.get("EVSYNTH_TEST_POSTGRES_URL")
    if not base:
        script = ROOT / "tools" / "test-postgres.sh"
        found = subprocess.run([script], capture_output=True, text=True, check=False)
        if found.returncode != 0:
            raise RuntimeError(f"no PostgreSQL: {script} said {found.stderr.strip()!r}")
        base, started = found.stdout.strip(), True
    schema = f"evsynth_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"))
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            version = connection.exec_driver_sql("SHOW server_version").scalar()
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False), f"PostgreSQL {version}"
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()
        if started:
            subprocess.run([ROOT / "tools" / "test-postgres.sh", "stop"], check=False)


# --- the clients --------------------------------------------------------------------------


@dataclass
class ReviewerLog:
    """What one client thread saw."""

    username: str
    pairs_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (record, decision)
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    ran_out: bool = False


def sign_in(client: httpx.Client, username: str) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    form = client.get("/login")
    token = _LOGIN_TOKEN.search(form.text).group(1)
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
    return _META_TOKEN.search(client.get("/").text).group(1)


def reviewer(
    base: str,
    log: ReviewerLog,
    iterations: int,
    deadline: list[float],
    ready: threading.Barrier,
    seed_value: int,
    think_ms: float = 0.0,
) -> None:
    """Sign in, fetch the first record, wait for the others, then vote-and-fetch; with
    ``think_ms``, pause before each vote for an exponential time of that mean (reading)."""
    choose = random.Random(seed_value)
    api = f"/api/reviews/{REVIEW}"
    with httpx.Client(base_url=base, timeout=300) as client:
        csrf = sign_in(client, log.username)
        record = client.get(f"{api}/next", params={"stage": STAGE}).json()["record"]
        ready.wait()
        for _ in range(iterations):
            if record is None:
                log.ran_out = True
                break
            if think_ms > 0:
                time.sleep(choose.expovariate(1000.0 / think_ms))
            if time.perf_counter() > deadline[0]:
                break
            decision = "include" if choose.random() < 0.3 else "exclude"
            body = {"record": record["id"], "stage": STAGE, "decision": decision}
            try:
                start = time.perf_counter()
                voted = client.post(f"{api}/votes", json=body, headers={"X-CSRF-Token": csrf})
                middle = time.perf_counter()
                fetched = client.get(f"{api}/next", params={"stage": STAGE})
                end = time.perf_counter()
            except httpx.HTTPError as error:
                log.errors.append(f"{type(error).__name__}: {error}")
                break
            if voted.status_code == 201:
                log.acknowledged.append((record["id"], decision))
            elif voted.status_code == 409:
                log.refused += 1
            else:
                log.errors.append(f"POST votes {voted.status_code}: {voted.text[:200]}")
            if fetched.status_code != 200:
                log.errors.append(f"GET next {fetched.status_code}: {fetched.text[:200]}")
                break
            log.pairs_ms.append((end - start) * 1e3)
            log.post_ms.append((middle - start) * 1e3)
            log.get_ms.append((end - middle) * 1e3)
            record = fetched.json()["record"]


# --- one run ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class RunResult:
    backend: str
    database: str
    think_ms: float
    closed_share: float
    records: int
    reviewers: int
    iterations: int
    seconds_limit: float
    seed_s: float
    wall_s: float
    pairs: int
    refused: int
    errors: int
    reviewers_out_of_records: int
    pair_p50_ms: float
    pair_p99_ms: float
    pair_max_ms: float
    post_p50_ms: float
    post_p99_ms: float
    get_p50_ms: float
    get_p99_ms: float
    pairs_per_s: float
    acknowledged_votes: int
    stored_votes: int
    store_check: str
    first_errors: list[str]
    profile: list[tuple[str, float]] | None = None


def run_backend(
    backend: str, url: str, database: str, args: argparse.Namespace, work: Path, think_ms: float
) -> RunResult:
    started = time.perf_counter()
    names = seed(url, work, args.records, args.reviewers, args.closed_share)
    seed_s = time.perf_counter() - started
    logs = [ReviewerLog(name) for name in names]
    deadline = [math.inf]
    ready = threading.Barrier(len(names) + 1)
    sampler = None
    with serve(url, work / f"server-{backend}.log", prioritise=args.prioritise) as (base, pid):
        threads = [
            threading.Thread(
                target=_guarded,
                args=(
                    log,
                    ready,
                    base,
                    log,
                    args.iterations,
                    deadline,
                    ready,
                    20261201 + i,
                    think_ms,
                ),
                daemon=True,
            )
            for i, log in enumerate(logs)
        ]
        for thread in threads:
            thread.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait(timeout=300)
        if args.py_spy:
            sampler = _start_py_spy(args.py_spy, pid, work / f"py-spy-{backend}.txt")
        began = time.perf_counter()
        deadline[0] = began + args.seconds
        for thread in threads:
            thread.join()
        wall_s = time.perf_counter() - began
        profile = _stop_py_spy(sampler) if sampler is not None else None
    acknowledged = sum(len(log.acknowledged) for log in logs)
    stored, check = _check_store(url, logs)
    pairs = [ms for log in logs for ms in log.pairs_ms]
    posts = [ms for log in logs for ms in log.post_ms]
    gets = [ms for log in logs for ms in log.get_ms]
    errors = [message for log in logs for message in log.errors]
    return RunResult(
        backend=backend,
        database=database,
        think_ms=think_ms,
        closed_share=args.closed_share,
        records=args.records,
        reviewers=args.reviewers,
        iterations=args.iterations,
        seconds_limit=args.seconds,
        seed_s=round(seed_s, 2),
        wall_s=round(wall_s, 2),
        pairs=len(pairs),
        refused=sum(log.refused for log in logs),
        errors=len(errors),
        reviewers_out_of_records=sum(log.ran_out for log in logs),
        pair_p50_ms=round(percentile(pairs, 50), 1),
        pair_p99_ms=round(percentile(pairs, 99), 1),
        pair_max_ms=round(max(pairs, default=math.nan), 1),
        post_p50_ms=round(percentile(posts, 50), 1),
        post_p99_ms=round(percentile(posts, 99), 1),
        get_p50_ms=round(percentile(gets, 50), 1),
        get_p99_ms=round(percentile(gets, 99), 1),
        pairs_per_s=round(len(pairs) / wall_s, 2) if wall_s > 0 else math.nan,
        acknowledged_votes=acknowledged,
        stored_votes=stored,
        store_check=check,
        first_errors=errors[:5],
        profile=profile,
    )


def _guarded(log: ReviewerLog, ready: threading.Barrier, *args) -> None:
    try:
        reviewer(*args)
    except Exception as error:  # a client that failed to start counts as an error, and
        log.errors.append(f"{type(error).__name__}: {error}")  # the others stop waiting
        ready.abort()


def _check_store(url: str, logs: list[ReviewerLog]) -> tuple[int, str]:
    """The votes in the store, and whether they are exactly the acknowledged ones."""
    with open_store(url) as store:
        reviewers = {log.username for log in logs}  # not the earlier, planted votes
        stored = Counter(
            (e.username, e.record_id, e.decision)
            for e in store.decisions(REVIEW)
            if e.kind == "vote" and e.username in reviewers
        )
        try:
            store.screening_states(REVIEW)
            rules = "events follow the rules"
        except StoreError as error:
            rules = f"EVENTS BREAK THE RULES: {error}"
    acked = Counter((log.username, r, d) for log in logs for r, d in log.acknowledged)
    missing = sum((acked - stored).values())
    extra = sum((stored - acked).values())
    if missing:
        verdict = f"{missing} ACKNOWLEDGED VOTES MISSING"
    elif extra:
        verdict = f"all acknowledged votes stored, {extra} more (answers lost)"
    else:
        verdict = "stored = acknowledged"
    return sum(stored.values()), f"{verdict}; {rules}"


# --- profiling ----------------------------------------------------------------------------


def _start_py_spy(py_spy: str, pid: int, out: Path):
    command = [py_spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw"]
    command += ["--output", str(out), "--nonblocking"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, out


def _stop_py_spy(sampler) -> list[tuple[str, float]]:
    """Stop py-spy (SIGINT writes its file) and sum its samples by evsynth function."""
    process, out = sampler
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    if not out.exists():
        return [("py-spy wrote nothing: " + process.stderr.read().decode()[-300:], 0.0)]
    return summarise_stacks(out.read_text(encoding="utf-8", errors="replace"))


def summarise_stacks(collapsed: str, top: int = 25) -> list[tuple[str, float]]:
    """Share of samples (%) in which each function is on the stack (inclusive), for
    evsynth's functions and the SQL driver and SQLAlchemy's result handling, from
    py-spy's collapsed stacks (``frame;frame;... count`` per line)."""
    total, inclusive = 0, Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        seen = set()
        for frame in stack.split(";"):
            name = _frame_name(frame)
            if name is not None and name not in seen:
                seen.add(name)
                inclusive[name] += int(count)
    if total == 0:
        return []
    return [(name, round(100 * n / total, 1)) for name, n in inclusive.most_common(top)]


def _frame_name(frame: str) -> str | None:
    """``function (path/module.py:line)`` -> ``module.function`` for the frames kept."""
    match = re.match(r"\s*(.+?) \((.+?)(?::\d+)?\)\s*$", frame)
    if match is None:
        return None
    function, path = match.groups()
    for marker in ("evsynth/", "sqlalchemy/engine/", "sqlalchemy/orm/", "starlette/", "json/"):
        if marker in path:
            module = path.split(marker, 1)[1].removesuffix(".py").replace("/", ".")
            return f"{marker.rstrip('/').replace('/', '.')}.{module}.{function}"
    return None


# --- report -------------------------------------------------------------------------------


def machine() -> dict:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    versions = {}
    for name in ("fastapi", "uvicorn", "starlette", "sqlalchemy", "psycopg", "httpx"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[name] = version(name)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "versions": versions,
        "git": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def table(results: list[RunResult]) -> str:
    rows = [
        ("database", lambda r: r.database),
        ("records already screened by others", lambda r: f"{r.closed_share:.0%}"),
        ("pause before each vote (mean)", lambda r: (
            f"{r.think_ms:g} ms (exponential)" if r.think_ms else "none (flat out)")),
        ("records / reviewers / steps each (limit)", lambda r: (
            f"{r.records:,} / {r.reviewers} / {r.iterations} ({r.seconds_limit:g} s)")),
        ("pairs measured (wall time)", lambda r: f"{r.pairs:,} ({r.wall_s:.1f} s)"),
        ("pair POST vote + GET next: p50", lambda r: f"{r.pair_p50_ms:,.1f} ms"),
        ("pair: p99 (max)", lambda r: f"{r.pair_p99_ms:,.1f} ms ({r.pair_max_ms:,.1f} ms)"),
        ("POST vote alone: p50 / p99", lambda r: f"{r.post_p50_ms:,.1f} / {r.post_p99_ms:,.1f} ms"),
        ("GET next alone: p50 / p99", lambda r: f"{r.get_p50_ms:,.1f} / {r.get_p99_ms:,.1f} ms"),
        ("throughput", lambda r: f"{r.pairs_per_s:,.2f} pairs/s"),
        ("votes refused 409 (record closed by others)", lambda r: f"{r.refused:,}"),
        ("errors", lambda r: f"{r.errors}"),
        ("reviewers with no record left", lambda r: f"{r.reviewers_out_of_records}"),
        ("votes acknowledged / in the store", lambda r: (
            f"{r.acknowledged_votes:,} / {r.stored_votes:,}")),
        ("store check", lambda r: r.store_check),
        ("p99 <= 100 ms", lambda r: "yes" if r.pair_p99_ms <= 100 else "**no**"),
        ("seeding the store", lambda r: f"{r.seed_s:.1f} s"),
    ]  # fmt: skip
    heads = [
        f"{r.backend}, {'flat out' if not r.think_ms else f'{r.think_ms:g} ms'}" for r in results
    ]
    lines = ["| figure | " + " | ".join(heads) + " |"]
    lines.append("|---|" + "---|" * len(results))
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


def run_one(backend: str, args: argparse.Namespace, think_ms: float) -> RunResult:
    """One run on a freshly seeded store."""
    with tempfile.TemporaryDirectory(prefix=f"evsynth-bench-{backend}-") as folder:
        work = Path(folder)
        if backend == "sqlite":
            import sqlite3

            url = f"sqlite:///{work / 'evsynth.db'}"
            database = f"SQLite {sqlite3.sqlite_version} (WAL)"
            return run_backend(backend, url, database, args, work, think_ms)
        with postgres_schema(args.postgres_url) as (url, database):
            return run_backend(backend, url, database, args, work, think_ms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--reviewers", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=200, help="steps per reviewer")
    parser.add_argument("--seconds", type=float, default=60, help="time limit of the load")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--quick", action="store_true", help="small sizes, SQLite only")
    parser.add_argument("--py-spy", default=None, metavar="PATH", help="profile the server")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--prioritise", action=argparse.BooleanOptionalAction, default=True,
        help="serve with prioritised queues (evsynth serve's default; --no-prioritise: "
        "record order, the default before 2026-12-01 04:10 UTC)",
    )  # fmt: skip
    parser.add_argument(
        "--closed-share", type=float, default=0.0, metavar="SHARE",
        help="share of the records already screened by two earlier reviewers (a late stage)",
    )  # fmt: skip
    parser.add_argument(
        "--think-ms", type=float, nargs="+", default=[0.0, 1000.0], metavar="MS",
        help="mean pause before each vote, one run per value (0: flat out); default 0 1000",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.reviewers, args.iterations, args.seconds = 200, 3, 5, 20
        args.backend, args.think_ms = "sqlite", [0.0]
    for name in ("records", "reviewers", "iterations"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 0 <= args.closed_share < 1:
        parser.error("--closed-share must be at least 0 and below 1")
    if any(value < 0 for value in args.think_ms):
        parser.error("--think-ms must not be negative")
    if args.py_spy and not shutil.which(args.py_spy):
        parser.error(f"--py-spy: {args.py_spy} is not an executable")

    about = machine()
    print(f"{about['date']}; {about['cpus']} CPUs ({about['cpu_model']}); load average "
          f"{about['load_average'][0]:.2f}; Python {about['python']}; "
          f"git {about['git']}")  # fmt: skip
    results = []
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        for think_ms in args.think_ms:
            result = run_one(backend, args, think_ms)
            results.append(result)
            print(f"{backend}, pause {think_ms:g} ms: {result.pairs} pairs, "
                  f"p50 {result.pair_p50_ms} ms, p99 {result.pair_p99_ms} ms, "
                  f"{result.errors} errors", flush=True)  # fmt: skip
    about["load_average_after"] = os.getloadavg()
    print()
    print(table(results))
    for result in results:
        for message in result.first_errors:
            print(f"{result.backend} error: {message}")
        if result.profile:
            print(f"\n{result.backend} server profile (py-spy, % of samples, inclusive):")
            for name, share in result.profile:
                print(f"  {share:5.1f}%  {name}")
    if args.json is not None:
        payload = {"machine": about, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    broken = any(
        r.errors or "MISSING" in r.store_check or "BREAK" in r.store_check for r in results
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
