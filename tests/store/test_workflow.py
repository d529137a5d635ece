"""Screening on the store: votes and resolutions checked by the rules and appended under a lock,
states derived from the stored events, the next record, agreement, PRISMA, CSV files."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest

from evsynth.review import PrismaError
from evsynth.screening import ScreeningError, agreement, view_for
from evsynth.store import DECISIONS_CSV_FIELDS, StoreError, open_store

TA, FT = "title_abstract", "full_text"
TEAM = {"lea": "lead", "ana": "reviewer", "ben": "reviewer", "cy": "reviewer"}


def add_team(store, review="pain", team=TEAM):
    for name, role in team.items():
        if name not in store.users():
            store.add_user(name)
        store.add_member(review, name, role)


@pytest.fixture
def pain(team_store, exports):
    """Review "pain": MEDLINE r000001-r000004 (no deduplication yet) and the team."""
    team_store.import_records("pain", "MEDLINE", [exports["medline"]])
    add_team(team_store)
    return team_store


def both(store, record, stage, first, second, reasons=(None, None)):
    store.screen_vote("pain", record, "ana", stage, first, reason=reasons[0])
    store.screen_vote("pain", record, "ben", stage, second, reason=reasons[1])


# --- votes and resolutions --------------------------------------------------------------------


def test_two_votes_agree_and_the_state_comes_from_the_stored_events(pain, clock):
    recorded = pain.screen_vote("pain", "r000001", "ana", TA, "include", note="RCT?")
    event = recorded.event
    assert (event.username, event.kind, event.note, event.created_at) == (
        "ana", "vote", "RCT?", clock.now,
    )  # fmt: skip
    assert pain.record_state("pain", "r000001", TA).status == "open"
    assert recorded.state == pain.record_state("pain", "r000001", TA)
    clock.advance(minutes=1)
    second = pain.screen_vote("pain", "r000001", "ben", TA, "include")
    state = pain.screening_states("pain").state("r000001", TA)
    assert second.state == state  # the state after the vote, read in its transaction
    assert (state.status, state.final_decision, sorted(state.votes)) == (
        "agreed", "include", ["ana", "ben"],
    )  # fmt: skip
    assert pain.record_state("pain", "r000001", FT).available
    assert [e.decision for e in pain.decisions("pain")] == ["include", "include"]


def test_a_second_vote_is_refused_the_same_way_whether_the_record_is_open_or_a_conflict(pain):
    pain.screen_vote("pain", "r000001", "ana", TA, "include")
    both(pain, "r000002", TA, "include", "exclude")  # a conflict
    messages = set()
    for record in ("r000001", "r000002"):
        with pytest.raises(ScreeningError, match="already voted on this record") as info:
            pain.screen_vote("pain", record, "ana", TA, "exclude")
        messages.add(str(info.value).split(" refused: ")[1])
    assert messages == {"you have already voted on this record at this stage"}
    assert len(pain.decisions("pain")) == 3


def test_voting_closes_and_full_text_waits_for_an_include(pain):
    both(pain, "r000001", TA, "exclude", "exclude")
    with pytest.raises(ScreeningError, match="voting has closed"):
        pain.screen_vote("pain", "r000001", "cy", TA, "include")
    with pytest.raises(ScreeningError, match="only on records included at title/abstract"):
        pain.screen_vote("pain", "r000001", "cy", FT, "include")
    with pytest.raises(ScreeningError, match="reason is required to exclude at full text"):
        both(pain, "r000002", TA, "include", "include")
        pain.screen_vote("pain", "r000002", "ana", FT, "exclude")
    pain.screen_vote("pain", "r000002", "ana", FT, "not_retrieved")


def test_the_lead_resolves_a_conflict_and_a_reviewer_may_not(pain):
    both(pain, "r000001", TA, "include", "maybe")
    with pytest.raises(ScreeningError, match="only the lead or a designated resolver"):
        pain.resolve("pain", "r000001", "cy", TA, "include")
    with pytest.raises(ScreeningError, match="only a conflict can be resolved"):
        pain.resolve("pain", "r000002", "lea", TA, "include")
    event = pain.resolve("pain", "r000001", "lea", TA, "include", note="met criteria").event
    assert (event.kind, event.username) == ("resolution", "lea")
    state = pain.record_state("pain", "r000001", TA)
    assert (state.status, state.resolved_by, state.resolution.note) == (
        "resolved", "lea", "met criteria",
    )  # fmt: skip


def test_only_members_decide_and_unknown_names_are_refused(pain):
    pain.add_user("zoe")
    with pytest.raises(StoreError, match="'zoe' is not a member of review 'pain'"):
        pain.screen_vote("pain", "r000001", "zoe", TA, "include")
    with pytest.raises(StoreError, match="no user named 'nobody'"):
        pain.screen_vote("pain", "r000001", "nobody", TA, "include")
    with pytest.raises(StoreError, match="review 'pain' has no record r000099"):
        pain.screen_vote("pain", "r000099", "ana", TA, "include")
    with pytest.raises(StoreError, match="no review named 'other'"):
        pain.resolve("other", "r000001", "lea", TA, "include")
    with pytest.raises(ScreeningError, match="a vote at title_abstract is one of"):
        pain.screen_vote("pain", "r000001", "ana", TA, "yes")
    assert pain.decisions("pain") == ()


def test_only_the_primary_record_of_a_duplicate_group_is_screened(team_store, exports):
    store = team_store
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    store.import_records("pain", "Embase", [exports["embase"]])
    add_team(store)
    groups = set(store.deduplicate("pain").groups)
    assert ("r000001", "r000005") in groups
    with pytest.raises(StoreError, match=r"r000005 is a duplicate of r000001 .*decide on r000001"):
        store.screen_vote("pain", "r000005", "ana", TA, "include")
    screened = store.screened_records("pain")
    assert "r000001" in screened and "r000005" not in screened
    # A person-made group takes r000005 out of the automatic group: it is screened again.
    store.add_duplicate_group("pain", ["r000004", "r000005"], by="lea")
    with pytest.raises(StoreError, match="r000005 is a duplicate of r000004"):
        store.screen_vote("pain", "r000005", "ana", TA, "include")
    store.screen_vote("pain", "r000001", "ana", TA, "include")  # its group is gone
    assert store.screened_records("pain") == tuple(
        record for record in store.records("pain") if record not in ("r000005", "r000006")
    )


def test_reviewers_deciding_the_same_record_at_the_same_moment_are_all_checked(pain):
    """Four members vote on each record at once, twice each: exactly two votes close it."""
    voters = ["ana", "ben", "cy", "lea"] * 2
    for record in ("r000001", "r000002", "r000003"):
        barrier = threading.Barrier(len(voters))
        outcomes: list[str] = []

        def vote(name: str, record=record, barrier=barrier, outcomes=outcomes) -> None:
            barrier.wait()
            try:
                pain.screen_vote("pain", record, name, TA, "include")
                outcomes.append("recorded")
            except ScreeningError as error:
                outcomes.append(str(error).split(" refused: ")[1].split(":")[0])

        threads = [threading.Thread(target=vote, args=(name,)) for name in voters]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes.count("recorded") == 2, outcomes
        assert set(outcomes) <= {
            "recorded",
            "voting has closed",
            "you have already voted on this record at this stage",
        }
        stored = pain.decisions("pain", record=record)
        assert len(stored) == 2 and len({e.username for e in stored}) == 2
    states = pain.screening_states("pain")  # the stored history keeps every rule
    assert {s.status for s in states} == {"agreed"}


# --- the next record --------------------------------------------------------------------------


def test_next_record_follows_record_order_and_skips_what_the_reviewer_may_not_vote_on(pain):
    assert pain.next_record("pain", "ana", TA) == "r000001"
    both(pain, "r000001", TA, "include", "include")
    pain.screen_vote("pain", "r000002", "ana", TA, "exclude")
    pain.screen_vote("pain", "r000003", "cy", TA, "include")
    pain.screen_vote("pain", "r000003", "lea", TA, "exclude")  # closed without ana
    assert pain.next_record("pain", "ana", TA) == "r000004"
    assert pain.next_record("pain", "ben", TA) == "r000002"
    assert pain.next_record("pain", "cy", FT) == "r000001"
    assert pain.next_record("pain", "ana", FT) == "r000001"
    pain.screen_vote("pain", "r000001", "ana", FT, "include")
    assert pain.next_record("pain", "ana", FT) is None
    # the prioritisation hook sees the qualifying records in order, and chooses
    seen = []
    chosen = pain.next_record("pain", "ben", TA, order=lambda ids: seen.append(ids) or ids[::-1])
    assert (seen, chosen) == ([["r000002", "r000004"]], "r000004")
    with pytest.raises(StoreError, match="order returned 'r000001', which is not a record"):
        pain.next_record("pain", "ben", TA, order=lambda ids: ["r000001"])
    with pytest.raises(StoreError, match="not a member"):
        pain.add_user("zoe")
        pain.next_record("pain", "zoe", TA)


def test_next_record_is_the_first_record_whose_view_lets_the_reviewer_vote(pain):
    both(pain, "r000001", TA, "include", "include")
    both(pain, "r000002", TA, "include", "exclude")
    pain.resolve("pain", "r000002", "lea", TA, "include")
    both(pain, "r000003", TA, "maybe", "maybe")
    pain.screen_vote("pain", "r000001", "cy", FT, "include")
    states = pain.screening_states("pain")
    records = pain.screened_records("pain")
    for name, role in TEAM.items():
        for stage in (TA, FT):
            votable = [r for r in records if view_for(states.state(r, stage), name, role).can_vote]
            assert pain.next_record("pain", name, stage) == (votable[0] if votable else None)


# --- not retrieved: a full-text decision only ---------------------------------------------------


def test_not_retrieved_is_a_full_text_vote_and_resolution_only(pain):
    with pytest.raises(ScreeningError, match="a vote at title_abstract is one of"):
        pain.screen_vote("pain", "r000001", "ana", TA, "not_retrieved")
    both(pain, "r000001", TA, "exclude", "include")
    with pytest.raises(ScreeningError, match="a resolution at title_abstract is one of"):
        pain.resolve("pain", "r000001", "lea", TA, "not_retrieved")
    assert len(pain.decisions("pain")) == 2
    pain.resolve("pain", "r000001", "lea", TA, "include")
    both(pain, "r000001", FT, "not_retrieved", "not_retrieved")
    state = pain.record_state("pain", "r000001", FT)
    assert (state.status, state.final_decision) == ("agreed", "not_retrieved")

    both(pain, "r000002", TA, "include", "include")
    both(pain, "r000002", FT, "not_retrieved", "include")
    assert pain.record_state("pain", "r000002", FT).status == "conflict"
    pain.resolve("pain", "r000002", "lea", FT, "not_retrieved", note="no copy anywhere")
    state = pain.record_state("pain", "r000002", FT)
    assert (state.status, state.final_decision) == ("resolved", "not_retrieved")


def test_prisma_counts_reports_not_retrieved(pain):
    for record in ("r000001", "r000002", "r000003"):
        both(pain, record, TA, "include", "include")
    both(pain, "r000004", TA, "exclude", "exclude")
    both(pain, "r000001", FT, "not_retrieved", "not_retrieved")
    both(pain, "r000002", FT, "include", "not_retrieved")
    pain.resolve("pain", "r000002", "lea", FT, "not_retrieved")
    both(pain, "r000003", FT, "include", "include")
    pain.link_report("pain", "r000003", "smith2019", by="lea")
    assert pain.included_reports("pain") == ("r000003",)
    counts = pain.prisma_counts("pain")
    assert (counts.reports_sought, counts.reports_not_retrieved, counts.reports_assessed) == (
        3, 2, 1,
    )  # fmt: skip
    assert (counts.studies_included, counts.reports_included) == (1, 1)


def test_not_retrieved_is_imported_at_full_text_and_refused_at_title_abstract(pain, tmp_path):
    good = write_decisions(
        tmp_path / "good.csv",
        *(f"{T},{who},r000001,{TA},vote,include,," for who in ("ana", "ben")),
        f"{T},ana,r000001,{FT},vote,not_retrieved,,",
        f"{T},ben,r000001,{FT},vote,include,,",
        f"{T},lea,r000001,{FT},resolution,not_retrieved,,no copy",
    )
    assert pain.import_decisions_csv("pain", good, as_user="lea") == 5
    state = pain.record_state("pain", "r000001", FT)
    assert (state.status, state.final_decision, state.resolution.note) == (
        "resolved", "not_retrieved", "no copy",
    )  # fmt: skip
    bad = write_decisions(tmp_path / "bad.csv", f"{T},ana,r000002,{TA},vote,not_retrieved,,")
    with pytest.raises(StoreError, match="line 2, field 'decision': a vote at title_abstract"):
        pain.import_decisions_csv("pain", bad, as_user="lea")
    assert len(pain.decisions("pain")) == 5


def test_a_decision_takes_not_retrieved_at_full_text_only(pain):
    with pytest.raises(
        StoreError, match="must be one of include, exclude, maybe at title_abstract"
    ):
        pain._append_decision_unchecked("pain", "r000001", "ana", TA, "not_retrieved")
    event = pain._append_decision_unchecked("pain", "r000001", "ana", FT, "not_retrieved")
    assert (event.stage, event.decision) == (FT, "not_retrieved")


# --- the designated resolver ------------------------------------------------------------------

RESOLVER_TEAM = {"lea": "lead", "ana": "reviewer", "ben": "reviewer", "cy": "resolver"}


@pytest.fixture
def with_resolver(team_store, exports):
    """Review "pain" (r000001-r000004) with a lead, two reviewers and cy, the resolver."""
    team_store.import_records("pain", "MEDLINE", [exports["medline"]])
    add_team(team_store, team=RESOLVER_TEAM)
    return team_store


def test_a_resolver_is_a_role_of_its_own(with_resolver):
    store = with_resolver
    assert store.role_of("pain", "cy") == "resolver"
    assert [(m.username, m.role) for m in store.members("pain")] == [
        ("lea", "lead"), ("cy", "resolver"), ("ana", "reviewer"), ("ben", "reviewer"),
    ]  # fmt: skip
    with pytest.raises(StoreError, match="role must be one of lead, resolver, reviewer"):
        store.add_member("pain", "cy", "owner")


def test_a_resolver_resolves_conflicts_they_did_not_vote_on(with_resolver):
    store = with_resolver
    both(store, "r000001", TA, "include", "exclude")
    event = store.resolve("pain", "r000001", "cy", TA, "include", note="third reviewer").event
    assert (event.kind, event.username) == ("resolution", "cy")
    state = store.record_state("pain", "r000001", TA)
    assert (state.status, state.resolved_by) == ("resolved", "cy")
    # a resolver screens like a reviewer, and then may not resolve that record
    assert store.next_record("pain", "cy", TA) == "r000002"
    store.screen_vote("pain", "r000002", "cy", TA, "include")
    store.screen_vote("pain", "r000002", "ana", TA, "exclude")
    with pytest.raises(ScreeningError, match="a resolver may not resolve a record they voted on"):
        store.resolve("pain", "r000002", "cy", TA, "exclude")
    with pytest.raises(ScreeningError, match="only the lead or a designated resolver"):
        store.resolve("pain", "r000002", "ben", TA, "exclude")
    store.resolve("pain", "r000002", "lea", TA, "exclude")
    with pytest.raises(ScreeningError, match="only a conflict can be resolved"):
        store.resolve("pain", "r000003", "cy", TA, "include")


def test_a_resolver_resolution_is_imported(with_resolver, tmp_path):
    path = write_decisions(
        tmp_path / "resolved.csv",
        f"{T},ana,r000001,{TA},vote,include,,",
        f"{T},ben,r000001,{TA},vote,maybe,,",
        f"{T},cy,r000001,{TA},resolution,include,,",
    )
    assert with_resolver.import_decisions_csv("pain", path, as_user="lea") == 3
    assert with_resolver.record_state("pain", "r000001", TA).resolved_by == "cy"


# --- votes required ---------------------------------------------------------------------------


def test_votes_required_cannot_change_once_a_vote_exists(pain):
    assert pain.configure_review("pain", votes_required=3).votes_required == 3
    assert pain.configure_review("pain", votes_required=2).votes_required == 2
    pain.screen_vote("pain", "r000001", "ana", TA, "include")
    with pytest.raises(StoreError) as info:
        pain.configure_review("pain", votes_required=3, exclusion_reasons=["Not an RCT"])
    message = str(info.value)
    assert "votes_required of 'pain' cannot change from 2 to 3" in message
    assert "the review has 1 vote already" in message
    settings = pain.review_settings("pain")
    assert settings.votes_required == 2 and "Not an RCT" not in settings.exclusion_reasons
    # the same number, and the exclusion reasons, may still be set
    assert pain.configure_review("pain", votes_required=2).votes_required == 2
    reasons = pain.configure_review("pain", exclusion_reasons=["Not an RCT"]).exclusion_reasons
    assert reasons == ("Not an RCT",)


# --- derived: agreement and PRISMA ------------------------------------------------------------


def screen_all(store):
    """A complete screening of r000001-r000004 with one conflict and two included reports."""
    both(store, "r000001", TA, "include", "include")
    both(store, "r000002", TA, "include", "exclude")
    store.resolve("pain", "r000002", "lea", TA, "include")
    both(store, "r000003", TA, "exclude", "exclude")
    both(store, "r000004", TA, "exclude", "include")
    store.resolve("pain", "r000004", "lea", TA, "exclude")
    both(store, "r000001", FT, "include", "include")
    both(store, "r000002", FT, "exclude", "exclude", reasons=("Not an RCT", "Not an RCT"))


def test_agreement_is_computed_from_the_stored_events(pain):
    screen_all(pain)
    results = pain.agreement("pain")
    assert results == agreement(pain.screening_states("pain"))
    pooled = results[0]
    assert (pooled.stage, pooled.reviewers, pooled.n) == (TA, None, 4)
    assert pooled.percent_agreement == 50.0


def test_prisma_counts_come_from_the_store(pain):
    screen_all(pain)
    with pytest.raises(PrismaError, match=r"linked to no study .*: r000001"):
        pain.prisma_counts("pain")
    pain.link_report("pain", "r000001", "smith2019", by="lea")
    counts = pain.prisma_counts("pain", studies_in_meta_analysis=1)
    assert dict(counts.databases) == {"MEDLINE": 4}
    assert (counts.records_screened, counts.records_excluded, counts.reports_sought) == (4, 2, 2)
    assert dict(counts.reports_excluded) == {"Not an RCT": 1}
    assert (counts.studies_included, counts.reports_included) == (1, 1)


def test_prisma_counts_say_what_is_missing(pain):
    both(pain, "r000001", TA, "include", "include")
    with pytest.raises(PrismaError) as info:
        pain.prisma_counts("pain")
    problems = "\n".join(info.value.problems)
    assert "3 of 4 unique records have no title/abstract decision" in problems
    assert "1 records included at title/abstract have no full-text decision" in problems


# --- files ------------------------------------------------------------------------------------


def test_export_then_import_into_another_store_gives_the_same_states(pain, tmp_path, exports):
    screen_all(pain)
    out = tmp_path / "decisions.csv"
    assert pain.export_decisions_csv("pain", out) == len(pain.decisions("pain"))
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == DECISIONS_CSV_FIELDS
    assert rows[4]["kind"] == "resolution" and rows[4]["username"] == "lea"
    with open_store(directory=tmp_path) as other:
        other.import_records("pain", "MEDLINE", [exports["medline"]])
        add_team(other)
        assert other.import_decisions_csv("pain", out, as_user="lea") == len(rows)
        assert dict(other.screening_states("pain").by_key) == dict(
            pain.screening_states("pain").by_key
        )
        with pytest.raises(StoreError, match=r"line 2: vote by ana .*already voted"):
            other.import_decisions_csv("pain", out, as_user="lea")  # all refused, none added
        assert len(other.decisions("pain")) == len(rows)


def write_decisions(path: Path, *rows: str, header: str = ",".join(DECISIONS_CSV_FIELDS)) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


T = "2025-01-02T10:00:00+00:00"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([f"yesterday,ana,r000001,{TA},vote,include,,"], "line 2, field 'at': 'yesterday'"),
        ([f"{T},ana,1,{TA},vote,include,,"], "line 2, field 'record': '1' is not a record id"),
        ([f"{T},ana,r000001,abstract,vote,include,,"], "line 2, field 'stage'"),
        ([f"{T},ana,r000001,{TA},veto,include,,"], "line 2, field 'kind'"),
        ([f"{T},ana,r000001,{TA},vote,yes,,"], "line 2, field 'decision'"),
        ([f"{T},,r000001,{TA},vote,include,,"], "line 2, field 'username': empty cell"),
        ([f"{T},ana,r000001,{FT},vote,exclude,,"], "line 2, field 'reason': a reason is required"),
        ([f"{T},zoe,r000001,{TA},vote,include,,"], "line 2, field 'username': 'zoe' is not a memb"),
        ([f"{T},ana,r000009,{TA},vote,include,,"], "line 2, field 'record': 'pain' has no record"),
        (
            [f"{T},ana,r000001,{TA},vote,include,,", f'{T},ana,r000001,{TA},vote,exclude,,"a\nb"'],
            "line 3: vote by ana on record r000001 .*already voted",
        ),
        ([f"{T},cy,r000002,{TA},resolution,include,,"], "line 2: resolution by cy .*only the lead"),
    ],
)
def test_a_bad_decisions_file_names_the_line_and_field_and_changes_nothing(
    pain, tmp_path, rows, message
):
    pain.screen_vote("pain", "r000004", "ana", TA, "include")
    path = write_decisions(tmp_path / "decisions.csv", *rows)
    with pytest.raises(StoreError, match=message) as info:
        pain.import_decisions_csv("pain", path, as_user="lea")
    assert str(info.value).startswith(f"{path}: nothing was imported")
    assert len(pain.decisions("pain")) == 1


def test_importing_needs_a_lead_and_a_readable_file_with_the_columns(pain, tmp_path):
    good = write_decisions(tmp_path / "good.csv", f"{T},ana,r000001,{TA},vote,include,,")
    with pytest.raises(StoreError, match="only a lead of 'pain' imports decisions"):
        pain.import_decisions_csv("pain", good, as_user="ana")
    with pytest.raises(StoreError, match="no such file"):
        pain.import_decisions_csv("pain", tmp_path / "none.csv", as_user="lea")
    header = "at,username,record,stage,decision,reasons"
    odd = write_decisions(tmp_path / "odd.csv", header=header)
    wrong_columns = r"line 1: missing column\(s\) 'kind'; unknown .*'reasons'"
    with pytest.raises(StoreError, match=wrong_columns):
        pain.import_decisions_csv("pain", odd, as_user="lea")
    (tmp_path / "latin1.csv").write_bytes("at,username\nç\n".encode("latin-1"))
    with pytest.raises(StoreError, match="not UTF-8"):
        pain.import_decisions_csv("pain", tmp_path / "latin1.csv", as_user="lea")
    assert pain.decisions("pain") == ()
    # a time without a zone is UTC; reason and note may be left out
    plain = write_decisions(
        tmp_path / "plain.csv",
        f"2025-01-02 10:00,ana,r000001,{TA},vote,include",
        header="at,username,record,stage,kind,decision",
    )
    assert pain.import_decisions_csv("pain", plain, as_user="lea") == 1
    (event,) = pain.decisions("pain")
    assert event.created_at.isoformat() == "2025-01-02T10:00:00+00:00"


def test_export_studies_lists_each_study_with_its_reports(pain, tmp_path):
    pain.link_report("pain", "r000001", "smith2019", by="lea")
    pain.link_report("pain", "r000003", "smith2019", by="lea")
    pain.link_report("pain", "r000002", "adams2020", by="lea")
    out = tmp_path / "studies.csv"
    assert pain.export_studies_csv("pain", out) == 2
    assert out.read_text(encoding="utf-8").splitlines() == [
        "study_id,label,report_ids",
        "adams2020,adams2020,r000002",
        "smith2019,smith2019,r000001;r000003",
    ]
