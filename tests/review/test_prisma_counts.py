"""PRISMA 2020 flow counts: the arithmetic of the flow, every broken rule reported, immutability."""

from __future__ import annotations

import dataclasses
import pickle
import re

import numpy as np
import pytest

from evsynth.review._prisma import PrismaCounts, PrismaError

# The seed review: 16,445 records from seven databases.
DATABASES = {
    "MEDLINE": 3032,
    "Embase": 4850,
    "Emcare": 2116,
    "PsycINFO": 1642,
    "CINAHL": 1985,
    "Cochrane": 1820,
    "Scopus": 1000,
}
SEED = dict(
    databases=DATABASES,
    duplicates_removed=5000,
    records_screened=11445,
    records_excluded=11200,
    reports_sought=245,
    reports_not_retrieved=5,
    reports_assessed=240,
    reports_excluded={"Wrong population": 120, "Wrong design": 70, "No usable outcome": 22},
    studies_included=21,
    reports_included=28,
    studies_in_meta_analysis=17,
)
OTHER = dict(
    other_methods={"Websites": 30, "Citation searching": 90},
    other_reports_sought=20,
    other_not_retrieved=2,
    other_assessed=18,
    other_excluded={"Wrong population": 12},
)


def seed(**changes) -> PrismaCounts:
    return PrismaCounts(**{**SEED, **changes})


def problems_of(**changes) -> tuple[str, ...]:
    with pytest.raises(PrismaError) as info:
        seed(**changes)
    return info.value.problems


def test_seed_counts_add_up_and_derive():
    counts = seed()
    assert sum(DATABASES.values()) == 16445
    assert counts.records_identified == 16445
    assert counts.databases_total == 16445 and counts.registers_total == 0
    assert counts.records_removed == 5000
    assert counts.reports_excluded_total == 212
    assert counts.new_reports_included == 28 and counts.new_studies_included == 21
    assert not counts.has_other_methods and not counts.is_update
    assert counts.other_identified == 0 and counts.other_reports_included == 0
    assert list(counts.databases) == list(DATABASES)  # order kept
    assert list(counts.reports_excluded.items())[1] == ("Wrong design", 70)
    assert counts.problems() == ()
    counts.check()


def test_the_example_of_the_brief_reads_as_written():
    (message,) = problems_of(records_screened=11400, records_excluded=11155)
    assert message == (
        "records identified (16445) \u2212 duplicates removed (5000) = 11445, "
        "but records screened is 11400"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"automation_removed": 45},
            "records identified (16445) \u2212 duplicates removed (5000) \u2212 records marked "
            "as ineligible by automation tools (45) = 11400, but records screened is 11445",
        ),
        (
            {"records_excluded": 11201},
            "records screened (11445) \u2212 records excluded (11201) = 244, but reports sought "
            "for retrieval is 245",
        ),
        (
            {"reports_not_retrieved": 4},
            "reports sought for retrieval (245) \u2212 reports not retrieved (4) = 241, but "
            "reports assessed for eligibility is 240",
        ),
        (
            {"reports_excluded": {"Wrong population": 120, "Wrong design": 71, "Other": 22}},
            "reports assessed for eligibility (240) \u2212 reports excluded (213) = 27, but "
            "reports of included studies is 28",
        ),
        (
            {"studies_in_meta_analysis": 22},
            "studies in the meta-analysis (22) exceed studies included (21)",
        ),
    ],
)
def test_each_broken_equation_is_reported_with_its_numbers(changes, expected):
    assert problems_of(**changes) == (expected,)


def test_studies_cannot_outnumber_reports():
    changes = {"studies_included": 29, "studies_in_meta_analysis": None}
    (message,) = problems_of(**changes)
    assert message.startswith("studies included (29) exceed reports of included studies (28)")


def test_reports_included_need_a_study():
    (message,) = problems_of(studies_included=0, studies_in_meta_analysis=None)
    assert message == "reports of included studies is 28, but no study is included"


