"""The prioritised queue in the workbench: each reviewer's next record comes from a ranking
trained on what that reviewer may see, and another reviewer's open votes never move it.

The review has two topics in alternating record order: odd records are about peer support
for chronic pain (relevant), even ones about knee surgery outcomes (not relevant).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from evsynth.screening import ReviewerQueues
from evsynth.store import Store, open_store
from tests.web._seed import ANN, BEN, LEAD, csrf_of, login

REVIEW = "chronic-pain"
STAGE = "title_abstract"
N_RECORDS = 40

_SUPPORT = (
    "Peer support",
    "Peer mentoring",
    "Lay-led self-help groups",
    "A buddy programme",
    "Telephone coaching by trained peers",
)
_PAIN = (
    "chronic low back pain",
    "chronic widespread pain",
    "fibromyalgia",
    "chronic neck pain",
    "persistent musculoskeletal pain",
    "chronic pelvic pain",
)
_SURGERY = (
    "Total knee arthroplasty",
    "Arthroscopic knee surgery",
    "Anterior cruciate ligament reconstruction",
    "Meniscal repair",
    "Unicompartmental knee replacement",
    "High tibial osteotomy",
)
_OUTCOME = (
    "revision rates",
    "range of motion",
    "wound infection",
    "length of hospital stay",
    "return to sport",
    "postoperative pain",
)
_RELEVANT_TITLES = (
    "{support} for adults living with {pain}",
    "Does {support_l} reduce disability in {pain}? A randomised trial",
    "{support} delivered online to people with {pain}: a pilot study",
)
_RELEVANT_ABSTRACTS = (
    "Adults with {pain} met {support_l} weekly for {weeks} weeks; self-management, pain "
    "interference and mood improved against usual care.",
    "We randomised {n} adults with {pain} to {support_l} or a waiting list. Peers shared "
    "coping skills and encouragement; disability fell by {weeks} points.",
    "People who have lived with {pain} led sessions on pacing, sleep and mood for {n} "
    "participants.",
)
_OTHER_TITLES = (
    "{surgery}: {outcome} at {years} years",
    "{outcome_c} after {surgery_l} in {n} adults: a registry cohort",
    "Surgeon volume and {outcome} following {surgery_l}",
)
_OTHER_ABSTRACTS = (
    "A cohort of {n} patients after {surgery_l} was followed for {outcome}, with implant "
    "survival as a covariate.",
    "We compared {outcome} between hospitals performing {surgery_l}; operative time and "
    "tourniquet use were recorded for {n} adults.",
    "Registry data on {n} knees: {outcome} differed little with a cemented implant after "
    "{surgery_l}.",
)


def is_relevant(record_id: str) -> bool:
    """Whether a record of :func:`seed_two_topics` is about peer support for chronic pain."""
    return int(record_id[1:]) % 2 == 1


def two_topic_titles(n_records: int = N_RECORDS) -> list[tuple[str, str]]:
    """(title, abstract) of each record in import order: odd numbers about peer support for
    chronic pain, even numbers about knee surgery, words varied within each topic."""
    records = []
    for number in range(1, n_records + 1):
        i = (number - 1) // 2
        words = {"n": 60 + 7 * i, "weeks": 4 + i % 9, "years": 2 + i % 5}
        if number % 2:
            support = _SUPPORT[i % len(_SUPPORT)]
            words |= {
                "support": support,
                "support_l": support.lower(),
                "pain": _PAIN[(i * 5) % len(_PAIN)],
            }
            title, abstract = _RELEVANT_TITLES[i % 3], _RELEVANT_ABSTRACTS[(i + 1) % 3]
        else:
            surgery, outcome = _SURGERY[i % len(_SURGERY)], _OUTCOME[(i * 5) % len(_OUTCOME)]
            words |= {
                "surgery": surgery,
                "surgery_l": surgery.lower(),
                "outcome": outcome,
                "outcome_c": outcome.capitalize(),
            }
            title, abstract = _OTHER_TITLES[i % 3], _OTHER_ABSTRACTS[(i + 2) % 3]
        records.append((title.format(**words), abstract.format(**words)))
    return records


def seed_two_topics(folder: Path, *, n_records: int = N_RECORDS) -> Store:
    """A store in ``folder`` with review REVIEW (the records of :func:`two_topic_titles`),
    its lead LEAD and the reviewers ANN and BEN."""
    lines = []
    for number, (title, abstract) in enumerate(two_topic_titles(n_records), start=1):
        lines += [
            "TY  - JOUR",
            f"TI  - {title}",
            f"AU  - Author{number}, A.",
            f"PY  - {1990 + number}",
            f"AB  - {abstract}",
            "ER  - ",
        ]
    export = folder / "medline.ris"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    store = open_store(directory=folder, password_hasher=hasher)
    store.import_records(REVIEW, "MEDLINE", [export])
    for name, role in ((LEAD, "lead"), (ANN, "reviewer"), (BEN, "reviewer")):
        store.add_user(name, "correct horse battery")
        store.add_member(REVIEW, name, role)
    return store


def anchor_model(texts):
    """The queues' model in these tests: the TF-IDF model, which needs no embeddings."""
    from evsynth.screening._ranking import ranking_model

    return ranking_model(texts, kind="anchor")


