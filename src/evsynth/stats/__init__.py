"""Numbers only: effect sizes, meta-analysis models, heterogeneity, bias tests, batch engine.

NumPy/SciPy arrays in, frozen dataclasses out; no I/O. Every estimator is checked against
R metafor (see ``tests/fixtures/metafor``).
"""

from evsynth.stats._engine import METHODS, TESTS, ConvergenceWarning
from evsynth.stats._meta import meta_analysis, meta_analysis_batch
from evsynth.stats._results import (
    ConfidenceInterval,
    MetaAnalysisBatchResult,
    MetaAnalysisResult,
)

__all__ = [
    "METHODS",
    "TESTS",
    "ConfidenceInterval",
    "ConvergenceWarning",
    "MetaAnalysisBatchResult",
    "MetaAnalysisResult",
    "meta_analysis",
    "meta_analysis_batch",
]

# --- effect sizes (helper) ---
from evsynth.stats._conversions import (  # noqa: E402
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
from evsynth.stats._effect_sizes import EffectSizes, effect_sizes  # noqa: E402

__all__ += [
    "EffectSizes",
    "effect_sizes",
    "change_sd",
    "combine_groups",
    "correlation_from_change",
    "design_effect",
    "effective_sample_size",
    "mean_sd_from_median",
    "rescale",
    "rescale_sd",
    "sd_from_ci",
    "sd_from_se",
    "split_shared_control",
]
# --- end effect sizes (helper) ---
