"""Agreement between screeners: Cohen's kappa with its standard error, percent agreement, PABAK.

The standard error is the square root of the large-sample variance of Fleiss, Cohen & Everitt
(1969), Psychol Bull 72:323-327, not the simpler variance under the null hypothesis kappa = 0;
R's ``psych::cohen.kappa()`` (``var.kappa``) and ``vcd::Kappa()`` (``ASE``) use the same one.
With p_ij the proportion of records rater 1 put in category i and rater 2 in j, r_i and c_j
the row and column margins, p_o the observed and p_e the chance agreement::

    var = [ sum_i p_ii ((1 - p_e) - (r_i + c_i)(1 - p_o))^2
            + (1 - p_o)^2 sum_{i != j} p_ij (c_i + r_j)^2
            - (p_o p_e - 2 p_e + p_o)^2 ] / (n (1 - p_e)^4)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
from scipy.stats import norm

from evsynth.screening._events import (
    STAGES,
    VOTE_DECISIONS,
    ScreeningError,
    ScreeningStates,
    Stage,
)

__all__ = ["AGREEMENT_CSV_FIELDS", "Agreement", "agreement", "agreement_csv_rows", "cohen_kappa"]


@dataclass(frozen=True)
class Agreement:
    """Agreement between two raters over one contingency table.

    Attributes
    ----------
    categories : tuple of str
        The categories, in the order of the table's rows and columns.
    table : tuple of tuple of int
        Counts: rows are rater 1's category, columns rater 2's.
    n : int
        Records rated by both.
    observed : float
        Proportion of records on which the raters agree (p_o).
    expected : float
        Agreement expected by chance from the margins (p_e).
    kappa : float
        Cohen's kappa, (p_o - p_e) / (1 - p_e); NaN when p_e = 1 (both raters used a
        single, same category: kappa is undefined).
    se : float
        Large-sample standard error (Fleiss, Cohen & Everitt 1969); NaN with kappa.
    pabak : float
        Prevalence- and bias-adjusted kappa for k categories, (k p_o - 1) / (k - 1).
    stage : str or None
        The screening stage, when computed from screening.
    reviewers : tuple of (str, str) or None
        The reviewer pair (rater 1, rater 2), or None when every pair is pooled.
    """

    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    n: int
    observed: float
    expected: float
    kappa: float
    se: float
    pabak: float
    stage: Stage | None = None
    reviewers: tuple[str, str] | None = None

    @property
    def percent_agreement(self) -> float:
        """Observed agreement in percent."""
        return 100.0 * self.observed

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Wald confidence interval for kappa, kappa ± z se, clipped to [-1, 1] as R's
        ``psych::cohen.kappa()`` and ``confint(vcd::Kappa())`` clip it.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level, strictly between 0 and 1.

        Examples
        --------
        >>> result = cohen_kappa([[40, 5], [7, 948]], categories=("include", "exclude"))
        >>> [round(x, 4) for x in result.confidence_interval(0.95)]
        [0.787, 0.9396]
        """
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
            raise ScreeningError(f"level must be strictly between 0 and 1, not {level!r}")
        if math.isnan(self.kappa):
            return (math.nan, math.nan)
        half = float(norm.ppf(0.5 + level / 2)) * self.se
        return (max(-1.0, self.kappa - half), min(1.0, self.kappa + half))


