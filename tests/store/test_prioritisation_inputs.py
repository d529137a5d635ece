"""What the store gives the prioritisation model: the texts, each reviewer's blinded training
labels, and the next record in the model's order."""

from __future__ import annotations

import pytest

from evsynth.store import StoreError

from .test_workflow import TA, add_team


@pytest.fixture
def pain(team_store, exports):
    team_store.import_records("pain", "MEDLINE", [exports["medline"]])
    add_team(team_store)
    return team_store


def test_the_texts_are_titles_and_abstracts_of_the_records_to_screen(pain):
    texts = dict(pain.screening_texts("pain"))
    assert list(texts) == list(pain.screened_records("pain"))
    record = pain.record("pain", "r000001")
    assert texts["r000001"].startswith(record.title)
    if record.abstract:
        assert record.abstract in texts["r000001"]


def test_training_labels_never_hold_another_reviewers_unresolved_vote(pain):
    pain.screen_vote("pain", "r000001", "ana", TA, "include")
    pain.screen_vote("pain", "r000001", "ben", TA, "include")  # agreed: both see it
    pain.screen_vote("pain", "r000002", "ben", TA, "exclude")  # open: only ben's
    pain.screen_vote("pain", "r000003", "ana", TA, "maybe")
    pain.screen_vote("pain", "r000004", "ben", TA, "include")
    pain.screen_vote("pain", "r000004", "cy", TA, "exclude")  # conflict: each their own vote
    assert pain.training_labels("pain", "ana", TA) == {"r000001": 1, "r000003": 1}
    assert pain.training_labels("pain", "ben", TA) == {"r000001": 1, "r000002": 0, "r000004": 1}
    assert pain.training_labels("pain", "cy", TA) == {"r000004": 0}
    lead_view = pain.training_labels("pain", "lea", TA)
    assert "r000002" not in lead_view and "r000003" not in lead_view
    pain.resolve("pain", "r000004", "lea", TA, "exclude")
    assert pain.training_labels("pain", "ben", TA)["r000004"] == 0  # the final decision
    # ana did not vote on r000004: her view of it says only "closed", so she learns nothing
    assert "r000004" not in pain.training_labels("pain", "ana", TA)


def test_training_labels_refuse_non_members_and_unknown_stages(pain):
    pain.add_user("nora")
    with pytest.raises(StoreError, match="not a member"):
        pain.training_labels("pain", "nora", TA)
    with pytest.raises(StoreError, match="stage must be one of"):
        pain.training_labels("pain", "ana", "abstracts")


def test_the_next_record_follows_the_ranking_then_record_order(pain):
    step = pain.screening_step("pain", "ana", TA, order=["r000003", "r000001"])
    assert step.record_id == "r000003"
    pain.screen_vote("pain", "r000003", "ana", TA, "exclude")
    assert pain.screening_step("pain", "ana", TA, order=["r000003", "r000001"]).record_id == (
        "r000001"
    )
    pain.screen_vote("pain", "r000001", "ana", TA, "exclude")
    # ranked records all voted on: the rest in record order
    assert pain.screening_step("pain", "ana", TA, order=["r000003", "r000001"]).record_id == (
        "r000002"
    )
    # a ranking naming unknown or malformed ids is not an error
    assert pain.screening_step("pain", "ana", TA, order=["x", "r999999"]).record_id == "r000002"


def test_the_records_version_changes_when_the_texts_would(pain, exports):
    first = pain.screening_records_version("pain")
    assert pain.screening_records_version("pain") == first
    pain.screen_vote("pain", "r000001", "ana", TA, "include")  # votes leave the texts alone
    assert pain.screening_records_version("pain") == first
    pain.import_records("pain", "Embase", [exports["embase"]])
    imported = pain.screening_records_version("pain")
    assert imported != first
    pain.deduplicate("pain")
    assert pain.screening_records_version("pain") != imported
    assert len(pain.screening_texts("pain")) < pain.record_count("pain")


def test_load_decisions_reads_them_ahead_and_refuses_an_unknown_review(pain):
    pain.screen_vote("pain", "r000001", "ana", TA, "include")
    pain.load_decisions("pain")
    assert pain.own_vote_labels("pain", "ana", TA) == (1,)
    with pytest.raises(StoreError, match="no review"):
        pain.load_decisions("nope")
