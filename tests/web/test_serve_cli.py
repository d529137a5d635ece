"""``evsynth serve``: its arguments, and the keywords it reads from review.toml."""

from __future__ import annotations

from typer.testing import CliRunner

from evsynth.cli import app
from evsynth.web import keywords_from_toml


def test_serve_needs_a_folder_or_a_database():
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "give a review folder (DIR) or a database URL (--db)" in result.output


def test_serve_refuses_a_missing_folder(tmp_path):
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such folder" in result.output


def test_keywords_come_from_the_eligibility_criteria_or_the_screening_list(tmp_path):
    toml = tmp_path / "review.toml"
    toml.write_text(
        '[eligibility]\npopulation = "Adults with chronic musculoskeletal pain"\n'
        'study_designs = ["RCT", "cluster RCT"]\n'
    )
    assert keywords_from_toml(toml) == ("chronic", "musculoskeletal", "pain", "cluster")
    toml.write_text('[screening]\nkeywords = ["peer support", "pain"]\n')
    assert keywords_from_toml(toml) == ("peer support", "pain")
    assert keywords_from_toml(tmp_path / "missing.toml") == ()


def test_serve_reads_the_decisions_first_and_names_a_review_whose_events_break_the_rules(
    tmp_path, monkeypatch
):
    import uvicorn

    from evsynth.store import open_store

    export = tmp_path / "medline.ris"
    export.write_text("TY  - JOUR\nTI  - A trial\nER  - \n")
    with open_store(directory=tmp_path) as store:
        store.import_records("pain", "MEDLINE", [export])
        store.add_user("ana")
        store.add_member("pain", "ana", "reviewer")
        # a full-text vote on a record never included at title/abstract: against the rules
        store._append_decision_unchecked("pain", "r000001", "ana", "full_text", "include")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)
    result = CliRunner().invoke(app, ["serve", str(tmp_path), "--no-prioritise"])
    assert result.exit_code == 0, result.output
    assert "the decisions stored for 'pain' break the screening rules" in result.output
