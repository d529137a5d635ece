"""The report opens in a real headless Chromium with no console errors (and a screenshot)."""

from __future__ import annotations

from pathlib import Path

import pytest

import evsynth as es
from evsynth.report import write_report

pytestmark = pytest.mark.browser

MINIMAL = Path(__file__).parents[1] / "review" / "fixtures" / "minimal"


def test_report_renders_without_console_errors(browser, tmp_path):
    synthesis = es.synthesise(es.load_review(MINIMAL))
    index = write_report(synthesis, tmp_path / "report")
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(index.as_uri())
    assert page.title() == synthesis.protocol.title
    subgroup_plots = sum(len(c.subgroups) for c in synthesis.pooled_cells)
    assert page.locator("svg").count() == len(synthesis.pooled_cells) + subgroup_plots + 1
    assert page.locator("table.results-table tr.section").count() == 3
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []


def test_appraised_report_renders_every_figure_without_console_errors(browser, example_report):
    _appraisal, out, index = example_report
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(index.as_uri())
    assert page.locator("svg").count() == len(list((out / "figures").glob("*.svg")))
    assert page.locator("h2#risk-of-bias").is_visible()
    assert page.locator("h2#swim").is_visible()
    assert page.locator("table.results-table th", has_text="Certainty (GRADE)").count() == 1
    shot = out / "report-appraised.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 100_000
    assert errors == []
