"""The results table reproduces the seed review's Table 1 layout."""

from __future__ import annotations

from pathlib import Path

import pytest

import evsynth as es
from evsynth.report._tables import (
    format_effect,
    format_p,
    results_table,
    to_csv,
    to_html,
    to_markdown,
)

MINIMAL = Path(__file__).parents[1] / "review" / "fixtures" / "minimal"


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.34, "P=0.34"),
        (0.0312, "P=0.03"),
        (0.8, "P=0.80"),
        (0.005, "P=0.005"),
        (0.0004, "P<0.001"),
    ],
)
def test_p_values_as_in_the_seed(p, text):
    assert format_p(p) == text


def test_effect_text_as_in_the_seed():
    # seed Table 1: "MD: -3.48 [-6.61, -0.35], P=0.03"; "SMD: -0.10 [-0.19, -0.00], P=0.04"
    assert format_effect("MD", -3.481, -6.611, -0.349, 0.031) == "MD: -3.48 [-6.61, -0.35], P=0.03"
    assert format_effect("SMD", -0.1, -0.19, -0.001, 0.04) == "SMD: -0.10 [-0.19, -0.00], P=0.04"


def test_results_table_sections_and_control_names_once_per_block():
    synthesis = es.synthesise(es.load_review(MINIMAL))
    lines = results_table(synthesis)
    assert lines[0].section == "Pain intensity meta-analyses"
    pain = lines[1:4]
    assert [line.control for line in pain] == ["Usual care", "", "Waitlist"]
    assert pain[1].interpretation == "Favours peer support"
    md = to_markdown(lines)
    assert md.splitlines()[0] == (
        "| Control | Timepoint | Effect size [95% CI], P-value | Interpretation |"
    )
    assert "| **Pain intensity meta-analyses** | | | |" in md
    html = to_html(lines, caption="Table 1")
    assert html.count("<tr") == len(lines) + 1 and "<caption>Table 1</caption>" in html
    assert to_csv(lines).count("\n") == len(lines) + 1