def cohen_kappa(
    table: Sequence[Sequence[int]], categories: Sequence[str] | None = None
) -> Agreement:
    """Cohen's kappa, its standard error, percent agreement and PABAK from a square table.

    Parameters
    ----------
    table : k x k array_like of int
        Counts: ``table[i][j]`` records that rater 1 put in category i and rater 2 in j.
        k >= 2; categories nobody used may be rows and columns of zeros (they change PABAK,
        not kappa).
    categories : sequence of str, optional
        Names of the k categories; by default "1" to "k".

    Returns
    -------
    Agreement

    Raises
    ------
    ScreeningError
        The table is not square, has fewer than two categories, negative or fractional
        counts, or no records.

    Examples
    --------
    Cohen (1968), Psychol Bull 70:213-220, as counts of 200 (p_o = .70, p_e = .41; Cohen
    reports kappa = .492):

    >>> result = cohen_kappa([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    >>> round(result.kappa, 3), round(result.se, 4), round(result.percent_agreement, 1)
    (0.492, 0.051, 70.0)
    >>> round(result.pabak, 3)
    0.55
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] < 2:
        raise ScreeningError(
            f"the agreement table must be square with at least 2 categories, not shape "
            f"{counts.shape}"
        )
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts % 1 != 0):
        raise ScreeningError("the agreement table must hold counts (whole numbers >= 0)")
    k = counts.shape[0]
    names = tuple(str(i) for i in range(1, k + 1)) if categories is None else tuple(categories)
    if len(names) != k or len(set(names)) != k:
        raise ScreeningError(f"categories must name the table's {k} categories once each")
    n = int(counts.sum())
    if n == 0:
        raise ScreeningError("the agreement table holds no records")
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = float(np.trace(p))
    pe = float(rows @ cols)
    pabak = (k * po - 1) / (k - 1)
    if 1.0 - pe <= 1e-15:
        kappa = se = math.nan
    else:
        kappa = (po - pe) / (1 - pe)
        diagonal = float(np.sum(np.diag(p) * ((1 - pe) - (rows + cols) * (1 - po)) ** 2))
        margins = cols[:, None] + rows[None, :]  # c_i + r_j
        off = p * margins**2
        off_diagonal = (1 - po) ** 2 * float(off.sum() - np.trace(off))
        variance = (diagonal + off_diagonal - (po * pe - 2 * pe + po) ** 2) / (n * (1 - pe) ** 4)
        se = math.sqrt(max(variance, 0.0))  # a rounding error below 0 when agreement is perfect
    return Agreement(
        categories=names,
        table=tuple(tuple(int(c) for c in row) for row in counts),
        n=n,
        observed=po,
        expected=pe,
        kappa=kappa,
        se=se,
        pabak=pabak,
    )


def agreement(
    states: ScreeningStates,
    *,
    categories: dict[str, Sequence[str]] | None = None,
) -> tuple[Agreement, ...]:
    """Agreement per stage (every pair pooled) and per reviewer pair, over closed records.

    Only records whose voting has closed count (agreed, conflict or resolved), with the
    votes that closed them (each reviewer votes once; a vote is never changed). Open records,
    still waiting for votes, do not count: counting them would show the lead a partial
    table that moves as votes arrive, and their votes count once the record closes. Within
    a pair, rater 1 is the reviewer whose name sorts first. A record voted on
    by more than two reviewers (``required`` > 2) counts once for each pair of its voters.
    The pooled table adds up the pairs' tables: when the same two reviewers screened every
    record, it is their table.

    Parameters
    ----------
    states : ScreeningStates
    categories : dict of stage to sequence of str, optional
        The categories of each stage's table (k in PABAK). By default every decision a vote
        can take at the stage (:data:`VOTE_DECISIONS`: 3 at title/abstract, 4 at full text),
        so that k does not change with what the reviewers happened to use.

    Returns
    -------
    tuple of Agreement
        For each stage with closed records: the pooled result (``reviewers`` None), then one
        per reviewer pair with closed records in common, pairs in name order.

    Examples
    --------
    >>> from datetime import datetime
    >>> from evsynth.screening import ScreeningEvent, derive_states
    >>> t = datetime(2024, 3, 1)
    >>> votes = {"r1": ("include", "include"), "r2": ("exclude", "exclude"),
    ...          "r3": ("exclude", "include"), "r4": ("exclude", "exclude")}
    >>> states = derive_states([
    ...     ScreeningEvent(record, who, "title_abstract", decision, at=t)
    ...     for record, pair in votes.items() for who, decision in zip(("ana", "ben"), pair)
    ... ])
    >>> pooled, pair = agreement(states)
    >>> pair.reviewers, pair.n, pair.percent_agreement, round(pair.kappa, 3)
    (('ana', 'ben'), 4, 75.0, 0.5)
    """
    if not isinstance(states, ScreeningStates):
        raise ScreeningError(f"states must be ScreeningStates, not {type(states).__name__}")
    chosen = dict(VOTE_DECISIONS)
    for stage, names in (categories or {}).items():
        if stage not in STAGES:
            raise ScreeningError(f"categories: unknown stage {stage!r}")
        chosen[stage] = tuple(names)
    pairs: dict[tuple[str, tuple[str, str]], list[tuple[str, str]]] = defaultdict(list)
    for state in states:
        if not state.closed:
            continue
        for a, b in combinations(sorted(state.votes), 2):
            pairs[state.stage, (a, b)].append((state.votes[a].decision, state.votes[b].decision))
    results: list[Agreement] = []
    for stage in STAGES:
        names = tuple(chosen[stage])
        index = {name: i for i, name in enumerate(names)}
        stage_pairs = sorted(key[1] for key in pairs if key[0] == stage)
        if not stage_pairs:
            continue
        tables = {}
        for pair in stage_pairs:
            counts = np.zeros((len(names), len(names)), dtype=int)
            for first, second in pairs[stage, pair]:
                if first not in index or second not in index:
                    raise ScreeningError(
                        f"a {stage} vote falls outside the categories {', '.join(names)}: "
                        f"{first if first not in index else second!r}"
                    )
                counts[index[first], index[second]] += 1
            tables[pair] = counts
        pooled = cohen_kappa(sum(tables.values()), names)
        results.append(replace(pooled, stage=stage))
        results.extend(
            replace(cohen_kappa(counts, names), stage=stage, reviewers=pair)
            for pair, counts in tables.items()
        )
    return tuple(results)


#: The columns of :func:`agreement_csv_rows`, in order.
AGREEMENT_CSV_FIELDS = (
    "stage",
    "reviewer_1",
    "reviewer_2",
    "records",
    "categories",
    "percent_agreement",
    "expected_agreement",
    "kappa",
    "se",
    "ci_level",
    "ci_low",
    "ci_high",
    "pabak",
)


def _number(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6f}"


def agreement_csv_rows(
    results: Iterable[Agreement], *, level: float = 0.95
) -> list[dict[str, str]]:
    """Agreement results as CSV rows (dicts keyed by :data:`AGREEMENT_CSV_FIELDS`).

    Numbers have six decimals; an undefined kappa is an empty cell; a pooled result has
    ``"all"`` as its reviewers; ``categories`` are joined with ``|``.

    Examples
    --------
    >>> import csv, io
    >>> rows = agreement_csv_rows([cohen_kappa([[40, 5], [7, 948]], ("include", "exclude"))])
    >>> out = io.StringIO()
    >>> writer = csv.DictWriter(out, AGREEMENT_CSV_FIELDS, lineterminator="\\n")
    >>> _ = writer.writeheader(); writer.writerows(rows)
    >>> print(out.getvalue().splitlines()[1])
    ,all,all,1000,include|exclude,98.800000,0.912230,0.863279,0.038922,0.95,0.786994,0.939564,0.976000
    """
    rows = []
    for result in results:
        low, high = result.confidence_interval(level)
        first, second = result.reviewers or ("all", "all")
        rows.append(
            {
                "stage": result.stage or "",
                "reviewer_1": first,
                "reviewer_2": second,
                "records": str(result.n),
                "categories": "|".join(result.categories),
                "percent_agreement": _number(result.percent_agreement),
                "expected_agreement": _number(result.expected),
                "kappa": _number(result.kappa),
                "se": _number(result.se),
                "ci_level": f"{level:g}",
                "ci_low": _number(low),
                "ci_high": _number(high),
                "pabak": _number(result.pabak),
            }
        )
    return rows
