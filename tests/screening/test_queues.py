"""Each reviewer's queue ranking: retrained in the background, per reviewer, from their labels."""

from __future__ import annotations

import threading
import time

import pytest

from evsynth.screening import ReviewerQueues


class WordModel:
    """Ranks texts by how many words they share with the included texts (a toy model)."""

    def __init__(self, texts):
        self.words = [set(text.split()) for text in texts]
        self.fitted = 1

    def rank(self, labelled):
        liked = set().union(*(self.words[row] for row, label in labelled.items() if label))
        rows = [row for row in range(len(self.words)) if row not in labelled]
        return sorted(rows, key=lambda row: (-len(self.words[row] & liked), row))


TEXTS = [
    ("r000001", "peer support pain"),
    ("r000002", "surgery knee"),
    ("r000003", "peer support group"),
    ("r000004", "drug trial"),
    ("r000005", "peer mentoring pain"),
]


def reader(labels, own_votes=1, texts=TEXTS):
    """(read, texts) for ``ReviewerQueues.refresh``: the texts' version is the texts."""
    return (lambda: (tuple(texts), labels, own_votes)), lambda: texts


@pytest.fixture
def queues():
    made = ReviewerQueues(WordModel, min_interval=0)
    yield made
    made.close()


def test_a_ranking_puts_records_like_the_included_ones_first(queues):
    assert queues.ranking("pain", "ana", "title_abstract") is None
    queues.refresh(
        "pain", "ana", "title_abstract", *reader({"r000001": 1, "r000002": 0}), wait=True
    )
    ranking = queues.ranking("pain", "ana", "title_abstract")
    assert ranking.record_ids == ("r000003", "r000005", "r000004")  # ties in record order
    assert (ranking.labels_seen, ranking.included_seen) == (2, 1)


def test_rankings_are_per_reviewer_and_stage(queues):
    queues.refresh(
        "pain", "ana", "title_abstract", *reader({"r000001": 1, "r000002": 0}), wait=True
    )
    queues.refresh(
        "pain", "ben", "title_abstract", *reader({"r000004": 1, "r000001": 0}), wait=True
    )
    assert queues.ranking("pain", "ana", "title_abstract").record_ids[0] == "r000003"
    assert queues.ranking("pain", "ben", "title_abstract").record_ids[0] == "r000002"
    assert queues.ranking("pain", "ana", "full_text") is None


def test_without_an_include_and_an_exclude_the_queue_keeps_record_order(queues):
    queues.refresh("pain", "ana", "title_abstract", *reader({"r000002": 0}), wait=True)
    assert queues.ranking("pain", "ana", "title_abstract").record_ids == ()


def test_staleness_follows_the_reviewers_own_votes_and_the_interval():
    queues = ReviewerQueues(WordModel, min_interval=3600)
    try:
        assert queues.is_stale("pain", "ana", "title_abstract", own_votes=0)
        labels = {"r000001": 1, "r000002": 0}
        queues.refresh("pain", "ana", "title_abstract", *reader(labels, 2), wait=True)
        assert not queues.is_stale("pain", "ana", "title_abstract", own_votes=2)
        assert not queues.is_stale("pain", "ana", "title_abstract", own_votes=3)  # too soon
    finally:
        queues.close()
    queues = ReviewerQueues(WordModel, min_interval=0)
    try:
        queues.refresh("pain", "ana", "title_abstract", *reader(labels, 2), wait=True)
        assert queues.is_stale("pain", "ana", "title_abstract", own_votes=3)
    finally:
        queues.close()


def counting_queues():
    """Queues whose models record how many texts each was fitted on, and that list."""
    made = []

    def factory(texts):
        made.append(len(texts))
        return WordModel(texts)

    return ReviewerQueues(factory, min_interval=0), made


