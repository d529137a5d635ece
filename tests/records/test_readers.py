"""Tests for the bibliographic readers and field normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from evsynth.records._model import (
    Record,
    RecordsError,
    normalise_author,
    normalise_doi,
    normalise_pages,
    normalise_year,
)
from evsynth.records._readers import decode_bytes, read_records

FIXTURES = Path(__file__).parent / "fixtures"

# file -> (count, index, title start, first author, year, doi, pmid, pages)
EXPECTED = {
    "ovid_medline.ris": (
        3,
        0,
        "Exercise therapy",
        "Müller, HP",
        2019,
        "10.1000/jmr.2019.0123",
        "31234567",
        "123-129",
    ),
    "ebsco_cinahl.ris": (
        3,
        0,
        "Nurse-led education",
        "García-López, M",
        2020,
        "10.1097/jcn.0000000000000601",
        None,
        "210-218",
    ),
    "scopus.ris": (
        3,
        0,
        "Mindfulness-based",
        "Kowalski, J",
        2022,
        "10.1016/j.jas.2022.01.015",
        "35123456",
        "55-63",
    ),
    "cochrane.ris": (
        3,
        0,
        "Vitamin D",
        "Hernández, P",
        2020,
        "10.1136/bmjopen-2019-034567",
        "32812345",
        "e034567",
    ),
    "pubmed.nbib": (
        3,
        0,
        "School-based physical activity programmes and body mass index in children: a cluster",
        "Schäfer, J",
        2021,
        "10.1186/s12889-021-11845-2",
        "34567890",
        "1845",
    ),
    "endnote.xml": (
        3,
        0,
        "Compression stockings after deep vein thrombosis: a randomised trial",
        "Lindqvist, Å",
        2020,
        "10.1186/s12959-020-00234-5",
        "32456123",
        "301-309",
    ),
    "zotero.bib": (
        3,
        0,
        "Home-based cardiac rehabilitation: a Randomized",
        "Novák, T",
        2021,
        "10.1161/circoutcomes.120.007001",
        None,
        "e007001",
    ),
    "scopus.csv": (
        3,
        0,
        "Acupuncture for migraine",
        "Sørensen, M",
        2022,
        "10.1177/03331024211053570",
        "34678901",
        "388-397",
    ),
    "wos.tsv": (
        3,
        0,
        "Statins and cognitive",
        "Łukasiewicz, A",
        2021,
        "10.1212/wnl.0000000000011234",
        "33123456",
        "e512-e520",
    ),
    "wos.txt": (
        3,
        0,
        "Graded activity for chronic fatigue: a randomised controlled trial in primary",
        "Ferreira, ML",
        2021,
        "10.1016/j.jpsychores.2020.110345",
        "33421234",
        "110345",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_expected_fields(name):
    count, index, title, author, year, doi, pmid, pages = EXPECTED[name]
    records = read_records(FIXTURES / name, source_name="TestDB")
    assert len(records) == count
    record = records[index]
    assert isinstance(record, Record)
    assert record.title.startswith(title)
    assert record.authors[0] == author
    assert record.year == year
    assert record.doi == doi
    assert record.pmid == pmid
    assert record.pages == pages
    assert record.source_name == "TestDB"
    assert record.source_file == str(FIXTURES / name)
    assert [r.record_index for r in records] == list(range(count))
    assert record.raw


def test_raw_fields_are_kept():
    ovid = read_records(FIXTURES / "ovid_medline.ris")[0]
    assert ovid.raw["AN"] == "31234567"
    assert ovid.raw["EP"] == "9"
    nbib = read_records(FIXTURES / "pubmed.nbib")[0]
    assert nbib.raw["PT"] == ["Journal Article", "Randomized Controlled Trial"]
    csv_record = read_records(FIXTURES / "scopus.csv")[0]
    assert csv_record.raw["EID"] == "2-s2.0-85117654321"


def test_repeated_ris_tag_kept_in_raw(tmp_path):
    path = tmp_path / "twice.ris"
    path.write_text("TY  - JOUR\nTI  - First\nTI  - Second\nER  - \n")
    record = read_records(path)[0]
    assert record.raw["TI"] == ["First", "Second"]
    assert record.title == "First"


def test_record_start_lines():
    assert [r.line for r in read_records(FIXTURES / "pubmed.nbib")] == [1, 29, 43]
    assert [r.line for r in read_records(FIXTURES / "scopus.csv")] == [2, 3, 4]
    assert read_records(FIXTURES / "zotero.bib")[0].line == 2


def test_cinahl_accession_number_is_not_a_pmid():
    records = read_records(FIXTURES / "ebsco_cinahl.ris")
    assert all(r.pmid is None for r in records)
    assert records[0].raw["AN"] == "145678901"


def test_medline_continuation_lines_and_issn():
    record = read_records(FIXTURES / "pubmed.nbib")[0]
    assert record.title.endswith("a cluster randomised trial.")
    assert record.issn == "1471-2458"
    assert record.journal == "BMC public health"
    assert record.type == "Journal Article"


def test_format_detected_from_content_for_txt(tmp_path):
    ris = tmp_path / "export.txt"
    ris.write_bytes((FIXTURES / "scopus.ris").read_bytes())
    assert read_records(ris)[0].authors[0] == "Kowalski, J"
    nbib = tmp_path / "pubmed.txt"
    nbib.write_bytes((FIXTURES / "pubmed.nbib").read_bytes())
    assert read_records(nbib)[0].pmid == "34567890"


def test_benchmark_columns_without_mapping(tmp_path):
    path = tmp_path / "bench.csv"
    path.write_text(
        "ID,title,year,author,pages,volume,number,ENTRYTYPE,journal\n"
        '1,"A trial of X",2001,"Smith, J. and Doe, A.",12-9,3,1,article,J Med\n'
    )
    record = read_records(path)[0]
    assert record.authors == ("Smith, J", "Doe, A")
    assert record.pages == "12-19"
    assert record.type == "article"
    assert record.issue == "1"


def test_column_map_overrides(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text("Heading,When\nA study,2010\n")
    record = read_records(path, column_map={"title": "Heading", "year": "When"})[0]
    assert (record.title, record.year) == ("A study", 2010)
    with pytest.raises(RecordsError, match="not in header"):
        read_records(path, column_map={"title": "Missing"})


# --- encodings -----------------------------------------------------------------------------


def test_bom_and_utf16_fixtures():
    assert (FIXTURES / "ovid_medline.ris").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (FIXTURES / "wos.tsv").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert read_records(FIXTURES / "wos.tsv")[2].authors == ("Silva, JC",)


def test_latin1_fallback(tmp_path):
    path = tmp_path / "latin.ris"
    path.write_bytes("TY  - JOUR\nAU  - Müller, Hans\nER  - \n".encode("latin-1"))
    assert read_records(path)[0].authors == ("Müller, H",)


def test_undecidable_encoding(tmp_path):
    path = tmp_path / "binary.ris"
    path.write_bytes(b"TY  - JOUR\n\x81\x00\x9f\xff\nER  - \n")
    with pytest.raises(RecordsError, match="cannot decide the encoding of"):
        read_records(path)
    with pytest.raises(RecordsError):
        decode_bytes(b"\x80\x81", "x")


# --- malformed files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line", "message"),
    [
        ("a.ris", "TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\n", 5, "'ER  -'"),
        ("b.ris", "TY  - JOUR\nTI  - One\nTY  - JOUR\nER  - \n", 1, "'ER  -'"),
        ("c.ris", "TI  - stray\n", 1, "outside a record"),
        ("d.nbib", "PMID- 1\nTI  - A\n\nTI  - B\nAU  - X Y\n", 4, "no PMID"),
        ("e.nbib", "PMID- 1\nthis is not a tag\n", 2, "not a MEDLINE tag line"),
        ("f.xml", "<xml><records>\n<record>\n</records></xml>\n", 3, "not well-formed"),
        ("g.xml", "<html></html>", 1, "not an EndNote XML"),
        ("h.csv", "Name,Year\nX,2000\n", 1, "no title column"),
        ("i.csv", "Title,Year\nX,2000\nY,2001,extra\n", 3, "fields"),
        ("k.txt", "FN Clarivate\nPT J\nTI A\nER\nPT J\nTI B\n", 5, "no 'ER'"),
        ("j.bib", "@article{a, title={x}}\n\n@article{b, title={y\n", 3, "malformed BibTeX"),
    ],
)
def test_malformed_file_raises_with_file_and_line(tmp_path, name, content, line, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RecordsError, match=message) as caught:
        read_records(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.file == str(path)
    assert error.line == line
    assert str(error).startswith(f"{path}, line {line}: ")


def test_missing_file_is_records_error(tmp_path):
    with pytest.raises(RecordsError, match="cannot read"):
        read_records(tmp_path / "absent.ris")


def test_parameter_validation(tmp_path):
    with pytest.raises(TypeError):
        read_records(3)
    with pytest.raises(ValueError, match="format must be one of"):
        read_records(tmp_path / "x.ris", format="word")
    with pytest.raises(ValueError, match="unknown fields"):
        read_records(tmp_path / "x.csv", column_map={"colour": "C"})
    with pytest.raises(TypeError):
        read_records(tmp_path / "x.ris", source_name=5)


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("23-35", "23-35"),
        ("23-5", "23-25"),
        ("29-5", "29-35"),
        ("1234-56", "1234-1256"),
        ("1450--1458", "1450-1458"),
        ("e1-e9", "e1-e9"),
        ("100", "100"),
        ("S12", "S12"),
        ("", None),
    ],
)
def test_normalise_pages(given, expected):
    assert normalise_pages(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Smith, John", "Smith, J"),
        ("Smith J", "Smith, J"),
        ("John Smith", "Smith, J"),
        ("van der Berg, A. B.", "van der Berg, AB"),
        ("Smith", "Smith"),
    ],
)
def test_normalise_author(given, expected):
    assert normalise_author(given) == expected


def test_normalise_doi_and_year():
    assert normalise_doi("DOI: 10.1000/XYZ.") == "10.1000/xyz"
    assert normalise_doi("http://dx.doi.org/10.1/abc") is None
    assert normalise_doi("http://dx.doi.org/10.1234/abc") == "10.1234/abc"
    assert normalise_year("2019//") == 2019
    assert normalise_year(None) is None
