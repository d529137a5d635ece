"""One check of screening labels (1 included, 0 excluded) for the functions that read them."""

from __future__ import annotations

import numpy as np

__all__ = ["check_labels"]


def check_labels(labels, name: str, *, min_size: int = 1, both_classes: bool = False) -> np.ndarray:
    """``labels`` as a 1-D ``int64`` array of 0 and 1, or a ``ValueError`` naming ``name``.

    Parameters
    ----------
    labels : sequence of int or bool
        The labels.
    name : str
        The argument's name, for the messages.
    min_size : int
        How many labels there must be at least.
    both_classes : bool
        Refuse labels without at least one 1 and one 0.

    Examples
    --------
    >>> check_labels([True, False, 1], "labels").tolist()
    [1, 0, 1]
    >>> check_labels([0, 2], "labels")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: labels must hold only 0 (excluded) and 1 (included): at position 1, 2 must be ...
    """
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a one-dimensional (1-D) sequence of 0/1 labels, not {array.ndim}-D"
        )
    if array.size < min_size:
        if min_size == 1:
            raise ValueError(f"{name} must be a non-empty sequence of 0/1 labels")
        raise ValueError(f"{name} must hold at least {min_size} labels (got {array.size})")
    if array.dtype != bool and (
        not np.issubdtype(array.dtype, np.number) or not np.isin(array, (0, 1)).all()
    ):
        values = array.tolist()
        bad = next(i for i, value in enumerate(values) if value not in (0, 1))
        raise ValueError(
            f"{name} must hold only 0 (excluded) and 1 (included): at position {bad}, "
            f"{values[bad]!r} must be 1 (included) or 0 (excluded)"
        )
    checked = array.astype(np.int64)
    if both_classes:
        n_included = int(checked.sum())
        if n_included == 0 or n_included == checked.size:
            raise ValueError(
                f"{name} needs at least one included and one excluded record "
                f"(got {n_included} included of {checked.size})"
            )
    return checked
