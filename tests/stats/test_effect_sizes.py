"""Tests for evsynth.effect_sizes: agreement with R metafor's escalc() and input validation."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evsynth as es
from evsynth.stats import EffectSizes

#: Relative tolerance against the metafor reference values (the fixture is lossless, so only
#: floating-point rounding in the two implementations separates them).
RTOL = 1e-10

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "metafor" / "escalc.json"
ESCALC = json.loads(FIXTURE.read_text())
CASES = ESCALC["cases"]
Z95 = 1.959963984540054  # standard normal 0.975 quantile

ARM = {
    "m1": [10.0, 3.5, -2.0, 7.0],
    "sd1": [2.0, 1.0, 4.0, 3.0],
    "n1": [10, 2, 30, 12],
    "m2": [8.0, 4.5, 1.5, 7.0],
    "sd2": [3.0, 1.5, 3.5, 2.0],
    "n2": [12, 3, 28, 12],
}


def _arm(**changes):
    data = {name: list(values) for name, values in ARM.items()}
    data.update(changes)
    return data


# --------------------------------------------------------------------------------------------
# Agreement with metafor
# --------------------------------------------------------------------------------------------


def test_fixture_records_its_provenance():
    assert ESCALC["metafor_version"]
    assert ESCALC["r_version"].startswith("R version")
    for case in CASES:
        assert case["call"].startswith("escalc(")
        assert len(case["yi"]) == len(case["vi"]) > 0
    names = {case["name"] for case in CASES}
    assert {"normand1999_MD", "normand1999_SMD", "gibson2002_MD", "gibson2002_SMD"} <= names


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_matches_metafor_escalc(case):
    ef = es.effect_sizes(case["measure"], **case["inputs"])
    assert ef.measure == case["measure"]
    np.testing.assert_allclose(ef.yi, case["yi"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(ef.vi, case["vi"], rtol=RTOL, atol=0)


def test_hedges_correction_closed_forms():
    # c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); with n1 = n2 = 2, m = 2 and
    # c(2) = Gamma(1) / (1 * Gamma(1/2)) = 1 / sqrt(pi). With n1 = 2, n2 = 3, m = 3 and
    # c(3) = Gamma(3/2) / (sqrt(3/2) Gamma(1)) = (sqrt(pi) / 2) / sqrt(3/2).
    ef = es.effect_sizes(
        "SMD", m1=[1.0, 1.0], sd1=[1.0, 1.0], n1=[2, 2], m2=[0.0, 0.0], sd2=[1.0, 1.0], n2=[2, 3]
    )
    expected = [1 / math.sqrt(math.pi), (math.sqrt(math.pi) / 2) / math.sqrt(1.5)]
    np.testing.assert_allclose(ef.yi, expected, rtol=1e-14)
    # vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))
    np.testing.assert_allclose(ef.vi[0], 0.5 + 0.5 + expected[0] ** 2 / 8, rtol=1e-14)


def test_smd_revman_hand_computation():
    # RevMan 5 (Deeks & Higgins 2010), written out for m1 = 10, sd1 = 2, n1 = 10 against
    # m2 = 8, sd2 = 3, n2 = 12, so N = 22:
    #   pooled SD s = sqrt((9 * 2^2 + 11 * 3^2) / 20) = sqrt(6.75) = 2.598076211353316
    #   d = (10 - 8) / s                                            = 0.769800358919501
    #   g = d (1 - 3 / (4 * 22 - 9)) = d * 76 / 79                  = 0.740567433897241
    #   var = 22 / (10 * 12) + g^2 / (2 * (22 - 3.94))              = 0.198517168442667
    # (evaluated in 30-digit decimal arithmetic).
    ef = es.effect_sizes(
        "SMD", m1=10.0, sd1=2.0, n1=10, m2=8.0, sd2=3.0, n2=12, smd_variant="revman"
    )
    np.testing.assert_allclose(ef.yi, [0.740567433897241486965], rtol=1e-14)
    np.testing.assert_allclose(ef.vi, [0.198517168442667362663], rtol=1e-14)
    # the same numbers step by step with plain floats
    s = math.sqrt((9 * 4 + 11 * 9) / 20)
    g = (10 - 8) / s * (1 - 3 / (4 * 22 - 9))
    assert ef.yi[0] == pytest.approx(g, rel=1e-15)
    assert ef.vi[0] == pytest.approx(22 / 120 + g**2 / (2 * (22 - 3.94)), rel=1e-15)


def test_revman_and_hedges_agree_for_large_samples():
    args = _arm(n1=[5000] * 4, n2=[5000] * 4)
    hedges = es.effect_sizes("SMD", **args)
    revman = es.effect_sizes("SMD", **args, smd_variant="revman")
    np.testing.assert_allclose(revman.yi, hedges.yi, rtol=1e-6)
    np.testing.assert_allclose(revman.vi, hedges.vi, rtol=1e-4)


@pytest.mark.parametrize("measure", ["md", "Md", "smd", "SMD", "sMd"])
def test_measure_is_case_insensitive(measure):
    ef = es.effect_sizes(measure, **ARM)
    assert ef.measure == measure.upper()
    assert es.effect_sizes("generic", estimate=1.0, se=0.5).measure == "GENERIC"
    assert es.effect_sizes("SMD", **ARM, smd_variant="RevMan").yi.shape == (4,)


def test_md_hand_computation():
    ef = es.effect_sizes("MD", m1=[10.0], sd1=[2.0], n1=[10], m2=[8.0], sd2=[3.0], n2=[12])
    assert ef.yi[0] == 2.0
    assert ef.vi[0] == pytest.approx(4 / 10 + 9 / 12, rel=1e-15)


# --------------------------------------------------------------------------------------------
# Generic inverse variance
# --------------------------------------------------------------------------------------------


def test_generic_from_se():
    ef = es.effect_sizes("GENERIC", estimate=[0.5, -1.0], se=[0.2, 0.4])
    np.testing.assert_array_equal(ef.yi, [0.5, -1.0])
    np.testing.assert_allclose(ef.vi, [0.04, 0.16], rtol=1e-15)


def test_generic_from_ci_95():
    # se = (ci_high - ci_low) / (2 * 1.959963984540054)
    ef = es.effect_sizes("GENERIC", estimate=[0.5], ci_low=[0.1], ci_high=[0.9])
    assert ef.sei[0] == pytest.approx(0.8 / (2 * Z95), rel=1e-14)
    np.testing.assert_allclose(ef.ci_low, [0.1], rtol=1e-12)
    np.testing.assert_allclose(ef.ci_high, [0.9], rtol=1e-12)


@pytest.mark.parametrize("level", [0.9, 90])
def test_generic_from_ci_other_level(level):
    z90 = 1.6448536269514722  # standard normal 0.95 quantile
    ef = es.effect_sizes("GENERIC", estimate=[2.0], ci_low=[1.0], ci_high=[3.0], level=level)
    assert ef.sei[0] == pytest.approx(2.0 / (2 * z90), rel=1e-14)


# --------------------------------------------------------------------------------------------
# The result object
# --------------------------------------------------------------------------------------------


def test_effect_sizes_result_properties():
    ef = es.effect_sizes("GENERIC", estimate=[1.0, 2.0], se=[0.5, 0.25])
    assert isinstance(ef, EffectSizes)
    assert len(ef) == 2
    np.testing.assert_allclose(ef.sei, [0.5, 0.25])
    np.testing.assert_allclose(ef.ci_low, [1.0 - Z95 * 0.5, 2.0 - Z95 * 0.25], rtol=1e-15)
    np.testing.assert_allclose(ef.ci_high, [1.0 + Z95 * 0.5, 2.0 + Z95 * 0.25], rtol=1e-15)
    low, high = ef.confidence_interval()
    np.testing.assert_array_equal(low, ef.ci_low)
    np.testing.assert_array_equal(high, ef.ci_high)
    z99 = 2.5758293035489004  # standard normal 0.995 quantile
    low, high = ef.confidence_interval(99)
    np.testing.assert_allclose(low, [1.0 - z99 * 0.5, 2.0 - z99 * 0.25], rtol=1e-14)
    np.testing.assert_allclose(high, [1.0 + z99 * 0.5, 2.0 + z99 * 0.25], rtol=1e-14)


def test_effect_sizes_result_is_immutable():
    ef = es.effect_sizes("MD", **ARM)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ef.yi = np.zeros(4)
    with pytest.raises(ValueError, match="read-only"):
        ef.yi[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        ef.vi[0] = 1.0


def test_result_does_not_alias_inputs():
    estimate = np.array([1.0, 2.0])
    ef = es.effect_sizes("GENERIC", estimate=estimate, se=[0.1, 0.2])
    estimate[0] = 99.0
    assert ef.yi[0] == 1.0


def test_effect_sizes_constructor_validates():
    with pytest.raises(ValueError, match=r"vi\[1\]"):
        EffectSizes("MD", yi=[1.0, 2.0], vi=[0.1, 0.0])
    with pytest.raises(ValueError, match=r"yi\[0\]"):
        EffectSizes("MD", yi=[np.nan], vi=[0.1])
    with pytest.raises(ValueError, match="vi has length 1 but yi has length 2"):
        EffectSizes("MD", yi=[1.0, 2.0], vi=[0.1])
    with pytest.raises(ValueError, match=r"level"):
        EffectSizes("MD", yi=[1.0], vi=[0.1]).confidence_interval(0)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("measure", ["MD", "SMD"])
@pytest.mark.parametrize("name", list(ARM))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_arm_values_are_named_with_index(measure, name, bad):
    values = list(ARM[name])
    values[2] = bad
    with pytest.raises(ValueError, match=rf"^{name}\[2\] is .*finite"):
        es.effect_sizes(measure, **_arm(**{name: values}))


@pytest.mark.parametrize("name", ["sd1", "sd2"])
@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_nonpositive_sd(name, bad):
    values = list(ARM[name])
    values[3] = bad
    with pytest.raises(ValueError, match=rf"^{name}\[3\] is .*> 0"):
        es.effect_sizes("SMD", **_arm(**{name: values}))


@pytest.mark.parametrize("name", ["n1", "n2"])
@pytest.mark.parametrize("bad", [1, 0, -5, 1.5])
def test_sample_size_below_two(name, bad):
    values = list(ARM[name])
    values[1] = bad
    with pytest.raises(ValueError, match=rf"^{name}\[1\] is .*>= 2"):
        es.effect_sizes("MD", **_arm(**{name: values}))


def test_lengths_must_match_and_are_named():
    with pytest.raises(ValueError, match="sd2 has length 3 but m1 has length 4"):
        es.effect_sizes("MD", **_arm(sd2=[1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="n1 has length 1 but m1 has length 4"):
        es.effect_sizes("SMD", **_arm(n1=20))  # no broadcasting of scalars
    with pytest.raises(ValueError, match="se has length 3 but estimate has length 2"):
        es.effect_sizes("GENERIC", estimate=[1.0, 2.0], se=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="ci_high has length 1 but estimate has length 2"):
        es.effect_sizes("GENERIC", estimate=[1.0, 2.0], ci_low=[0.0, 1.0], ci_high=[3.0])


def test_missing_arguments_are_listed():
    args = _arm()
    del args["sd2"], args["n2"]
    with pytest.raises(ValueError, match="missing: sd2, n2"):
        es.effect_sizes("MD", **args)
    with pytest.raises(ValueError, match="missing: m1, sd1, n1, m2, sd2, n2"):
        es.effect_sizes("SMD")
    with pytest.raises(ValueError, match="missing: estimate"):
        es.effect_sizes("GENERIC", se=[0.1])
    with pytest.raises(ValueError, match="requires se, or ci_low and ci_high"):
        es.effect_sizes("GENERIC", estimate=[0.1])
    with pytest.raises(ValueError, match="missing: ci_high"):
        es.effect_sizes("GENERIC", estimate=[0.1], ci_low=[0.0])
    with pytest.raises(ValueError, match="missing: ci_low"):
        es.effect_sizes("GENERIC", estimate=[0.1], ci_high=[0.3])


def test_arguments_that_do_not_belong_to_the_measure():
    with pytest.raises(ValueError, match="se does not apply to measure 'MD'"):
        es.effect_sizes("MD", **ARM, se=[0.1] * 4)
    with pytest.raises(ValueError, match="estimate, ci_low do not apply to measure 'SMD'"):
        es.effect_sizes("SMD", **ARM, estimate=[0.1] * 4, ci_low=[0.0] * 4)
    with pytest.raises(ValueError, match="m1, sd1 do not apply to measure 'GENERIC'"):
        es.effect_sizes("GENERIC", estimate=[0.1], se=[0.1], m1=[1.0], sd1=[1.0])
    with pytest.raises(ValueError, match="either se or ci_low and ci_high, not both"):
        es.effect_sizes("GENERIC", estimate=[0.1], se=[0.1], ci_low=[0.0], ci_high=[0.2])


def test_generic_value_checks():
    with pytest.raises(ValueError, match=r"^se\[1\] is .*> 0"):
        es.effect_sizes("GENERIC", estimate=[0.1, 0.2], se=[0.1, 0.0])
    with pytest.raises(ValueError, match=r"^se\[0\] is .*> 0"):
        es.effect_sizes("GENERIC", estimate=[0.1], se=[-0.1])
    with pytest.raises(ValueError, match=r"^se\[0\] is .*finite"):
        es.effect_sizes("GENERIC", estimate=[0.1], se=[np.nan])
    with pytest.raises(ValueError, match=r"^estimate\[1\] is .*finite"):
        es.effect_sizes("GENERIC", estimate=[0.1, np.inf], se=[0.1, 0.1])
    with pytest.raises(ValueError, match=r"ci_low\[1\] \(0\.5\) is greater than ci_high\[1\]"):
        es.effect_sizes("GENERIC", estimate=[0.1, 0.4], ci_low=[0.0, 0.5], ci_high=[0.2, 0.3])
    with pytest.raises(ValueError, match=r"ci_low\[0\] \(0\.2\) equals ci_high\[0\]"):
        es.effect_sizes("GENERIC", estimate=[0.2], ci_low=[0.2], ci_high=[0.2])
    with pytest.raises(ValueError, match=r"^ci_high\[0\] is .*finite"):
        es.effect_sizes("GENERIC", estimate=[0.2], ci_low=[0.1], ci_high=[np.nan])
    with pytest.raises(ValueError, match=r"estimate\[1\] \(2\.0\) lies outside"):
        es.effect_sizes("GENERIC", estimate=[0.1, 2.0], ci_low=[0.0, 0.5], ci_high=[0.2, 1.5])


def test_bad_choices_and_shapes():
    with pytest.raises(ValueError, match="measure must be one of 'MD', 'SMD', 'GENERIC'"):
        es.effect_sizes("OR", **ARM)
    with pytest.raises(ValueError, match="smd_variant must be one of 'hedges', 'revman'"):
        es.effect_sizes("SMD", **ARM, smd_variant="cohen")
    with pytest.raises(ValueError, match="level must be"):
        es.effect_sizes("GENERIC", estimate=[1.0], ci_low=[0.0], ci_high=[2.0], level=0)
    with pytest.raises(ValueError, match="m1 must be numeric"):
        es.effect_sizes("MD", **_arm(m1=["a", "b", "c", "d"]))
    with pytest.raises(ValueError, match="sd1 must be 1-D"):
        es.effect_sizes("MD", **_arm(sd1=[[1.0, 2.0], [3.0, 4.0]]))


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

means = st.floats(-1e3, 1e3, allow_nan=False)
sds = st.floats(1e-2, 1e2, allow_nan=False)
sizes = st.integers(2, 10_000)


@given(m1=means, sd1=sds, n1=sizes, m2=means, sd2=sds, n2=sizes)
def test_results_are_finite_and_antisymmetric(m1, sd1, n1, m2, sd2, n2):
    for measure, variant in [("MD", "hedges"), ("SMD", "hedges"), ("SMD", "revman")]:
        ab = es.effect_sizes(
            measure, m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2, smd_variant=variant
        )
        ba = es.effect_sizes(
            measure, m1=m2, sd1=sd2, n1=n2, m2=m1, sd2=sd1, n2=n1, smd_variant=variant
        )
        assert np.isfinite(ab.yi).all() and (ab.vi > 0).all()
        np.testing.assert_allclose(ab.yi, -ba.yi, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(ab.vi, ba.vi, rtol=1e-12)


@given(shift=means, scale=st.floats(1e-3, 1e3))
def test_smd_is_location_scale_invariant(shift, scale):
    base = es.effect_sizes("SMD", **ARM)
    moved = es.effect_sizes(
        "SMD",
        **_arm(
            m1=[shift + scale * x for x in ARM["m1"]],
            m2=[shift + scale * x for x in ARM["m2"]],
            sd1=[scale * x for x in ARM["sd1"]],
            sd2=[scale * x for x in ARM["sd2"]],
        ),
    )
    np.testing.assert_allclose(moved.yi, base.yi, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(moved.vi, base.vi, rtol=1e-9)
