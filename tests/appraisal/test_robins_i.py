"""ROBINS-I: the overall judgement from the seven domain judgements (Sterne et al. 2016),
including "no information", and the errors for faulty judgements."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from evsynth.appraisal._robins_i import (
    ROBINS_I_DOMAINS,
    ROBINS_I_JUDGEMENTS,
    RobinsIJudgementError,
    RobinsIResult,
    robins_i,
)

LOW, MODERATE, SERIOUS, CRITICAL, NI = ROBINS_I_JUDGEMENTS
STUDY = "Lee 2018"


def judged(**overrides: str) -> dict[str, str]:
    """All seven domains low, with some domains changed."""
    return {**dict.fromkeys(ROBINS_I_DOMAINS, LOW), **overrides}


@pytest.mark.parametrize(
    ("domains", "expected", "path"),
    [
        # low: low in all domains
        (judged(), LOW, "all domains low -> low"),
        # moderate: low or moderate in all domains
        (judged(D1=MODERATE), MODERATE, "D1 moderate, the rest low -> moderate"),
        (
            dict.fromkeys(ROBINS_I_DOMAINS, MODERATE),
            MODERATE,
            "D1, D2, D3, D4, D5, D6, D7 moderate, the rest low -> moderate",
        ),
        # serious: serious in at least one domain, critical in none
        (judged(D3=SERIOUS), SERIOUS, "D3 serious, none critical -> serious"),
        (judged(D2=SERIOUS, D6=SERIOUS, D7=MODERATE), SERIOUS, "D2, D6 serious, none critical"),
        # serious also when another domain lacks information: there is a clear indication of
        # serious risk of bias
        (judged(D1=SERIOUS, D5=NI), SERIOUS, "D1 serious, none critical -> serious"),
        # critical: critical in at least one domain, whatever the others
        (judged(D1=CRITICAL), CRITICAL, "D1 critical -> critical"),
        (judged(D1=CRITICAL, D2=SERIOUS, D5=NI), CRITICAL, "D1 critical -> critical"),
        # no information: no domain serious or critical, a key domain lacks information
        (
            judged(D5=NI),
            NI,
            "none serious or critical; no information in key domain D5 -> no information",
        ),
        (
            judged(D1=MODERATE, D5=NI, D6=NI),
            NI,
            "no information in key domains D5, D6 -> no information",
        ),
        (dict.fromkeys(ROBINS_I_DOMAINS, NI), NI, "key domains D1, D2, D3, D4, D5, D6, D7"),
    ],
)
def test_overall_rule(domains, expected, path):
    result = robins_i(domains, study=STUDY)
    assert result.overall == expected
    assert path in result.path


@pytest.mark.parametrize(
    ("domains", "key_domains", "expected", "path"),
    [
        # the domain lacking information is key -> no information
        (judged(D1=NI), ["D1", "D2"], NI, "no information in key domain D1 -> no information"),
        # not key: the judged domains decide, but a domain without information is not low
        (judged(D5=NI), ["D1", "D2"], MODERATE, "no information only in D5, not a key domain"),
        (judged(D5=NI, D1=MODERATE), ["D1"], MODERATE, "-> moderate"),
        # serious or critical elsewhere still decide
        (judged(D5=NI, D2=SERIOUS), ["D1"], SERIOUS, "D2 serious, none critical -> serious"),
        (judged(D5=NI, D2=CRITICAL), ["D5"], CRITICAL, "D2 critical -> critical"),
        # key domain ids are matched ignoring case and order
        (judged(D7=NI), ["d7", "D1"], NI, "key domain D7"),
    ],
)
def test_key_domains_decide_no_information(domains, key_domains, expected, path):
    result = robins_i(domains, study=STUDY, key_domains=key_domains)
    assert result.overall == expected
    assert path in result.path
    assert result.key_domains == tuple(sorted({k.upper() for k in key_domains}))


def test_overall_on_every_combination_of_domain_judgements():
    severity = {LOW: 0, MODERATE: 1, SERIOUS: 2, CRITICAL: 3}
    for values in itertools.product(ROBINS_I_JUDGEMENTS, repeat=4):
        # D1-D4 vary; D5-D7 low
        domains = judged(**dict(zip(("D1", "D2", "D3", "D4"), values, strict=True)))
        overall = robins_i(domains).overall
        judged_values = [v for v in domains.values() if v != NI]
        worst = max(judged_values, key=severity.__getitem__)
        if severity[worst] >= severity[SERIOUS]:
            assert overall == worst  # a clear indication of serious or critical risk
        elif NI in domains.values():
            assert overall == NI  # every domain is key by default
        else:
            assert overall == worst


def test_result_records_the_assessment():
    result = robins_i(judged(D4=" Moderate "), study=STUDY)
    assert isinstance(result, RobinsIResult)
    assert result.domains == judged(D4=MODERATE)
    assert list(result.domains) == list(ROBINS_I_DOMAINS)
    assert result.study == STUDY
    assert result.key_domains == tuple(ROBINS_I_DOMAINS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.overall = LOW  # type: ignore[misc]


def test_judgements_and_domain_ids_are_normalised():
    domains = {
        "d1": "LOW",
        " D2 ": "Moderate",
        "D3": "low",
        "D4": "low",
        "D5": "No  Information",
        "D6": "low",
        "D7": "low",
    }
    result = robins_i(domains)
    assert result.domains["D2"] == MODERATE
    assert result.domains["D5"] == NI
    assert result.overall == NI


def test_constants():
    assert ROBINS_I_JUDGEMENTS == ("low", "moderate", "serious", "critical", "no information")
    assert list(ROBINS_I_DOMAINS) == ["D1", "D2", "D3", "D4", "D5", "D6", "D7"]
    assert ROBINS_I_DOMAINS["D1"] == "Confounding"
    assert ROBINS_I_DOMAINS["D7"] == "Selection of the reported result"


@pytest.mark.parametrize(
    ("domains", "problem_domains", "says"),
    [
        # missing domain
        (
            {d: LOW for d in ROBINS_I_DOMAINS if d != "D6"},
            ["D6"],
            "domain D6 (Measurement of outcomes): no judgement",
        ),
        # unknown domain
        ({**judged(), "D8": LOW}, ["D8"], "domain 'D8': unknown ROBINS-I domain"),
        # not a judgement (RoB 2's scale, or an abbreviation, is not ROBINS-I's)
        (judged(D1="high"), ["D1"], "'high' is not a ROBINS-I judgement"),
        (judged(D2="some concerns"), ["D2"], "'some concerns' is not a ROBINS-I judgement"),
        (judged(D3="NI"), ["D3"], "'NI' is not a ROBINS-I judgement"),
        (judged(D4=None), ["D4"], "None is not a ROBINS-I judgement"),
        # judged twice after normalising the id
        ({**judged(), "d1": SERIOUS}, ["D1"], "judged twice"),
    ],
)
def test_errors_name_study_and_domain(domains, problem_domains, says):
    with pytest.raises(RobinsIJudgementError) as caught:
        robins_i(domains, study=STUDY)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.study == STUDY
    assert error.domain == problem_domains[0]
    assert [d for d, _ in error.problems] == problem_domains
    for domain, message in error.problems:
        assert message.startswith(f"study {STUDY!r}, domain ")
        assert domain in message
        assert "expected" in message
    assert says in str(error)


def test_every_problem_is_collected():
    with pytest.raises(RobinsIJudgementError) as caught:
        robins_i({"D1": "bad", "D0": LOW, "D2": LOW, "D3": LOW})
    assert [d for d, _ in caught.value.problems] == ["D1", "D0", "D4", "D5", "D6", "D7"]
    assert str(caught.value).startswith("ROBINS-I judgements for unnamed study: 6 problems")
    assert "unnamed study, domain D4" in str(caught.value)


def test_parameters_are_checked():
    with pytest.raises(TypeError, match="domains must be a mapping"):
        robins_i([LOW] * 7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="study must be a string"):
        robins_i(judged(), study=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key_domains must be a collection"):
        robins_i(judged(), key_domains="D1")
    with pytest.raises(ValueError, match="unknown domain 'D9'"):
        robins_i(judged(), key_domains=["D1", "D9"])
    with pytest.raises(ValueError, match="at least one domain"):
        robins_i(judged(), key_domains=[])
