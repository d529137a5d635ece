"""From screening events to the resolved decision rows, and on to the PRISMA counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from evsynth.records import identify
from evsynth.review import PrismaError, ScreeningDecisionRow, load_review
from evsynth.screening import (
    ScreeningError,
    ScreeningEvent,
    derive_states,
    prisma_counts,
    resolved_decision_rows,
)
from tests.screening._exports import with_sources

T0 = datetime(2024, 3, 1, 9, 0)
TA, FT = "title_abstract", "full_text"


def screening_events():
    """Two reviewers screen the minimal folder's four unique records (as screening.csv's
    COMPLETE decides them), with a conflict at each stage that the lead resolves."""
    specs = [
        ("a.ris#1", "ana", TA, "include", None, "vote"),
        ("a.ris#1", "ben", TA, "include", None, "vote"),
        ("a.ris#2", "ana", TA, "exclude", "Not about pain", "vote"),
        ("a.ris#2", "ben", TA, "maybe", None, "vote"),
        ("a.ris#2", "lea", TA, "exclude", None, "resolution"),
        ("b.nbib#2", "ana", TA, "include", None, "vote"),
        ("b.nbib#2", "ben", TA, "include", None, "vote"),
        ("b.nbib#3", "ana", TA, "exclude", None, "vote"),
        ("b.nbib#3", "ben", TA, "exclude", None, "vote"),
        ("a.ris#1", "ana", FT, "include", None, "vote"),
        ("a.ris#1", "ben", FT, "include", None, "vote"),
        ("b.nbib#2", "ana", FT, "exclude", "Not a randomised design", "vote"),
        ("b.nbib#2", "ben", FT, "exclude", "Wrong population", "vote"),
        ("b.nbib#2", "lea", FT, "exclude", "Not a randomised design", "resolution"),
    ]
    return [
        ScreeningEvent(record, who, stage, decision, reason=reason, kind=kind,
                       at=T0 + timedelta(minutes=i))
        for i, (record, who, stage, decision, reason, kind) in enumerate(specs)
    ]  # fmt: skip


def test_final_decisions_become_rows_with_their_studies():
    rows = resolved_decision_rows(derive_states(screening_events()), {"a.ris#1": "adams2012"})
    assert rows == [
        ScreeningDecisionRow("a.ris#1", TA, "include"),
        ScreeningDecisionRow("a.ris#1", FT, "include", study_id="adams2012"),
        ScreeningDecisionRow("a.ris#2", TA, "exclude"),
        ScreeningDecisionRow("b.nbib#2", TA, "include"),
        ScreeningDecisionRow("b.nbib#2", FT, "exclude", reason="Not a randomised design"),
        ScreeningDecisionRow("b.nbib#3", TA, "exclude"),
    ]


def test_the_rows_give_the_same_prisma_counts_as_screening_csv(folder):
    review = load_review(with_sources(folder))
    from_csv = prisma_counts(identify(review), review.screening_decisions)
    rows = resolved_decision_rows(derive_states(screening_events()), {"a.ris#1": "adams2012"})
    from_events = prisma_counts(identify(review), rows, study_ids=["adams2012"])
    assert from_events == from_csv
    assert dict(from_events.reports_excluded) == {"Not a randomised design": 1}
    assert (from_events.records_screened, from_events.reports_included) == (4, 1)


def test_unfinished_screening_shows_as_undecided_records(folder):
    review = load_review(with_sources(folder))
    events = [
        e for e in screening_events() if not (e.record_id == "a.ris#2" and e.kind == "resolution")
    ]
    rows = resolved_decision_rows(derive_states(events), {"a.ris#1": "adams2012"})
    with pytest.raises(
        PrismaError, match=r"1 of 4 unique records have no title/abstract decision: a\.ris#2"
    ):
        prisma_counts(identify(review), rows)


def test_several_reports_may_share_a_study():
    events = []
    for record in ("r1", "r2"):
        for stage in (TA, FT):
            events += [
                ScreeningEvent(record, who, stage, "include", at=T0) for who in ("ana", "ben")
            ]
    rows = resolved_decision_rows(derive_states(events), {"r1": "s1", "r2": "s1", "r9": "s2"})
    assert [r.study_id for r in rows if r.stage == FT] == ["s1", "s1"]


def test_an_included_report_without_a_study_is_refused():
    events = [
        ScreeningEvent("r1", who, stage, "include", at=T0)
        for stage in (TA, FT)
        for who in ("ana", "ben")
    ]
    with pytest.raises(
        ScreeningError, match=r"reports included at full text but linked to no study \(1\): r1"
    ):
        resolved_decision_rows(derive_states(events), {})
