from __future__ import annotations

import csv

import pytest

from evsynth.records._dedup import DedupResult, deduplicate, write_groups_csv

ARTICLE = {
    "title": "Effect of aspirin on recurrent stroke: a randomised controlled trial",
    "authors": "Smith, John A and Jones, B and Brown, C",
    "year": "2010",
    "journal": "Journal of the American Medical Association",
    "volume": "303",
    "issue": "4",
    "pages": "1234-1238",
}


def record(record_id: str, **changes: object) -> dict[str, object]:
    return {**ARTICLE, "id": record_id, **changes}


def merged(records) -> set[frozenset[str]]:
    return {frozenset(group) for group in deduplicate(records).groups}


def test_same_doi_different_case_merges():
    records = [
        record("a", doi="10.1001/JAMA.2010.1"),
        record("b", doi="https://doi.org/10.1001/jama.2010.1", pages="", volume=""),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_trailing_period_and_html_entities():
    records = [
        record("a", title="Aspirin &amp; stroke: a randomised trial in older adults."),
        record("b", title="Aspirin & stroke: a randomised trial in older adults"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_reversed_author_forms():
    records = [
        record("a", authors=["Smith, John A", "Jones, B", "Brown, C"]),
        record("b", authors="John A Smith; B Jones; C Brown"),
        record("c", authors="Smith JA; Jones B; Brown C"),
    ]
    assert merged(records) == {frozenset({"a", "b", "c"})}


def test_abbreviated_journal_and_short_page_range():
    records = [record("a"), record("b", journal="J Am Med Assoc", pages="1234-8")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_diacritics():
    records = [
        record("a", title="Étude randomisée de l'aspirine chez les patients âgés"),
        record("b", title="Etude randomisee de l aspirine chez les patients ages"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_erratum_does_not_merge():
    records = [
        record("a"),
        record("b", title="Erratum: " + ARTICLE["title"], pages="2001", issue="9"),
    ]
    result = deduplicate(records)
    assert result.groups == ()


def test_different_paper_same_title_prefix_does_not_merge():
    records = [
        record("a"),
        record(
            "b",
            title="Effect of aspirin on recurrent stroke: long-term follow-up of a cohort",
            pages="55-61",
            volume="310",
            year="2013",
        ),
    ]
    assert deduplicate(records).groups == ()


def test_conference_abstract_goes_to_review_queue():
    records = [
        record("a"),
        record("b", journal="Stroke", volume="41", pages="e250", issue="suppl 1"),
    ]
    result = deduplicate(records)
    assert result.groups == ()
    assert len(result.review_pairs) == 1
    pair = result.review_pairs[0]
    assert {pair.first_id, pair.second_id} == {"a", "b"}
    assert pair.title == 100.0


def test_transitivity_and_primary():
    records = [
        record("a", doi="10.1/x", pages="", volume=""),
        record("b", doi="10.1/x"),
        record("c", journal="J Am Med Assoc"),
    ]
    result = deduplicate(records)
    assert len(result.groups) == 1
    assert set(result.groups[0]) == {"a", "b", "c"}
    assert result.groups[0][0] == "b"  # the most complete record
    assert result.primary_ids == ("b",)
    assert result.n_duplicates_removed == 2
    assert result.group_of("c") == result.groups[0]
    assert result.merged_pairs() == {("a", "b"), ("a", "c"), ("b", "c")}


def test_deterministic():
    records = [
        record(f"r{i}", title=ARTICLE["title"] + ("" if i % 2 else "."), pages="1234-8")
        for i in range(6)
    ] + [record("other", title="A different study of statins", pages="1-9")]
    first = deduplicate(records)
    second = deduplicate(list(records))
    assert first == second
    reversed_groups = deduplicate(list(reversed(records))).groups
    assert {frozenset(g) for g in reversed_groups} == {frozenset(g) for g in first.groups}


def test_missing_keys_and_custom_id_key():
    records = [{"key": "x", "title": "Only a title"}, {"key": "y"}]
    assert deduplicate(records, id_key="key").groups == ()


def test_validation():
    with pytest.raises(TypeError):
        deduplicate("not records")
    with pytest.raises(TypeError):
        deduplicate([1, 2])
    with pytest.raises(ValueError, match="unique"):
        deduplicate([record("a"), record("a")])
    with pytest.raises(ValueError, match="no 'id'"):
        deduplicate([{"title": "x"}])
    with pytest.raises(ValueError):
        deduplicate([], max_block_size=1)


def test_write_groups_csv(tmp_path):
    result = DedupResult(groups=(("a", "b", "c"), ("d", "e")), review_pairs=(), n_records=6)
    target = tmp_path / "groups.csv"
    write_groups_csv(result, target)
    with open(target, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{"merged_ids": "a;b;c"}, {"merged_ids": "d;e"}]
    with pytest.raises(TypeError):
        write_groups_csv("nope", target)


def test_damaged_page_field_is_unknown_not_a_conflict():
    records = [record("a"), record("b", pages="01-Jun")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_title_annotations_are_ignored():
    records = [
        record("a"),
        record("b", title=ARTICLE["title"] + ".[Erratum appears in JAMA 2011;305(1):12]"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}
