"""Labelled records for simulations: CSV/TSV label columns, ASReview RIS labels, errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from evsynth.records import RecordsError
from evsynth.screening._labelled import LabelledRecords, read_labelled

HEADER = "record_id,title,abstract,label_included\n"
ROWS = (
    "r1,Aspirin for migraine,A randomised trial.,1\n"
    "r2,Statins after stroke,A cohort study.,0\n"
    'r3,"Peer support, a review",,0\n'
    "r4,Exercise for back pain,Trial of exercise.,1\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ris_record(title: str, *tags: str) -> str:
    return "\n".join(["TY  - JOUR", f"TI  - {title}", "AB  - An abstract.", *tags, "ER  - ", ""])


def test_csv_with_record_ids_and_labels(tmp_path):
    data = read_labelled(write(tmp_path / "data.csv", HEADER + ROWS))
    assert isinstance(data, LabelledRecords)
    assert data.record_ids == ("r1", "r2", "r3", "r4")
    assert data.labels.tolist() == [1, 0, 0, 1]
    assert data.labels.dtype.kind == "i"
    assert data.texts[0] == "Aspirin for migraine\nA randomised trial."
    assert data.texts[2] == "Peer support, a review\n"
    assert data.lines == (2, 3, 4, 5)
    assert data.label_source == "column 'label_included'"
    assert data.path == tmp_path / "data.csv"
    assert (data.n_records, data.n_included) == (4, 2)


def test_gzipped_csv_is_read(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress((HEADER + ROWS).encode()))
    assert read_labelled(path).labels.tolist() == [1, 0, 0, 1]


@pytest.mark.parametrize(
    ("id_header", "expected"),
    [("record_id", ("r1", "r2")), ("ID", ("r1", "r2")), ("key", ("1", "2"))],
)
def test_record_id_column_else_id_else_row_number(tmp_path, id_header, expected):
    text = f"{id_header},title,included\nr1,A,1\nr2,B,0\n"
    assert read_labelled(write(tmp_path / "d.csv", text)).record_ids == expected


def test_record_id_is_preferred_to_id(tmp_path):
    text = "id,record_id,title,label\n1,x,A,1\n2,y,B,0\n"
    assert read_labelled(write(tmp_path / "d.csv", text)).record_ids == ("x", "y")


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("label_included,included,label", "label_included"),
        ("label,included", "included"),
        ("label", "label"),
        ("Included", "Included"),
    ],
)
def test_label_column_is_the_first_known_one(tmp_path, header, chosen):
    n = header.count(",") + 1
    text = f"title,{header}\nA,{','.join(['1'] * n)}\nB,{','.join(['0'] * n)}\n"
    data = read_labelled(write(tmp_path / "d.csv", text))
    assert data.label_source == f"column {chosen!r}"


@pytest.mark.parametrize(
    ("included", "excluded"),
    [("1", "0"), ("yes", "no"), ("TRUE", "False"), ("Include", "EXCLUDE"), ("1.0", "0.0")],
)
def test_label_values(tmp_path, included, excluded):
    text = f"title,label\nA,{included}\nB,{excluded}\n"
    assert read_labelled(write(tmp_path / "d.csv", text)).labels.tolist() == [1, 0]


def test_tsv_is_read(tmp_path):
    text = "record_id\ttitle\tlabel_included\na\tA\t1\nb\tB\t0\n"
    assert read_labelled(write(tmp_path / "d.tsv", text)).record_ids == ("a", "b")


def test_ris_with_asreview_notes(tmp_path):
    text = (
        ris_record("Aspirin", "N1  - ASReview_relevant", "ID  - a1")
        + ris_record("Statins", "N1  - Some note", "N1  - ASReview_irrelevant", "ID  - a2")
        + ris_record("Exercise", "N1  - ASReview_irrelevant", "ID  - a3")
    )
    data = read_labelled(write(tmp_path / "export.ris", text))
    assert data.labels.tolist() == [1, 0, 0]
    assert data.record_ids == ("a1", "a2", "a3")
    assert data.texts[0] == "Aspirin\nAn abstract."
    assert "N1" in data.label_source


def test_ris_with_lb_tags_and_no_ids(tmp_path):
    text = ris_record("Aspirin", "LB  - 1") + ris_record("Statins", "LB  - no")
    data = read_labelled(write(tmp_path / "export.txt", text))
    assert data.labels.tolist() == [1, 0]
    assert data.record_ids == ("1", "2")
    assert data.label_source == "tag LB"


# --- errors: file, line and field, and nothing returned ---------------------------------


def error_of(path: Path) -> str:
    with pytest.raises(ValueError) as info:
        read_labelled(path)
    assert isinstance(info.value, RecordsError)
    return str(info.value)


def test_missing_label_column(tmp_path):
    path = write(tmp_path / "d.csv", "record_id,title\nr1,A\n")
    message = error_of(path)
    assert message.startswith(f"{path}, line 1: no label column")
    assert "label_included, included, label" in message


def test_bad_label_value_names_line_and_column(tmp_path):
    path = write(tmp_path / "d.csv", HEADER + ROWS.replace("Trial of exercise.,1", "x,maybe"))
    message = error_of(path)
    assert message.startswith(f"{path}, line 5: column 'label_included' holds 'maybe'")


def test_empty_label_value(tmp_path):
    path = write(tmp_path / "d.csv", HEADER + ROWS.replace("A cohort study.,0", "A cohort study.,"))
    assert error_of(path).startswith(f"{path}, line 3: column 'label_included' is empty")


def test_duplicate_record_ids(tmp_path):
    path = write(tmp_path / "d.csv", HEADER + ROWS.replace("r3,", "r1,"))
    message = error_of(path)
    assert message.startswith(f"{path}, line 4: column 'record_id': id 'r1' repeats")
    assert "line 2" in message


def test_empty_record_id(tmp_path):
    path = write(tmp_path / "d.csv", HEADER + ROWS.replace("r2,", ","))
    assert error_of(path).startswith(f"{path}, line 3: column 'record_id' is empty")


@pytest.mark.parametrize(("label", "kind"), [("0", "excluded"), ("1", "included")])
def test_no_included_or_no_excluded_record(tmp_path, label, kind):
    path = write(tmp_path / "d.csv", f"title,label\nA,{label}\nB,{label}\n")
    message = error_of(path)
    assert f"all 2 records are labelled {kind}" in message
    assert "at least one included and one excluded" in message


def test_ris_record_without_label(tmp_path):
    text = ris_record("Aspirin", "N1  - ASReview_relevant") + ris_record("Statins")
    path = write(tmp_path / "e.ris", text)
    assert error_of(path).startswith(f"{path}, line 6: record has no label")


def test_ris_not_seen_and_conflicting_labels(tmp_path):
    seen = ris_record("A", "N1  - ASReview_relevant") + ris_record("B", "N1  - ASReview_not_seen")
    assert "ASReview_not_seen" in error_of(write(tmp_path / "a.ris", seen))
    both = ris_record("A", "N1  - ASReview_relevant ASReview_irrelevant")
    assert "two ASReview labels" in error_of(write(tmp_path / "b.ris", both))


def test_unsupported_format_and_missing_file(tmp_path):
    assert "CSV or TSV" in error_of(write(tmp_path / "refs.bib", "@article{a, title={A}}\n"))
    assert "cannot read the file" in error_of(tmp_path / "missing.csv")


def test_empty_csv(tmp_path):
    assert "holds no records" in error_of(write(tmp_path / "d.csv", HEADER))


def test_path_must_be_a_path():
    with pytest.raises(TypeError, match="path must be"):
        read_labelled(3)
