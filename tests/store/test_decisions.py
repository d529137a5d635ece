"""Users, review members and screening decision events; events are append-only."""

from __future__ import annotations

import inspect as python_inspect

import pytest
from sqlalchemy import delete, inspect, select, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from evsynth.store import Store, StoreError
from evsynth.store._models import DecisionRow


@pytest.fixture
def review(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    for name, role in (("lead", "lead"), ("ann", "reviewer"), ("bob", "reviewer")):
        store.add_user(name)
        store.add_member("pain", name, role)
    return "pain"


def test_decisions_are_stored_in_order(store, review):
    first = store._append_decision_unchecked(review, "r000001", "ann", "title_abstract", "include")
    second = store._append_decision_unchecked(
        review, "r000001", "bob", "title_abstract", "exclude", reason="population", note="kids"
    )
    assert first.id < second.id
    events = store.decisions(review)
    assert events == (first, second)
    assert [(e.username, e.decision, e.reason, e.note) for e in events] == [
        ("ann", "include", None, None),
        ("bob", "exclude", "population", "kids"),
    ]
    assert all(e.created_at.tzinfo is not None for e in events)


def test_store_has_no_way_to_change_decisions():
    public = [name for name, _ in python_inspect.getmembers(Store) if not name.startswith("_")]
    changing = ("update", "delete", "remove", "edit", "change", "set_", "retract", "undo")
    assert not [name for name in public if name.startswith(changing)]


def test_database_refuses_update_and_delete(store, review):
    store._append_decision_unchecked(review, "r000002", "ann", "title_abstract", "maybe")
    for statement in (update(DecisionRow).values(decision="include"), delete(DecisionRow)):
        with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
            conn.execute(statement)
    assert [e.decision for e in store.decisions(review)] == ["maybe"]


def test_orm_refuses_update_and_delete(store, review):
    store._append_decision_unchecked(review, "r000002", "ann", "title_abstract", "maybe")
    with Session(store.engine) as session:
        row = session.scalars(select(DecisionRow)).one()
        row.decision = "include"
        with pytest.raises(StoreError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(DecisionRow)).one())
        with pytest.raises(StoreError, match="append-only"):
            session.flush()


def test_decision_checks(store, review):
    store.add_user("outsider")
    with pytest.raises(StoreError, match="'outsider' is not a member of review 'pain'"):
        store._append_decision_unchecked(review, "r000001", "outsider", "title_abstract", "include")
    with pytest.raises(StoreError, match="no user named 'nobody'"):
        store._append_decision_unchecked(review, "r000001", "nobody", "title_abstract", "include")
    with pytest.raises(StoreError, match="stage must be one of"):
        store._append_decision_unchecked(review, "r000001", "ann", "abstracts", "include")
    with pytest.raises(StoreError, match="decision must be one of"):
        store._append_decision_unchecked(review, "r000001", "ann", "full_text", "yes")
    with pytest.raises(StoreError, match="has no record r000009"):
        store._append_decision_unchecked(review, "r000009", "ann", "full_text", "include")
    assert store.decisions(review) == ()


def test_user_and_member_checks(store, review):
    with pytest.raises(StoreError, match="a user named 'ann' exists already"):
        store.add_user("ann")
    with pytest.raises(StoreError, match="'ann' is already a reviewer of 'pain'"):
        store.add_member(review, "ann", "lead")
    with pytest.raises(StoreError, match="role must be one of lead, resolver, reviewer"):
        store.add_member(review, "ann", "owner")


def test_events_have_a_kind_and_read_per_stage_and_record(store, review):
    store._append_decision_unchecked(review, "r000001", "ann", "title_abstract", "include")
    store._append_decision_unchecked(review, "r000001", "bob", "title_abstract", "exclude")
    store._append_decision_unchecked(review, "r000002", "ann", "title_abstract", "include")
    resolution = store._append_decision_unchecked(
        review, "r000001", "lead", "title_abstract", "include", kind="resolution"
    )
    store._append_decision_unchecked(
        review, "r000001", "ann", "full_text", "exclude", reason="Wrong comparator"
    )
    assert resolution.kind == "resolution"
    events = store.decisions(review)
    assert [e.kind for e in events] == ["vote", "vote", "vote", "resolution", "vote"]
    assert [e.id for e in events] == sorted(e.id for e in events)
    title_abstract = store.decisions(review, stage="title_abstract")
    assert title_abstract == events[:4]
    assert store.decisions(review, stage="full_text") == events[4:]
    assert store.decisions(review, record="r000001") == (*events[:2], *events[3:])
    assert store.decisions(review, stage="title_abstract", record="r000002") == (events[2],)
    with pytest.raises(StoreError, match="kind must be one of vote, resolution"):
        store._append_decision_unchecked(
            review, "r000001", "lead", "full_text", "include", kind="final"
        )
    with pytest.raises(StoreError, match="stage must be one of"):
        store.decisions(review, stage="abstracts")
    with pytest.raises(StoreError, match="has no record r000042"):
        store.decisions(review, record="r000042")
    assert len(store.decisions(review)) == 5


def test_a_stage_is_read_through_an_index_by_review_and_stage(store, review, backend):
    with store.engine.connect() as connection:
        indexes = {
            ix["name"]: ix["column_names"]
            for ix in inspect(connection).get_indexes("decision_events")
        }
        assert indexes["ix_decision_events_review_id_stage_record_id"] == [
            "review_id",
            "stage",
            "record_id",
        ]
        if backend == "sqlite":
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM decision_events "
                "WHERE review_id = 1 AND stage = 'full_text' ORDER BY id"
            ).all()
            used = " ".join(map(str, plan))
            # (review_id, stage, record_id) or, since 0004, (review_id, stage, id): either
            # reads only the stage's events; never a scan of the table
            assert any(
                indexes[name][:2] == ["review_id", "stage"] and name in used for name in indexes
            ), used


def test_resolutions_are_append_only_too(store, review):
    store._append_decision_unchecked(
        review, "r000001", "lead", "title_abstract", "exclude", kind="resolution"
    )
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(update(DecisionRow).values(kind="vote"))
    assert store.decisions(review)[0].kind == "resolution"
