"""Blinding: until a record's decision is final, no reviewer can learn another's decision.

The property tests replay random screening histories and then rewrite what reviewer A (ana)
decided on every record whose decision is not final; what reviewer B (ben) is shown, record
by record and in his progress counts, must not change at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evsynth.screening import (
    STAGES,
    VOTE_DECISIONS,
    ScreeningError,
    ScreeningEvent,
    check_new_event,
    derive_states,
    progress_for,
    view_for,
)

T0 = datetime(2024, 3, 1, 9, 0)
TA, FT = "title_abstract", "full_text"
RECORDS = [f"r{i}" for i in range(4)]
ROLES = {"ana": "reviewer", "ben": "reviewer", "cy": "reviewer", "lea": "lead", "rui": "resolver"}
REASONS = ("Not an RCT", "Wrong population")
NOTES = (None, "unsure", "see protocol")


def vote(record, who, decision, stage=TA, reason=None, minutes=0, note=None):
    return ScreeningEvent(
        record, who, stage, decision, reason=reason, note=note,
        at=T0 + timedelta(minutes=minutes),
    )  # fmt: skip


def resolve(record, who, decision, stage=TA, reason=None):
    return ScreeningEvent(record, who, stage, decision, reason=reason, kind="resolution", at=T0)


def reason_for(stage, decision, draw):
    return draw if stage == FT and decision == "exclude" else None


attempts = st.lists(
    st.tuples(
        st.sampled_from(["vote"] * 3 + ["resolution"]),
        st.sampled_from(RECORDS),
        st.sampled_from(STAGES),
        st.sampled_from(["ana", "ana", "ben", "ben", "cy", "lea", "rui"]),
        st.sampled_from(["include"] * 4 + ["exclude", "maybe", "not_retrieved"]),
        st.sampled_from(REASONS),
        st.sampled_from(NOTES),
    ),
    min_size=10,
    max_size=80,
)


def history_from(attempted, required):
    """The events of ``attempted`` that the rules allow, in order (the others are refused)."""
    states = derive_states([], required)
    events = []
    for minute, (kind, record, stage, who, decision, reason, note) in enumerate(attempted):
        if kind == "resolution" and decision == "maybe":
            decision = "include"
        if stage == TA and decision == "not_retrieved":
            decision = "exclude"
        event = ScreeningEvent(
            record, who, stage, decision, reason=reason_for(stage, decision, reason), note=note,
            kind=kind, at=T0 + timedelta(minutes=minute),
        )  # fmt: skip
        try:
            states = states.with_event(event, ROLES[who])
        except ScreeningError:
            continue
        events.append(event)
    return events


def finals(states):
    return {
        key: (s.final_decision, s.final_reason, s.resolved_by)
        for key, s in states.by_key.items()
        if s.final
    }


def rewrite_ana(events, required, data):
    """Change ana's votes on every record and stage that is not final, keeping it not final."""
    states = derive_states(events, required)
    baseline = finals(states)
    for key in sorted(k for k, s in states.by_key.items() if not s.final):
        stage = key[1]
        trial = []
        for event in events:
            if (event.record_id, event.stage) == key and event.reviewer == "ana":
                decision = data.draw(st.sampled_from(VOTE_DECISIONS[stage]))
                event = replace(
                    event,
                    decision=decision,
                    reason=reason_for(stage, decision, data.draw(st.sampled_from(REASONS))),
                    note=data.draw(st.sampled_from(NOTES)),
                )
            trial.append(event)
        # A rewrite that made the record agree would make it final, and final is shown.
        if finals(derive_states(trial, required)) == baseline:
            events = trial
    return events


def views_of(states, viewer, role):
    return {
        (record, stage): view_for(states.state(record, stage), viewer, role)
        for record in RECORDS
        for stage in STAGES
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempted=attempts, required=st.sampled_from([2, 2, 3]), data=st.data())
def test_a_reviewer_sees_the_same_whatever_another_decided_on_unfinished_records(
    attempted, required, data
):
    events = history_from(attempted, required)
    rewritten = rewrite_ana(events, required, data)
    before, after = derive_states(events, required), derive_states(rewritten, required)
    assert views_of(before, "ben", "reviewer") == views_of(after, "ben", "reviewer")
    assert progress_for(before, "ben", "reviewer", records=RECORDS) == progress_for(
        after, "ben", "reviewer", records=RECORDS
    )


@settings(max_examples=200, deadline=None)
@given(attempted=attempts, required=st.sampled_from([2, 3]))
def test_a_voter_cannot_tell_whether_another_has_voted_on_an_unfinished_record(attempted, required):
    # Were "awaiting others" shown, a closed record that is not final would be a conflict.
    events = history_from(attempted, required)
    states = derive_states(events, required)
    unfinished = {k for k, s in states.by_key.items() if not s.final and "ben" in s.votes}
    without_ana = [
        e for e in events if not (e.reviewer == "ana" and (e.record_id, e.stage) in unfinished)
    ]
    fewer = derive_states(without_ana, required)
    for record, stage in unfinished:
        seen = view_for(states.state(record, stage), "ben", "reviewer")
        assert seen == view_for(fewer.state(record, stage), "ben", "reviewer")
        assert seen.status == "voted"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempted=attempts, data=st.data())
