"""Characteristics of included studies and the seed's summary numbers (hand-counted)."""

from __future__ import annotations

from pathlib import Path

import pytest

import evsynth as es
from evsynth.report import write_report
from evsynth.report._characteristics import (
    characteristics_csv,
    characteristics_rows,
    study_summary,
)

MINIMAL = Path(__file__).parents[1] / "review" / "fixtures" / "minimal"


def test_summary_numbers_of_the_minimal_review():
    s = study_summary(es.load_review(MINIMAL))
    assert s.studies == 6
    assert s.participants == 118 + 81 + 98 + 238 + 132 + 61
    assert s.women_mean == pytest.approx((72 + 65 + 88 + 69 + 58 + 77) / 6)
    assert s.women_range == (58, 88)
    assert s.age_range == (48.2, 66.3)
    assert s.countries == 6
    assert s.formats["in-person group"] == pytest.approx(100 * 4 / 6)
    assert s.duration_range == (6, 24)
    assert "728 participants" in s.sentences()
    assert "67% of interventions were in-person group" in s.sentences()


def test_characteristics_table_rows_in_label_order():
    review = es.load_review(MINIMAL)
    rows = characteristics_rows(review)
    assert [r[0] for r in rows] == sorted(s.label for s in review.studies.values())
    assert rows[0] == (
        "Adams 2012", "RCT", "Australia", "118", "72", "61.5", "in-person group", "volunteer", "8",
    )  # fmt: skip
    assert characteristics_csv(review).splitlines()[0].startswith("Study,Design,Country")


def test_report_includes_the_studies_when_given_the_review(tmp_path):
    review = es.load_review(MINIMAL)
    index = write_report(es.synthesise(review), tmp_path, review=review)
    page = index.read_text(encoding="utf-8")
    assert "<h2>Included studies</h2>" in page and "728 participants" in page
    assert (tmp_path / "tables" / "characteristics.csv").is_file()
