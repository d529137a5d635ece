"""Store fixtures: every store test runs on SQLite (a file in tmp_path) and on PostgreSQL (a
fresh schema per test in the database named by EVSYNTH_TEST_POSTGRES_URL, dropped after)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from evsynth.store import open_store
from tests._databases import BACKENDS, POSTGRES_URL, SKIP_POSTGRES, empty_database


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    return request.param


@pytest.fixture
def store_url(backend: str, tmp_path: Path):
    """A database URL for an empty store: SQLite file, or a fresh PostgreSQL schema."""
    with empty_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def fast_hasher(time_cost: int = 1) -> PasswordHasher:
    """argon2id with tiny costs, so that tests hash quickly (never for real passwords)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=8, parallelism=1)


class Clock:
    """A clock the test moves on by hand (timezone-aware UTC)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def team_store(store_url, clock):
    """A store on the test clock with a fast password hasher."""
    with open_store(store_url, clock=clock, password_hasher=fast_hasher()) as opened:
        yield opened


def ris_text(*records: dict) -> str:
    """RIS text for records given as tag -> value (a list for repeated tags)."""
    lines = []
    for record in records:
        lines.append(f"TY  - {record.get('TY', 'JOUR')}")
        for tag, value in record.items():
            if tag == "TY":
                continue
            for item in value if isinstance(value, list) else [value]:
                lines.append(f"{tag}  - {item}")
        lines.extend(["ER  - ", ""])
    return "\n".join(lines)


def write_ris(path: Path, *records: dict) -> Path:
    path.write_text(ris_text(*records), encoding="utf-8")
    return path


# Two automatic duplicate pairs (same DOI; same citation), one uncertain pair, two uniques.
TRIAL = {
    "TI": "Peer support for chronic low back pain: a randomised controlled trial",
    "AU": ["Smith, John A", "Jones, Beth"],
    "PY": "2019",
    "JO": "Journal of Pain Research",
    "VL": "12",
    "IS": "3",
    "SP": "123",
    "EP": "131",
    "DO": "10.1000/jpr.2019.123",
}
COHORT = {
    "TI": "Lay health workers and knee osteoarthritis pain in older adults",
    "AU": ["Garcia, Maria", "Chen, Li"],
    "PY": "2020",
    "JO": "Arthritis Care and Research",
    "VL": "72",
    "SP": "455",
    "EP": "462",
}
SIMILAR = {
    "TI": "Group exercise and peer mentoring for fibromyalgia: a pilot study of feasibility",
    "AU": ["Okafor, Ngozi"],
    "PY": "2018",
    "JO": "Rheumatology International",
}
SIMILAR_VARIANT = {
    **SIMILAR,
    "TI": "Group exercise with peer mentoring in fibromyalgia: pilot study of feasibility",
    "PY": "2018",
    "JO": "Clinical Rheumatology",
}
UNIQUE_1 = {"TI": "Mindfulness for neck pain in office workers", "PY": "2021", "AU": "Lee, A"}
UNIQUE_2 = {"TI": "Acupuncture for shoulder pain after stroke", "PY": "2017", "AU": "Park, S"}

MEDLINE_SET = (TRIAL, COHORT, SIMILAR, UNIQUE_1)
EMBASE_SET = (
    {**TRIAL, "TI": TRIAL["TI"].upper(), "SP": "123", "EP": "31"},
    {**COHORT, "JO": "Arthritis Care Res"},
    SIMILAR_VARIANT,
    UNIQUE_2,
)


@pytest.fixture
def exports(tmp_path: Path) -> dict[str, Path]:
    """Two small RIS exports (MEDLINE: r000001-r000004, Embase: r000005-r000008)."""
    return {
        "medline": write_ris(tmp_path / "medline.ris", *MEDLINE_SET),
        "embase": write_ris(tmp_path / "embase.ris", *EMBASE_SET),
    }


def pytest_terminal_summary(terminalreporter) -> None:
    if POSTGRES_URL:
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "postgres" in getattr(report, "keywords", {})
    ]
    if skipped:
        terminalreporter.write_line(f"{SKIP_POSTGRES} ({len(skipped)} tests)")
