"""GRADE engine: every rule at, just over and just under its threshold; reviewer decisions;
certainty arithmetic; footnotes; plain-language statements; validation messages."""

from __future__ import annotations

import dataclasses
import math

import pytest

from evsynth.appraisal._grade import (
    CERTAINTY_LEVELS,
    DOMAINS,
    UPGRADE_DOMAINS,
    DomainRating,
    GradeAssessment,
    GradeDecision,
    GradeEvidence,
    GradeSettings,
    GradeSuggestion,
    assess_certainty,
    plain_language,
    suggest_grade,
)

NAN = math.nan


def evidence(**changes) -> GradeEvidence:
    """A clean cell: 4 trials at low risk, 600 participants, a CI that excludes the null,
    no heterogeneity, no MCID, pain-like outcome (lower is better). Per-study fields follow
    ``k`` unless given."""
    k = changes.get("k", 4)
    n = k if isinstance(k, int) and k > 0 else 4  # lengths for a valid cell; k itself as given
    fields = {
        "k": k,
        "participants": 600,
        "estimate": -8.0,
        "ci_low": -12.0,
        "ci_high": -6.0,
        "pi_low": None,
        "pi_high": None,
        "i2": 0.0,
        "yi": [-8.0] * n,
        "study_ci_low": [-14.0] * n,
        "study_ci_high": [-2.0] * n,
        "weights": [1.0] * n,
        "rob_overall": ["low"] * n,
        "mcid": None,
        "lower_is_better": True,
        "egger_pvalue": None,
    }
    fields.update(changes)
    return GradeEvidence(**fields)


def rate(domain: str, settings: GradeSettings | None = None, **changes) -> DomainRating:
    ev = evidence(**changes)
    suggestion = suggest_grade(ev) if settings is None else suggest_grade(ev, settings)
    return suggestion.domains[domain]


# ---- suggest_grade: shape -----------------------------------------------------------------


def test_clean_cell_suggests_nothing_serious():
    suggestion = suggest_grade(evidence())
    assert isinstance(suggestion, GradeSuggestion)
    assert tuple(suggestion.domains) == DOMAINS
    assert suggestion.design == "randomised"
    for domain in ("risk_of_bias", "inconsistency", "imprecision"):
        rating = suggestion.domains[domain]
        assert (rating.levels, rating.label, rating.source) == (0, "not serious", "rule")
        assert rating.reason


def test_indirectness_is_the_reviewers_judgement():
    rating = rate("indirectness")
    assert (rating.levels, rating.label, rating.source) == (0, "not assessed", "not assessed")
    assert "no rule" in rating.reason
    assert "reviewer" in rating.reason


def test_suggest_grade_checks_its_arguments():
    with pytest.raises(TypeError, match="evidence must be a GradeEvidence"):
        suggest_grade({"k": 2})
    with pytest.raises(TypeError, match="settings must be a GradeSettings"):
        suggest_grade(evidence(), {"i2_serious": 50})


# ---- risk of bias -------------------------------------------------------------------------


def test_rob_unweighted_exactly_75_percent_low_is_not_serious():
    rating = rate("risk_of_bias", rob_overall=["low", "low", "low", "some concerns"])
    assert rating.levels == 0
    assert rating.reason == "75% of the weight comes from studies at low risk of bias (>= 75%)"


def test_rob_unweighted_below_75_percent_low_is_serious():
    rating = rate("risk_of_bias", k=3, rob_overall=["low", "low", "some concerns"])
    assert (rating.levels, rating.label) == (-1, "serious")
    assert rating.reason == "67% of the weight comes from studies at low risk of bias (< 75%)"


@pytest.mark.parametrize(
    ("low_weight", "levels", "shown"),
    [(75.0, 0, "75% of the weight comes from studies at low risk of bias (>= 75%)"),
     (74.9, -1, "74.9% of the weight comes from studies at low risk of bias (< 75%)"),
     (75.1, 0, "75.1% of the weight comes from studies at low risk of bias (>= 75%)"),
     (38.0, -1, "38% of the weight comes from studies at low risk of bias (< 75%)")],
)  # fmt: skip
def test_rob_weighted_share_at_the_threshold(low_weight, levels, shown):
    rating = rate(
        "risk_of_bias",
        k=2,
        weights=[low_weight, 100.0 - low_weight],
        rob_overall=["low", "some concerns"],
    )
    assert rating.levels == levels
    assert rating.reason == shown


def test_rob_share_equal_to_threshold_up_to_rounding_counts_as_reaching_it():
    weights = [22.8, 14.1, 12.3]  # (22.8 + 14.1) / 49.2 is 0.7499999999999999 in floating point
    assert (weights[0] + weights[1]) / sum(weights) < 0.75
    rating = rate("risk_of_bias", k=3, weights=weights, rob_overall=["low", "low", "high"])
    assert rating.levels == 0


def test_rob_weights_on_any_scale_give_the_same_rating():
    labels = ["low", "low", "some concerns"]
    a = rate("risk_of_bias", k=3, weights=[50, 30, 20], rob_overall=labels)
    b = rate("risk_of_bias", k=3, weights=[0.5, 0.3, 0.2], rob_overall=labels)
    assert a == b
    assert a.levels == 0  # 80% low


