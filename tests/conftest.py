"""Fixtures shared across test packages."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "peer-support-msk"


@pytest.fixture(scope="session")
def example_report(tmp_path_factory):
    """The peer-support example's full report (synthesis, appraisal, PRISMA), built once:
    ``(appraisal, out_dir, index_path)``."""
    import evsynth as es
    from evsynth.report import write_report
    from evsynth.screening import prisma_from_review

    review = es.load_review(EXAMPLE)
    appraisal = es.appraise(review, es.synthesise(review))
    prisma = prisma_from_review(review, appraisal.synthesis)
    out = tmp_path_factory.mktemp("example-report")
    index = write_report(
        appraisal.synthesis, out, review=review, appraisal=appraisal, prisma=prisma
    )
    return appraisal, out, index
