"""The counted progress and the indexed next record equal what the derived states give.

The blinding proofs are about ``progress_for`` and ``view_for`` over every state; the store's
``own_progress``, ``screening_progress`` and ``next_record`` count and search with SQL instead,
so random histories (votes, resolutions, a duplicate group made midway) check that they agree.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evsynth.screening import ScreeningError, progress_for, view_for
from evsynth.store import StoreError
from tests.store.conftest import ris_text

TA, FT = "title_abstract", "full_text"
TEAM = {"lea": "lead", "ana": "reviewer", "ben": "reviewer", "cy": "resolver"}
N_RECORDS = 6
_reviews = itertools.count(1)


def histories(max_examples: int, steps: st.SearchStrategy):
    """Random histories (a seed and a number of steps, for ``_history``) for a test with the
    store fixtures."""
    return lambda test: settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(given(seed=st.integers(0, 2**32 - 1), n_steps=steps)(test))


#: the histories of the tests that check the store after every step
step_by_step = histories(25, st.integers(1, 40))


def _history(seed: int, n_steps: int) -> list[tuple]:
    """Random steps, mostly votes and mostly includes on few records, so that full text
    opens, conflicts arise and get resolved, and records close (hypothesis's own lists tend
    to repeat one step, which the rules then refuse)."""
    rng = random.Random(seed)
    history: list[tuple] = []
    for _ in range(n_steps):
        if rng.random() < 0.04:
            history.append(("group",))
            continue
        kind = "resolution" if rng.random() < 0.2 else "vote"
        name = rng.choice(["lea", "cy"] if kind == "resolution" else sorted(TEAM))
        decision = rng.choice(["include", "include", "include", "exclude", "maybe"])
        stage = rng.choice([TA, FT])
        if stage == FT and rng.random() < 0.2:
            decision = "not_retrieved"
        history.append((kind, rng.randint(1, N_RECORDS), name, stage, decision))
    return history


def _new_review(store, tmp_path) -> str:
    """A new review of N_RECORDS records with the TEAM as members; its name."""
    review = f"review{next(_reviews)}"
    export = tmp_path / f"{review}.ris"
    export.write_text(ris_text(*({"TI": f"Trial {i}"} for i in range(N_RECORDS))))
    store.import_records(review, "MEDLINE", [export])
    for name, role in TEAM.items():
        if name not in store.users():
            store.add_user(name)
        store.add_member(review, name, role)
    return review


def _apply(store, review, step) -> None:
    if step[0] == "group":
        try:
            store.add_duplicate_group(review, ["r000003", "r000004"], by="lea")
        except StoreError:
            pass
        return
    kind, number, name, stage, decision = step
    act = store.screen_vote if kind == "vote" else store.resolve
    reason = "wrong population" if decision == "exclude" and stage == FT else None
    try:
        act(review, f"r{number:06d}", name, stage, decision, reason=reason)
    except (ScreeningError, StoreError):
        pass  # refused, changes nothing


@histories(50, st.integers(0, 50))
def test_counted_progress_and_next_record_equal_the_derived_ones(
    team_store, tmp_path, seed, n_steps
):
    store = team_store
    review = _new_review(store, tmp_path)
    for step in _history(seed, n_steps):
        _apply(store, review, step)
    states = store.screening_states(review)
    records = store.screened_records(review)
    assert store.count_screened(review) == len(records)
    for name, role in TEAM.items():
        derived = progress_for(states, name, role, records=records)
        assert store.own_progress(review, name) == derived.stages
        assert store.screening_progress(review, name) == derived
        for stage in (TA, FT):
            votable = [r for r in records if view_for(states.state(r, stage), name, role).can_vote]
            assert store.next_record(review, name, stage) == (votable[0] if votable else None)
            step = store.screening_step(review, name, stage, spread=True)
            assert step.progress == next(p for p in derived.stages if p.stage == stage)
            assert step.record_id == (votable[0] if votable else None)
            if step.record_id is not None:
                assert step.state == states.state(step.record_id, stage)
                assert step.record == store.record(review, step.record_id)
            for record in records:
                shown = store.screening_step(review, name, stage, record)
                assert (shown.record_id, shown.state) == (record, states.state(record, stage))
            spread = store.next_record(review, name, stage, spread=True)
            assert spread == (votable[0] if votable else None)  # a small review: no offset
            ranking = ["nope", *reversed(store.records(review))]
            ranked = [r for r in ranking if r in votable]
            chosen = store.next_record(review, name, stage, order=ranking)
            assert chosen == (ranked[0] if ranked else None)
    for record in store.records(review):
        assert store.is_screened(review, record) == (record in records)
    assert not store.is_screened(review, "r999999") and not store.is_screened(review, "x")
    for record in ["r999999", "x", *(r for r in store.records(review) if r not in records)]:
        with pytest.raises(StoreError, match="not a record to screen"):
            store.screening_step(review, "ana", TA, record)


def test_spread_starts_each_reviewer_at_their_own_block_and_keeps_their_order(
    team_store, tmp_path, monkeypatch
):
    import evsynth.store._workflow as workflow

    monkeypatch.setattr(workflow, "SPREAD_BLOCK", 3)
    store = team_store
    export = tmp_path / "many.ris"
    export.write_text(ris_text(*({"TI": f"Trial {i}"} for i in range(12))))
    store.import_records("pain", "MEDLINE", [export])
    names = [f"reviewer{i}" for i in range(8)]
    for name in names:
        store.add_user(name)
        store.add_member("pain", name, "reviewer")
    starts = {name: store.next_record("pain", name, TA, spread=True) for name in names}
    assert set(starts.values()) <= {"r000001", "r000004", "r000007", "r000010"}
    assert len(set(starts.values())) > 1  # not everyone on the same record
    # a reviewer's order is record order from their start, wrapping round, whatever others do
    name = names[0]
    start = int(starts[name][1:])
    expected = [f"r{(start - 1 + i) % 12 + 1:06d}" for i in range(12)]
    store.screen_vote("pain", expected[1], names[1], TA, "include")
    store.screen_vote("pain", expected[1], names[2], TA, "include")  # closed by others
    seen = []
    while (record := store.next_record("pain", name, TA, spread=True)) is not None:
        seen.append(record)
        store.screen_vote("pain", record, name, TA, "exclude")
    assert seen == [r for r in expected if r != expected[1]]


@step_by_step
def test_the_vote_tally_stays_equal_to_the_derived_states_step_by_step(
    team_store, tmp_path, seed, n_steps
):
    """The title/abstract tally is brought up to date from the events appended since it was
    last read: asked after every step (and records imported midway), it must agree."""
    store = team_store
    review = _new_review(store, tmp_path)
    for index, step in enumerate(_history(seed, n_steps)):
        if index == n_steps // 2:
            more = tmp_path / f"{review}-more.ris"
            more.write_text(ris_text({"TI": "A later trial"}, {"TI": "Another later trial"}))
            store.import_records(review, "Embase", [more])
        _apply(store, review, step)
        states = store.screening_states(review)
        records = store.screened_records(review)
        for name, role in TEAM.items():
            derived = progress_for(states, name, role, records=records)
            expected = next(p for p in derived.stages if p.stage == TA)
            assert store.own_progress(review, name, TA) == (expected,)
            votable = [r for r in records if view_for(states.state(r, TA), name, role).can_vote]
            assert store.next_record(review, name, TA) == (votable[0] if votable else None)


@step_by_step
def test_the_decision_log_stays_equal_to_the_derived_states_step_by_step(
    team_store, tmp_path, seed, n_steps
):
    """Training labels and own vote labels come from the review's decision log, brought up to
    date from the events appended since: asked after every step (the votes required changed
    midway, which starts the log again), they must equal what every derived state gives."""
    store = team_store
    review = _new_review(store, tmp_path)
    for index, step in enumerate(_history(seed, n_steps)):
        if index == n_steps // 2 and not store.screening_states(review):
            store.configure_review(review, votes_required=1)
        _apply(store, review, step)
        states = store.screening_states(review)
        events = store.decisions(review)
        for name, role in TEAM.items():
            for stage in (TA, FT):
                expected = {}
                for state in states:
                    if state.stage != stage:
                        continue
                    view = view_for(state, name, role)
                    decision = view.final_decision or (
                        view.own_vote.decision if view.own_vote else None
                    )
                    if decision is not None:
                        expected[state.record_id] = int(decision in ("include", "maybe"))
                assert store.training_labels(review, name, stage) == expected
                own = tuple(
                    int(e.decision in ("include", "maybe"))
                    for e in events
                    if e.username == name and e.stage == stage and e.kind == "vote"
                )
                assert store.own_vote_labels(review, name, stage) == own