@pytest.mark.parametrize(
    ("high_weight", "levels"), [(50.0, -2), (49.9, -1), (50.1, -2), (100.0, -2)]
)
def test_rob_high_share_at_the_very_serious_threshold(high_weight, levels):
    rating = rate(
        "risk_of_bias", k=2, weights=[high_weight, 100.0 - high_weight], rob_overall=["high", "low"]
    )
    assert rating.levels == levels
    if levels == -2:
        assert rating.label == "very serious"
        assert rating.reason.startswith(
            f"{high_weight:g}% of the weight comes from studies at high risk of bias (>= 50%)"
        )
    else:
        assert "49.9% from studies at high risk (< 50%)" in rating.reason


def test_rob_exactly_half_at_high_risk_reason():
    rating = rate("risk_of_bias", k=2, rob_overall=["high", "low"])
    assert rating.reason == (
        "50% of the weight comes from studies at high risk of bias (>= 50%); "
        "50% of the weight comes from studies at low risk of bias"
    )


def test_rob_robins_i_judgements():
    # serious and critical count as high; moderate and no information as not low
    rating = rate(
        "risk_of_bias",
        design="observational",
        rob_overall=["serious", "critical", "moderate", "low"],
    )
    assert rating.levels == -2
    rating = rate(
        "risk_of_bias",
        design="observational",
        rob_overall=["moderate", "no information", "low", "low"],
    )
    assert rating.levels == -1
    assert "50% of the weight comes from studies at low risk of bias (< 75%)" in rating.reason


def test_rob_not_assessed_at_all():
    for missing in ([None] * 4, [NAN] * 4, [""] * 4):
        rating = rate("risk_of_bias", rob_overall=missing)
        assert (rating.levels, rating.label, rating.source) == (0, "not assessed", "not assessed")
        assert "no study" in rating.reason


def test_rob_studies_without_a_judgement_count_as_not_low():
    rating = rate("risk_of_bias", rob_overall=["low", "low", "low", None])
    assert rating.levels == 0
    assert rating.reason == (
        "75% of the weight comes from studies at low risk of bias (>= 75%); 25% comes from "
        "studies without a risk-of-bias judgement, counted as not at low risk"
    )
    rating = rate("risk_of_bias", k=3, rob_overall=["low", "low", None])
    assert rating.levels == -1
    assert "33% comes from studies without a risk-of-bias judgement" in rating.reason
    # nor are they counted as high risk
    rating = rate("risk_of_bias", k=3, rob_overall=["high", None, None])
    assert rating.levels == -1


def test_rob_labels_are_normalised():
    ev = evidence(rob_overall=["LOW", " Some_Concerns ", "no-information", None])
    assert ev.rob_overall == ("low", "some concerns", "no information", None)


def test_rob_custom_thresholds():
    settings = GradeSettings(rob_low_weight_min=0.5, rob_high_weight_very_serious=0.75)
    rating = rate("risk_of_bias", settings, rob_overall=["low", "low", "high", "high"])
    assert rating.levels == 0
    assert "(>= 50%)" in rating.reason
    assert "50% from studies at high risk (< 75%)" in rating.reason


# ---- inconsistency ------------------------------------------------------------------------

SAME_SIDE = {"study_ci_low": [-14.0] * 4, "study_ci_high": [-2.0] * 4}
OPPOSITE = {"study_ci_low": [-14.0, -10.0, 1.0, -5.0], "study_ci_high": [-2.0, 3.0, 9.0, 5.0]}


@pytest.mark.parametrize(("i2", "levels"), [(75.0, 0), (75.01, -1), (90.0, -1)])
def test_i2_above_serious_threshold(i2, levels):
    rating = rate("inconsistency", i2=i2, **SAME_SIDE)
    assert rating.levels == levels
    if levels:
        assert rating.reason.startswith(f"I² = {i2:g}% (> 75%)")


def test_i2_above_threshold_reason_text():
    assert rate("inconsistency", i2=82.0).reason == "I² = 82% (> 75%)"


@pytest.mark.parametrize(("i2", "levels"), [(39.9, 0), (40.0, -1), (60.0, -1), (75.0, -1)])
def test_moderate_i2_with_opposite_directions(i2, levels):
    rating = rate("inconsistency", i2=i2, **OPPOSITE)
    assert rating.levels == levels


def test_i2_just_under_the_moderate_threshold_is_shown_apart_from_it():
    rating = rate("inconsistency", i2=39.99, **OPPOSITE)
    assert rating.levels == 0
    assert rating.reason == "I² = 39.99% (< 40%)"


def test_moderate_i2_with_opposite_directions_reason():
    rating = rate("inconsistency", i2=55.0, **OPPOSITE)
    assert rating.reason == (
        "I² = 55% (40% to 75%) with study confidence intervals excluding the null in opposite "
        "directions (1 study favouring the intervention, 1 study the control)"
    )
    # the same results for an outcome where higher is better swap the sides
    rating = rate("inconsistency", i2=55.0, lower_is_better=False, **OPPOSITE)
    assert rating.levels == -1


