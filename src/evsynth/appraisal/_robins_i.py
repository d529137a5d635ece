"""ROBINS-I: risk of bias in non-randomised studies of interventions, from domain judgements to
the overall judgement.

The reviewer judges each of the seven bias domains of ROBINS-I (version of 2016) as low,
moderate, serious or critical risk of bias, or "no information"; the overall judgement follows
the tool's rule (Sterne et al. 2016, table 2):

- low: low risk of bias in all domains;
- moderate: low or moderate risk of bias in all domains;
- serious: serious risk of bias in at least one domain, but not critical in any;
- critical: critical risk of bias in at least one domain;
- no information: no clear indication that the study is at serious or critical risk of bias,
  and a lack of information in one or more *key* domains.

Which domains are key for a review is a judgement the guidance leaves to the reviewer; by
default every domain is key, so any "no information" without a serious or critical domain
gives "no information" overall. When the reviewer names the key domains and a domain outside
them lacks information, the guidance gives no rule: the overall judgement here then follows the
judged domains but is never "low", because a domain without information cannot be judged low
(so it is "moderate" when every judged domain is low).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "ROBINS_I_DOMAINS",
    "ROBINS_I_JUDGEMENTS",
    "RobinsIJudgementError",
    "RobinsIResult",
    "robins_i",
]

LOW = "low"
MODERATE = "moderate"
SERIOUS = "serious"
CRITICAL = "critical"
NO_INFORMATION = "no information"

ROBINS_I_JUDGEMENTS = (LOW, MODERATE, SERIOUS, CRITICAL, NO_INFORMATION)
"""The domain and overall judgements of ROBINS-I: the four levels of risk of bias, from least
to most severe, and "no information"."""

ROBINS_I_DOMAINS = {
    "D1": "Confounding",
    "D2": "Selection of participants into the study",
    "D3": "Classification of interventions",
    "D4": "Deviations from intended interventions",
    "D5": "Missing data",
    "D6": "Measurement of outcomes",
    "D7": "Selection of the reported result",
}
"""The seven bias domains of ROBINS-I: pre-intervention (D1, D2), at intervention (D3) and
post-intervention (D4 to D7)."""


@dataclass(frozen=True)
class RobinsIResult:
    """A ROBINS-I assessment of one result: the domain judgements and the overall judgement.

    Attributes
    ----------
    domains : dict of str to str
        "D1" ... "D7" to "low", "moderate", "serious", "critical" or "no information".
    overall : str
        The overall judgement (one of :data:`ROBINS_I_JUDGEMENTS`).
    path : str
        Why the overall judgement is what it is, e.g. "D3 serious, none critical -> serious".
    key_domains : tuple of str
        The domains whose lack of information makes the overall judgement "no information".
    study : str or None
        The study the assessment belongs to.
    """

    domains: dict[str, str]
    overall: str
    path: str
    key_domains: tuple[str, ...]
    study: str | None = None


def _study_label(study: str | None) -> str:
    return "unnamed study" if study is None else f"study {study!r}"


class RobinsIJudgementError(ValueError):
    """ROBINS-I domain judgements that are missing, unknown or invalid.

    All the problems of one assessment are collected into one error.

    Attributes
    ----------
    study : str or None
        The study whose judgements are at fault.
    domain : str
        The domain id of the first problem (the key as given for unknown domains).
    problems : list of (str, str)
        Every problem as ``(domain id, message)``; each message names the study and domain.
    """

    def __init__(self, study: str | None, problems: list[tuple[str, str]]) -> None:
        self.study = study
        self.problems = list(problems)
        self.domain = self.problems[0][0]
        count = len(self.problems)
        header = f"ROBINS-I judgements for {_study_label(study)}: {count} problem"
        header += "s" * (count > 1)
        super().__init__("\n  - ".join([header, *(message for _, message in self.problems)]))


def _canonical_domain(key: object) -> str | None:
    if not isinstance(key, str):
        return None
    folded = key.strip().casefold()
    return next((domain for domain in ROBINS_I_DOMAINS if domain.casefold() == folded), None)


def _expected_judgement() -> str:
    return ", ".join(repr(judgement) for judgement in ROBINS_I_JUDGEMENTS)


def _key_domains(key_domains: Iterable[str] | None) -> tuple[str, ...]:
    if key_domains is None:
        return tuple(ROBINS_I_DOMAINS)
    if isinstance(key_domains, str):
        raise TypeError(f"key_domains must be a collection of domain ids; got {key_domains!r}")
    chosen: set[str] = set()
    for key in key_domains:
        domain = _canonical_domain(key)
        if domain is None:
            raise ValueError(
                f"key_domains: unknown domain {key!r}; expected some of "
                f"{', '.join(ROBINS_I_DOMAINS)}"
            )
        chosen.add(domain)
    if not chosen:
        raise ValueError("key_domains must name at least one domain")
    return tuple(domain for domain in ROBINS_I_DOMAINS if domain in chosen)


def _overall(domains: Mapping[str, str], key_domains: tuple[str, ...]) -> tuple[str, str]:
    def named(judgement: str) -> list[str]:
        return [domain for domain, value in domains.items() if value == judgement]

    if critical := named(CRITICAL):
        return CRITICAL, f"{', '.join(critical)} critical -> critical"
    if serious := named(SERIOUS):
        return SERIOUS, f"{', '.join(serious)} serious, none critical -> serious"
    lacking = named(NO_INFORMATION)
    lacking_key = [domain for domain in lacking if domain in key_domains]
    if lacking_key:
        return (
            NO_INFORMATION,
            f"none serious or critical; no information in key domain"
            f"{'s' * (len(lacking_key) > 1)} {', '.join(lacking_key)} -> no information",
        )
    if lacking:
        # Not covered by the guidance: the judged domains are low or moderate here, and a
        # domain without information cannot count as low.
        return (
            MODERATE,
            f"none serious or critical; no information only in {', '.join(lacking)}, not a "
            "key domain, so not low -> moderate",
        )
    if moderate := named(MODERATE):
        return MODERATE, f"{', '.join(moderate)} moderate, the rest low -> moderate"
    return LOW, "all domains low -> low"


def robins_i(
    domains: Mapping[str, str],
    *,
    study: str | None = None,
    key_domains: Iterable[str] | None = None,
) -> RobinsIResult:
    """The overall ROBINS-I judgement of one result from its seven domain judgements.

    The overall risk of bias is that of the most severe domain (low < moderate < serious <
    critical); "no information" is the overall judgement when no domain is serious or
    critical and a key domain lacks information (see the module documentation, also for a
    domain without information outside the key domains).

    Parameters
    ----------
    domains : mapping of str to str
        "D1" ... "D7" (ids matched ignoring case; names in :data:`ROBINS_I_DOMAINS`) to "low",
        "moderate", "serious", "critical" or "no information" (ignoring case and extra
        spaces). Every domain must be judged.
    study : str, optional
        The study's label, used in error messages and kept on the result.
    key_domains : iterable of str, optional
        The domains the reviewer considers key for this result; by default all seven.

    Returns
    -------
    RobinsIResult
        The normalised domain judgements, the overall judgement and the reason for it.

    Raises
    ------
    RobinsIJudgementError
        With every problem: a domain missing, an unknown domain, a value that is not a
        judgement.
    TypeError, ValueError
        If ``domains`` is not a mapping, ``study`` is not a string, or ``key_domains`` names
        no domain or an unknown one.

    References
    ----------
    .. [1] Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of
       bias in non-randomised studies of interventions. BMJ. 2016;355:i4919.
    .. [2] Sterne JAC, Higgins JPT, Elbers RG, Reeves BC, and the development group for
       ROBINS-I. Risk Of Bias In Non-randomized Studies of Interventions (ROBINS-I): detailed
       guidance, updated 12 October 2016. riskofbias.info.

    Examples
    --------
    >>> judged = {"D1": "Moderate", "D2": "low", "D3": "low", "D4": "low",
    ...           "D5": "no information", "D6": "low", "D7": "moderate"}
    >>> result = robins_i(judged, study="Lee 2018")
    >>> result.overall, result.path
    ('no information', 'none serious or critical; no information in key domain D5 -> no information')
    >>> robins_i({**judged, "D3": "Serious"}).overall
    'serious'
    >>> robins_i(judged, key_domains=["D1", "D2"]).overall
    'moderate'
    """  # noqa: E501
    if not isinstance(domains, Mapping):
        raise TypeError(f"domains must be a mapping of domain id to judgement; got {domains!r}")
    if study is not None and not isinstance(study, str):
        raise TypeError(f"study must be a string or None; got {study!r}")
    key = _key_domains(key_domains)
    label = _study_label(study)
    problems: list[tuple[str, str]] = []
    judged: dict[str, str] = {}
    for raw_domain, value in domains.items():
        domain = _canonical_domain(raw_domain)
        if domain is None:
            problems.append(
                (
                    str(raw_domain),
                    f"{label}, domain {raw_domain!r}: unknown ROBINS-I domain; expected one of "
                    f"{', '.join(ROBINS_I_DOMAINS)}",
                )
            )
            continue
        if domain in judged:
            problems.append(
                (domain, f"{label}, domain {domain}: judged twice; expected one judgement")
            )
            continue
        normalised = " ".join(value.split()).casefold() if isinstance(value, str) else None
        if normalised not in ROBINS_I_JUDGEMENTS:
            problems.append(
                (
                    domain,
                    f"{label}, domain {domain} ({ROBINS_I_DOMAINS[domain]}): {value!r} is not a "
                    f"ROBINS-I judgement; expected one of {_expected_judgement()}",
                )
            )
            judged[domain] = ""
            continue
        judged[domain] = normalised
    for domain, name in ROBINS_I_DOMAINS.items():
        if domain not in judged:
            problems.append(
                (
                    domain,
                    f"{label}, domain {domain} ({name}): no judgement; expected one of "
                    f"{_expected_judgement()}",
                )
            )
    if problems:
        raise RobinsIJudgementError(study, problems)
    ordered = {domain: judged[domain] for domain in ROBINS_I_DOMAINS}
    overall, path = _overall(ordered, key)
    return RobinsIResult(domains=ordered, overall=overall, path=path, key_domains=key, study=study)
