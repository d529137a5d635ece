"""Screening events and the state derived from them: votes, closing, conflicts, resolutions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from evsynth.screening import (
    ScreeningError,
    ScreeningEvent,
    check_new_event,
    derive_states,
)

T0 = datetime(2024, 3, 1, 9, 0)
TA, FT = "title_abstract", "full_text"


def make_events(*specs):
    """Events from (record, reviewer, stage, decision[, kind[, reason]]) tuples, a minute apart."""
    events = []
    for i, spec in enumerate(specs):
        record, reviewer, stage, decision, *rest = spec
        kind = rest[0] if rest else "vote"
        reason = rest[1] if len(rest) > 1 else None
        events.append(
            ScreeningEvent(
                record, reviewer, stage, decision, reason=reason, kind=kind,
                at=T0 + timedelta(minutes=i),
            )
        )  # fmt: skip
    return events


def state_of(events, record="r1", stage=TA, **kwargs):
    return derive_states(events, **kwargs).state(record, stage)


# --- the event itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stage": "abstract"}, "stage must be one of"),
        (
            {"decision": "not_retrieved"},
            "a vote at title_abstract is one of include, exclude, maybe",
        ),
        ({"decision": "maybe", "kind": "resolution"}, "a resolution at title_abstract is one of"),
        ({"kind": "veto"}, "kind must be"),
        ({"record_id": " "}, "record_id must be a non-empty string"),
        ({"reviewer": None}, "reviewer must be a non-empty string"),
        ({"reason": ""}, "reason must be a non-empty string"),
        ({"note": 3}, "note must be a string"),
        ({"at": "2024-03-01"}, "at must be a datetime"),
        ({"stage": FT, "decision": "exclude"}, "reason is required to exclude at full text"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(fields, message):
    values = {"record_id": "r1", "reviewer": "ana", "stage": TA, "decision": "include", "at": T0}
    values.update(fields)
    with pytest.raises(ScreeningError, match=message):
        ScreeningEvent(**values)


def test_full_text_takes_not_retrieved_and_maybe():
    ScreeningEvent("r1", "ana", FT, "not_retrieved", at=T0)
    ScreeningEvent("r1", "ana", FT, "maybe", at=T0)
    ScreeningEvent("r1", "lea", FT, "not_retrieved", kind="resolution", at=T0)


def test_events_are_frozen():
    event = make_events(("r1", "ana", TA, "include"))[0]
    with pytest.raises(AttributeError):
        event.decision = "exclude"  # type: ignore[misc]


# --- votes and closing ------------------------------------------------------------------------


def test_one_vote_leaves_the_record_open():
    state = state_of(make_events(("r1", "ana", TA, "include")))
    assert (state.status, state.closed, state.final) == ("open", False, False)
    assert list(state.votes) == ["ana"]
    assert state.final_decision is None


def test_two_equal_votes_agree():
    state = state_of(make_events(("r1", "ana", TA, "exclude"), ("r1", "ben", TA, "exclude")))
    assert (state.status, state.final_decision, state.final) == ("agreed", "exclude", True)


@pytest.mark.parametrize(
    "pair", [("include", "exclude"), ("maybe", "maybe"), ("include", "maybe"), ("maybe", "exclude")]
)
def test_different_votes_or_maybe_conflict(pair):
    state = state_of(make_events(("r1", "ana", TA, pair[0]), ("r1", "ben", TA, pair[1])))
    assert (state.status, state.final_decision, state.final) == ("conflict", None, False)


@pytest.mark.parametrize(
    "before",
    [
        [("r1", "ana", TA, "include")],
        [("r1", "ana", TA, "include"), ("r1", "ben", TA, "exclude")],
        [("r1", "ana", TA, "include"), ("r1", "ben", TA, "include")],
    ],
    ids=["open", "conflict", "agreed"],
)
def test_a_reviewer_votes_once_and_the_refusal_is_the_same_whatever_the_others_did(before):
    again = ScreeningEvent("r1", "ana", TA, "exclude", at=T0 + timedelta(hours=1))
    message = r"refused: you have already voted on this record at this stage$"
    with pytest.raises(ScreeningError, match=message):
        check_new_event(derive_states(make_events(*before)), again, "reviewer")
    with pytest.raises(ScreeningError, match=r"^event \d, vote by ana on record r1 .*already"):
        derive_states([*make_events(*before), again])


def test_one_vote_per_stage_and_a_vote_at_one_stage_does_not_count_at_the_other():
    events = make_events(("r1", "ana", TA, "include"), ("r1", "ben", TA, "include"))
    states = derive_states(events)
    first = ScreeningEvent("r1", "ana", FT, "include", at=T0 + timedelta(days=1))
    states = states.with_event(first, "reviewer")
    with pytest.raises(ScreeningError, match="already voted"):
        states.with_event(first, "reviewer")
    assert states.state("r1", FT).status == "open"


def test_a_vote_by_someone_else_after_closing_is_refused_by_the_check_and_by_the_derivation():
    closing = make_events(("r1", "ana", TA, "include"), ("r1", "ben", TA, "exclude"))
    late = ScreeningEvent("r1", "cy", TA, "exclude", at=T0 + timedelta(hours=1))
    with pytest.raises(ScreeningError, match="voting has closed: 2 reviewers have voted"):
        check_new_event(derive_states(closing), late, "reviewer")
    with pytest.raises(ScreeningError, match=r"^event 3, vote by cy on record r1 .*closed"):
        derive_states([*closing, late])


def test_required_is_configurable():
    events = make_events(
        ("r1", "ana", TA, "include"), ("r1", "ben", TA, "include"), ("r1", "cy", TA, "include")
    )
    assert derive_states(events[:2], required=3).state("r1", TA).status == "open"
    assert derive_states(events, required=3).state("r1", TA).status == "agreed"
    assert derive_states(events[:1], required=1).state("r1", TA).status == "agreed"
    with pytest.raises(ScreeningError, match="closed: 1 reviewers"):
        derive_states(events[:2], required=1)


@pytest.mark.parametrize("required", [0, -1, 2.0, True, "2"])
def test_required_must_be_a_positive_whole_number(required):
    with pytest.raises(ScreeningError, match="required must be a whole number"):
        derive_states([], required=required)


def test_full_text_exclusions_agree_only_with_the_same_reason():
    include = [("r1", who, TA, "include") for who in ("ana", "ben")]
    same = make_events(
        *include,
        ("r1", "ana", FT, "exclude", "vote", "Not an RCT"),
        ("r1", "ben", FT, "exclude", "vote", "Not an RCT"),
    )
    state = state_of(same, stage=FT)
    assert (state.status, state.final_decision, state.final_reason) == (
        "agreed", "exclude", "Not an RCT",
    )  # fmt: skip
    different = make_events(
        *include,
        ("r1", "ana", FT, "exclude", "vote", "Not an RCT"),
        ("r1", "ben", FT, "exclude", "vote", "Wrong population"),
    )
    assert state_of(different, stage=FT).status == "conflict"


def test_title_abstract_exclusions_agree_whatever_their_reasons():
    events = make_events(
        ("r1", "ana", TA, "exclude", "vote", "Wrong population"), ("r1", "ben", TA, "exclude")
    )
    state = state_of(events)
    assert (state.status, state.final_decision, state.final_reason) == ("agreed", "exclude", None)


# --- full text follows title/abstract ---------------------------------------------------------


@pytest.mark.parametrize(
    "title_abstract",
    [
        [],
        [("r1", "ana", TA, "include")],
        [("r1", "ana", TA, "include"), ("r1", "ben", TA, "exclude")],
        [("r1", "ana", TA, "exclude"), ("r1", "ben", TA, "exclude")],
    ],
    ids=["no votes", "open", "conflict", "agreed exclude"],
)
def test_full_text_votes_need_a_final_include_at_title_abstract(title_abstract):
    events = make_events(*title_abstract)
    vote = ScreeningEvent("r1", "cy", FT, "include", at=T0 + timedelta(days=1))
    with pytest.raises(ScreeningError, match="only on records included at title/abstract"):
        check_new_event(derive_states(events), vote, "reviewer")
    with pytest.raises(ScreeningError, match="only on records included at title/abstract"):
        derive_states([*events, vote])
    assert not derive_states(events).state("r1", FT).available


def test_full_text_opens_on_an_agreed_or_resolved_include():
    agreed = make_events(("r1", "ana", TA, "include"), ("r1", "ben", TA, "include"))
    resolved = make_events(
        ("r1", "ana", TA, "include"),
        ("r1", "ben", TA, "maybe"),
        ("r1", "lea", TA, "include", "resolution"),
    )
    for events in (agreed, resolved):
        states = derive_states(events)
        assert states.state("r1", FT).available
        vote = ScreeningEvent("r1", "ana", FT, "include", at=T0 + timedelta(days=1))
        check_new_event(states, vote, "reviewer")
        assert states.with_event(vote, "reviewer").state("r1", FT).votes["ana"] == vote


# --- resolutions ------------------------------------------------------------------------------

CONFLICT = (("r1", "ana", TA, "include"), ("r1", "ben", TA, "exclude"))


def test_the_lead_resolves_a_conflict():
    events = make_events(*CONFLICT, ("r1", "lea", TA, "exclude", "resolution"))
    state = state_of(events)
    assert (state.status, state.final_decision, state.resolved_by) == ("resolved", "exclude", "lea")
    assert state.resolution == events[-1]
    assert sorted(state.votes) == ["ana", "ben"]  # the votes stay as they were


def test_a_lead_who_voted_may_still_resolve():
    events = make_events(
        ("r1", "lea", TA, "include"), ("r1", "ben", TA, "exclude"),
        ("r1", "lea", TA, "include", "resolution"),
    )  # fmt: skip
    assert state_of(events, roles={"lea": "lead"}).status == "resolved"


def test_a_resolver_who_did_not_vote_resolves():
    events = make_events(*CONFLICT, ("r1", "cy", TA, "include", "resolution"))
    state = state_of(events, roles={"cy": "resolver"})
    assert (state.status, state.resolved_by) == ("resolved", "cy")


def test_a_resolver_who_voted_may_not_resolve():
    states = derive_states(make_events(*CONFLICT))
    resolution = ScreeningEvent("r1", "ben", TA, "exclude", kind="resolution", at=T0)
    with pytest.raises(ScreeningError, match="may not resolve a record they voted on"):
        check_new_event(states, resolution, "resolver")


def test_a_plain_reviewer_may_not_resolve_and_learns_nothing_from_the_refusal():
    conflict = derive_states(make_events(*CONFLICT))
    agreed = derive_states(make_events(("r1", "ana", TA, "include"), ("r1", "ben", TA, "include")))
    resolution = ScreeningEvent("r1", "cy", TA, "exclude", kind="resolution", at=T0)
    messages = set()
    for states in (conflict, agreed, derive_states([])):
        with pytest.raises(ScreeningError) as info:
            check_new_event(states, resolution, "reviewer")
        messages.add(str(info.value))
    assert len(messages) == 1
    assert "only the lead or a designated resolver may resolve" in messages.pop()


@pytest.mark.parametrize(
    "before",
    [
        [("r1", "ana", TA, "include")],
        [("r1", "ana", TA, "include"), ("r1", "ben", TA, "include")],
        [*CONFLICT, ("r1", "lea", TA, "include", "resolution")],
    ],
    ids=["open", "agreed", "resolved"],
)
def test_only_a_conflict_can_be_resolved(before):
    events = make_events(*before)
    resolution = ScreeningEvent("r1", "lea", TA, "exclude", kind="resolution", at=T0)
    with pytest.raises(ScreeningError, match="only a conflict can be resolved"):
        check_new_event(derive_states(events), resolution, "lead")
    with pytest.raises(ScreeningError, match="only a conflict can be resolved"):
        derive_states([*events, resolution])


def test_derivation_rechecks_who_resolved_when_given_the_roles():
    events = make_events(*CONFLICT, ("r1", "cy", TA, "include", "resolution"))
    derive_states(events)  # without roles, resolutions are taken as authorised when recorded
    with pytest.raises(ScreeningError, match=r"event 3, resolution by cy.*only the lead"):
        derive_states(events, roles={"cy": "reviewer"})
    with pytest.raises(ScreeningError, match="roles: cy has role 'admin'"):
        derive_states(events, roles={"cy": "admin"})  # type: ignore[dict-item]


def test_check_validates_its_arguments():
    states = derive_states([])
    event = make_events(("r1", "ana", TA, "include"))[0]
    with pytest.raises(ScreeningError, match="role must be one of lead, resolver, reviewer"):
        check_new_event(states, event, "admin")  # type: ignore[arg-type]
    with pytest.raises(ScreeningError, match="event must be a ScreeningEvent"):
        check_new_event(states, {"record_id": "r1"}, "reviewer")  # type: ignore[arg-type]
    with pytest.raises(ScreeningError, match="event 2 is a dict"):
        derive_states([event, {}])  # type: ignore[list-item]


# --- derived, never overwritten ---------------------------------------------------------------


def test_appending_one_event_equals_deriving_all_of_them():
    events = make_events(
        *CONFLICT,
        ("r2", "ana", TA, "include"),
        ("r2", "ben", TA, "include"),
        ("r2", "ana", FT, "include"),
        ("r1", "lea", TA, "exclude", "resolution"),
        ("r2", "ben", FT, "include"),
    )
    states = derive_states([])
    roles = {"lea": "lead"}
    for event in events:
        states = states.with_event(event, roles.get(event.reviewer, "reviewer"))
    assert dict(states.by_key) == dict(derive_states(events).by_key)
    assert len(states) == 3


def test_with_event_leaves_the_earlier_states_unchanged():
    before = derive_states(make_events(("r1", "ana", TA, "include")))
    after = before.with_event(ScreeningEvent("r1", "ben", TA, "include", at=T0), "reviewer")
    assert before.state("r1", TA).status == "open"
    assert after.state("r1", TA).status == "agreed"


def test_many_records_derive_correctly():
    n = 2_000
    events = []
    for i in range(n):
        record = f"r{i}"
        second = "include" if i % 3 else "exclude"
        events += make_events((record, "ana", TA, "include"), (record, "ben", TA, second))
        if i % 3 == 0:
            events += make_events((record, "lea", TA, "include", "resolution"))
    states = derive_states(events)
    counts = {status: 0 for status in ("agreed", "resolved")}
    for state in states:
        counts[state.status] += 1
    assert counts == {"agreed": n - len(range(0, n, 3)), "resolved": len(range(0, n, 3))}