def test_moderate_i2_with_all_studies_on_one_side_is_not_serious():
    rating = rate("inconsistency", i2=60.0, **SAME_SIDE)
    assert rating.levels == 0
    assert "no study confidence intervals exclude the null in opposite directions" in (
        rating.reason
    )


def test_studies_merely_on_both_sides_of_the_null_are_not_opposite_directions():
    # estimates on both sides, but no CI excludes the null on the control side
    rating = rate(
        "inconsistency",
        i2=60.0,
        yi=[-8.0, -6.0, 2.0, 1.0],
        study_ci_low=[-14.0, -10.0, -3.0, -4.0],
        study_ci_high=[-2.0, -1.0, 7.0, 6.0],
    )
    assert rating.levels == 0


def test_prediction_interval_crossing_the_null_with_moderate_i2_rates_down():
    rating = rate("inconsistency", i2=45.0, pi_low=-20.0, pi_high=4.0)
    assert rating.levels == -1
    assert rating.reason == (
        "I² = 45% (>= 40%) and the prediction interval (-20 to 4) crosses the null while the "
        "confidence interval (-12 to -6) does not"
    )


def test_prediction_interval_signal_alone_is_reported_but_does_not_rate_down():
    rating = rate("inconsistency", i2=39.0, pi_low=-20.0, pi_high=4.0)
    assert rating.levels == 0
    assert "the prediction interval (-20 to 4) crosses the null" in rating.reason
    assert "not rated down with I² < 40%" in rating.reason


def test_prediction_interval_crossing_the_mcid():
    rating = rate(
        "inconsistency", i2=50.0, mcid=10.0, ci_low=-13.0, ci_high=-11.0, pi_low=-16.0,
        pi_high=-8.0,
    )  # fmt: skip
    assert rating.levels == -1
    assert "crosses the MCID for benefit (-10)" in rating.reason
    assert "the null" not in rating.reason


def test_prediction_interval_crossing_what_the_ci_also_crosses_is_no_signal():
    rating = rate("inconsistency", i2=50.0, ci_low=-12.0, ci_high=1.0, pi_low=-20.0, pi_high=8.0)
    assert rating.levels == 0
    assert "prediction interval" not in rating.reason


def test_prediction_interval_setting_off_ignores_it():
    settings = GradeSettings(prediction_interval=False)
    rating = rate("inconsistency", settings, i2=45.0, pi_low=-20.0, pi_high=4.0)
    assert rating.levels == 0
    assert "prediction interval" not in rating.reason


def test_prediction_interval_with_high_i2_is_reported_beside_it():
    rating = rate("inconsistency", i2=80.0, pi_low=-20.0, pi_high=4.0)
    assert rating.levels == -1
    assert rating.reason.startswith("I² = 80% (> 75%); the prediction interval (-20 to 4)")


def test_nan_prediction_interval_is_none():
    ev = evidence(pi_low=NAN, pi_high=NAN)
    assert ev.pi_low is None and ev.pi_high is None


def test_inconsistency_not_assessed_for_one_study_or_without_i2():
    rating = rate("inconsistency", k=1, i2=NAN)
    assert (rating.levels, rating.label, rating.source) == (0, "not assessed", "not assessed")
    assert "single study" in rating.reason
    rating = rate("inconsistency", i2=NAN)
    assert rating.label == "not assessed"
    assert "I²" in rating.reason
    assert evidence(i2=None).i2 != evidence(i2=None).i2  # None is read as NaN


def test_inconsistency_custom_thresholds():
    settings = GradeSettings(i2_serious=50.0, i2_moderate=30.0)
    assert rate("inconsistency", settings, i2=50.5).levels == -1
    assert rate("inconsistency", settings, i2=30.0, **OPPOSITE).levels == -1
    assert rate("inconsistency", settings, i2=29.0, **OPPOSITE).levels == 0


# ---- imprecision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci_low", "ci_high", "levels"),
    [(-12.0, -0.01, 0), (-12.0, 0.0, -1), (-12.0, 3.0, -1), (0.0, 5.0, -1), (0.01, 5.0, 0)],
)
def test_imprecision_ci_and_the_null(ci_low, ci_high, levels):
    rating = rate("imprecision", ci_low=ci_low, ci_high=ci_high)
    assert rating.levels == levels
    assert ("includes the null" in rating.reason) == (levels == -1)


def test_imprecision_reason_for_a_precise_result():
    rating = rate("imprecision")
    assert rating.reason == (
        "the CI (-12 to -6) excludes the null; "
        "600 participants (>= the optimal information size of 400)"
    )
    rating = rate("imprecision", mcid=20.0)
    assert rating.reason.startswith("the CI (-12 to -6) excludes the null and crosses no MCID")


