"""The synthesis grid: its numbers are evsynth.stats' on each cell's prepared data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import evsynth as es
from evsynth.review import interpretation

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"


@pytest.fixture(scope="module")
def synthesis():
    return es.synthesise(es.load_review(MINIMAL))


@pytest.mark.parametrize(
    ("ci", "direction", "expected"),
    [
        ((-6.6, -0.35), "lower_is_better", "Favours peer support"),  # seed: pain, medium
        ((0.16, 0.36), "higher_is_better", "Favours peer support"),  # seed: self-efficacy
        ((-0.77, -0.05), "higher_is_better", "Favours control"),  # seed: self-efficacy, active
        ((0.5, 2.0), "lower_is_better", "Favours control"),
        ((-0.08, 10.04), "lower_is_better", ""),  # seed: pain vs active, P = 0.05
        ((-0.19, 0.0), "lower_is_better", ""),  # a bound on 0 does not exclude it
    ],
)
def test_interpretation_follows_the_seed_table(ci, direction, expected):
    assert interpretation(*ci, direction, "peer support") == expected


def test_every_number_is_meta_analysis_on_the_cells_prepared_data(synthesis):
    frame = synthesis.results_frame()
    assert len(frame) == len(synthesis.pooled_cells) > 0
    for (_, row), cell in zip(frame.iterrows(), synthesis.pooled_cells, strict=True):
        arm = [r for r in cell.rows if not r.is_contrast]
        contrast = [r for r in cell.rows if r.is_contrast]
        kwargs = {"smd_variant": "hedges"} if cell.measure == "SMD" else {}
        ef = es.effect_sizes(
            cell.measure,
            **{f: [getattr(r, f) for r in arm] for f in ("m1", "sd1", "n1", "m2", "sd2", "n2")},
            **kwargs,
        )
        yi = {id(r): y for r, y in zip(arm, ef.yi, strict=True)}
        vi = {id(r): v for r, v in zip(arm, ef.vi, strict=True)}
        for r in contrast:
            yi[id(r)], vi[id(r)] = r.estimate, r.se**2
        ref = es.meta_analysis(
            [yi[id(r)] for r in cell.rows], [vi[id(r)] for r in cell.rows], method="REML"
        )
        for name in ("estimate", "ci_low", "ci_high", "pvalue", "tau2", "i2"):
            assert row[name] == pytest.approx(getattr(ref, name), rel=1e-12, abs=1e-14), name
        assert row["k"] == ref.k
        assert row["interpretation"] == interpretation(
            ref.ci_low, ref.ci_high, cell.outcome.direction, "peer support"
        )


def test_cells_are_in_protocol_order_and_unpooled_cells_say_why(synthesis):
    ids = [(c.outcome.id, c.comparator.id, c.window.id) for c in synthesis.cells]
    assert ids[0] == ("pain", "usual_care", "short")
    qol = synthesis.cell("quality_of_life", "waitlist", "short")
    assert not qol.pooled and qol.pooled_reason == "the protocol does not pool this outcome"
    single = synthesis.cell("pain", "usual_care", "long")
    assert single.k == 1 and single.pooled_reason == "1 study: too few to pool"


def test_multi_arm_labels_and_split_control(synthesis):
    cell = synthesis.cell("pain", "usual_care", "medium")
    assert "Evans 2020 (group)" in cell.labels and "Evans 2020 (online)" in cell.labels
    assert cell.mcid_reached is False  # |MD| < 10 points
    assert cell.leave_one_out is not None and len(cell.leave_one_out.estimate) == cell.k


def test_auto_measure_is_md_on_one_scale_and_smd_across_scales(tmp_path):
    folder = tmp_path / "review"
    shutil.copytree(MINIMAL, folder)
    toml = (folder / "review.toml").read_text()
    toml = toml.replace(
        'id = "function"\nlabel = "Function"\ndirection = "lower_is_better"\nmeasure = "SMD"',
        'id = "function"\nlabel = "Function"\ndirection = "lower_is_better"\nmeasure = "auto"',
    )
    (folder / "review.toml").write_text(toml)
    result = es.synthesise(es.load_review(folder))
    # function, usual care, medium: WOMAC (0-68) arm data + an SMD contrast -> SMD
    assert result.cell("function", "usual_care", "medium").measure == "SMD"


def test_subgroup_analysis_runs_when_the_moderator_allows(tmp_path):
    folder = tmp_path / "review"
    shutil.copytree(MINIMAL, folder)
    studies = (folder / "studies.csv").read_text()
    studies = studies.replace(
        "Adams 2012,RCT,Australia,118,72,61.5,in-person group",
        "Adams 2012,RCT,Australia,118,72,61.5,online",
    )
    studies = studies.replace(
        "Dubois 2019,cluster RCT,France,238,69,66.3,in-person group",
        "Dubois 2019,cluster RCT,France,238,69,66.3,online",
    )
    (folder / "studies.csv").write_text(studies)
    cell = es.synthesise(es.load_review(folder)).cell("pain", "usual_care", "medium")
    sg = cell.subgroups["delivery_format"]
    groups = ["online", "online", "in-person group", "in-person group"]
    ref = es.subgroup_analysis(cell.yi, cell.vi, groups, method="REML")
    assert sg.q_between == pytest.approx(ref.q_between, rel=1e-12)
    assert set(sg.groups) == {"online", "in-person group"}
    assert np.isfinite(sg.q_between_pvalue)
    assert "duration_weeks" in cell.moderator_notes  # too few studies for meta-regression
    assert sorted(lab for fit in sg.groups.values() for lab in fit.labels) == sorted(cell.labels)


@pytest.mark.parametrize(("measure", "applies"), [("SMD", True), ("auto", False)])
def test_mcid_is_in_the_units_of_the_outcomes_measure(tmp_path, measure, applies):
    folder = tmp_path / "review"
    shutil.copytree(MINIMAL, folder)
    toml = (folder / "review.toml").read_text()
    old = 'id = "function"\nlabel = "Function"\ndirection = "lower_is_better"\nmeasure = "SMD"'
    assert old in toml
    toml = toml.replace(old, old.replace('"SMD"', f'"{measure}"') + "\nmcid = 0.5")
    (folder / "review.toml").write_text(toml)
    cell = es.synthesise(es.load_review(folder)).cell("function", "usual_care", "medium")
    assert cell.measure == "SMD"
    if applies:  # an SMD outcome's MCID is in SD units
        assert cell.mcid == 0.5
        assert cell.mcid_reached is (abs(cell.result.estimate) >= 0.5)
    else:  # "auto" MCIDs are scale points: they do not apply to a cell pooled as SMD
        assert cell.mcid is None and cell.mcid_reached is None
