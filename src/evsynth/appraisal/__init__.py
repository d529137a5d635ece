"""Appraisal: risk of bias (RoB 2, ROBINS-I), GRADE certainty and synthesis without
meta-analysis (SWiM).

``rob2(answers)`` runs the RoB 2 algorithms on signalling answers; ``robins_i(domains)``
combines ROBINS-I domain judgements; ``suggest_grade`` / ``assess_certainty`` rate the
certainty of one pooled result; ``effect_direction`` and ``sign_test`` describe results that
are not pooled. ``appraise(review, synthesis)`` does all of it for a synthesised review.
Works on in-memory objects; never touches files or the database.
"""

from evsynth.appraisal._appraise import (
    Appraisal,
    CellAppraisal,
    RobAssessment,
    SwimGroup,
    appraise,
    assess_risk_of_bias,
)
from evsynth.appraisal._grade import (
    CERTAINTY_LEVELS,
    DOMAIN_TITLES,
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
from evsynth.appraisal._rob2 import (
    ROB2_DOMAINS,
    ROB2_JUDGEMENTS,
    Rob2AnswerError,
    Rob2JudgementError,
    Rob2Result,
    rob2,
    rob2_from_judgements,
)
from evsynth.appraisal._robins_i import (
    ROBINS_I_DOMAINS,
    ROBINS_I_JUDGEMENTS,
    RobinsIJudgementError,
    RobinsIResult,
    robins_i,
)
from evsynth.appraisal._swim import SWIM_ITEMS, SignTestResult, effect_direction, sign_test

__all__ = [
    "appraise",
    "assess_risk_of_bias",
    "Appraisal",
    "CellAppraisal",
    "RobAssessment",
    "SwimGroup",
    "rob2",
    "rob2_from_judgements",
    "Rob2Result",
    "Rob2AnswerError",
    "Rob2JudgementError",
    "ROB2_DOMAINS",
    "ROB2_JUDGEMENTS",
    "robins_i",
    "RobinsIResult",
    "RobinsIJudgementError",
    "ROBINS_I_DOMAINS",
    "ROBINS_I_JUDGEMENTS",
    "suggest_grade",
    "assess_certainty",
    "plain_language",
    "GradeSettings",
    "GradeEvidence",
    "GradeSuggestion",
    "GradeDecision",
    "GradeAssessment",
    "DomainRating",
    "DOMAINS",
    "DOMAIN_TITLES",
    "UPGRADE_DOMAINS",
    "CERTAINTY_LEVELS",
    "effect_direction",
    "sign_test",
    "SignTestResult",
    "SWIM_ITEMS",
]