@pytest.mark.parametrize(
    ("ci_low", "ci_high", "levels", "why"),
    [
        (-15.0, -12.0, 0, None),  # wholly beyond the MCID: an important benefit
        (-15.0, -10.0, 0, None),  # touches the MCID from the important side
        (-8.0, -2.0, 0, None),  # wholly short of the MCID: a precise small effect
        (-12.0, -8.0, -1, "crosses the MCID for benefit (-10)"),
        (-10.0, -5.0, -1, "crosses the MCID for benefit (-10)"),  # includes -10 and less
        (-10.01, -9.99, -1, "crosses the MCID for benefit (-10)"),
        (5.0, 15.0, -1, "crosses the MCID for harm (10)"),
        (-10.0, 10.0, -2, "includes both MCID thresholds, -10 for benefit and 10 for harm"),
        (-10.0, 9.99, -1, "crosses the MCID for benefit (-10)"),
        (-9.99, 10.0, -1, "crosses the MCID for harm (10)"),
        (-25.0, 30.0, -2, "includes both MCID thresholds"),
    ],
)
def test_imprecision_ci_and_the_mcid(ci_low, ci_high, levels, why):
    rating = rate("imprecision", mcid=10.0, ci_low=ci_low, ci_high=ci_high)
    assert rating.levels == levels
    assert rating.label == {0: "not serious", -1: "serious", -2: "very serious"}[levels]
    if why is not None:
        assert why in rating.reason


def test_imprecision_mcid_when_higher_is_better():
    rating = rate(
        "imprecision", mcid=10.0, lower_is_better=False, estimate=10.0, ci_low=8.0, ci_high=12.0
    )
    assert rating.levels == -1
    assert "crosses the MCID for benefit (10)" in rating.reason
    rating = rate(
        "imprecision", mcid=10.0, lower_is_better=False, estimate=12.0, ci_low=10.0, ci_high=14.0
    )
    assert rating.levels == 0


def test_imprecision_without_mcid_uses_only_the_null_and_the_information_size():
    rating = rate("imprecision", ci_low=-40.0, ci_high=-0.5)  # a wide CI, but no MCID
    assert rating.levels == 0
    assert "MCID" not in rating.reason
    assert evidence(mcid=NAN).mcid is None


@pytest.mark.parametrize(("participants", "levels"), [(399, -1), (399.5, -1), (400, 0), (401, 0)])
def test_imprecision_optimal_information_size(participants, levels):
    rating = rate("imprecision", participants=participants)
    assert rating.levels == levels


def test_imprecision_optimal_information_size_reason_and_setting():
    rating = rate("imprecision", participants=150)
    assert rating.reason == (
        "the CI (-12 to -6) excludes the null; "
        "150 participants, fewer than the optimal information size of 400"
    )
    settings = GradeSettings(optimal_information_size=100)
    assert rate("imprecision", settings, participants=150).levels == 0


def test_imprecision_unknown_participants_skip_the_information_size():
    rating = rate("imprecision", participants=NAN)
    assert rating.levels == 0
    assert "number of participants is unknown" in rating.reason


@pytest.mark.parametrize(
    ("participants", "levels", "shown"),
    [
        (200, 0, "200 participants (>= 200, Pollock 2016)"),
        (199, -1, "199 participants (100 to 199, Pollock 2016)"),
        (100, -1, "100 participants (100 to 199, Pollock 2016)"),
        (99, -2, "99 participants (< 100, Pollock 2016)"),
        (20, -2, "20 participants (< 100, Pollock 2016)"),
    ],
)
def test_imprecision_pollock_tiers(participants, levels, shown):
    settings = GradeSettings(imprecision_rule="pollock", optimal_information_size=10_000)
    rating = rate("imprecision", settings, participants=participants)
    assert rating.levels == levels
    assert shown in rating.reason


def test_imprecision_is_the_worst_trigger_not_the_sum():
    rating = rate("imprecision", ci_low=-12.0, ci_high=2.0, participants=150)
    assert rating.levels == -1
    assert rating.reason == (
        "the CI (-12 to 2) includes the null; "
        "150 participants, fewer than the optimal information size of 400"
    )
    rating = rate("imprecision", mcid=10.0, ci_low=-12.0, ci_high=2.0, participants=150)
    assert rating.levels == -1  # null, MCID and OIS: three one-level triggers, one level
    assert rating.reason == (
        "the CI (-12 to 2) includes the null and crosses the MCID for benefit (-10); "
        "150 participants, fewer than the optimal information size of 400"
    )


def test_imprecision_is_capped_at_very_serious():
    settings = GradeSettings(imprecision_rule="pollock")
    rating = rate("imprecision", settings, mcid=10.0, ci_low=-12.0, ci_high=12.0, participants=50)
    assert (rating.levels, rating.label) == (-2, "very serious")
    assert "includes the null" in rating.reason
    assert "includes both MCID thresholds" in rating.reason
    assert "50 participants (< 100, Pollock 2016)" in rating.reason
    # a one-level CI trigger with a two-level Pollock tier: two levels
    rating = rate("imprecision", settings, ci_low=-12.0, ci_high=3.0, participants=60)
    assert rating.levels == -2


# ---- publication bias ---------------------------------------------------------------------


def ten_studies(**changes) -> dict:
    k = changes.pop("k", 10)
    return {"k": k, **changes}


