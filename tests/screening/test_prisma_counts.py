"""PRISMA counts derived from a review folder's exports and screening.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from evsynth.records import RecordsError, identify
from evsynth.review import PrismaError, load_review
from evsynth.screening import prisma_counts
from tests.review._folders import only_problem, problems_of
from tests.screening._exports import A_RIS, COMPLETE, HEADER, with_sources

EXAMPLE = Path(__file__).parents[2] / "examples" / "peer-support-msk"


def counts_of(folder: Path, **kwargs):
    review = load_review(folder)
    return prisma_counts(identify(review), review.screening_decisions, **kwargs)


def failure(folder: Path, **kwargs) -> str:
    with pytest.raises(PrismaError) as info:
        counts_of(folder, **kwargs)
    return str(info.value)


def test_sources_load_in_order_with_their_kinds(folder):
    review = load_review(with_sources(folder))
    sources = review.protocol.sources
    assert [(s.name, s.file, s.kind, s.searched) for s in sources] == [
        ("Embase", "records/a.ris", "database", ""),
        ("MEDLINE", "records/b.nbib", "database", "2024-01-31"),
    ]
    assert len(review.screening_decisions) == 6


def test_counts_follow_the_records_and_decisions(folder):
    counts = counts_of(with_sources(folder))
    assert dict(counts.databases) == {"Embase": 3, "MEDLINE": 3}
    assert counts.duplicates_removed == 2
    assert counts.records_screened == 4
    assert counts.records_excluded == 2
    assert counts.reports_sought == 2
    assert counts.reports_not_retrieved == 0
    assert counts.reports_assessed == 2
    assert dict(counts.reports_excluded) == {"Not a randomised design": 1}
    assert (counts.reports_included, counts.studies_included) == (1, 1)


def test_not_retrieved_reports_are_not_assessed(folder):
    screening = COMPLETE.replace(
        "b.nbib#2,full_text,exclude,Not a randomised design,", "a.ris#3,full_text,not_retrieved,,"
    )
    counts = counts_of(with_sources(folder, screening))
    assert (counts.reports_sought, counts.reports_not_retrieved) == (2, 1)
    assert (counts.reports_assessed, counts.reports_excluded_total) == (1, 0)


def test_missing_title_abstract_decisions_are_named(folder):
    message = failure(
        with_sources(folder, COMPLETE.replace("b.nbib#3,title_abstract,exclude,,\n", ""))
    )
    assert "1 of 4 unique records have no title/abstract decision: b.nbib#3" in message


def test_missing_full_text_decisions_are_named(folder):
    screening = COMPLETE.replace("a.ris#1,full_text,include,,adams2012\n", "")
    message = failure(with_sources(folder, screening))
    assert "1 records included at title/abstract have no full-text decision" in message


def test_duplicates_decided_differently_are_refused(folder):
    screening = COMPLETE + "a.ris#3,title_abstract,exclude,,\n"
    message = failure(with_sources(folder, screening))
    assert "duplicates of one record were decided differently" in message
    assert "a.ris#3" in message and "b.nbib#2" in message


def test_unknown_record_ids_are_refused(folder):
    screening = COMPLETE + "c.ris#1,title_abstract,exclude,,\na.ris#9,title_abstract,exclude,,\n"
    message = failure(with_sources(folder, screening))
    assert "screening.csv names records that no export holds: c.ris#1, a.ris#9" in message


def test_every_included_study_needs_an_included_report(folder):
    message = failure(with_sources(folder), study_ids=["adams2012", "baker2015"])
    assert "studies.csv lists studies with no report included at full text: baker2015" in message
    assert counts_of(folder, study_ids=["adams2012"]).studies_included == 1


def test_several_problems_are_reported_at_once(folder):
    screening = HEADER + "a.ris#1,title_abstract,include,,\nzz.ris#1,title_abstract,include,,\n"
    message = failure(with_sources(folder, screening))
    assert "no export holds" in message
    assert "have no title/abstract decision" in message
    assert "have no full-text decision" in message


def test_a_malformed_export_names_its_file_and_line(folder):
    with_sources(folder)
    (folder / "records" / "a.ris").write_text("TY  - JOUR\nTI  - Cut short\n", encoding="utf-8")
    with pytest.raises(RecordsError, match=r"a\.ris, line \d+"):
        identify(load_review(folder))


# --- review.toml [[source]] and screening.csv: the loader's checks -------------------------


def test_a_missing_export_is_a_problem_of_review_toml(folder):
    with_sources(folder)
    (folder / "records" / "b.nbib").unlink()
    problem = only_problem(folder)
    assert (problem.file, problem.field) == ("review.toml", "source.file")
    assert problem.message == "the export 'records/b.nbib' is not in the review folder"
    assert problem.line is not None


def test_export_file_names_must_differ(folder):
    with_sources(folder)
    (folder / "records" / "more").mkdir()
    (folder / "records" / "more" / "a.ris").write_text(A_RIS, encoding="utf-8")
    with open(folder / "review.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[source]]\nname = "CINAHL"\nfile = "records/more/a.ris"\n')
    problem = only_problem(folder)
    assert problem.field == "source.file"
    assert "export file name 'a.ris' is also used by 'records/a.ris'" in problem.message


def test_source_kind_is_checked(folder):
    with_sources(folder)
    with open(folder / "review.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[source]]\nname = "Web"\nfile = "records/b.nbib"\nkind = "website"\n')
    found = problems_of(folder)
    assert any(p.field == "source.kind" for p in found)


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("a.ris#1,abstract,include,,", "stage", "must be one of ['title_abstract', 'full_text']"),
        ("a.ris#1,title_abstract,maybe,,", "decision", "must be one of ['include', 'exclude']"),
        ("a.ris#1,title_abstract,not_retrieved,,", "decision", "at title_abstract"),
        ("a.ris#1,full_text,exclude,,", "reason", "is required to exclude at full text"),
        ("a.ris#1,full_text,include,,", "study_id", "is required to include at full text"),
        ("a.ris#1,full_text,include,,nobody", "study_id", "unknown study 'nobody'"),
        ("a.ris#2,title_abstract,exclude,,adams2012", "study_id", "only for reports included"),
        ("a.ris-1,title_abstract,exclude,,", "record_id", "must be FILE#N"),
    ],
)
def test_bad_screening_rows_name_line_and_field(folder, row, field, message):
    with_sources(folder, HEADER + "b.nbib#3,title_abstract,exclude,,\n" + row + "\n")
    problem = only_problem(folder)
    assert (problem.file, problem.line, problem.field) == ("screening.csv", 3, field)
    assert message in problem.message


def test_a_record_decided_twice_at_one_stage_is_a_problem(folder):
    screening = HEADER + "a.ris#2,title_abstract,exclude,,\na.ris#2,title_abstract,include,,\n"
    problem = only_problem(with_sources(folder, screening))
    assert (problem.line, problem.field) == (3, "record_id")
    assert problem.message == "decided twice at title_abstract (first on line 2)"


def test_full_text_after_exclusion_is_a_problem(folder):
    screening = HEADER + "a.ris#2,title_abstract,exclude,,\na.ris#2,full_text,not_retrieved,,\n"
    problem = only_problem(with_sources(folder, screening))
    assert problem.line == 3
    assert "was excluded at title/abstract" in problem.message


def test_missing_columns_are_named(folder):
    problem = only_problem(with_sources(folder, "record_id,decision\na.ris#1,include\n"))
    assert (problem.file, problem.line, problem.field) == ("screening.csv", 1, "stage")


# --- the bundled example -------------------------------------------------------------------


def test_the_example_counts_itself():
    review = load_review(EXAMPLE)
    identification = identify(review)
    counts = prisma_counts(
        identification, review.screening_decisions, study_ids=list(review.studies)
    )
    assert counts.records_identified == 3329
    assert counts.duplicates_removed == 1769
    assert counts.records_screened == 1560
    assert (counts.reports_sought, counts.reports_not_retrieved) == (80, 3)
    assert counts.reports_excluded_total == 48
    assert (counts.reports_included, counts.studies_included) == (29, 24)
    assert counts.studies_included == len(review.studies)
