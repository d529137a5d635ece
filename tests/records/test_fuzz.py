"""Property tests: every reader either succeeds or raises RecordsError, never anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evsynth.records._model import RecordsError
from evsynth.records._readers import read_records

FIXTURES = Path(__file__).parent / "fixtures"
FILES = [
    "ovid_medline.ris",
    "pubmed.nbib",
    "zotero.bib",
    "endnote.xml",
    "scopus.csv",
    "wos.tsv",
    "wos.txt",
]
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read_or_records_error(path):
    try:
        records = read_records(path)
    except RecordsError:
        return
    assert isinstance(records, list)


def _mutate(data: bytes, edits) -> bytes:
    buffer = bytearray(data)
    for position, value, delete in edits:
        if not buffer:
            break
        index = position % len(buffer)
        if delete:
            del buffer[index : index + 1 + value % 20]
        else:
            buffer[index] = value
    return bytes(buffer)


@pytest.mark.parametrize("name", FILES)
@SETTINGS
@given(
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.booleans()), max_size=6)
)
def test_mutated_fixture_bytes(tmp_path, name, edits):
    path = tmp_path / name
    path.write_bytes(_mutate((FIXTURES / name).read_bytes(), edits))
    _read_or_records_error(path)


@pytest.mark.parametrize("suffix", [".ris", ".nbib", ".bib", ".xml", ".csv", ".tsv", ".txt"])
@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list('TYER PMID-AU\n\t,"{}<>@/=x1 ')), max_size=200))
def test_random_text(tmp_path, suffix, text):
    path = tmp_path / f"random{suffix}"
    path.write_text(text, encoding="utf-8")
    _read_or_records_error(path)