def test_publication_bias_not_assessed_with_fewer_than_ten_studies():
    rating = rate("publication_bias", k=9, egger_pvalue=0.001)
    assert (rating.levels, rating.label, rating.source) == (0, "not assessed", "not assessed")
    assert "fewer than 10 studies" in rating.reason


@pytest.mark.parametrize(
    ("p", "levels", "shown"),
    [
        (0.0999, -1, "Egger's test p = 0.0999 (< 0.10)"),  # 0.100 would hide the difference
        (0.05, -1, "Egger's test p = 0.050 (< 0.10) suggests small-study effects (10 studies)"),
        (0.10, 0, "Egger's test p = 0.100 (>= 0.10): no sign of small-study effects"),
        (0.1001, 0, "Egger's test p = 0.1001 (>= 0.10)"),
        (0.0004, -1, "Egger's test p < 0.001 (< 0.10)"),
        (0.62, 0, "Egger's test p = 0.620 (>= 0.10)"),
    ],
)
def test_publication_bias_egger_against_alpha(p, levels, shown):
    rating = rate("publication_bias", **ten_studies(egger_pvalue=p))
    assert rating.levels == levels
    assert rating.source == "rule"
    assert rating.reason.startswith(shown)


def test_publication_bias_egger_not_run():
    for p in (None, NAN):
        rating = rate("publication_bias", **ten_studies(egger_pvalue=p))
        assert rating.label == "not assessed"
        assert "not run" in rating.reason


def test_publication_bias_custom_settings():
    settings = GradeSettings(publication_bias_min_studies=5, egger_alpha=0.05)
    assert rate("publication_bias", settings, k=5, egger_pvalue=0.07).levels == 0
    assert rate("publication_bias", settings, k=5, egger_pvalue=0.04).levels == -1
    assert "fewer than 5 studies" in rate("publication_bias", settings, k=4).reason


# ---- reviewer decisions and the certainty -------------------------------------------------


def test_no_downgrade_gives_high_certainty():
    assessment = assess_certainty(suggest_grade(evidence()))
    assert isinstance(assessment, GradeAssessment)
    assert (assessment.start, assessment.certainty) == ("high", "high")
    assert (assessment.symbol, assessment.label) == ("⊕⊕⊕⊕", "High")
    assert assessment.footnotes == []
    assert assessment.downgrades == 0 and assessment.upgrades == 0


def test_reviewer_decision_replaces_the_suggestion():
    suggestion = suggest_grade(evidence(ci_low=-12.0, ci_high=2.0))
    assert suggestion.domains["imprecision"].levels == -1
    decision = GradeDecision("imprecision", 0, "the CI includes only trivial harms")
    assessment = assess_certainty(suggestion, [decision])
    rating = assessment.domains["imprecision"]
    assert rating == DomainRating(
        "imprecision", 0, "not serious", "the CI includes only trivial harms", "reviewer"
    )
    assert assessment.certainty == "high"
    assert assessment.footnotes == []
    # the others keep their suggested ratings
    assert assessment.domains["risk_of_bias"] == suggestion.domains["risk_of_bias"]


def test_reviewer_decision_can_rate_down_a_not_assessed_domain():
    decision = GradeDecision("indirectness", -2, "surrogate outcome in a different population")
    assessment = assess_certainty(suggest_grade(evidence()), (decision,))
    rating = assessment.domains["indirectness"]
    assert (rating.levels, rating.label, rating.source) == (-2, "very serious", "reviewer")
    assert assessment.certainty == "low"
    assert assessment.footnotes == [
        "Indirectness: downgraded two levels: surrogate outcome in a different population"
    ]


@pytest.mark.parametrize("reason", ["", "   ", None, 3])
def test_decision_needs_a_reason(reason):
    with pytest.raises(ValueError, match=r"GradeDecision\.reason must be a non-empty text"):
        GradeDecision("risk_of_bias", -1, reason)


def test_decision_reason_is_stripped():
    assert GradeDecision("risk_of_bias", -1, "  unblinded  ").reason == "unblinded"


@pytest.mark.parametrize(
    ("domain", "levels", "error", "message"),
    [
        ("bias", -1, ValueError, "GradeDecision.domain must be one of"),
        ("risk_of_bias", -3, ValueError, "GradeDecision.levels must be one of"),
        ("risk_of_bias", 1, ValueError, "GradeDecision.levels must be one of"),
        ("large_effect", -1, ValueError, "GradeDecision.levels must be one of"),
        ("large_effect", 3, ValueError, "GradeDecision.levels must be one of"),
        ("risk_of_bias", True, TypeError, "GradeDecision.levels must be an integer"),
        ("risk_of_bias", -1.0, TypeError, "GradeDecision.levels must be an integer"),
    ],
)
def test_decision_validation(domain, levels, error, message):
    with pytest.raises(error, match=message):
        GradeDecision(domain, levels, "a reason")


