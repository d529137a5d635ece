"""Export writes RIS or CSV that read_records reads back to the same normalised fields."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from evsynth.records import Record, read_records
from evsynth.records._writers import write_records

FIXTURES = Path(__file__).parents[1] / "records" / "fixtures"
FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix != ".md")
NORMALISED = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi",
    "pmid", "issn", "language",
)  # fmt: skip


def fields(record: Record, with_type: bool = False) -> tuple:
    names = (*NORMALISED, "type") if with_type else NORMALISED
    return tuple(getattr(record, name) for name in names)


@pytest.fixture
def review(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    store.import_records("pain", "Embase", [exports["embase"]])
    return "pain"


@pytest.mark.parametrize("format", ["ris", "csv"])
def test_export_unique_and_all_round_trip(store, review, tmp_path, format):
    store.deduplicate(review)
    stored = store.records(review)
    unique = tmp_path / f"unique.{format}"
    assert store.export(review, unique, format) == 6
    removed = {"r000005", "r000006"}  # second members of the two groups
    kept = [record for key, record in stored.items() if key not in removed]
    back = read_records(unique)
    assert [fields(r, format == "csv") for r in back] == [fields(r, format == "csv") for r in kept]
    everything = tmp_path / f"all.{format}"
    assert store.export(review, everything, format, unique=False) == 8
    assert [fields(r) for r in read_records(everything)] == [fields(r) for r in stored.values()]


def test_export_before_dedup_writes_every_record(store, review, tmp_path):
    assert store.export(review, tmp_path / "all.ris") == 8


def test_export_rejects_unknown_format(store, review, tmp_path):
    with pytest.raises(ValueError, match="format must be one of ris, csv"):
        store.export(review, tmp_path / "x.txt", "txt")


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("format", ["ris", "csv"])
def test_writers_round_trip_every_reader(path, format, tmp_path):
    records = read_records(path)
    target = tmp_path / f"out.{format}"
    write_records(records, target, format)
    back = read_records(target)
    assert [fields(r, format == "csv") for r in back] == [
        fields(r, format == "csv") for r in records
    ]


def test_awkward_values_round_trip(tmp_path):
    # Normalised values that a naive writer would not read back the same.
    base = Record("x", None, 0, 1, {}, title="T")
    records = [
        replace(base, authors=("Smith, ABCD", "Picard, J-LA", "van der Berg, J")),
        replace(base, authors=("Smith and Nephew, L",), pages="S12-S15"),
        replace(base, authors=("Ng",), pages="1234-8; discussion 1239"),
        replace(base, pages="e0123", doi="10.1000/abc.1", pmid="123", type="CONF"),
        replace(base, title="Line\nbreaks  and   spaces", abstract='A "quoted", text'),
    ]
    for format in ("ris", "csv"):
        target = tmp_path / f"out.{format}"
        write_records(records, target, format)
        back = read_records(target)
        clean = [replace(r, title=" ".join(r.title.split())) for r in records]
        assert [fields(r, True) for r in back] == [
            fields(r, True) if format == "csv" or r.type else (*fields(r), "JOUR") for r in clean
        ]


def test_ris_types_are_mapped_to_ris_codes(tmp_path):
    base = Record("x", None, 0, 1, {}, title="T")
    types = ["Journal Article", "inproceedings", "Book Section", "phdthesis", "BOOK", None]
    write_records([replace(base, type=t) for t in types], tmp_path / "t.ris", "ris")
    assert [r.type for r in read_records(tmp_path / "t.ris")] == [
        "JOUR", "CONF", "CHAP", "THES", "BOOK", "JOUR",
    ]  # fmt: skip


def test_writer_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        write_records([], tmp_path / "x", "bib")
    with pytest.raises(TypeError, match=r"records\[0\] is a dict"):
        write_records([{"title": "x"}], tmp_path / "x.ris", "ris")
    assert not (tmp_path / "x.ris").exists()
