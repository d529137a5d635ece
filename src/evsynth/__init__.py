"""evsynth: a workbench for systematic reviews with meta-analysis.

The numbers live in :mod:`evsynth.stats`; its public names are re-exported here so that
``import evsynth as es`` gives ``es.meta_analysis``, ``es.effect_sizes`` and the rest, with
``es.load_review`` and ``es.synthesise`` from :mod:`evsynth.review`, and ``es.appraise``,
``es.rob2`` and ``es.robins_i`` from :mod:`evsynth.appraisal`.
"""

from evsynth.appraisal import appraise, rob2, robins_i
from evsynth.review import load_review, synthesise
from evsynth.stats import *  # noqa: F403
from evsynth.stats import __all__ as _stats_all

__version__ = "0.1.0"
__all__ = [
    *_stats_all,
    "load_review",
    "synthesise",
    "appraise",
    "rob2",
    "robins_i",
    "__version__",
]