def test_two_decisions_for_one_domain_are_an_error():
    decisions = [GradeDecision("imprecision", -1, "a"), GradeDecision("imprecision", 0, "b")]
    with pytest.raises(ValueError, match="two reviewer decisions for the domain 'imprecision'"):
        assess_certainty(suggest_grade(evidence()), decisions)


def test_decisions_must_be_grade_decisions():
    with pytest.raises(TypeError, match="decisions must hold GradeDecision objects"):
        assess_certainty(suggest_grade(evidence()), [("imprecision", -1, "a")])
    with pytest.raises(TypeError, match="suggestion must be a GradeSuggestion"):
        assess_certainty(evidence())


def decide(**levels) -> list[GradeDecision]:
    return [GradeDecision(domain, n, f"reason for {domain}") for domain, n in levels.items()]


@pytest.mark.parametrize(
    ("levels", "certainty", "symbol"),
    [
        ({}, "high", "⊕⊕⊕⊕"),
        ({"risk_of_bias": -1}, "moderate", "⊕⊕⊕◯"),
        ({"risk_of_bias": -1, "imprecision": -1}, "low", "⊕⊕◯◯"),
        ({"imprecision": -2}, "low", "⊕⊕◯◯"),
        ({"risk_of_bias": -1, "imprecision": -2}, "very low", "⊕◯◯◯"),
        ({"risk_of_bias": -2, "inconsistency": -1, "imprecision": -2}, "very low", "⊕◯◯◯"),
        ({d: -2 for d in DOMAINS}, "very low", "⊕◯◯◯"),
    ],
)
def test_randomised_certainty_arithmetic_and_clamping(levels, certainty, symbol):
    assessment = assess_certainty(suggest_grade(evidence()), decide(**levels))
    assert assessment.start == "high"
    assert assessment.certainty == certainty
    assert assessment.symbol == symbol
    assert assessment.label == certainty.capitalize()
    assert assessment.downgrades == -sum(levels.values())


@pytest.mark.parametrize(
    ("levels", "certainty"),
    [
        ({}, "low"),
        ({"risk_of_bias": -1}, "very low"),
        ({"risk_of_bias": -2, "imprecision": -1}, "very low"),
        ({"large_effect": 1}, "moderate"),
        ({"large_effect": 2}, "high"),
        ({"large_effect": 2, "dose_response": 1, "plausible_confounding": 1}, "high"),
        ({"large_effect": 2, "imprecision": -1}, "moderate"),
        ({"dose_response": 1, "risk_of_bias": -1}, "low"),
        ({"large_effect": 0}, "low"),
    ],
)
def test_observational_certainty_with_upgrades(levels, certainty):
    suggestion = suggest_grade(evidence(design="observational"))
    assessment = assess_certainty(suggestion, decide(**levels))
    assert assessment.start == "low"
    assert assessment.design == "observational"
    assert assessment.certainty == certainty
    assert assessment.upgrades == sum(v for d, v in levels.items() if d in UPGRADE_DOMAINS)


def test_upgrading_randomised_evidence_is_an_error():
    with pytest.raises(ValueError, match="large_effect rates up observational evidence only"):
        assess_certainty(suggest_grade(evidence()), decide(large_effect=1))
    # a "no upgrade" decision is harmless
    assessment = assess_certainty(suggest_grade(evidence()), decide(large_effect=0))
    assert assessment.domains["large_effect"].label == "none"


def test_design_defaults_to_the_suggestions_and_must_agree():
    suggestion = suggest_grade(evidence(design="observational"))
    assert assess_certainty(suggestion).start == "low"
    assert assess_certainty(suggestion, design="observational").start == "low"
    with pytest.raises(ValueError, match="suggestion was made for 'observational'"):
        assess_certainty(suggestion, design="randomised")
    with pytest.raises(ValueError, match=r"assess_certainty\.design must be one of"):
        assess_certainty(suggestion, design="cohort")


def test_footnotes_follow_the_domain_order_and_name_the_levels():
    suggestion = suggest_grade(
        evidence(design="observational", rob_overall=["low", "some concerns", "low", "low"])
    )
    decisions = [
        GradeDecision("large_effect", 1, "RR 0.3 in every study"),
        GradeDecision("publication_bias", -1, "industry-funded trials only"),
        GradeDecision("imprecision", -2, "few events"),
    ]
    assessment = assess_certainty(suggestion, decisions)
    assert assessment.domains["risk_of_bias"].levels == 0  # exactly 75% at low risk
    assert assessment.footnotes == [
        "Imprecision: downgraded two levels: few events",
        "Publication bias: downgraded one level: industry-funded trials only",
        "Large effect: upgraded one level: RR 0.3 in every study",
    ]
    assert tuple(assessment.domains) == (*DOMAINS, "large_effect")


def test_footnote_carries_the_rule_reason():
    suggestion = suggest_grade(evidence(k=3, rob_overall=["low", "low", "high"]))
    assessment = assess_certainty(suggestion)
    assert assessment.certainty == "moderate"
    assert assessment.footnotes == [
        "Risk of bias: downgraded one level: 67% of the weight comes from studies at low risk "
        "of bias (< 75%); 33% from studies at high risk (< 50%)"
    ]