def test_exclusions_beyond_the_assessed_reports_are_named():
    # 240 assessed, 250 excluded: the sum is off and the exclusions exceed the assessed
    found = problems_of(reports_excluded={"Wrong population": 250}, reports_included=-10)
    assert "reports excluded (250) exceed reports assessed for eligibility (240)" in found


def test_several_broken_equations_are_all_listed():
    with pytest.raises(PrismaError) as info:
        seed(
            duplicates_removed=5045,  # screened should be 11400
            reports_not_retrieved=6,  # assessed should be 239
            studies_included=30,  # more studies than reports
            studies_in_meta_analysis=31,
        )
    found = info.value.problems
    assert len(found) == 4
    assert found[0].endswith("= 11400, but records screened is 11445")
    assert found[1].endswith("= 239, but reports assessed for eligibility is 240")
    assert found[2].startswith("studies included (30) exceed reports of included studies (28)")
    assert found[3] == "studies in the meta-analysis (31) exceed studies included (30)"
    text = str(info.value)
    assert text.startswith("the PRISMA flow counts do not add up:")
    assert all(f"- {p}" in text for p in found)
    assert isinstance(info.value, ValueError)


def test_negative_counts_are_reported_with_the_rest():
    with pytest.raises(PrismaError) as info:
        PrismaCounts(
            databases={"MEDLINE": 10, "Embase": -2},
            records_screened=8,
            records_excluded=9,
            reports_sought=-1,
            reports_not_retrieved=0,
            reports_assessed=-1,
            studies_included=0,
            reports_included=-1,
        )
    found = info.value.problems
    assert "reports sought for retrieval is -1; counts cannot be negative" in found
    assert "reports assessed for eligibility is -1; counts cannot be negative" in found
    assert "reports of included studies is -1; counts cannot be negative" in found
    assert "databases 'Embase' is -2; counts cannot be negative" in found
    # the arithmetic holds (8 - 9 = -1 ...): no equation is reported
    assert not [p for p in found if ", but " in p]


def test_registers_count_as_identified_records():
    counts = seed(registers={"ClinicalTrials.gov": 300}, duplicates_removed=5300)
    assert counts.records_identified == 16745
    assert counts.registers_total == 300
    only_registers = PrismaCounts(
        databases={},
        registers=[("ICTRP", 5)],
        records_screened=5,
        records_excluded=5,
        reports_sought=0,
        reports_not_retrieved=0,
        reports_assessed=0,
        studies_included=0,
        reports_included=0,
    )
    assert only_registers.records_identified == 5


def test_other_methods_column_adds_its_included_reports():
    counts = seed(**OTHER, reports_included=34)
    assert counts.has_other_methods
    assert counts.other_identified == 120
    assert counts.other_excluded_total == 12
    assert counts.other_reports_included == 6
    found = problems_of(**OTHER)  # the 6 other-methods reports are missing from the total
    assert found == (
        "reports assessed for eligibility (240) \u2212 reports excluded (212) + other methods: "
        "reports assessed (18) \u2212 reports excluded (12) = 34, but reports of included "
        "studies is 28",
    )


def test_other_methods_column_rules():
    found = problems_of(
        **{
            **OTHER,
            "other_methods": {"Websites": 10},
            "other_not_retrieved": 3,
            "other_excluded": {"Wrong population": 25},
        },
        reports_included=240 - 212 + 18 - 25,
    )
    assert found == (
        "other methods: reports sought for retrieval (20) exceed records identified (10)",
        "other methods: reports sought for retrieval (20) \u2212 reports not retrieved (3) = 17, "
        "but reports assessed for eligibility is 18",
        "other methods: reports excluded (25) exceed reports assessed for eligibility (18)",
    )