def test_a_resolver_sees_unfinished_decisions_only_on_conflicts_they_may_resolve(attempted, data):
    events = history_from(attempted, 2)
    rewritten = rewrite_ana(events, 2, data)
    before, after = derive_states(events), derive_states(rewritten)
    views_before, views_after = (
        views_of(before, "rui", "resolver"),
        views_of(after, "rui", "resolver"),
    )
    for key, view in views_before.items():
        if not view.can_resolve:
            assert views_after[key] == view
    assert progress_for(before, "rui", "resolver", records=RECORDS) == progress_for(
        after, "rui", "resolver", records=RECORDS
    )


@settings(max_examples=200, deadline=None)
@given(attempted=attempts, required=st.sampled_from([2, 3]))
def test_no_view_shows_others_votes_before_the_viewer_may_see_them(attempted, required):
    states = derive_states(history_from(attempted, required), required)
    for viewer, role in ROLES.items():
        for (record, stage), view in views_of(states, viewer, role).items():
            state = states.state(record, stage)
            if view.status not in ("agreed", "resolved", "conflict"):
                assert view.votes == ()
                assert (view.final_decision, view.final_reason, view.resolved_by) == (None,) * 3
                assert view.resolution is None
            else:
                assert state.final or view.can_resolve
            assert view.own_vote == state.votes.get(viewer)
            if role == "reviewer":
                assert not view.can_resolve


# --- what each person sees, case by case ------------------------------------------------------


def test_a_voter_sees_voted_whether_the_other_has_not_voted_or_disagreed():
    open_ = derive_states([vote("r1", "ben", "include")]).state("r1", TA)
    conflict = derive_states([vote("r1", "ana", "exclude"), vote("r1", "ben", "include")])
    seen_open = view_for(open_, "ben", "reviewer")
    seen_conflict = view_for(conflict.state("r1", TA), "ben", "reviewer")
    assert seen_open == seen_conflict
    assert (seen_open.status, seen_open.votes, seen_open.can_vote) == ("voted", (), False)


def test_an_agreed_record_shows_both_votes_to_its_voters():
    states = derive_states([vote("r1", "ana", "include"), vote("r1", "ben", "include", note="x")])
    view = view_for(states.state("r1", TA), "ben", "reviewer")
    assert (view.status, view.final_decision) == ("agreed", "include")
    assert [(v.reviewer, v.decision) for v in view.votes] == [
        ("ana", "include"),
        ("ben", "include"),
    ]


def test_a_reviewer_who_did_not_vote_sees_a_closed_record_as_closed_whatever_its_outcome():
    agreed = derive_states([vote("r1", "ana", "include"), vote("r1", "ben", "include")])
    conflict = derive_states([vote("r1", "ana", "include"), vote("r1", "ben", "exclude")])
    resolved = derive_states(
        [
            vote("r1", "ana", "include"),
            vote("r1", "ben", "exclude"),
            resolve("r1", "lea", "exclude"),
        ]
    )
    views = [view_for(s.state("r1", TA), "cy", "reviewer") for s in (agreed, conflict, resolved)]
    assert views[0] == views[1] == views[2]
    assert (views[0].status, views[0].votes, views[0].can_vote) == ("closed", (), False)


def test_an_open_record_is_to_do_for_those_who_have_not_voted():
    state = derive_states([vote("r1", "ana", "include")]).state("r1", TA)
    for viewer, role in (("ben", "reviewer"), ("lea", "lead"), ("rui", "resolver")):
        view = view_for(state, viewer, role)
        assert (view.status, view.votes, view.can_vote) == ("to_do", (), True)


def test_the_lead_and_a_resolver_who_did_not_vote_see_and_may_resolve_a_conflict():
    states = derive_states([vote("r1", "ana", "include"), vote("r1", "rui", "exclude")])
    state = states.state("r1", TA)
    lead = view_for(state, "lea", "lead")
    assert (lead.status, lead.can_resolve, len(lead.votes)) == ("conflict", True, 2)
    assert view_for(state, "cy", "resolver").can_resolve
    voter = view_for(state, "rui", "resolver")  # voted: a reviewer on this record
    assert (voter.status, voter.votes, voter.can_resolve) == ("voted", (), False)


def test_a_resolved_record_shows_the_resolution():
    states = derive_states(
        [
            vote("r1", "ana", "include"),
            vote("r1", "ben", "exclude"),
            resolve("r1", "lea", "include"),
        ]
    )
    view = view_for(states.state("r1", TA), "ben", "reviewer")
    assert (view.status, view.final_decision, view.resolved_by) == ("resolved", "include", "lea")
    assert view.resolution is not None and view.resolution.reviewer == "lea"