def test_a_single_decision_object_is_accepted():
    assessment = assess_certainty(suggest_grade(evidence()), GradeDecision("indirectness", -1, "x"))
    assert assessment.certainty == "moderate"


def test_results_are_frozen():
    suggestion = suggest_grade(evidence())
    with pytest.raises(dataclasses.FrozenInstanceError):
        suggestion.design = "observational"
    with pytest.raises(dataclasses.FrozenInstanceError):
        suggestion.domains["imprecision"].levels = -1


def test_certainty_levels_are_ordered_worst_first():
    assert CERTAINTY_LEVELS == ("very low", "low", "moderate", "high")


def test_domain_rating_validation():
    with pytest.raises(ValueError, match=r"DomainRating\.label must be 'serious' for levels -1"):
        DomainRating("imprecision", -1, "not serious", "x", "rule")
    with pytest.raises(ValueError, match=r"DomainRating\.source must be one of"):
        DomainRating("imprecision", 0, "not serious", "x", "guess")
    with pytest.raises(ValueError, match=r"DomainRating\.label"):
        DomainRating("imprecision", -1, "not assessed", "x", "not assessed")


# ---- plain language -----------------------------------------------------------------------

STATEMENTS = {
    ("high", "benefit"): "Peer support improves pain intensity.",
    ("high", "harm"): "Peer support worsens pain intensity.",
    ("high", "little or no difference"): (
        "Peer support results in little to no difference in pain intensity."
    ),
    ("moderate", "benefit"): "Peer support probably improves pain intensity.",
    ("moderate", "harm"): "Peer support probably worsens pain intensity.",
    ("moderate", "little or no difference"): (
        "Peer support probably results in little to no difference in pain intensity."
    ),
    ("low", "benefit"): "Peer support may improve pain intensity.",
    ("low", "harm"): "Peer support may worsen pain intensity.",
    ("low", "little or no difference"): (
        "Peer support may result in little to no difference in pain intensity."
    ),
    ("very low", "benefit"): (
        "The evidence is very uncertain about the effect of peer support on pain intensity."
    ),
    ("very low", "harm"): (
        "The evidence is very uncertain about the effect of peer support on pain intensity."
    ),
    ("very low", "little or no difference"): (
        "The evidence is very uncertain about the effect of peer support on pain intensity."
    ),
}


@pytest.mark.parametrize(("certainty", "effect"), list(STATEMENTS))
def test_plain_language_table(certainty, effect):
    statement = plain_language(certainty, effect, "peer support", "pain intensity")
    assert statement == STATEMENTS[(certainty, effect)]


@pytest.mark.parametrize(
    ("certainty", "effect", "lower_is_better", "expected"),
    [
        ("high", "benefit", True, "Peer support reduces pain."),
        ("moderate", "benefit", True, "Peer support probably reduces pain."),
        ("low", "benefit", True, "Peer support may reduce pain."),
        ("high", "harm", True, "Peer support increases pain."),
        ("low", "harm", True, "Peer support may increase pain."),
        ("high", "benefit", False, "Peer support increases pain."),
        ("moderate", "harm", False, "Peer support probably reduces pain."),
        ("moderate", "little or no difference", True,
         "Peer support probably results in little to no difference in pain."),
    ],
)  # fmt: skip
def test_plain_language_with_the_outcome_direction(certainty, effect, lower_is_better, expected):
    statement = plain_language(
        certainty, effect, "peer support", "pain", lower_is_better=lower_is_better
    )
    assert statement == expected


def test_plain_language_keeps_names_as_given():
    assert plain_language("high", "benefit", "CBT", "fatigue") == "CBT improves fatigue."
    assert plain_language("very low", "harm", "CBT", "fatigue") == (
        "The evidence is very uncertain about the effect of CBT on fatigue."
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("certain", "benefit", "X", "Y"), {}, ValueError, "plain_language.certainty must be"),
        (("high", "helps", "X", "Y"), {}, ValueError, "plain_language.effect must be one of"),
        (("high", "benefit", "", "Y"), {}, ValueError, "plain_language.intervention must be"),
        (("high", "benefit", "X", None), {}, ValueError, "plain_language.outcome must be"),
        (("high", "benefit", "X", "Y"), {"lower_is_better": "yes"}, TypeError, "lower_is_better"),
    ],
)
def test_plain_language_validation(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plain_language(*args, **kwargs)


# ---- settings validation ------------------------------------------------------------------


def test_settings_defaults():
    s = GradeSettings()
    assert (s.rob_low_weight_min, s.rob_high_weight_very_serious) == (0.75, 0.5)
    assert (s.i2_serious, s.i2_moderate, s.prediction_interval) == (75.0, 40.0, True)
    assert (s.optimal_information_size, s.imprecision_rule) == (400, "ois")
    assert (s.publication_bias_min_studies, s.egger_alpha) == (10, 0.10)


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        ("rob_low_weight_min", 1.5, ValueError, r"must be a number in \[0, 1\]; got 1.5"),
        ("rob_low_weight_min", -0.1, ValueError, r"must be a number in \[0, 1\]"),
        ("rob_low_weight_min", "0.75", TypeError, "must be a finite number"),
        ("rob_low_weight_min", NAN, ValueError, "must be a finite number"),
        ("rob_high_weight_very_serious", 0.0, ValueError, r"must be a number in \(0, 1\]"),
        ("i2_serious", 120, ValueError, r"must be a number in \[0, 100\]; got 120"),
        ("i2_moderate", -1, ValueError, r"must be a number in \[0, 100\]"),
        ("i2_moderate", 80.0, ValueError, r"must be <= i2_serious \(75.0\); got 80.0"),
        ("prediction_interval", 1, TypeError, "must be True or False"),
        ("optimal_information_size", 0, ValueError, "must be an integer >= 1; got 0"),
        ("optimal_information_size", 400.0, TypeError, "must be an integer >= 1"),
        ("optimal_information_size", True, TypeError, "must be an integer >= 1"),
        ("imprecision_rule", "GRADE", ValueError, "must be one of 'ois', 'pollock'"),
        ("publication_bias_min_studies", 2, ValueError, "must be an integer >= 3"),
        ("egger_alpha", 0.0, ValueError, r"must be a number in \(0, 1\); got 0.0"),
        ("egger_alpha", 1.0, ValueError, r"must be a number in \(0, 1\)"),
    ],
)
def test_settings_validation_names_the_setting(name, value, error, message):
    with pytest.raises(error, match=rf"^GradeSettings\.{name} {message}"):
        GradeSettings(**{name: value})