def test_the_model_is_fitted_once_per_review_until_its_records_change():
    queues, made = counting_queues()
    try:
        labels = {"r000001": 1, "r000002": 0}
        for who in ("ana", "ben"):
            queues.refresh("pain", who, "title_abstract", *reader(labels), wait=True)
        assert made == [5]
        queues.refresh("pain", "ana", "title_abstract", *reader(labels, texts=TEXTS[:4]), wait=True)
        assert made == [5, 4]
        read_texts = []

        def texts():
            read_texts.append(1)
            return TEXTS[:4]

        same_version = reader(labels, texts=TEXTS[:4])[0]
        queues.refresh("pain", "ben", "title_abstract", same_version, texts, wait=True)
        assert made == [5, 4] and read_texts == []  # same version: texts not read again
        queues.forget("pain")
        assert queues.ranking("pain", "ana", "title_abstract") is None
    finally:
        queues.close()


def test_one_retraining_at_a_time_per_reviewer(queues):
    started, release = threading.Event(), threading.Event()
    calls, running, overlapped = [], [0], [False]

    def slow():
        running[0] += 1
        overlapped[0] |= running[0] > 1
        calls.append(1)
        started.set()
        release.wait(5)
        running[0] -= 1
        return tuple(TEXTS), {"r000001": 1, "r000002": 0}, 1

    texts = reader({})[1]
    queues.refresh("pain", "ana", "title_abstract", slow, texts)
    started.wait(5)
    queues.refresh("pain", "ana", "title_abstract", slow, texts)  # remembered, run after
    queues.refresh("pain", "ana", "title_abstract", slow, texts)  # the same: one more run
    release.set()
    queues.refresh(
        "pain", "ben", "title_abstract", *reader({"r000001": 1, "r000002": 0}), wait=True
    )
    queues.refresh("pain", "cy", "title_abstract", *reader({"r000001": 1, "r000002": 0}), wait=True)
    assert calls == [1, 1] and not overlapped[0]
    assert queues.ranking("pain", "ana", "title_abstract") is not None


def test_a_failing_read_leaves_no_pending_retraining(queues):
    def broken():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError, match="database gone"):
        queues.refresh("pain", "ana", "title_abstract", broken, reader({})[1], wait=True)
    queues.refresh(
        "pain", "ana", "title_abstract", *reader({"r000001": 1, "r000002": 0}), wait=True
    )
    assert queues.ranking("pain", "ana", "title_abstract") is not None


def test_a_refresh_asked_for_while_one_runs_is_run_after_it(queues):
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return tuple(TEXTS), {"r000001": 1, "r000002": 0}, 1

    queues.refresh("pain", "ana", "title_abstract", slow, reader({})[1])
    started.wait(5)
    newer = {"r000004": 1, "r000001": 0}
    queues.refresh("pain", "ana", "title_abstract", *reader(newer, own_votes=2))
    release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ranking = queues.ranking("pain", "ana", "title_abstract")
        if ranking is not None and ranking.own_votes == 2:
            break
        time.sleep(0.01)
    assert ranking.own_votes == 2 and ranking.record_ids[0] == "r000002"


def test_a_failure_on_the_background_thread_is_logged(queues, caplog):
    def broken():
        raise RuntimeError("database gone")

    with caplog.at_level("ERROR", logger="evsynth.screening"):
        with pytest.raises(RuntimeError):
            queues.refresh("pain", "ana", "title_abstract", broken, reader({})[1], wait=True)
    assert "ranking the queue of ana in 'pain'" in caplog.text


def test_prepare_fits_the_model_once_before_any_retraining():
    queues, made = counting_queues()
    try:
        read, texts = reader({"r000001": 1, "r000002": 0})
        queues.prepare("pain", tuple(TEXTS), texts)
        queues.prepare("pain", tuple(TEXTS), texts)
        assert made == [5]
        queues.refresh("pain", "ana", "title_abstract", read, texts, wait=True)
        assert made == [5]  # the prepared model of the same version
        assert queues.ranking("pain", "ana", "title_abstract").record_ids[0] == "r000003"
    finally:
        queues.close()
