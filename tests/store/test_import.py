"""Import is all or nothing: every file is read before the database is touched, and the
records are stored in one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import evsynth.store._store as store_module
from evsynth.records import RecordsError, read_records
from evsynth.store import StoreError
from evsynth.store._models import ImportFileRow, ImportRow, RecordRow, ReviewRow, SourceRow

from .conftest import write_ris


def count_rows(store, model) -> int:
    with store.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_import_stores_every_field_and_raw(store, exports):
    summary = store.import_records("pain", "MEDLINE", [exports["medline"]], imported_by="alice")
    assert (summary.n_records, summary.import_id) == (4, 1)
    assert summary.first_last_ids == ("r000001", "r000004")
    assert summary.files == ((str(exports["medline"]), 4),)
    stored = store.records("pain")
    expected = read_records(exports["medline"], source_name="MEDLINE")
    assert list(stored) == ["r000001", "r000002", "r000003", "r000004"]
    assert list(stored.values()) == expected  # every normalised field, source and line
    assert [r.raw for r in stored.values()] == [r.raw for r in expected]
    with store.engine.connect() as connection:
        who, when = connection.execute(select(ImportRow.imported_by, ImportRow.created_at)).one()
        files = connection.execute(select(ImportFileRow.path, ImportFileRow.n_records)).all()
    assert who == "alice" and when.tzinfo is not None
    assert files == [(str(exports["medline"]), 4)]


def test_ids_continue_and_sources_are_counted(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    summary = store.import_records("pain", "Embase", [exports["embase"]])
    assert summary.first_last_ids == ("r000005", "r000008")
    assert store.source_counts("pain") == {"MEDLINE": 4, "Embase": 4}
    assert store.reviews() == ["pain"]
    other = store.import_records("other review", "MEDLINE", [exports["medline"]])
    assert other.first_last_ids == ("r000001", "r000004")


def test_malformed_second_file_stores_nothing(store, exports, tmp_path):
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - Fine\nER  - \n\nTY  - JOUR\nTI  - No end tag\n")
    with pytest.raises(RecordsError) as caught:
        store.import_records("pain", "MEDLINE", [exports["medline"], bad])
    assert caught.value.file == str(bad) and caught.value.line == 5
    assert str(caught.value).startswith(f"{bad}, line 5:")
    assert store.reviews() == []
    for model in (ReviewRow, SourceRow, ImportRow, ImportFileRow, RecordRow):
        assert count_rows(store, model) == 0


def test_malformed_file_leaves_an_existing_review_unchanged(store, exports, tmp_path):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    bad = tmp_path / "bad.csv"
    bad.write_text('title,year\n"Fine",2020\n"Broken,2021\n')
    with pytest.raises(RecordsError, match=r"bad\.csv, line 3"):
        store.import_records("pain", "Embase", [exports["embase"], bad])
    assert store.source_counts("pain") == {"MEDLINE": 4}
    assert count_rows(store, ImportRow) == 1


def test_database_error_rolls_everything_back(store, exports, monkeypatch):
    real = store_module._record_values

    def clashing_numbers(record, number, *args):
        if record.source_file == str(exports["embase"]):
            number = 1  # the database refuses a second r000001 in the review
        return real(record, number, *args)

    monkeypatch.setattr(store_module, "_record_values", clashing_numbers)
    with pytest.raises(StoreError, match="importing into 'pain' failed, nothing was changed"):
        store.import_records("pain", "MEDLINE", [exports["medline"], exports["embase"]])
    for model in (ReviewRow, SourceRow, ImportRow, ImportFileRow, RecordRow):
        assert count_rows(store, model) == 0


def test_same_file_twice_is_refused(store, exports, tmp_path):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    copy = tmp_path / "copy.ris"
    copy.write_bytes(exports["medline"].read_bytes())
    with pytest.raises(StoreError, match="imported into 'pain' before"):
        store.import_records("pain", "MEDLINE again", [exports["embase"], copy])
    assert store.source_counts("pain") == {"MEDLINE": 4}
    with pytest.raises(StoreError, match="named twice"):
        store.import_records("pain", "Embase", [exports["embase"], exports["embase"]])


def test_unknown_review_and_bad_arguments(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    with pytest.raises(StoreError, match=r"no review named 'pian'.*reviews: 'pain'"):
        store.records("pian")
    with pytest.raises(StoreError, match="no files"):
        store.import_records("pain", "MEDLINE", [])
    with pytest.raises(StoreError, match="source name"):
        store.import_records("pain", " ", [exports["embase"]])
    with pytest.raises(TypeError, match="sequence of paths"):
        store.import_records("pain", "Embase", exports["embase"])
    missing = exports["embase"].with_name("missing.ris")
    with pytest.raises(RecordsError, match=r"missing\.ris: cannot read"):
        store.import_records("pain", "Embase", [missing])


def test_empty_file_imports_no_records(store, tmp_path):
    empty = write_ris(tmp_path / "empty.ris")
    summary = store.import_records("pain", "CINAHL", [empty])
    assert (summary.n_records, summary.first_last_ids) == (0, ())
    assert store.source_counts("pain") == {"CINAHL": 0}