def test_other_methods_block_is_all_or_nothing():
    with pytest.raises(TypeError, match="other_assessed are required"):
        seed(other_methods={"Websites": 3}, other_reports_sought=1, other_not_retrieved=0)
    with pytest.raises(TypeError, match="without other_methods"):
        seed(other_assessed=3)
    counts = seed(
        other_methods={"Websites": 3},
        other_reports_sought=0,
        other_not_retrieved=0,
        other_assessed=0,
    )
    assert counts.other_excluded == {} and counts.other_excluded_total == 0


def test_update_block():
    counts = seed(
        previous_studies=10, previous_reports=12, reports_included=40, studies_included=31
    )
    assert counts.is_update
    assert counts.new_studies_included == 21 and counts.new_reports_included == 28
    found = problems_of(previous_studies=10, previous_reports=12)
    assert found[0].endswith(
        "+ reports of the previous version (12) = 40, but reports of included studies is 28"
    )
    found = problems_of(
        previous_studies=13,
        previous_reports=12,
        reports_included=40,
        studies_included=12,
        studies_in_meta_analysis=None,
    )
    assert found == (
        "studies included in the previous version (13) exceed their reports (12)",
        "studies included (12) are fewer than the studies of the previous version (13)",
    )
    found = problems_of(
        previous_studies=2, previous_reports=12, reports_included=40, studies_included=31
    )
    assert found == (
        "new studies (studies included 31 \u2212 previous 2 = 29) exceed new reports (reports "
        "included 40 \u2212 previous 12 = 28)",
    )
    with pytest.raises(TypeError, match="give both or neither"):
        seed(previous_studies=3)


def test_counts_are_immutable_hashable_and_picklable():
    source = dict(DATABASES)
    counts = seed(databases=source)
    source["MEDLINE"] = 1  # the counts keep their own copy
    assert counts.databases["MEDLINE"] == 3032
    with pytest.raises(dataclasses.FrozenInstanceError):
        counts.records_screened = 1
    with pytest.raises(TypeError):
        counts.databases["MEDLINE"] = 1
    with pytest.raises(AttributeError):
        counts.databases.update({"MEDLINE": 1})
    assert hash(counts) == hash(seed())
    assert counts == seed() and counts != seed(studies_in_meta_analysis=None)
    assert counts.databases == DATABASES  # equal to a plain dict with the same items
    assert {counts: 1}[seed()] == 1
    assert pickle.loads(pickle.dumps(counts)) == counts
    # the order of the names is part of the counts (it is the order of the lines drawn)
    reordered = seed(databases=dict(reversed(list(DATABASES.items()))))
    assert reordered != counts


def test_mappings_can_be_pairs_and_counts_any_integer_type():
    counts = seed(
        databases=[(name, np.int64(n)) for name, n in DATABASES.items()],
        records_screened=np.int32(11445),
    )
    assert counts == seed()
    assert type(counts.records_screened) is int
    assert all(type(n) is int for n in counts.databases.values())


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"records_screened": 11445.0}, TypeError, "records_screened must be a whole number"),
        ({"duplicates_removed": True}, TypeError, "duplicates_removed must be a whole number"),
        ({"records_excluded": "11200"}, TypeError, "records_excluded"),
        ({"databases": {"MEDLINE": 1.5}}, TypeError, "'MEDLINE' in databases"),
        ({"databases": {"": 3}}, TypeError, "non-empty strings"),
        ({"databases": [("A", 1), ("A", 2)]}, ValueError, "lists 'A' more than once"),
        ({"databases": [("A", 1, 2)]}, TypeError, re.escape("(name, count) pair")),
        ({"databases": "MEDLINE"}, TypeError, "mapping of name to count"),
        ({"databases": {}}, ValueError, "no database or register"),
    ],
)
def test_bad_types_are_clear_errors(changes, error, message):
    with pytest.raises(error, match=message):
        seed(**changes)


def test_required_counts_have_no_default():
    with pytest.raises(TypeError, match="records_screened"):
        PrismaCounts(databases={"A": 1})  # type: ignore[call-arg]
