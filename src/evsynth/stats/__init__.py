"""Numbers only: effect sizes, meta-analysis models, heterogeneity, bias tests, batch engine.

NumPy/SciPy arrays in, frozen dataclasses out; no I/O. Every estimator is checked against
R metafor (see ``tests/fixtures/metafor``).
"""

from evsynth.stats._bias import EggerTest, TrimAndFillResult, egger_test, trim_and_fill
from evsynth.stats._conversions import (
    change_sd,
    combine_groups,
    correlation_from_change,
    design_effect,
    effective_sample_size,
    mean_sd_from_median,
    rescale,
    rescale_sd,
    sd_from_ci,
    sd_from_se,
    split_shared_control,
)
from evsynth.stats._effect_sizes import EffectSizes, effect_sizes
from evsynth.stats._engine import METHODS, TESTS, ConvergenceWarning
from evsynth.stats._heterogeneity import HeterogeneityCI, heterogeneity_ci
from evsynth.stats._meta import meta_analysis, meta_analysis_batch
from evsynth.stats._metareg import MetaRegressionResult, meta_regression
from evsynth.stats._results import (
    ConfidenceInterval,
    MetaAnalysisBatchResult,
    MetaAnalysisResult,
)
from evsynth.stats._sensitivity import LeaveOneOutResult, leave_one_out
from evsynth.stats._subgroup import SubgroupAnalysisResult, subgroup_analysis

__all__ = [
    # effect sizes and data conversions
    "effect_sizes",
    "EffectSizes",
    "sd_from_se",
    "sd_from_ci",
    "mean_sd_from_median",
    "combine_groups",
    "rescale",
    "rescale_sd",
    "change_sd",
    "correlation_from_change",
    "design_effect",
    "effective_sample_size",
    "split_shared_control",
    # models
    "meta_analysis",
    "meta_analysis_batch",
    "meta_regression",
    "subgroup_analysis",
    "heterogeneity_ci",
    "leave_one_out",
    "egger_test",
    "trim_and_fill",
    "METHODS",
    "TESTS",
    # results
    "ConfidenceInterval",
    "MetaAnalysisResult",
    "MetaAnalysisBatchResult",
    "MetaRegressionResult",
    "SubgroupAnalysisResult",
    "HeterogeneityCI",
    "LeaveOneOutResult",
    "EggerTest",
    "TrimAndFillResult",
    "ConvergenceWarning",
]