def test_full_text_is_unavailable_until_title_abstract_includes():
    states = derive_states([vote("r1", "ana", "include")])
    view = view_for(states.state("r1", FT), "ben", "reviewer")
    assert (view.status, view.can_vote) == ("unavailable", False)


def test_view_for_validates_its_arguments():
    state = derive_states([]).state("r1", TA)
    with pytest.raises(ScreeningError, match="role must be one of"):
        view_for(state, "ben", "owner")  # type: ignore[arg-type]
    with pytest.raises(ScreeningError, match="viewer must be a non-empty string"):
        view_for(state, "", "reviewer")
    with pytest.raises(ScreeningError, match="state must be a StageState"):
        view_for(derive_states([]), "ben", "reviewer")  # type: ignore[arg-type]


# --- progress ---------------------------------------------------------------------------------


def team_history():
    return derive_states(
        [
            vote("r1", "ana", "include"), vote("r1", "ben", "include"),  # agreed include
            vote("r2", "ana", "include"), vote("r2", "ben", "exclude"),  # conflict
            vote("r3", "ana", "exclude"),  # open
            vote("r4", "ana", "maybe"), vote("r4", "rui", "exclude"),  # conflict, rui voted
            vote("r1", "ana", "include", FT),
        ]
    )  # fmt: skip


def test_a_reviewer_gets_only_their_own_counts():
    progress = progress_for(
        team_history(), "ben", "reviewer", records=["r1", "r2", "r3", "r4", "r5"]
    )
    assert [(p.stage, p.voted, p.to_do) for p in progress.stages] == [
        (TA, 2, 2),  # voted r1 r2; r3 (open) and r5 (no votes) to do; r4 is closed
        (FT, 0, 1),  # r1 is included at title/abstract
    ]
    assert (progress.reviewers, progress.status_counts, progress.conflicts) == ((), (), ())


def test_a_resolver_also_gets_the_conflicts_they_may_resolve():
    progress = progress_for(team_history(), "rui", "resolver")
    assert progress.conflicts == (("r2", TA),)  # not r4, which rui voted on
    assert progress.reviewers == ()


def test_the_lead_gets_votes_cast_per_reviewer_statuses_and_every_conflict():
    progress = progress_for(team_history(), "lea", "lead")
    assert [(r.reviewer, r.title_abstract, r.full_text) for r in progress.reviewers] == [
        ("ana", 4, 1),
        ("ben", 2, 0),
        ("rui", 1, 0),
    ]
    counts = {(stage, status): n for stage, status, n in progress.status_counts}
    assert counts[TA, "open"] == 1 and counts[TA, "agreed"] == 1 and counts[TA, "conflict"] == 2
    assert counts[FT, "open"] == 1
    assert progress.conflicts == (("r2", TA), ("r4", TA))


# --- what a refusal tells -----------------------------------------------------------------


def candidates(who):
    """Every event ``who`` could try: a vote of each kind and a resolution, on each record."""
    for record in RECORDS:
        for stage in STAGES:
            for decision in VOTE_DECISIONS[stage]:
                reason = reason_for(stage, decision, REASONS[0])
                yield ScreeningEvent(record, who, stage, decision, reason=reason, at=T0)
            yield ScreeningEvent(record, who, stage, "exclude", reason=REASONS[0], at=T0,
                                 kind="resolution")  # fmt: skip


def accepted(states, event, role):
    try:
        check_new_event(states, event, role)
    except ScreeningError as error:
        return str(error)
    return True


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempted=attempts, required=st.sampled_from([2, 2, 3]), data=st.data())
def test_whether_a_new_event_is_accepted_never_depends_on_others_events_on_unfinished_records(
    attempted, required, data
):
    events = history_from(attempted, required)
    states = derive_states(events, required)
    rewritten = derive_states(rewrite_ana(events, required, data), required)
    unfinished = {k for k, s in states.by_key.items() if not s.final and "ben" in s.votes}
    without_ana = derive_states(
        [e for e in events if not (e.reviewer == "ana" and (e.record_id, e.stage) in unfinished)],
        required,
    )
    for event in candidates("ben"):
        outcome = accepted(states, event, "reviewer")
        # the same answer, refusals word for word, when ana decided otherwise or not at all
        assert accepted(rewritten, event, "reviewer") == outcome
        if (event.record_id, event.stage) in unfinished:
            assert accepted(without_ana, event, "reviewer") == outcome
            if event.kind == "vote":
                assert "already voted" in outcome


@settings(max_examples=200, deadline=None)
@given(attempted=attempts, required=st.sampled_from([2, 3]))
def test_an_event_is_accepted_exactly_when_its_authors_view_allows_it(attempted, required):
    states = derive_states(history_from(attempted, required), required)
    for who, role in ROLES.items():
        for event in candidates(who):
            view = view_for(states.state(event.record_id, event.stage), who, role)
            allowed = view.can_vote if event.kind == "vote" else view.can_resolve
            assert (accepted(states, event, role) is True) == allowed
