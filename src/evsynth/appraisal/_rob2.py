"""RoB 2: the Cochrane risk-of-bias tool for randomised trials, from signalling questions to
proposed domain and overall judgements.

RoB 2 assesses one result of one trial. Within each domain the reviewer answers signalling
questions (Y, PY, PN, N, NI; NA where a conditional question does not apply) and an algorithm
*proposes* the domain judgement: low risk of bias, some concerns, or high risk of bias. The
overall judgement proposed here is the tool's default rule (all low -> low; any high -> high;
otherwise some concerns). The tool lets a reviewer judge "some concerns in multiple domains"
as high overall; that override belongs to the reviewer and is not made here, but
:attr:`Rob2Result.some_concerns_domains` lists what it would rest on.

Three variants are supported, each for the effect of *assignment* to intervention (the
"intention-to-treat" effect; the per-protocol variant of domain 2 is not implemented):

- ``"individual"``: individually randomised parallel-group trials (version of 22 August 2019).
- ``"cluster"``: cluster-randomised parallel-group trials (Eldridge et al., version of 18 March
  2021), which adds domain 1b on the timing of identification or recruitment of participants.
- ``"crossover"``: individually randomised crossover trials (Higgins et al., version of 18
  March 2021), which adds domain S on period and carryover effects and question 5.4 on
  results from both periods withheld because carryover was detected.

Signalling questions and conditions (``asked if``) as implemented; "yes" is Y/PY, "no" N/PN:

====  ==================================================  ===============================
id    topic                                               asked if
====  ==================================================  ===============================
1.1   allocation sequence random                          always
1.2   allocation sequence concealed                       always
1.3   baseline imbalance suggests a problem               always
1b.1  all participants identified/recruited before        always (cluster)
      clusters were randomised
1b.2  selection affected by knowledge of allocation       1b.1 N/PN/NI (cluster)
1b.3  baseline imbalance suggests differential            always (cluster)
      identification or recruitment
S.1   equal or nearly equal numbers in the two sequences  always (crossover)
S.2   period effects accounted for in the analysis        S.1 N/PN/NI (crossover)
S.3   enough time for carryover to disappear before       always (crossover)
      outcome assessment in the second period
2.1   participants aware of their assignment              always
2.2   carers and deliverers aware of assignment           always
2.3   deviations arose because of the trial context       2.1 or 2.2 Y/PY/NI
2.4   deviations likely to have affected the outcome      2.3 Y/PY
2.5   deviations balanced between groups                  2.4 Y/PY/NI
2.6   appropriate analysis of the effect of assignment    always
2.7   potential for substantial impact of not analysing   2.6 N/PN/NI
      participants as randomised
3.1   outcome data for all or nearly all participants     always
3.2   evidence that the result is not biased by missing   3.1 N/PN/NI (no NI answer)
      outcome data
3.3   missingness could depend on its true value          3.2 N/PN
3.4   missingness likely depended on its true value       3.3 Y/PY/NI
4.1   method of measuring the outcome inappropriate       always
4.2   measurement could have differed between groups      always
4.3   outcome assessors aware of intervention received    4.1 and 4.2 N/PN/NI
4.4   assessment could have been influenced by that       4.3 Y/PY/NI
4.5   assessment likely influenced by that knowledge      4.4 Y/PY/NI
5.1   analysed per a plan finalised before unblinded      always
      outcome data were available
5.2   result selected from multiple outcome measurements  always
5.3   result selected from multiple analyses              always
5.4   a both-period result sought but withheld because    always (crossover)
      carryover was identified
====  ==================================================  ===============================

Domain algorithms (D1 to D5 exactly as in the project's reference, which follows Sterne et al.
2019 and the guidance document of 22 August 2019). Where the reference is silent on NI, the
guidance's flowcharts are followed: NI on 1.1 counts with Y/PY and NI on 1.3 with N/PN; NI on
2.1 or 2.2 means awareness cannot be excluded (2.3 is asked); NI on 2.4 leads on to 2.5, and NI
on 2.5 or 2.7 gives high; NI on 3.1 leads on to 3.2 and NI on 3.4 gives high; NI on 4.1 counts
with N/PN; NI on 4.3 or 4.4 leads on, and NI on 4.5 gives high; NI on 5.1 gives some concerns.
3.2 has no NI answer in the guidance (evidence either is or is not available), so NI there is
refused.

- D1: 1.2 N/PN -> high. 1.2 NI -> high if 1.3 Y/PY, else some concerns. 1.2 Y/PY: 1.1 N/PN ->
  some concerns; otherwise 1.3 Y/PY -> some concerns, else low.
- D2, part 1 (2.1-2.5): 2.1 and 2.2 both N/PN -> low; else 2.3 N/PN -> low, 2.3 NI -> some
  concerns; 2.3 Y/PY: 2.4 N/PN -> some concerns; else 2.5 Y/PY -> some concerns, else high.
  Part 2 (2.6-2.7): 2.6 Y/PY -> low; else 2.7 N/PN -> some concerns, else high. Domain: both
  parts low -> low; either part high -> high; otherwise some concerns.
- D3: 3.1 Y/PY -> low; else 3.2 Y/PY -> low; else 3.3 N/PN -> low; else 3.4 N/PN -> some
  concerns, else high.
- D4: 4.1 Y/PY or 4.2 Y/PY -> high. 4.2 N/PN: 4.3 N/PN -> low; else 4.4 N/PN -> low; else 4.5
  N/PN -> some concerns, else high. 4.2 NI: the same path with every "low" read as "some
  concerns".
- D5: 5.2 or 5.3 Y/PY -> high; both N/PN -> 5.1 Y/PY -> low, else some concerns; otherwise
  (an NI, none Y/PY) -> some concerns. The crossover variant treats 5.4 like 5.2 and 5.3.

Variant domains. The published algorithm charts of the two variants could not be checked
against the primary documents while this module was written (the Cochrane Handbook chapter 23,
the R package ``meta`` and secondary transcriptions were consulted); the branches below are the
most defensible reading and are marked as such:

- D1b (cluster; reading built on the structure of D1): 1b.2 Y/PY -> high. 1b.1 Y/PY or 1b.2
  N/PN (no selection bias from the timing of recruitment): 1b.3 Y/PY -> some concerns, else
  low. 1b.2 NI: 1b.3 Y/PY -> high, else some concerns.
- DS (crossover; reading): S.3 N/PN -> high. Period effects handled (S.1 Y/PY or S.2 Y/PY)
  and S.3 Y/PY -> low. Otherwise (period effects not handled, or S.3 NI) -> some concerns.
- The cluster variant's adaptations of domains 2 to 4 (cluster-level wording; extra questions
  in some transcriptions) are not modelled: those domains take the individually randomised
  question ids and algorithms, answered with the cluster guidance in mind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = [
    "ROB2_ANSWERS",
    "ROB2_CLUSTER_DOMAINS",
    "ROB2_CROSSOVER_DOMAINS",
    "ROB2_DOMAINS",
    "ROB2_JUDGEMENTS",
    "ROB2_VARIANTS",
    "Rob2AnswerError",
    "Rob2JudgementError",
    "Rob2Result",
    "rob2",
    "rob2_from_judgements",
]

LOW = "low"
SOME_CONCERNS = "some concerns"
HIGH = "high"

ROB2_JUDGEMENTS = (LOW, SOME_CONCERNS, HIGH)
"""The domain and overall judgements of RoB 2, from least to most severe."""

ROB2_ANSWERS = ("Y", "PY", "PN", "N", "NI", "NA")
"""Answers to signalling questions: yes, probably yes, probably no, no, no information, and
not applicable (only for a conditional question that does not apply)."""

ROB2_VARIANTS = ("individual", "cluster", "crossover")
"""Trial designs with their own RoB 2 variant."""

ROB2_DOMAINS = {
    "D1": "Randomisation process",
    "D2": "Deviations from intended interventions",
    "D3": "Missing outcome data",
    "D4": "Measurement of the outcome",
    "D5": "Selection of the reported result",
}
"""The five domains of RoB 2 for individually randomised parallel-group trials."""

ROB2_CLUSTER_DOMAINS = {
    "D1": ROB2_DOMAINS["D1"],
    "D1b": "Identification or recruitment of participants into clusters",
    **{domain: name for domain, name in ROB2_DOMAINS.items() if domain != "D1"},
}
"""The domains of RoB 2 for cluster-randomised trials: domain 1b follows domain 1."""

ROB2_CROSSOVER_DOMAINS = {
    "D1": ROB2_DOMAINS["D1"],
    "DS": "Period and carryover effects",
    **{domain: name for domain, name in ROB2_DOMAINS.items() if domain != "D1"},
}
"""The domains of RoB 2 for crossover trials: domain S follows domain 1 (as listed by the
tool and by the R packages that plot it)."""

_DOMAINS_BY_VARIANT = {
    "individual": ROB2_DOMAINS,
    "cluster": ROB2_CLUSTER_DOMAINS,
    "crossover": ROB2_CROSSOVER_DOMAINS,
}

_YES = frozenset({"Y", "PY"})
_NO = frozenset({"N", "PN"})
_NI = "NI"
_NA = "NA"
_SUBSTANTIVE = ("Y", "PY", "PN", "N", "NI")


# --------------------------------------------------------------------------------------------
# Signalling questions and when they are asked


@dataclass(frozen=True)
class _AskedIf:
    """A conditional question is asked when ``any``/``all`` of ``questions`` have an answer
    in ``answers`` (an answer of NA never qualifies)."""

    questions: tuple[str, ...]
    answers: frozenset[str]
    require_all: bool
    text: str

    def holds(self, state: Mapping[str, str]) -> bool:
        hits = (state[question] in self.answers for question in self.questions)
        return all(hits) if self.require_all else any(hits)


def _asked_if(question: str, answers: frozenset[str], text: str) -> _AskedIf:
    return _AskedIf((question,), answers, require_all=False, text=f"{question} is {text}")


@dataclass(frozen=True)
class _Question:
    id: str
    domain: str
    topic: str
    asked_if: _AskedIf | None = None
    answers: tuple[str, ...] = _SUBSTANTIVE


_DOMAIN_1 = (
    _Question("1.1", "D1", "allocation sequence random"),
    _Question("1.2", "D1", "allocation sequence concealed"),
    _Question("1.3", "D1", "baseline imbalance suggests a problem with randomisation"),
)
_DOMAIN_1B = (
    _Question("1b.1", "D1b", "all participants identified/recruited before randomisation"),
    _Question(
        "1b.2",
        "D1b",
        "selection of participants affected by knowledge of the cluster's allocation",
        _asked_if("1b.1", _NO | {_NI}, "N/PN/NI"),
    ),
    _Question("1b.3", "D1b", "baseline imbalance suggests differential recruitment"),
)
_DOMAIN_S = (
    _Question("S.1", "DS", "equal or nearly equal numbers in the two sequences"),
    _Question(
        "S.2",
        "DS",
        "period effects accounted for in the analysis",
        _asked_if("S.1", _NO | {_NI}, "N/PN/NI"),
    ),
    _Question("S.3", "DS", "enough time for carryover to disappear before period 2 outcome"),
)
_DOMAIN_2 = (
    _Question("2.1", "D2", "participants aware of their assigned intervention"),
    _Question("2.2", "D2", "carers and people delivering the interventions aware"),
    _Question(
        "2.3",
        "D2",
        "deviations that arose because of the trial context",
        _AskedIf(("2.1", "2.2"), _YES | {_NI}, require_all=False, text="2.1 or 2.2 is Y/PY/NI"),
    ),
    _Question(
        "2.4",
        "D2",
        "deviations likely to have affected the outcome",
        _asked_if("2.3", _YES, "Y/PY"),
    ),
    _Question(
        "2.5",
        "D2",
        "deviations balanced between groups",
        _asked_if("2.4", _YES | {_NI}, "Y/PY/NI"),
    ),
    _Question("2.6", "D2", "appropriate analysis to estimate the effect of assignment"),
    _Question(
        "2.7",
        "D2",
        "potential for substantial impact of not analysing participants as randomised",
        _asked_if("2.6", _NO | {_NI}, "N/PN/NI"),
    ),
)
_DOMAIN_3 = (
    _Question("3.1", "D3", "outcome data for all or nearly all participants"),
    _Question(
        "3.2",
        "D3",
        "evidence that the result is not biased by missing outcome data",
        _asked_if("3.1", _NO | {_NI}, "N/PN/NI"),
        answers=("Y", "PY", "PN", "N"),
    ),
    _Question(
        "3.3",
        "D3",
        "missingness could depend on the true value",
        _asked_if("3.2", _NO, "N/PN"),
    ),
    _Question(
        "3.4",
        "D3",
        "missingness likely depended on the true value",
        _asked_if("3.3", _YES | {_NI}, "Y/PY/NI"),
    ),
)
_DOMAIN_4 = (
    _Question("4.1", "D4", "method of measuring the outcome inappropriate"),
    _Question("4.2", "D4", "measurement could have differed between groups"),
    _Question(
        "4.3",
        "D4",
        "outcome assessors aware of the intervention received",
        _AskedIf(("4.1", "4.2"), _NO | {_NI}, require_all=True, text="4.1 and 4.2 are N/PN/NI"),
    ),
    _Question(
        "4.4",
        "D4",
        "assessment could have been influenced by knowledge of the intervention",
        _asked_if("4.3", _YES | {_NI}, "Y/PY/NI"),
    ),
    _Question(
        "4.5",
        "D4",
        "assessment likely influenced by knowledge of the intervention",
        _asked_if("4.4", _YES | {_NI}, "Y/PY/NI"),
    ),
)
_DOMAIN_5 = (
    _Question("5.1", "D5", "analysed per a plan finalised before unblinded data were available"),
    _Question("5.2", "D5", "result selected from multiple outcome measurements"),
    _Question("5.3", "D5", "result selected from multiple analyses"),
)
_QUESTION_5_4 = _Question(
    "5.4", "D5", "a result from both periods sought but withheld because of carryover"
)

_QUESTIONS_BY_VARIANT: dict[str, tuple[_Question, ...]] = {
    "individual": (*_DOMAIN_1, *_DOMAIN_2, *_DOMAIN_3, *_DOMAIN_4, *_DOMAIN_5),
    "cluster": (*_DOMAIN_1, *_DOMAIN_1B, *_DOMAIN_2, *_DOMAIN_3, *_DOMAIN_4, *_DOMAIN_5),
    "crossover": (
        *_DOMAIN_1,
        *_DOMAIN_S,
        *_DOMAIN_2,
        *_DOMAIN_3,
        *_DOMAIN_4,
        *_DOMAIN_5,
        _QUESTION_5_4,
    ),
}


# --------------------------------------------------------------------------------------------
# Domain algorithms: each takes the complete answers (NA where a question does not apply) and
# returns the proposed judgement and the branch taken.


def _judge_randomisation(a: Mapping[str, str]) -> tuple[str, str]:
    if a["1.2"] in _NO:
        return HIGH, "1.2 N/PN (allocation not concealed) -> high"
    imbalance = a["1.3"] in _YES
    if a["1.2"] == _NI:
        if imbalance:
            return HIGH, "1.2 NI (concealment unclear); 1.3 Y/PY (baseline imbalance) -> high"
        return (
            SOME_CONCERNS,
            "1.2 NI (concealment unclear); 1.3 N/PN/NI (no problematic imbalance) -> some concerns",
        )
    if a["1.1"] in _NO:
        return (
            SOME_CONCERNS,
            "1.2 Y/PY (allocation concealed); 1.1 N/PN (sequence not random) -> some concerns",
        )
    if imbalance:
        return (
            SOME_CONCERNS,
            "1.2 Y/PY (allocation concealed); 1.1 Y/PY/NI; 1.3 Y/PY (baseline imbalance) "
            "-> some concerns",
        )
    return (
        LOW,
        "1.2 Y/PY (allocation concealed); 1.1 Y/PY/NI (sequence random or no information); "
        "1.3 N/PN/NI (no problematic imbalance) -> low",
    )


def _judge_recruitment_into_clusters(a: Mapping[str, str]) -> tuple[str, str]:
    imbalance = a["1b.3"] in _YES
    if a["1b.1"] in _YES:
        start = "1b.1 Y/PY (all identified/recruited before randomisation)"
    elif a["1b.2"] in _YES:
        return (
            HIGH,
            "1b.1 N/PN/NI; 1b.2 Y/PY (selection affected by knowledge of allocation) -> high",
        )
    elif a["1b.2"] in _NO:
        start = "1b.1 N/PN/NI; 1b.2 N/PN (selection not affected by knowledge of allocation)"
    elif imbalance:
        return HIGH, "1b.1 N/PN/NI; 1b.2 NI; 1b.3 Y/PY (imbalance suggests selection) -> high"
    else:
        return (
            SOME_CONCERNS,
            "1b.1 N/PN/NI; 1b.2 NI; 1b.3 N/PN/NI (no imbalance suggesting selection) "
            "-> some concerns",
        )
    if imbalance:
        return SOME_CONCERNS, f"{start}; 1b.3 Y/PY (imbalance suggests selection) -> some concerns"
    return LOW, f"{start}; 1b.3 N/PN/NI (no imbalance suggesting selection) -> low"


def _judge_period_and_carryover(a: Mapping[str, str]) -> tuple[str, str]:
    if a["S.3"] in _NO:
        return HIGH, "S.3 N/PN (not enough time for carryover to disappear) -> high"
    if a["S.1"] in _YES:
        period = "S.1 Y/PY (balanced sequences)"
    elif a["S.2"] in _YES:
        period = "S.1 N/PN/NI; S.2 Y/PY (period effects in the analysis)"
    else:
        period = "S.1 N/PN/NI; S.2 N/PN/NI (period effects not handled)"
    if a["S.3"] == _NI:
        return SOME_CONCERNS, f"{period}; S.3 NI (carryover unclear) -> some concerns"
    if a["S.1"] in _YES or a["S.2"] in _YES:
        return LOW, f"{period}; S.3 Y/PY (time for carryover to disappear) -> low"
    return SOME_CONCERNS, f"{period}; S.3 Y/PY (time for carryover to disappear) -> some concerns"


def _judge_deviations_part1(a: Mapping[str, str]) -> tuple[str, str]:
    if a["2.1"] in _NO and a["2.2"] in _NO:
        return LOW, "2.1 and 2.2 N/PN (nobody aware of assignment) -> low"
    aware = "2.1 or 2.2 Y/PY/NI"
    if a["2.3"] in _NO:
        return LOW, f"{aware}; 2.3 N/PN (no deviations from the trial context) -> low"
    if a["2.3"] == _NI:
        return SOME_CONCERNS, f"{aware}; 2.3 NI (deviations unclear) -> some concerns"
    if a["2.4"] in _NO:
        return (
            SOME_CONCERNS,
            f"{aware}; 2.3 Y/PY; 2.4 N/PN (deviations unlikely to affect the outcome) "
            "-> some concerns",
        )
    if a["2.5"] in _YES:
        return (
            SOME_CONCERNS,
            f"{aware}; 2.3 Y/PY; 2.4 Y/PY/NI; 2.5 Y/PY (deviations balanced) -> some concerns",
        )
    return HIGH, f"{aware}; 2.3 Y/PY; 2.4 Y/PY/NI; 2.5 N/PN/NI (deviations unbalanced) -> high"


def _judge_deviations_part2(a: Mapping[str, str]) -> tuple[str, str]:
    if a["2.6"] in _YES:
        return LOW, "2.6 Y/PY (appropriate analysis) -> low"
    if a["2.7"] in _NO:
        return (
            SOME_CONCERNS,
            "2.6 N/PN/NI (inappropriate analysis); 2.7 N/PN (no substantial impact) "
            "-> some concerns",
        )
    return HIGH, "2.6 N/PN/NI (inappropriate analysis); 2.7 Y/PY/NI (substantial impact) -> high"


def _judge_deviations(a: Mapping[str, str]) -> tuple[str, str]:
    part1, path1 = _judge_deviations_part1(a)
    part2, path2 = _judge_deviations_part2(a)
    if part1 == LOW and part2 == LOW:
        judgement, rule = LOW, "both parts low -> low"
    elif HIGH in (part1, part2):
        judgement, rule = HIGH, "a part high -> high"
    else:
        judgement, rule = SOME_CONCERNS, "no part high, not both low -> some concerns"
    return judgement, f"part 1: {path1}; part 2: {path2}; {rule}"


def _judge_missing_outcome_data(a: Mapping[str, str]) -> tuple[str, str]:
    if a["3.1"] in _YES:
        return LOW, "3.1 Y/PY (data for nearly all participants) -> low"
    if a["3.2"] in _YES:
        return LOW, "3.1 N/PN/NI; 3.2 Y/PY (evidence of no bias) -> low"
    start = "3.1 N/PN/NI; 3.2 N/PN (no evidence of no bias)"
    if a["3.3"] in _NO:
        return LOW, f"{start}; 3.3 N/PN (missingness could not depend on true value) -> low"
    if a["3.4"] in _NO:
        return (
            SOME_CONCERNS,
            f"{start}; 3.3 Y/PY/NI; 3.4 N/PN (dependence on true value unlikely) -> some concerns",
        )
    return HIGH, f"{start}; 3.3 Y/PY/NI; 3.4 Y/PY/NI (dependence on true value likely) -> high"


def _judge_measurement(a: Mapping[str, str]) -> tuple[str, str]:
    flawed = [
        text
        for question, text in (
            ("4.1", "4.1 Y/PY (inappropriate method)"),
            ("4.2", "4.2 Y/PY (measurement could differ between groups)"),
        )
        if a[question] in _YES
    ]
    if flawed:
        return HIGH, f"{'; '.join(flawed)} -> high"
    if a["4.2"] == _NI:
        # The guidance's chart for 4.2 NI is the 4.2 N/PN chart with "low" read as "some
        # concerns": differential measurement cannot be excluded.
        start, best = "4.1 N/PN/NI; 4.2 NI (differential measurement unclear)", SOME_CONCERNS
    else:
        start, best = "4.1 N/PN/NI; 4.2 N/PN", LOW
    if a["4.3"] in _NO:
        return best, f"{start}; 4.3 N/PN (assessors unaware) -> {best}"
    if a["4.4"] in _NO:
        return best, f"{start}; 4.3 Y/PY/NI; 4.4 N/PN (assessment not influenceable) -> {best}"
    if a["4.5"] in _NO:
        return (
            SOME_CONCERNS,
            f"{start}; 4.3 Y/PY/NI; 4.4 Y/PY/NI; 4.5 N/PN (influence unlikely) -> some concerns",
        )
    return HIGH, f"{start}; 4.3 Y/PY/NI; 4.4 Y/PY/NI; 4.5 Y/PY/NI (influence likely) -> high"


def _judge_reported_result(a: Mapping[str, str]) -> tuple[str, str]:
    # 5.4 exists only in the crossover variant.
    selection = [question for question in ("5.2", "5.3", "5.4") if question in a]
    selected = [question for question in selection if a[question] in _YES]
    if selected:
        return HIGH, f"{' and '.join(selected)} Y/PY (result likely selected) -> high"
    if all(a[question] in _NO for question in selection):
        start = f"{' and '.join(selection)} N/PN (no selection)"
        if a["5.1"] in _YES:
            return LOW, f"{start}; 5.1 Y/PY (pre-specified plan) -> low"
        return SOME_CONCERNS, f"{start}; 5.1 N/PN/NI (no pre-specified plan) -> some concerns"
    return (
        SOME_CONCERNS,
        f"{'/'.join(selection)}: NI and none Y/PY (selection unclear) -> some concerns",
    )


_ALGORITHMS: dict[str, Callable[[Mapping[str, str]], tuple[str, str]]] = {
    "D1": _judge_randomisation,
    "D1b": _judge_recruitment_into_clusters,
    "DS": _judge_period_and_carryover,
    "D2": _judge_deviations,
    "D3": _judge_missing_outcome_data,
    "D4": _judge_measurement,
    "D5": _judge_reported_result,
}


# --------------------------------------------------------------------------------------------
# Results and errors


@dataclass(frozen=True)
class Rob2Result:
    """A RoB 2 assessment of one result: the proposed domain and overall judgements.

    Attributes
    ----------
    domains : dict of str to str
        Domain id ("D1", ...; "D1b" or "DS" in the variants, in the tool's order) to
        "low", "some concerns" or "high".
    overall : str
        The proposed overall judgement: all domains low -> low; any high -> high; otherwise
        some concerns. The reviewer may still judge several domains with some concerns as
        high overall (see :attr:`some_concerns_domains`); that is not done here.
    path : dict of str to str
        Domain id to the branch of the domain's algorithm that was taken, e.g.
        "1.2 N/PN (allocation not concealed) -> high", or "judged by reviewer".
    overall_path : str
        Why the overall judgement is what it is.
    variant : str
        "individual", "cluster" or "crossover".
    answers : dict of str to str
        The normalised answers to every question of the variant, "NA" for those that do not
        apply; empty when the domains were judged directly.
    study : str or None
        The study the assessment belongs to.
    """

    domains: dict[str, str]
    overall: str
    path: dict[str, str]
    overall_path: str
    variant: str
    answers: dict[str, str]
    study: str | None = None

    @property
    def some_concerns_domains(self) -> tuple[str, ...]:
        """The domains judged "some concerns", in the tool's order: what a reviewer's
        judgement of "high overall because of some concerns in multiple domains" rests on."""
        return tuple(domain for domain, value in self.domains.items() if value == SOME_CONCERNS)


def _study_label(study: str | None) -> str:
    return "unnamed study" if study is None else f"study {study!r}"


class Rob2AnswerError(ValueError):
    """Answers to RoB 2 signalling questions that are missing, unknown, invalid or
    inconsistent with the tool's conditional questions.

    All the problems of one assessment are collected into one error.

    Attributes
    ----------
    study : str or None
        The study whose answers are at fault.
    question : str
        The question id of the first problem (the key as given for unknown ids).
    problems : list of (str, str)
        Every problem as ``(question id, message)``; each message names the study and the
        question and says what was expected.
    """

    def __init__(self, study: str | None, problems: list[tuple[str, str]]) -> None:
        self.study = study
        self.problems = list(problems)
        self.question = self.problems[0][0]
        count = len(self.problems)
        header = f"RoB 2 answers for {_study_label(study)}: {count} problem{'s' * (count > 1)}"
        super().__init__("\n  - ".join([header, *(message for _, message in self.problems)]))


class Rob2JudgementError(ValueError):
    """Reviewer-entered RoB 2 domain judgements that are missing, unknown or invalid.

    Attributes
    ----------
    study : str or None
        The study whose judgements are at fault.
    domain : str
        The domain id of the first problem.
    problems : list of (str, str)
        Every problem as ``(domain id, message)``; each message names the study and domain.
    """

    def __init__(self, study: str | None, problems: list[tuple[str, str]]) -> None:
        self.study = study
        self.problems = list(problems)
        self.domain = self.problems[0][0]
        count = len(self.problems)
        header = f"RoB 2 judgements for {_study_label(study)}: {count} problem{'s' * (count > 1)}"
        super().__init__("\n  - ".join([header, *(message for _, message in self.problems)]))


# --------------------------------------------------------------------------------------------
# Validation of the answers


def _check_common(variant: object, study: object) -> None:
    if not isinstance(variant, str) or variant not in ROB2_VARIANTS:
        raise ValueError(f"variant must be one of {ROB2_VARIANTS}; got {variant!r}")
    if study is not None and not isinstance(study, str):
        raise TypeError(f"study must be a string or None; got {study!r}")


def _describe_state(condition: _AskedIf, state: Mapping[str, str]) -> str:
    parts = [
        f"{question} does not apply"
        if state[question] == _NA
        else f"{question} is {state[question]!r}"
        for question in condition.questions
    ]
    return " and ".join(parts)


def _other_variant_with(question_id: str, variant: str) -> str | None:
    folded = question_id.casefold()
    for other, questions in _QUESTIONS_BY_VARIANT.items():
        if other != variant and any(q.id.casefold() == folded for q in questions):
            return other
    return None


def _normalise_answers(
    answers: Mapping[object, object], variant: str, study: str | None
) -> dict[str, str]:
    """Check every answer and return the complete normalised answers (NA where a question
    does not apply), or raise one :class:`Rob2AnswerError` listing every problem."""
    questions = _QUESTIONS_BY_VARIANT[variant]
    position = {question.id: index for index, question in enumerate(questions)}
    by_folded_id = {question.id.casefold(): question for question in questions}
    label = _study_label(study)
    problems: list[tuple[int, str, str]] = []

    def report(question_id: str, text: str, order: int) -> None:
        problems.append((order, question_id, f"{label}, question {question_id}: {text}"))

    given: dict[str, str | None] = {}  # None marks an answer already reported as invalid
    key_of: dict[str, object] = {}
    for key, value in answers.items():
        question = by_folded_id.get(key.strip().casefold()) if isinstance(key, str) else None
        if question is None:
            name = key.strip() if isinstance(key, str) else key
            elsewhere = _other_variant_with(name, variant) if isinstance(name, str) else None
            hint = f" ({name} belongs to the {elsewhere} variant)" if elsewhere else ""
            report(
                str(key),
                f"unknown question id {key!r} for the {variant} variant{hint}; expected one "
                f"of {', '.join(q.id for q in questions)}",
                len(questions),
            )
            continue
        if question.id in key_of:
            report(
                question.id,
                f"answered twice (as {key_of[question.id]!r} and {key!r}); expected one answer",
                position[question.id],
            )
            continue
        key_of[question.id] = key
        normalised = value.strip().upper() if isinstance(value, str) else None
        if normalised in (*question.answers, _NA):
            given[question.id] = normalised
            continue
        given[question.id] = None
        if normalised == _NI:
            text = (
                f"answer {value!r} is not offered for {question.id} ({question.topic}); "
                f"expected one of {'/'.join(question.answers)}, or NA where it does not apply"
            )
        else:
            text = (
                f"answer {value!r} is not a RoB 2 answer; expected one of "
                f"{'/'.join(question.answers)}, or NA where it does not apply"
            )
        report(question.id, text, position[question.id])

    state: dict[str, str] = {}
    undetermined: set[str] = set()
    for question in questions:
        value = given.get(question.id)
        condition = question.asked_if
        if question.id in given and value is None:
            undetermined.add(question.id)
            continue
        if condition is not None and undetermined.intersection(condition.questions):
            # Whether it applies hangs on an answer that is itself missing or invalid.
            undetermined.add(question.id)
            continue
        applies = condition is None or condition.holds(state)
        expected = "/".join(question.answers)
        if condition is None:
            reason = "it is always asked"
        else:
            reason = f"it is asked if {condition.text}, and {_describe_state(condition, state)}"
        if applies and value is None:
            report(
                question.id,
                f"no answer, but {question.id} ({question.topic}) is needed because {reason}; "
                f"expected one of {expected}",
                position[question.id],
            )
            undetermined.add(question.id)
        elif applies and value == _NA:
            report(
                question.id,
                f"answered NA, but {question.id} ({question.topic}) applies because {reason}; "
                f"expected one of {expected}",
                position[question.id],
            )
            undetermined.add(question.id)
        elif applies:
            state[question.id] = value
        else:
            if value not in (None, _NA):
                report(
                    question.id,
                    f"answered {value!r}, but {question.id} does not apply: {reason}; "
                    "expected NA or no answer",
                    position[question.id],
                )
            state[question.id] = _NA

    if problems:
        problems.sort(key=lambda problem: problem[0])
        raise Rob2AnswerError(study, [(question_id, text) for _, question_id, text in problems])
    return state


def _overall(domains: Mapping[str, str]) -> tuple[str, str]:
    high = [domain for domain, value in domains.items() if value == HIGH]
    if high:
        return HIGH, f"{', '.join(high)} high -> high"
    concerns = [domain for domain, value in domains.items() if value == SOME_CONCERNS]
    if concerns:
        return SOME_CONCERNS, f"some concerns in {', '.join(concerns)}, none high -> some concerns"
    return LOW, "all domains low -> low"


# --------------------------------------------------------------------------------------------
# Public entry points


def rob2(
    answers: Mapping[str, str],
    *,
    variant: str = "individual",
    study: str | None = None,
) -> Rob2Result:
    """Proposed RoB 2 judgements for one result of one randomised trial.

    Each domain's judgement is proposed by the tool's algorithm from the answers to its
    signalling questions (see the module documentation for the questions, when each is
    asked, and the algorithms); the overall judgement is low if every domain is low, high if
    any domain is high, and some concerns otherwise.

    Parameters
    ----------
    answers : mapping of str to str
        Question id ("1.1" ... "5.3"; "1b.1" ... in the cluster variant; "S.1" ... and "5.4"
        in the crossover variant) to "Y", "PY", "PN", "N", "NI" or "NA" (case and
        surrounding spaces are ignored). Every question that applies given the earlier
        answers must be answered, and not with NA; a question that does not apply may be left
        out or answered NA, but not otherwise.
    variant : {"individual", "cluster", "crossover"}
        The trial design's variant of the tool.
    study : str, optional
        The study's label, used in error messages and kept on the result.

    Returns
    -------
    Rob2Result
        The domain judgements, the proposed overall judgement, the branch taken in each
        domain and the normalised answers.

    Raises
    ------
    Rob2AnswerError
        With every problem of the assessment: a needed answer missing, an answer to a
        question that does not apply, NA to a question that applies, an unknown question id,
        an answer that is not a RoB 2 answer (or NI to 3.2).
    TypeError, ValueError
        If ``answers`` is not a mapping, ``variant`` is unknown or ``study`` is not a string.

    References
    ----------
    .. [1] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of
       bias in randomised trials. BMJ. 2019;366:l4898.
    .. [2] Higgins JPT, Savović J, Page MJ, Sterne JAC, eds. Revised Cochrane risk-of-bias
       tool for randomized trials (RoB 2): full guidance document, 22 August 2019.
       riskofbias.info.
    .. [3] Eldridge S, Campbell MK, Campbell MJ, et al. Revised Cochrane risk of bias tool for
       randomized trials (RoB 2): additional considerations for cluster-randomized trials
       (RoB 2 CRT), version of 18 March 2021. riskofbias.info.
    .. [4] Higgins JPT, Li T, Sterne JAC. Revised Cochrane risk of bias tool for randomized
       trials (RoB 2): additional considerations for crossover trials, version of 18 March
       2021. riskofbias.info.
    .. [5] Higgins JPT, Eldridge S, Li T. Chapter 23: Including variants on randomized
       trials. In: Cochrane Handbook for Systematic Reviews of Interventions, version 6.5.
       Cochrane; 2024.

    Examples
    --------
    >>> answers = {
    ...     "1.1": "Y", "1.2": "PY", "1.3": "N",
    ...     "2.1": "Y", "2.2": "Y", "2.3": "N", "2.6": "Y",
    ...     "3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "pn",
    ...     "4.1": "N", "4.2": "N", "4.3": "N",
    ...     "5.1": "Y", "5.2": "N", "5.3": "N",
    ... }
    >>> result = rob2(answers, study="Smith 2019")
    >>> result.domains
    {'D1': 'low', 'D2': 'low', 'D3': 'some concerns', 'D4': 'low', 'D5': 'low'}
    >>> result.overall, result.some_concerns_domains
    ('some concerns', ('D3',))
    >>> result.answers["2.4"], result.answers["3.4"]
    ('NA', 'PN')
    >>> try:
    ...     rob2({**answers, "2.4": "Y", "5.3": None}, study="Smith 2019")
    ... except Rob2AnswerError as error:
    ...     for question, message in error.problems:
    ...         print(message)
    study 'Smith 2019', question 2.4: answered 'Y', but 2.4 does not apply: it is asked if 2.3 is Y/PY, and 2.3 is 'N'; expected NA or no answer
    study 'Smith 2019', question 5.3: answer None is not a RoB 2 answer; expected one of Y/PY/PN/N/NI, or NA where it does not apply
    """  # noqa: E501
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a mapping of question id to answer; got {answers!r}")
    _check_common(variant, study)
    state = _normalise_answers(answers, variant, study)
    domains: dict[str, str] = {}
    path: dict[str, str] = {}
    for domain in _DOMAINS_BY_VARIANT[variant]:
        domains[domain], path[domain] = _ALGORITHMS[domain](state)
    overall, overall_path = _overall(domains)
    return Rob2Result(
        domains=domains,
        overall=overall,
        path=path,
        overall_path=overall_path,
        variant=variant,
        answers=state,
        study=study,
    )


def rob2_from_judgements(
    domains: Mapping[str, str],
    *,
    variant: str = "individual",
    study: str | None = None,
) -> Rob2Result:
    """A RoB 2 result from domain judgements the reviewer entered directly.

    Parameters
    ----------
    domains : mapping of str to str
        Every domain of the variant ("D1" ... "D5"; also "D1b" for cluster trials, "DS" for
        crossover trials; ids are matched ignoring case) to "low", "some concerns" or
        "high" (ignoring case and extra spaces, so "Low" and "Some concerns" are accepted;
        nothing else, e.g. no "unclear").
    variant : {"individual", "cluster", "crossover"}
        The trial design's variant of the tool.
    study : str, optional
        The study's label, used in error messages and kept on the result.

    Returns
    -------
    Rob2Result
        The judgements in the tool's domain order, the proposed overall judgement, "judged by
        reviewer" as each domain's path, and no answers.

    Raises
    ------
    Rob2JudgementError
        With every problem: a domain missing, an unknown domain, a value that is not a
        judgement.
    TypeError, ValueError
        If ``domains`` is not a mapping, ``variant`` is unknown or ``study`` is not a string.

    References
    ----------
    .. [1] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of
       bias in randomised trials. BMJ. 2019;366:l4898.

    Examples
    --------
    >>> result = rob2_from_judgements(
    ...     {"D1": "Low", "D2": "Some concerns", "D3": "low", "D4": "low", "D5": "HIGH"},
    ...     study="Jones 2020",
    ... )
    >>> result.overall, result.overall_path
    ('high', 'D5 high -> high')
    >>> result.path["D1"]
    'judged by reviewer'
    """
    if not isinstance(domains, Mapping):
        raise TypeError(f"domains must be a mapping of domain id to judgement; got {domains!r}")
    _check_common(variant, study)
    expected = _DOMAINS_BY_VARIANT[variant]
    by_folded_id = {domain.casefold(): domain for domain in expected}
    label = _study_label(study)
    problems: list[tuple[str, str]] = []
    judged: dict[str, str] = {}
    for key, value in domains.items():
        domain = by_folded_id.get(key.strip().casefold()) if isinstance(key, str) else None
        if domain is None:
            problems.append(
                (
                    str(key),
                    f"{label}, domain {key!r}: unknown domain for the {variant} variant; "
                    f"expected one of {', '.join(expected)}",
                )
            )
            continue
        if domain in judged:
            problems.append(
                (domain, f"{label}, domain {domain}: judged twice; expected one judgement")
            )
            continue
        normalised = " ".join(value.split()).casefold() if isinstance(value, str) else None
        if normalised not in ROB2_JUDGEMENTS:
            problems.append(
                (
                    domain,
                    f"{label}, domain {domain}: {value!r} is not a RoB 2 judgement; expected "
                    "'low', 'some concerns' or 'high'",
                )
            )
            judged[domain] = ""
            continue
        judged[domain] = normalised
    for domain in expected:
        if domain not in judged:
            problems.append(
                (
                    domain,
                    f"{label}, domain {domain} ({expected[domain]}): no judgement; expected "
                    "'low', 'some concerns' or 'high'",
                )
            )
    if problems:
        raise Rob2JudgementError(study, problems)
    ordered = {domain: judged[domain] for domain in expected}
    overall, overall_path = _overall(ordered)
    return Rob2Result(
        domains=ordered,
        overall=overall,
        path=dict.fromkeys(expected, "judged by reviewer"),
        overall_path=overall_path,
        variant=variant,
        answers={},
        study=study,
    )