@pytest.fixture
def store(tmp_path):
    opened = seed_two_topics(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def queues():
    made = ReviewerQueues(anchor_model, min_interval=0)
    yield made
    made.close()


class Reviewer:
    """A signed-in TestClient that asks for the next record and votes through the API."""

    def __init__(self, app, username: str) -> None:
        from fastapi.testclient import TestClient

        self.username = username
        self.client = TestClient(app)
        assert login(self.client, username).status_code == 303
        self.token = csrf_of(self.client)

    def next(self) -> str | None:
        body = self.client.get(f"/api/reviews/{REVIEW}/next", params={"stage": STAGE})
        assert body.status_code == 200
        record = body.json()["record"]
        return None if record is None else record["id"]

    def vote(self, record: str, decision: str) -> None:
        sent = self.client.post(
            f"/api/reviews/{REVIEW}/votes",
            json={"record": record, "stage": STAGE, "decision": decision},
            headers={"X-CSRF-Token": self.token},
        )
        assert sent.status_code == 201, sent.text

    def screen(self, n: int, decide=None) -> list[str]:
        """Take the next record ``n`` times, voting ``decide(record)`` (by default as the
        topics say); returns the records in the order shown."""
        decide = decide or (lambda record: "include" if is_relevant(record) else "exclude")
        shown = []
        for _ in range(n):
            record = self.next()
            assert record is not None
            shown.append(record)
            self.vote(record, decide(record))
        return shown

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def reviewer_in():
    made = []

    def make(app, username: str) -> Reviewer:
        made.append(Reviewer(app, username))
        return made[-1]

    yield make
    for reviewer in made:
        reviewer.close()


def wait_for_ranking(queues, reviewer: Reviewer, own_votes: int, timeout: float = 20.0):
    """The reviewer's ranking once one made after their ``own_votes``-th vote is ready.

    Asks for the next record meanwhile, as the screening page does when it is loaded: a
    request for a new ranking while one is being made is not queued, the next page asks
    again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = queues.ranking(REVIEW, reviewer.username, STAGE)
        if found is not None and found.own_votes == own_votes:
            return found
        time.sleep(0.02)
        reviewer.next()
    raise AssertionError(f"no ranking of {reviewer.username}'s queue after {own_votes} votes")


def test_the_queue_puts_the_relevant_topic_first_once_the_reviewer_has_both_labels(
    store, queues, reviewer_in
):
    from evsynth.web import create_app

    ann = reviewer_in(create_app(store, queues=queues), ANN)
    # one vote is all includes: nothing to learn from yet, so record order
    assert ann.screen(2) == ["r000001", "r000002"]
    assert ann.next() == "r000003"  # asks for a ranking on the two votes
    ranking = wait_for_ranking(queues, ann, own_votes=2)
    assert (ranking.labels_seen, ranking.included_seen) == (2, 1)
    assert len(ranking.record_ids) == N_RECORDS - 2
    assert all(is_relevant(record) for record in ranking.record_ids[:18])

    shown = ann.screen(10)
    assert all(is_relevant(record) for record in shown), shown
    assert shown != [f"r{n:06d}" for n in range(3, 23, 2)]  # not merely every other record
    # the ranking follows her votes
    assert wait_for_ranking(queues, ann, own_votes=12).labels_seen == 12


def test_another_reviewers_open_votes_never_change_the_ranking(store, queues, reviewer_in):
    from evsynth.web import create_app

    app = create_app(store, queues=queues)
    ann, ben = reviewer_in(app, ANN), reviewer_in(app, BEN)
    ann.screen(3)  # r000001 include, r000002 exclude, r000003 include
    ann.next()
    before = wait_for_ranking(queues, ann, own_votes=3)
    next_before = ann.next()
    labels_before = store.training_labels(REVIEW, ANN, STAGE)

    # ben votes the opposite way on her three (conflicts, not resolved) and on 27 more
    flip = {"include": "exclude", "exclude": "include"}
    opposite = lambda record: flip["include" if is_relevant(record) else "exclude"]  # noqa: E731
    for number in range(1, 31):
        ben.vote(f"r{number:06d}", opposite(f"r{number:06d}"))
    assert store.training_labels(REVIEW, ANN, STAGE) == labels_before

    queues.forget(REVIEW)  # a new model and ranking, trained now
    ann.next()
    after = wait_for_ranking(queues, ann, own_votes=3)
    assert after.trained_at > before.trained_at
    assert (after.labels_seen, after.included_seen) == (before.labels_seen, before.included_seen)
    assert after.record_ids == before.record_ids
    assert ann.next() == next_before

    # ben's own ranking learns from his votes: knee surgery first
    ben.next()
    his = wait_for_ranking(queues, ben, own_votes=30)
    assert his.labels_seen == 30
    assert not any(is_relevant(record) for record in his.record_ids[:5])

    # a resolved conflict is a label for both: the lead includes r000002, which ann excluded
    store.resolve(REVIEW, "r000002", LEAD, STAGE, "include")
    queues.forget(REVIEW)
    ann.next()
    resolved = wait_for_ranking(queues, ann, own_votes=3)
    assert (resolved.labels_seen, resolved.included_seen) == (3, 3)


def test_without_prioritisation_the_queue_is_in_record_order(store, reviewer_in):
    from evsynth.web import create_app

    ann = reviewer_in(create_app(store), ANN)
    assert ann.screen(12) == [f"r{n:06d}" for n in range(1, 13)]


def test_serve_prioritises_when_asked_and_closes_the_queues(tmp_path, monkeypatch):
    """``evsynth serve --prioritise`` builds the queues with the ranking model (the running
    app ranks a queue), without it none are built, and the queues are closed when it stops."""
    import uvicorn
    from typer.testing import CliRunner

    from evsynth.cli import app as cli

    seed_two_topics(tmp_path).close()
    served = []

    def run(app, **_kwargs):
        served.append(app.state.queues)
        if app.state.queues is None:
            return
        ann = Reviewer(app, ANN)
        try:
            ann.screen(2)
            ann.next()
            ranking = wait_for_ranking(app.state.queues, ann, own_votes=2, timeout=120)
            assert all(is_relevant(record) for record in ranking.record_ids[:10])
        finally:
            ann.close()

    monkeypatch.setattr(uvicorn, "run", run)
    result = CliRunner().invoke(cli, ["serve", str(tmp_path)])  # prioritised by default
    assert result.exit_code == 0, result.output
    assert "Queues prioritised by the" in result.output
    assert f"Ranking model of {REVIEW!r} fitted on" in result.output  # before any request
    (queues,) = served
    assert isinstance(queues, ReviewerQueues)
    with pytest.raises(RuntimeError, match="shutdown"):
        queues.refresh(REVIEW, ANN, STAGE, lambda: ((), {}, 0), lambda: ())

    result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--no-prioritise"])
    assert result.exit_code == 0, result.output
    assert "record order" in result.output
    assert served[1] is None


def test_serve_help_and_start_up_leave_scikit_learn_unimported():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from evsynth.cli import app\n"
        "result = CliRunner().invoke(app, ['serve', '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert '--no-prioritise' in result.output, result.output\n"
        "print('sklearn' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "False"


def test_serve_with_embeddings_keeps_them_in_the_review_folder(tmp_path, monkeypatch):
    """Where the embeddings package is installed, ``evsynth serve`` ranks with the default
    model once the embeddings, computed in the background, are kept in the review folder."""
    import numpy as np
    import uvicorn
    from typer.testing import CliRunner

    from evsynth.cli import app as cli
    from evsynth.screening import _ranking

    seed_two_topics(tmp_path).close()
    monkeypatch.setattr(_ranking, "available_kind", lambda: "default")

    def fake_embeddings(texts):
        block = np.array([["pain" in text.lower(), len(text) / 1000] for text in texts])
        return block, block

    monkeypatch.setattr(_ranking, "record_embeddings", fake_embeddings)
    kept = tmp_path / ".evsynth-cache" / "embeddings.npz"
    seen = []

    def run(app, **_kwargs):
        deadline = time.monotonic() + 60
        while not kept.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append(kept.exists())

    monkeypatch.setattr(uvicorn, "run", run)
    result = CliRunner().invoke(cli, ["serve", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "'default' ranking model" in result.output
    assert seen == [True]
