"""Data preparation: each step's arithmetic, checked by hand, and its trail."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from scipy import stats as sps

from evsynth.review import load_review
from evsynth.review._prepare import prepare_rows

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"


@pytest.fixture(scope="module")
def prepared():
    rows = prepare_rows(load_review(MINIMAL))
    return {(p.study_id, p.source.outcome_id, p.window.id, p.source.arm): p for p in rows}


def test_one_row_per_study_outcome_comparator_arm_window(prepared):
    assert len(prepared) == 19


def test_sd_from_arm_se(prepared):
    p = prepared[("baker2015", "pain", "long", None)]
    # NRS 0-10: SD = SE * sqrt(n) = 0.33 * 6 = 1.98, then x10 on 0-100
    assert p.sd1 == pytest.approx(19.8, rel=1e-12)
    assert p.sd2 == pytest.approx(0.35 * math.sqrt(37) * 10, rel=1e-12)
    assert any("SD 1.98 from SE 0.33" in s for s in p.steps)


def test_sd_from_arm_ci_uses_t_for_small_groups(prepared):
    p = prepared[("chen2017", "pain", "short", None)]
    t = sps.t.ppf(0.975, 49)
    assert p.sd1 == pytest.approx(math.sqrt(50) * (4.78 - 3.72) / (2 * t) * 10, rel=1e-12)
    assert any("t distribution" in s for s in p.steps)


def test_rescaling_to_the_outcome_range(prepared):
    p = prepared[("baker2015", "pain", "short", None)]
    assert (p.m1, p.sd1, p.m2, p.sd2) == pytest.approx((51.0, 20.0, 54.0, 21.0), rel=1e-12)
    assert p.scale == (0.0, 100.0)
    assert "rescaled from 0-10 to 0-100" in p.steps


def test_sign_alignment_reverses_within_the_scale(prepared):
    p = prepared[("chen2017", "function", "short", None)]
    # SF-36 PF scores higher = better; function is lower_is_better: m -> 0 + 100 - m
    assert (p.m1, p.m2) == pytest.approx((100 - 55.2, 100 - 51.0), rel=1e-12)
    assert any(s.startswith("sign aligned") for s in p.steps)


def test_shared_control_group_is_split(prepared):
    a = prepared[("evans2020", "pain", "medium", "group")]
    b = prepared[("evans2020", "pain", "medium", "online")]
    assert a.n2 + b.n2 == 44
    assert a.n1 == 45 and b.n1 == 43


def test_cluster_design_effect(prepared):
    p = prepared[("dubois2019", "self_efficacy", "medium", None)]
    deff = 1 + (10 - 1) * 0.05
    assert p.n1 == pytest.approx(120 / deff, rel=1e-12)
    assert p.n2 == pytest.approx(118 / deff, rel=1e-12)
    contrast = prepared[("dubois2019", "pain", "medium", None)]
    assert contrast.se == pytest.approx((0.6 + 9.0) / (2 * 1.959963984540054), rel=1e-12)
    assert any("used as reported" in s for s in contrast.steps)


def test_median_and_iqr_are_converted(prepared):
    p = prepared[("fischer2021", "pain", "short", None)]
    assert p.m1 is not None and p.sd1 > 0
    assert any("from median 40 with Q1 25, Q3 58" in s for s in p.steps)


def test_timepoint_closest_to_the_window_middle(tmp_path):
    folder = tmp_path / "review"
    shutil.copytree(MINIMAL, folder)
    outcomes = folder / "outcomes.csv"
    lines = outcomes.read_text().splitlines()
    header = lines[0].split(",")
    extra = dict.fromkeys(header, "")
    extra.update(
        study_id="adams2012",
        outcome_id="pain",
        comparator_id="usual_care",
        timepoint_weeks="40",
        instrument="VAS",
        scale_min="0",
        scale_max="100",
        higher_is_better="false",
        m1="40",
        sd1="20",
        n1="50",
        m2="45",
        sd2="20",
        n2="50",
    )
    lines.append(",".join(extra[h] for h in header))
    outcomes.write_text("\n".join(lines) + "\n")
    rows = prepare_rows(load_review(folder))
    medium = [
        p
        for p in rows
        if p.study_id == "adams2012" and p.source.outcome_id == "pain" and p.window.id == "medium"
    ]
    # window 13-51 weeks, middle 32: 26 weeks (6 away) beats 40 weeks (8 away)
    assert len(medium) == 1 and medium[0].source.timepoint_weeks == 26
    assert "not used: 40 weeks" in medium[0].steps[0]
