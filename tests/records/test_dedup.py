from __future__ import annotations

import csv

import pytest

from evsynth.records._dedup import (
    DedupResult,
    _doi,
    _fold,
    _journal_abbreviation_match,
    _pages,
    _volume,
    deduplicate,
    write_groups_csv,
)

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


def test_erratum_named_by_title_joins_its_article_as_the_last_record():
    erratum = {**ARTICLE, "title": "Erratum: " + ARTICLE["title"], "pages": "2001", "issue": "9"}
    records = [{**erratum, "id": "a", "doi": "10.1/x", "pmid": "1"}, record("b")]
    assert deduplicate(records).groups == (("b", "a"),)
    assert deduplicate(records, link_notices=False).groups == ()


@pytest.mark.parametrize("changes", [{"volume": "304"}, {"year": "2011"}, {"journal": "Stroke"}])
def test_erratum_in_another_volume_year_or_journal_stays_apart(changes):
    title = "Erratum: " + ARTICLE["title"]
    records = [record("a"), record("b", title=title, issue="9", **{"pages": "2001", **changes})]
    assert deduplicate(records).groups == ()


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
        record("a", doi="10.1000/x", pages="", volume=""),
        record("b", doi="10.1000/x"),
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
    with pytest.raises(TypeError, match="link_notices"):
        deduplicate([], link_notices="yes")


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


# --- normalisation -------------------------------------------------------------------------


