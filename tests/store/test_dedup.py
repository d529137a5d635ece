"""Deduplication runs are saved; re-runs replace automatic groups but keep earlier runs as
history and never touch groups made by a person."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evsynth.store import StoreError
from evsynth.store._models import DedupRunRow, GroupRow, QueuePairRow

AUTOMATIC = {("r000001", "r000005"), ("r000002", "r000006")}
UNCERTAIN = ("r000003", "r000007")


@pytest.fixture
def review(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    store.import_records("pain", "Embase", [exports["embase"]])
    return "pain"


def group_sets(groups) -> set[tuple[str, ...]]:
    return {tuple(group) for group in groups}


def test_dedup_is_saved(store, review):
    result = store.deduplicate(review, run_by="alice")
    assert group_sets(result.groups) == AUTOMATIC
    assert result.n_records == 8 and result.n_duplicates_removed == 2
    assert [(p.first_id, p.second_id) for p in result.review_pairs] == [UNCERTAIN]
    groups = store.duplicate_groups(review)
    assert {g.record_ids for g in groups} == AUTOMATIC
    assert {g.origin for g in groups} == {"automatic"}
    assert store.review_queue(review) == result.review_pairs
    (run,) = store.dedup_runs(review)
    assert (run.n_records, run.created_by) == (8, "alice")


def test_rerun_keeps_person_groups_and_history(store, review):
    store.deduplicate(review)
    store.add_user("bea")
    made = store.add_duplicate_group(review, list(UNCERTAIN), by="bea")
    assert (made.origin, made.primary_id, made.created_by) == ("person", "r000003", "bea")
    assert store.review_queue(review) == ()  # the person settled the uncertain pair
    result = store.deduplicate(review)
    assert group_sets(result.groups) == AUTOMATIC | {UNCERTAIN}
    assert result.review_pairs == ()
    person = [g for g in store.duplicate_groups(review) if g.origin == "person"]
    assert [(g.id, g.record_ids, g.created_by) for g in person] == [(made.id, UNCERTAIN, "bea")]
    assert len(store.dedup_runs(review)) == 2
    with store.engine.connect() as connection:
        automatic = connection.scalar(
            select(func.count()).select_from(GroupRow).where(GroupRow.origin == "automatic")
        )
        queued = connection.scalar(select(func.count()).select_from(QueuePairRow))
        runs = connection.scalar(select(func.count()).select_from(DedupRunRow))
    assert (automatic, queued, runs) == (4, 2, 2)  # both runs kept


def test_person_group_takes_its_records_out_of_automatic_groups(store, review):
    store.deduplicate(review)
    store.add_duplicate_group(review, ["r000005", "r000004"])
    groups = {g.record_ids: g.origin for g in store.duplicate_groups(review)}
    # r000001's automatic partner r000005 now belongs to the person's group.
    assert groups == {("r000005", "r000004"): "person", ("r000002", "r000006"): "automatic"}
    result = store.deduplicate(review)
    assert group_sets(result.groups) == {("r000005", "r000004"), ("r000002", "r000006")}


def test_new_records_join_the_next_run(store, review, exports, tmp_path):
    store.deduplicate(review)
    again = tmp_path / "again.ris"
    again.write_bytes(exports["embase"].read_bytes().replace(b"2017", b"2016"))
    store.import_records(review, "CINAHL", [again])
    result = store.deduplicate(review)
    assert result.n_records == 12
    assert {frozenset(group) for group in result.groups} == {
        frozenset({"r000001", "r000005", "r000009"}),
        frozenset({"r000002", "r000006", "r000010"}),
        frozenset({"r000007", "r000011"}),
    }


def test_person_group_errors(store, review):
    store.add_duplicate_group(review, ["r000001", "r000002"])
    with pytest.raises(StoreError, match="r000002 is already in person-made group"):
        store.add_duplicate_group(review, ["r000002", "r000003"])
    with pytest.raises(StoreError, match="has no record r000099"):
        store.add_duplicate_group(review, ["r000003", "r000099"])
    with pytest.raises(StoreError, match="two or more distinct"):
        store.add_duplicate_group(review, ["r000003", "r000003"])
    with pytest.raises(StoreError, match="not a record id"):
        store.add_duplicate_group(review, ["r000003", "3"])
    with pytest.raises(StoreError, match="no user named 'nobody'"):
        store.add_duplicate_group(review, ["r000003", "r000004"], by="nobody")
    assert len(store.duplicate_groups(review)) == 1


def test_unknown_review(store):
    with pytest.raises(StoreError, match="no review named 'pain'"):
        store.deduplicate("pain")


def test_review_without_records(store, tmp_path):
    (tmp_path / "empty.ris").write_text("")
    store.import_records("empty", "MEDLINE", [tmp_path / "empty.ris"])
    result = store.deduplicate("empty")
    assert (result.groups, result.review_pairs, result.n_records) == ((), (), 0)
    assert store.export("empty", tmp_path / "out.ris") == 0
