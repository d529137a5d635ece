"""The report folder: files, the results.csv contract, a self-contained page."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import evsynth as es
from evsynth.cli import app
from evsynth.report import methods_text, write_report
from tests.screening._exports import with_sources

MINIMAL = Path(__file__).parents[1] / "review" / "fixtures" / "minimal"
RESULTS_COLUMNS = [
    "outcome", "comparator", "timepoint", "measure", "k", "n", "estimate", "ci_low",
    "ci_high", "pvalue", "tau2", "i2", "interpretation",
]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    synthesis = es.synthesise(es.load_review(MINIMAL))
    out = tmp_path_factory.mktemp("report")
    index = write_report(synthesis, out, banner="Synthetic data")
    return synthesis, out, index


def test_report_files(built):
    synthesis, out, index = built
    assert index == out / "index.html"
    for cell in synthesis.pooled_cells:
        slug = f"{cell.outcome.id}-{cell.comparator.id}-{cell.window.id}"
        assert (out / "figures" / f"forest-{slug}.svg").is_file()
        assert (out / "figures" / f"forest-{slug}.png").is_file()
    for name in (
        "results.csv",
        "results-table.md",
        "results-table.html",
        "results-table.csv",
        "results-table.docx",
    ):
        assert (out / "tables" / name).is_file()


def test_results_csv_has_one_row_per_cell_with_the_fits_numbers(built):
    synthesis, out, _ = built
    frame = pd.read_csv(out / "tables" / "results.csv", keep_default_na=False)
    assert list(frame.columns) == RESULTS_COLUMNS
    assert len(frame) == len(synthesis.pooled_cells)
    for (_, row), cell in zip(frame.iterrows(), synthesis.pooled_cells, strict=True):
        assert row["estimate"] == pytest.approx(cell.result.estimate, rel=1e-12)
        assert row["ci_low"] == pytest.approx(cell.result.ci_low, rel=1e-12)
        assert row["interpretation"] == cell.interpretation


def test_page_is_self_contained_with_unique_ids(built):
    synthesis, _, index = built
    page = index.read_text(encoding="utf-8")
    subgroup_plots = sum(len(c.subgroups) for c in synthesis.pooled_cells)
    assert subgroup_plots > 0
    # a forest plot per cell, one per subgroup analysis, and the summary forest plot
    assert page.count("<svg") == len(synthesis.pooled_cells) + subgroup_plots + 1
    assert "Test for subgroup differences" in page
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', page)
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    assert "Synthetic data" in page
    assert "Pain intensity meta-analyses" in page
    assert "not pool this outcome" in page  # quality of life is listed as not pooled
    assert "from the 95% CI [3.72, 4.78]" in page  # a data-preparation step


def test_methods_text_follows_the_protocol():
    protocol = es.load_review(MINIMAL).protocol
    text = methods_text(protocol)
    assert "restricted maximum likelihood" in text
    assert "short-term (0-12 weeks)" in text


def test_cli_report(tmp_path):
    result = CliRunner().invoke(app, ["report", str(MINIMAL), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output
    assert (tmp_path / "r" / "index.html").is_file()


def test_cli_report_bad_folder(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_pdf_report_has_the_text_pages_and_one_page_per_forest_plot(tmp_path):
    synthesis = es.synthesise(es.load_review(MINIMAL))
    write_report(synthesis, tmp_path, pdf=True)
    data = (tmp_path / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    subgroup_plots = sum(len(c.subgroups) for c in synthesis.pooled_cells)
    # the minimal review's text fits one page; then the summary plot, each forest plot and
    # each subgroup forest plot
    assert pages == 1 + 1 + len(synthesis.pooled_cells) + subgroup_plots


def test_moderator_analyses_are_listed_per_cell(tmp_path):
    import shutil

    from evsynth.report._report import _moderator_lines

    folder = tmp_path / "review"
    shutil.copytree(MINIMAL, folder)
    studies = (folder / "studies.csv").read_text()
    for old in ("Adams 2012,RCT,Australia,118,72,61.5,in-person group",
                "Dubois 2019,cluster RCT,France,238,69,66.3,in-person group"):  # fmt: skip
        studies = studies.replace(old, old.replace("in-person group", "online"))
    (folder / "studies.csv").write_text(studies)
    cell = es.synthesise(es.load_review(folder)).cell("pain", "usual_care", "medium")
    lines = _moderator_lines(cell, cell_protocol := es.load_review(folder).protocol)
    assert cell_protocol.moderators[0].label == "Delivery format"
    sg = cell.subgroups["delivery_format"]
    assert any(
        line.startswith("Delivery format: ") and f"Chi² = {sg.q_between:.2f}, df = 1" in line
        for line in lines
    )
    assert any(line.startswith("Intervention duration (weeks): not run") for line in lines)


def test_page_lists_moderator_notes(built):
    _, _, index = built
    assert "Moderator analyses." in index.read_text(encoding="utf-8")


def test_appraised_report_files_and_sections(example_report):
    appraisal, out, index = example_report
    figures = out / "figures"
    for name in ("rob-traffic-light", "rob-summary", "effect-direction-usual-care"):
        assert (figures / f"{name}.svg").is_file() and (figures / f"{name}.png").is_file()
    assert len(list(figures.glob("rob-summary-*.svg"))) == len(
        {c.outcome.id for c in appraisal.synthesis.pooled_cells}
    )  # one weighted summary per outcome
    page = index.read_text(encoding="utf-8")
    assert "evsynth-figure" not in page  # every placeholder was filled
    assert page.count("<svg") == len(list(figures.glob("*.svg")))
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    assert "Judgements changed by the reviewers." in page
    assert "Synthesis without meta-analysis (SWiM)" in page
    per_analysis = "<strong>Certainty of the evidence (GRADE):"
    assert page.count(per_analysis) == len(appraisal.synthesis.pooled_cells)
    assert "Excluding studies at high risk of bias" in page
    assert "Risk of Bias" in (figures / "forest-pain-usual_care-medium.svg").read_text()

    frame = pd.read_csv(out / "tables" / "results.csv")
    assert list(frame.columns) == [*RESULTS_COLUMNS, "certainty"]
    expected = [appraisal.for_cell(c).grade.certainty for c in appraisal.synthesis.pooled_cells]
    assert list(frame.certainty) == expected
    rob = pd.read_csv(out / "tables" / "risk-of-bias.csv")
    assert len(rob) == len(appraisal.risk_of_bias)
    assert (rob.overridden == "Overall").sum() == 1
    table = (out / "tables" / "results-table.csv").read_text(encoding="utf-8")
    assert table.splitlines()[0].endswith(",Certainty (GRADE)")


def test_appraised_report_has_the_summary_of_findings(example_report):
    appraisal, out, index = example_report
    page = index.read_text(encoding="utf-8")
    assert page.count('<table class="sof-table">') >= len(appraisal.review.protocol.comparators)
    assert '<table class="evidence-profile">' in page
    for name in ("summary-of-findings.html", "summary-of-findings.csv",
                 "summary-of-findings.docx", "evidence-profile.csv",
                 "evidence-profile.docx"):  # fmt: skip
        assert (out / "tables" / name).stat().st_size > 500


def test_report_without_searches_has_no_selection_section(built):
    _, out, index = built
    assert "Study selection" not in index.read_text(encoding="utf-8")
    assert not (out / "tables" / "prisma.csv").exists()


def test_example_report_has_the_prisma_flow_diagram(example_report):
    appraisal, out, index = example_report
    page = index.read_text(encoding="utf-8")
    assert '<h2 id="study-selection">Study selection</h2>' in page
    assert "We searched MEDLINE (PubMed), Embase (Ovid) and Emcare (Ovid) on 2023-03-14" in page
    assert page.index("Study selection") < page.index("Included studies")
    for suffix in (".svg", ".png"):
        assert (out / "figures" / f"prisma-flow-diagram{suffix}").is_file()
    rows = list(csv.DictReader((out / "tables" / "prisma.csv").open(encoding="utf-8")))
    by_item = {row["item"]: int(row["n"]) for row in rows}
    identified = sum(int(r["n"]) for r in rows if r["box"] == "identified")
    screened = by_item["records screened"]
    assert identified - by_item["duplicate records"] == screened
    assert screened - by_item["records excluded"] == by_item["reports sought for retrieval"]
    excluded = sum(int(r["n"]) for r in rows if r["box"] == "reports excluded")
    assessed = by_item["reports assessed for eligibility"]
    assert assessed - excluded == by_item["reports of included studies"] == 29
    assert by_item["studies included in review"] == len(appraisal.review.studies) == 24
    svg = (out / "figures" / "prisma-flow-diagram.svg").read_text(encoding="utf-8")
    assert "1,560" in svg and "Records screened" in svg


def _with_searches(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    shutil.copytree(MINIMAL, folder)
    return with_sources(folder)


def test_cli_report_leaves_out_the_diagram_when_screening_is_incomplete(tmp_path):
    folder = _with_searches(tmp_path)
    screening = folder / "screening.csv"
    lines = screening.read_text(encoding="utf-8").splitlines(keepends=True)
    screening.write_text("".join(lines[:-1]), encoding="utf-8")  # one decision fewer
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "PRISMA flow diagram left out:" in output
    assert "have no full-text decision: b.nbib#2" in output
    # the minimal folder's six studies have one included report between them
    assert "studies.csv lists studies with no report included at full text: baker2015" in output
    assert "Study selection" not in (folder / "report" / "index.html").read_text(encoding="utf-8")


def test_cli_report_stops_on_an_unreadable_export(tmp_path):
    folder = _with_searches(tmp_path)
    (folder / "records" / "a.ris").write_text("TY  - JOUR\nTI  - cut\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert "a search export cannot be read" in result.output
    assert "a.ris, line" in result.output
    assert not (folder / "report").exists()