# ---- evidence validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"k": 0}, ValueError, r"GradeEvidence\.k must be an integer >= 1"),
        ({"k": 4.0}, TypeError, r"GradeEvidence\.k must be an integer"),
        ({"participants": -1}, ValueError, r"GradeEvidence\.participants must be a number >= 0"),
        ({"estimate": NAN}, ValueError, r"GradeEvidence\.estimate must be a finite number"),
        ({"ci_low": -math.inf}, ValueError, r"GradeEvidence\.ci_low must be a finite number"),
        ({"ci_low": -5.0, "ci_high": -6.0}, ValueError, r"GradeEvidence\.ci_low must be <="),
        ({"pi_low": -20.0}, ValueError, r"pi_low and GradeEvidence\.pi_high must both be"),
        ({"pi_low": 5.0, "pi_high": 1.0}, ValueError, r"GradeEvidence\.pi_low must be <="),
        ({"i2": 101.0}, ValueError, r"GradeEvidence\.i2 must be a number in \[0, 100\]"),
        ({"yi": [1.0, 2.0]}, ValueError, r"GradeEvidence\.yi has 2 values; it must have one"),
        ({"yi": [1.0, 2.0, NAN, 3.0]}, ValueError, r"GradeEvidence\.yi\[2\] must be a finite"),
        ({"yi": "1234"}, TypeError, r"GradeEvidence\.yi must be a sequence of numbers"),
        ({"rob_overall": ["low"] * 3}, ValueError, r"GradeEvidence\.rob_overall has 3 values"),
        ({"rob_overall": ["low", "unclear", "low", "low"]}, ValueError,
         r"GradeEvidence\.rob_overall\[1\] must be one of"),
        ({"rob_overall": ["low", 1, "low", "low"]}, TypeError, r"rob_overall\[1\] must be a str"),
        ({"rob_overall": "low"}, TypeError, r"GradeEvidence\.rob_overall must be a sequence"),
        ({"study_ci_low": [0.0, 0.0, 0.0, 0.0]}, ValueError,
         r"GradeEvidence\.study_ci_low\[0\] must be <= study_ci_high\[0\]"),
        ({"weights": [1.0, -1.0, 1.0, 1.0]}, ValueError, r"GradeEvidence\.weights\[1\] must be"),
        ({"weights": [0.0] * 4}, ValueError, r"GradeEvidence\.weights must have a positive total"),
        ({"mcid": 0.0}, ValueError, r"GradeEvidence\.mcid must be a number > 0 or None"),
        ({"mcid": -5.0}, ValueError, r"GradeEvidence\.mcid must be a number > 0"),
        ({"lower_is_better": 1}, TypeError, r"GradeEvidence\.lower_is_better must be True or"),
        ({"egger_pvalue": 1.5}, ValueError, r"GradeEvidence\.egger_pvalue must be a number in"),
        ({"design": "RCT"}, ValueError, r"GradeEvidence\.design must be one of"),
    ],
)  # fmt: skip
def test_evidence_validation_names_the_field(changes, error, message):
    with pytest.raises(error, match=message):
        evidence(**changes)


def test_evidence_stores_per_study_values_as_tuples():
    import numpy as np

    ev = evidence(yi=np.array([-8.0, -7.0, -6.0, -5.0]), weights=[1, 2, 3, 4])
    assert ev.yi == (-8.0, -7.0, -6.0, -5.0)
    assert ev.weights == (1.0, 2.0, 3.0, 4.0)
    assert evidence(participants=NAN).participants != evidence(participants=NAN).participants
    assert evidence(egger_pvalue=NAN).egger_pvalue is None