def test_greek_letters_spelled_out_and_markup_removed():
    assert (
        _fold("TNF-α and IFN-γ in <i>vivo</i> &amp; µg") == "tnf alpha and ifn gamma in vivo mu g"
    )
    records = [
        record("a", title="Anti-TNF-α therapy in <i>Pseudomonas</i> sepsis: a randomised trial"),
        record("b", title="Anti-TNF-alpha therapy in Pseudomonas sepsis: a randomised trial"),
        record(
            "c",
            title="Anti-TNF-beta therapy in Pseudomonas sepsis: a randomised trial",
            pages="1-9",
        ),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


@pytest.mark.parametrize(
    "note",
    [" [Abstract]", " [abstract no: 134]", " (Structured abstract)", ". [Review] [33 refs]"],
)
def test_database_title_notes_are_ignored(note):
    records = [record("a"), record("b", title=ARTICLE["title"] + note, pages="", volume="")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_words_split_or_joined_in_title():
    records = [
        record("a", title="Value of p16INK4a as a marker of progression in cervical neoplasia"),
        record("b", title="Value of p16(INK4a) as a marker of progression in cervical neoplasia"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_journal_abbreviation_in_either_order_and_with_dropped_letters():
    assert _journal_abbreviation_match("surgical endoscopy", "surg endosc")
    assert _journal_abbreviation_match("surg endosc", "surgical endoscopy")
    assert _journal_abbreviation_match(
        "dtsch med wochenschr", "deutsche medizinische wochenschrift"
    )
    assert _journal_abbreviation_match(
        "pediatric transplantation", "pediatric transplantation conference 6th congress"
    )
    assert not _journal_abbreviation_match("nat med", "neonatal medicine")
    assert not _journal_abbreviation_match("surg endosc", "surgical oncology")


def test_pages_volume_and_doi_normalisation():
    assert _pages("c37-c42") == ("37", "42", "37-42")
    assert _pages("S1234-45") == ("1234", "1245", "1234-1245")
    assert _pages('"233-8, 230-5"') == ("233", "238", "233-238")
    assert _volume("24 Suppl 3") == "24"
    assert _volume("Drug Discovery. 9") == "9"
    assert _doi("doi:10.1001/JAMA.2010.1. [doi]") == "10.1001/jama.2010.1"
    assert _doi("https://dx.doi.org/10.1001/jama.2010.1);") == "10.1001/jama.2010.1"
    assert _doi("no identifier") == ""


def test_doi_with_trailing_junk_merges():
    records = [
        record("a", doi="10.1001/jama.2010.1 [doi]"),
        record("b", doi="doi: 10.1001/JAMA.2010.1.", pages="", volume=""),
        record("c", doi="10.1001/jama.2010.2", title="A different trial of statins in adults"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_et_al_author_lists():
    records = [
        record("a", authors="Smith, John A and Jones, B and Brown, C"),
        record("b", authors="Smith JA; Jones B; et al.", pages="1234"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


# --- rules ---------------------------------------------------------------------------------


def test_supplement_volume_and_prefixed_pages():
    records = [record("a"), record("b", volume="303 Suppl 2", pages="S1234-S1238")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_single_page_equal_to_last_page_agrees():
    records = [record("a", pages="1238"), record("b")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_year_off_by_one_merges_when_pages_agree():
    records = [record("a"), record("b", year="2009")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_year_off_by_one_with_other_pages_does_not_merge():
    records = [record("a"), record("b", year="2011", pages="55-61")]
    assert merged(records) == set()


def test_versions_years_apart_do_not_merge():
    # A Cochrane review and its update: same title, authors, journal and article number.
    cochrane = {
        "journal": "Cochrane Database of Systematic Reviews",
        "volume": "",
        "pages": "CD006828",
    }
    records = [record("a", year="2008", **cochrane), record("b", year="2012", **cochrane)]
    assert merged(records) == set()


def test_wrong_pages_in_one_export_merge_with_everything_else_equal():
    records = [record("a"), record("b", pages="125-128")]
    assert merged(records) == {frozenset({"a", "b"})}


def test_wrong_pages_need_an_informative_title_and_the_same_authors():
    short = [
        record("a", title="Aspirin and stroke"),
        record("b", title="Aspirin and stroke", pages="9-12"),
    ]
    assert merged(short) == set()
    other_authors = [record("a"), record("b", pages="125-128", authors="Lee, K and Park, J")]
    assert merged(other_authors) == set()


def test_appended_translation_or_subtitle_merges():
    records = [
        record("a"),
        record("b", title=ARTICLE["title"] + "; Efeito da aspirina no acidente vascular"),
        record("c", title=ARTICLE["title"] + ": brief communication", pages="1235-1238"),
    ]
    assert merged(records) == {frozenset({"a", "b", "c"})}


def test_longer_title_with_other_pages_does_not_merge():
    records = [
        record("a"),
        record("b", title=ARTICLE["title"] + ": five-year follow-up", pages="2001-2009"),
    ]
    assert merged(records) == set()


def test_same_citation_with_translated_journal_merges():
    records = [
        record("a", journal="Revista Brasileira de Fisioterapia"),
        record("b", journal="Braz J Phys Ther", title=ARTICLE["title"] + ". Surgical aspects"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_same_citation_with_unknown_authors_and_retranslated_title_merges():
    records = [
        record("a", title="[Postoperative immunostimulation in non-small-cell lung carcinoma]"),
        record("b", title="Postoperative local immunostimulation in non-oatcell lung carcinoma",
               authors=""),
        record("c", title="Tumour markers in pleural effusions of unknown cause", authors=""),
    ]  # fmt: skip
    assert merged(records) == {frozenset({"a", "b"})}


def test_substituted_word_vetoes_title_merges():
    def trial(record_id, population):
        title = f"Open label trial of eculizumab in adults with plasma therapy-{population} aHUS"
        return record(record_id, title=title, journal="", volume="", pages="")

    assert merged([trial("a", "sensitive"), trial("b", "resistant")]) == set()
    parts = [
        record("a", title="Linomide in relapsing MS: part I: trial design and clinical results"),
        record(
            "b",
            title="Linomide in relapsing MS: part II: trial design and clinical results",
            pages="1239-1245",
        ),
    ]
    assert merged(parts) == set()
    typo = [
        record("a", title="Safety and efficacy of eculizumab in aHUS patients resistant to plasma"),
        record("b", title="Safety and efficacy of eculizamab in aHUS patients resistant to plasma"),
    ]
    assert merged(typo) == {frozenset({"a", "b"})}


@pytest.mark.parametrize(
    "title",
    [
        ARTICLE["title"] + " (vol 303, pg 1234, 2010)",
        ARTICLE["title"] + " (vol. 303, p. 1234)",
        ARTICLE["title"] + " (JAMA (2010) 303 (1234-1238))",
        ARTICLE["title"] + " (The Journal of the American Medical Association (April 2010) 303"
        " (4) (1234-1238))",
        "Correction (vol 303, pg 1234, 2010)",
    ],
)
def test_correction_citing_its_article_joins_the_group(title):
    records = [
        record("n", title=title, authors="Smith, J", pages="2001", issue="9"),
        record("a"),
        record("b", journal="JAMA", title=ARTICLE["title"] + "."),
    ]
    group = deduplicate(records).groups[0]
    assert set(group) == {"n", "a", "b"}
    assert group[-1] == "n"  # a notice is never the primary


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ARTICLE["title"] + " (vol 303, pg 1235, 2010)"},  # another first page
        {"title": ARTICLE["title"] + " (vol 303, pg 1234, 2009)"},  # another year
        {"title": "Cholesterol in children (vol 303, pg 1234, 2010)", "journal": "Stroke"},
    ],
)
def test_correction_citing_another_article_stays_apart(changes):
    records = [record("a"), record("n", **{"pages": "2001", "issue": "9", **changes})]
    result = deduplicate(records)
    assert result.groups == ()


def test_correction_citing_two_separate_articles_stays_apart():
    records = [
        record("a"),
        record("b", title="Cholesterol in children: a cohort", authors="Lee, K", doi="10.1000/z"),
        record("n", title="Correction (vol 303, pg 1234, 2010)", pages="2001", issue="9"),
    ]
    assert deduplicate(records).groups == ()


@pytest.mark.parametrize(
    "title",
    [
        ARTICLE["title"] + " - Reply",
        ARTICLE["title"] + ". Authors' reply",
        ARTICLE["title"] + " (Author's reply)",
        ARTICLE["title"] + " - Reply to Smith et al",
        ARTICLE["title"] + " AUTHORS REPLY",
        "In reply: " + ARTICLE["title"],
    ],
)
def test_authors_reply_joins_the_letter(title):
    records = [record("r", title=title, authors="Doe, A and Roe, B", pages="1239"), record("a")]
    assert deduplicate(records).groups == (("a", "r"),)


@pytest.mark.parametrize(
    "changes", [{"year": "2011"}, {"journal": "Stroke"}, {"volume": "304"}, {"title": "X"}]
)
def test_reply_in_another_year_journal_or_volume_stays_apart(changes):
    reply = {"title": ARTICLE["title"] + " - Reply", "pages": "1239", **changes}
    if changes.get("title"):
        reply["title"] = "Aspirin and stroke in the elderly - Reply"
    assert deduplicate([record("a"), record("r", **reply)]).groups == ()


def test_reply_to_a_title_shared_by_two_separate_records_stays_apart():
    records = [
        record("a"),
        record("l", authors="Doe, A", pages="1500", doi="10.1000/letter"),
        record("r", title=ARTICLE["title"] + " - Reply", pages="1501"),
    ]
    assert deduplicate(records).groups == ()


def test_a_letter_titled_re_stays_apart():
    records = [record("a"), record("b", title="Re: " + ARTICLE["title"], pages="2001")]
    result = deduplicate(records)
    assert result.groups == ()
    assert result.review_pairs[0].reason == "notice vs article"


def test_shifted_citation_fields_merge():
    records = [
        record("a", volume="", issue="303", pages="4"),
        record("b"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}
    other_authors = [record("a", volume="", issue="303", pages="4", authors="Lee, K"), record("b")]
    assert merged(other_authors) == set()


def test_retitled_report_with_the_same_citation_and_authors_merges():
    retitled = "Low-dose salicylate prevents second strokes after a transient ischaemic attack"
    records = [record("a"), record("b", title=retitled, journal="J Am Med Assoc")]
    assert merged(records) == {frozenset({"a", "b"})}


@pytest.mark.parametrize(
    "changes",
    [
        {"pages": "1234"},  # a single page: a letter or an abstract can share it
        {"pages": "1234-1238", "authors": "Jones, B and Smith, John A and Brown, C"},  # order
        {"authors": "Smith, J"},  # a single author
        {"title": "Correction (vol 302, pg 10, 2009)"},  # a notice
        {"doi": "10.1000/other"},
    ],
)
def test_retitled_report_needs_range_author_list_and_no_notice(changes):
    first = record("a", doi="10.1000/a") if "doi" in changes else record("a")
    title = "Low-dose salicylate prevents second strokes after a transient ischaemic attack"
    second = record("b", **{"title": title, **changes})
    if changes.get("pages") == "1234":
        first["pages"] = "1234"
    if changes.get("authors") == "Smith, J":
        first["authors"] = "Smith, J"
    assert merged([first, second]) == set()


def test_one_congress_abstract_in_two_supplements_merges():
    abstract = {
        "title": "Modified eculizumab dosing to manage breakthrough haemolysis in PNH",
        "authors": "Kelly, R and Arnold, L and Hill, A",
        "year": "2009",
    }
    records = [
        {**abstract, "id": "a", "journal": "Br J Haematol", "volume": "145", "issue": "Suppl. 1",
         "pages": "23"},
        {**abstract, "id": "b", "journal": "Haematologica", "volume": "94", "issue": "Suppl. 2",
         "pages": "239-240", "authors": "Kelly, R and Hill, A and Arnold, L"},
    ]  # fmt: skip
    assert merged(records) == {frozenset({"a", "b"})}
    articles = [{**r, "issue": "3"} for r in records]
    assert merged(articles) == set()
    other_population = [records[0], {**records[1], "title": abstract["title"] + " children"}]
    other_population[0] = {**records[0], "title": abstract["title"] + " adults"}
    assert merged(other_population) == set()


def test_notice_exported_twice_merges():
    records = [
        record("a", title="Erratum: " + ARTICLE["title"], pages="616-616"),
        record("b", pages="616-616"),
    ]
    assert merged(records) == {frozenset({"a", "b"})}


def test_review_queue_skips_pairs_with_other_authors_and_years():
    records = [
        record("a", title="Atypical hemolytic uremic syndrome"),
        record("b", title="Atypical hemolytic-uremic syndrome", authors="Noris, M and Remuzzi, G",
               year="2001", journal="N Engl J Med", volume="9", pages="1-9"),
    ]  # fmt: skip
    assert deduplicate(records).review_pairs == ()


def test_review_queue_skips_one_substituted_word_by_other_authors_on_other_pages():
    def study(record_id, condition, **changes):
        title = f"Yoga for {condition} in older women with obesity: a cohort study"
        return record(record_id, title=title, **changes)

    other = {"authors": "Lee, K and Park, J", "pages": "55-61"}
    assert deduplicate([study("a", "gout"), study("b", "whiplash", **other)]).review_pairs == ()
    same_authors = [study("a", "gout"), study("b", "whiplash", pages="55-61")]
    assert len(deduplicate(same_authors).review_pairs) == 1


def test_missing_title_with_same_citation_goes_to_review_queue():
    records = [record("a"), record("b", title=""), record("c", title="", pages="1-9")]
    result = deduplicate(records)
    assert result.groups == ()
    assert [(p.first_id, p.second_id, p.reason) for p in result.review_pairs] == [
        ("a", "b", "same citation, title missing")
    ]
