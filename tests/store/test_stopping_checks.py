"""Stopping checks in the store: start, end, the running check, own vote labels; append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from evsynth.store import StoppingCheck, StoreError, open_store
from evsynth.store._models import StoppingCheckRow

REVIEW = "pain"
TA, FT = "title_abstract", "full_text"


@pytest.fixture
def review(team_store, exports):
    """Review REVIEW with 8 records, the lead lea and reviewers ann and ben."""
    team_store.import_records(REVIEW, "MEDLINE", [exports["medline"]])
    team_store.import_records(REVIEW, "Embase", [exports["embase"]])
    for name, role in (("lea", "lead"), ("ann", "reviewer"), ("ben", "reviewer")):
        team_store.add_user(name)
        team_store.add_member(REVIEW, name, role)
    team_store.add_user("nora")
    return team_store


def test_a_check_starts_after_the_reviewers_own_votes_and_ends(review, clock):
    review.screen_vote(REVIEW, "r000003", "ann", TA, "exclude")
    review.screen_vote(REVIEW, "r000001", "ann", TA, "include")
    for record in ("r000001", "r000002", "r000004"):
        review.screen_vote(REVIEW, record, "ben", TA, "exclude")  # not ann's
    assert review.stopping_check(REVIEW, "ann", TA) is None
    started = review.start_stopping_check(REVIEW, "ann", TA)
    assert started == StoppingCheck(started.id, REVIEW, "ann", TA, 2, clock.now, None)
    assert started.running
    assert review.stopping_check(REVIEW, "ann", TA) == started
    assert review.stopping_check(REVIEW, "ann", FT) is None  # per stage
    assert review.stopping_check(REVIEW, "ben", TA) is None  # per reviewer
    clock.advance(minutes=5)
    ended = review.end_stopping_check(REVIEW, "ann", TA)
    assert ended.id == started.id and ended.ended_at == clock.now and not ended.running
    assert review.stopping_check(REVIEW, "ann", TA) is None
    again = review.start_stopping_check(REVIEW, "ann", TA)
    assert again.id != started.id  # a new check: a new random order
    assert review.stopping_check(REVIEW, "ann", TA) == again


def test_one_running_check_per_reviewer_and_stage(review):
    review.start_stopping_check(REVIEW, "ann", TA)
    with pytest.raises(StoreError, match="already has a stopping check running"):
        review.start_stopping_check(REVIEW, "ann", TA)
    review.start_stopping_check(REVIEW, "ben", TA)
    review.start_stopping_check(REVIEW, "ann", FT)
    review.end_stopping_check(REVIEW, "ann", TA)
    with pytest.raises(StoreError, match="has no stopping check running"):
        review.end_stopping_check(REVIEW, "ann", TA)
    assert review.stopping_check(REVIEW, "ann", FT) is not None
    assert review.stopping_check(REVIEW, "ben", TA) is not None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.start_stopping_check(REVIEW, "nora", TA), "not a member"),
        (lambda s: s.stopping_check(REVIEW, "nora", TA), "not a member"),
        (lambda s: s.own_vote_labels(REVIEW, "nora", TA), "not a member"),
        (lambda s: s.end_stopping_check(REVIEW, "nora", TA), "not a member"),
        (lambda s: s.start_stopping_check("nope", "ann", TA), "no review named 'nope'"),
        (lambda s: s.start_stopping_check(REVIEW, "zed", TA), "no user named 'zed'"),
        (lambda s: s.start_stopping_check(REVIEW, "ann", "abstract"), "stage must be one of"),
        (lambda s: s.own_vote_labels(REVIEW, "ann", "abstract"), "stage must be one of"),
    ],
)
def test_bad_calls_are_clear_errors_and_change_nothing(review, call, message):
    with pytest.raises(StoreError, match=message):
        call(review)
    assert review.stopping_check(REVIEW, "ann", TA) is None


def test_own_vote_labels_are_the_reviewers_votes_in_the_order_cast(review):
    for record, decision in (("r000004", "maybe"), ("r000001", "include"), ("r000002", "exclude")):
        review.screen_vote(REVIEW, record, "ann", TA, decision)
    for record, decision in (("r000001", "include"), ("r000002", "include"), ("r000003", "maybe")):
        review.screen_vote(REVIEW, record, "ben", TA, decision)
    review.resolve(REVIEW, "r000002", "lea", TA, "include")
    assert review.own_vote_labels(REVIEW, "ann", TA) == (1, 1, 0)
    assert review.own_vote_labels(REVIEW, "ben", TA) == (1, 1, 1)
    assert review.own_vote_labels(REVIEW, "lea", TA) == ()  # a resolution is not a vote
    # full text: r000001 (agreed) and r000002 (resolved) are open there
    review.screen_vote(REVIEW, "r000002", "ann", FT, "not_retrieved")
    review.screen_vote(REVIEW, "r000001", "ann", FT, "include")
    assert review.own_vote_labels(REVIEW, "ann", FT) == (0, 1)
    assert review.own_vote_labels(REVIEW, "ann", TA) == (1, 1, 0)
    check = review.start_stopping_check(REVIEW, "ann", FT)
    assert check.started_after_votes == 2


def test_checks_are_append_only_but_for_their_end(review, store_url):
    started = review.start_stopping_check(REVIEW, "ann", TA)
    table = StoppingCheckRow.__table__
    this = table.c.id == started.id
    for change in ({"started_after_votes": 5}, {"stage": FT}, {"user_id": 3}):
        with pytest.raises(DatabaseError, match="append-only"), review.engine.begin() as db:
            db.execute(update(table).where(this).values(ended_at=started.started_at, **change))
    with pytest.raises(DatabaseError, match="append-only"), review.engine.begin() as db:
        db.execute(delete(table).where(this))
    ended = review.end_stopping_check(REVIEW, "ann", TA)
    with pytest.raises(DatabaseError, match="append-only"), review.engine.begin() as db:
        db.execute(update(table).where(this).values(ended_at=None))  # no reopening
    with pytest.raises(DatabaseError, match="append-only"), review.engine.begin() as db:
        db.execute(update(table).where(this).values(ended_at=started.started_at))  # nor twice
    with pytest.raises(StoreError, match="append-only"), review._sessions.begin() as session:
        session.delete(session.get(StoppingCheckRow, started.id))
    if review.engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), review.engine.begin() as db:
            db.exec_driver_sql("TRUNCATE stopping_checks")
    with review.engine.connect() as db:
        (row,) = db.execute(table.select()).mappings().all()
    assert row["started_after_votes"] == 0 and row["stage"] == TA
    assert row["ended_at"] is not None and ended.ended_at is not None


def test_the_database_allows_one_running_check_per_reviewer_and_stage(review):
    started = review.start_stopping_check(REVIEW, "ann", TA)
    values = {
        "review_id": 1, "user_id": 2, "stage": TA, "started_after_votes": 0,
        "started_at": started.started_at,
    }  # fmt: skip
    with pytest.raises(IntegrityError), review.engine.begin() as db:
        db.execute(insert(StoppingCheckRow), values)
    with pytest.raises(IntegrityError), review.engine.begin() as db:
        db.execute(insert(StoppingCheckRow), {**values, "stage": "screening"})
    with pytest.raises(IntegrityError), review.engine.begin() as db:
        db.execute(insert(StoppingCheckRow), {**values, "stage": FT, "started_after_votes": -1})
    with review.engine.begin() as db:  # an ended check beside a running one is fine
        db.execute(insert(StoppingCheckRow), {**values, "ended_at": started.started_at})
    assert review.stopping_check(REVIEW, "ann", TA) == started


def test_own_vote_labels_follow_votes_recorded_by_another_server(review, store_url):
    review.screen_vote(REVIEW, "r000001", "ann", TA, "include")
    assert review.own_vote_labels(REVIEW, "ann", TA) == (1,)  # read, and kept in memory
    with open_store(store_url) as other:  # another server process on the same database
        other.screen_vote(REVIEW, "r000002", "ann", TA, "exclude")
        other.screen_vote(REVIEW, "r000002", "ben", TA, "include")
        assert other.own_vote_labels(REVIEW, "ann", TA) == (1, 0)
    review.screen_vote(REVIEW, "r000003", "ann", TA, "maybe")
    assert review.own_vote_labels(REVIEW, "ann", TA) == (1, 0, 1)
    assert review.own_vote_labels(REVIEW, "ben", TA) == (1,)


def test_record_count_is_the_last_record_number(review):
    assert review.record_count(REVIEW) == 8
    review.deduplicate(REVIEW)  # duplicates are still records
    assert review.record_count(REVIEW) == 8
    review.add_review("empty")
    assert review.record_count("empty") == 0
    with pytest.raises(StoreError, match="no review named"):
        review.record_count("nope")
