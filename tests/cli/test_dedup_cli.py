"""``evsynth dedup FILE... --out groups.csv``: standalone deduplication of exports."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from typer.testing import CliRunner

from evsynth.cli import app

runner = CliRunner()
FIXTURES = Path(__file__).parents[1] / "records" / "fixtures"
BENCHMARK_HEADER = '"ID","title","year","author","pages","volume","number","ENTRYTYPE","journal"\n'
BENCHMARK_ROWS = (
    '"id_1","Aspirin for migraine: a randomised trial.",2011,"Zuber, J and Lee, M","23-35",7,1,'
    '"article","Nat Rev Neurol"\n'
    '"id_2","Statins after stroke",2012,"Khan, A","100-9",8,2,"article","Stroke"\n'
    '"id_3","Aspirin for migraine: a randomised trial",2011,"Zuber J and Lee M","23-35",7,1,'
    '"article","Nature Reviews Neurology"\n'
)


def groups_of(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8") as handle:
        return [row["merged_ids"].split(";") for row in csv.DictReader(handle)]


def test_benchmark_files_are_read_without_a_mapping(tmp_path):
    data = tmp_path / "records_pre_merged.csv.gz"
    data.write_bytes(gzip.compress((BENCHMARK_HEADER + BENCHMARK_ROWS).encode()))
    out = tmp_path / "groups.csv"
    result = runner.invoke(app, ["dedup", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 records: 1 duplicate groups, 1 duplicates removed" in result.output
    assert [sorted(g) for g in groups_of(out)] == [["id_1", "id_3"]]


def test_exports_without_ids_are_named_file_and_position(tmp_path):
    out = tmp_path / "groups.csv"
    files = [str(FIXTURES / "ovid_medline.ris"), str(FIXTURES / "pubmed.nbib")]
    result = runner.invoke(app, ["dedup", *files, "--out", str(out)])
    assert result.exit_code == 0, result.output
    ids = [i for group in groups_of(out) for i in group]
    assert all("#" in i and i.split("#")[0] in {"ovid_medline.ris", "pubmed.nbib"} for i in ids)


def test_id_column_and_queue(tmp_path):
    data = tmp_path / "records.csv"
    data.write_text(BENCHMARK_HEADER.replace('"ID"', '"key"') + BENCHMARK_ROWS, encoding="utf-8")
    out, queue = tmp_path / "groups.csv", tmp_path / "queue.csv"
    args = ["dedup", str(data), "--id-column", "key", "--out", str(out), "--queue", str(queue)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [sorted(g) for g in groups_of(out)] == [["id_1", "id_3"]]
    assert queue.read_text(encoding="utf-8").startswith("first_id,second_id,title,authors,reason")


def test_repeated_ids_are_an_error_and_nothing_is_written(tmp_path):
    data = tmp_path / "records.csv"
    data.write_text(BENCHMARK_HEADER + BENCHMARK_ROWS.replace('"id_3"', '"id_1"'), encoding="utf-8")
    out = tmp_path / "groups.csv"
    result = runner.invoke(app, ["dedup", str(data), "--out", str(out)])
    assert result.exit_code != 0
    assert "records.csv, line 4: id 'id_1' repeats the id of" in result.output
    assert not out.exists()


def test_a_missing_id_column_value_names_file_and_line(tmp_path):
    data = tmp_path / "records.csv"
    data.write_text(BENCHMARK_HEADER + BENCHMARK_ROWS.replace('"id_2"', '""'), encoding="utf-8")
    out = tmp_path / "groups.csv"
    result = runner.invoke(app, ["dedup", str(data), "--id-column", "ID", "--out", str(out)])
    assert result.exit_code != 0
    assert "records.csv, line 3: no 'ID' value" in result.output
    assert not out.exists()


def test_an_unreadable_file_is_an_error(tmp_path):
    out = tmp_path / "groups.csv"
    result = runner.invoke(app, ["dedup", str(tmp_path / "nope.ris"), "--out", str(out)])
    assert result.exit_code != 0
    assert "nope.ris: cannot read the file" in result.output
    assert not out.exists()
