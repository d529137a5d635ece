"""The prior knowledge a screening simulation starts from, drawn reproducibly from a seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["prior_indices"]


def prior_indices(
    labels: Sequence[int] | np.ndarray, seed: int, *, included: int = 1, excluded: int = 1
) -> list[int]:
    """Row indices of the records a simulation knows the labels of before it starts.

    ``rng = numpy.random.default_rng(seed)`` chooses the included rows first, then the
    excluded rows (with one of each, ``rng.choice(rows)`` each: the protocol of the
    ASReview baseline in ``shared/data/README.md``, so both tools start from the same
    records).

    Examples
    --------
    >>> prior_indices([0, 1, 0, 0, 1, 0], seed=1)
    [1, 3]
    """
    labels = np.asarray(labels)
    if included < 1 or excluded < 1:
        raise ValueError("a simulation needs at least one included and one excluded prior")
    rows_included = np.flatnonzero(labels == 1)
    rows_excluded = np.flatnonzero(labels == 0)
    if rows_included.size < included or rows_excluded.size < excluded:
        raise ValueError(
            f"asked for {included} included and {excluded} excluded priors but the labels "
            f"hold {rows_included.size} included and {rows_excluded.size} excluded"
        )
    rng = np.random.default_rng(seed)
    chosen = []
    for rows, count in ((rows_included, included), (rows_excluded, excluded)):
        picks = [rng.choice(rows)] if count == 1 else rng.choice(rows, size=count, replace=False)
        chosen += [int(row) for row in picks]
    return chosen
