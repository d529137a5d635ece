"""RoB 2: every leaf of every domain algorithm, the overall rule, the variants, the
normalisation of answers and every kind of inconsistent answer.

Each domain is also checked exhaustively: every consistent set of answers to its questions
is run and compared with the tool's criteria written independently below (as in the
guidance's tables: "low if ..., high if ..., otherwise some concerns"), and the leaves of the
tables here are checked to cover every branch the implementation can take.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator

import pytest

from evsynth.appraisal._rob2 import (
    ROB2_ANSWERS,
    ROB2_CLUSTER_DOMAINS,
    ROB2_CROSSOVER_DOMAINS,
    ROB2_DOMAINS,
    ROB2_JUDGEMENTS,
    ROB2_VARIANTS,
    Rob2AnswerError,
    Rob2JudgementError,
    Rob2Result,
    rob2,
    rob2_from_judgements,
)

LOW, SOME, HIGH = "low", "some concerns", "high"
YES, NO, NI = ("Y", "PY"), ("N", "PN"), "NI"
STUDY = "Smith 2019"

# Answers that give "low" in each domain; a test replaces one domain's answers.
LOW_ANSWERS = {
    "D1": {"1.1": "Y", "1.2": "Y", "1.3": "N"},
    "D1b": {"1b.1": "Y", "1b.3": "N"},
    "DS": {"S.1": "Y", "S.3": "Y"},
    "D2": {"2.1": "N", "2.2": "N", "2.6": "Y"},
    "D3": {"3.1": "Y"},
    "D4": {"4.1": "N", "4.2": "N", "4.3": "N"},
    "D5": {"5.1": "Y", "5.2": "N", "5.3": "N"},
}
VARIANT_DOMAINS = {
    "individual": ("D1", "D2", "D3", "D4", "D5"),
    "cluster": ("D1", "D1b", "D2", "D3", "D4", "D5"),
    "crossover": ("D1", "DS", "D2", "D3", "D4", "D5"),
}


def low_answers(variant: str) -> dict[str, str]:
    answers: dict[str, str] = {}
    for domain in VARIANT_DOMAINS[variant]:
        answers.update(LOW_ANSWERS[domain])
    if variant == "crossover":
        answers["5.4"] = "N"
    return answers


def answers_with(domain: str, domain_answers: dict[str, str], variant: str) -> dict[str, str]:
    """All-low answers with one domain's answers replaced."""
    answers = low_answers(variant)
    for question in [q for q in answers if question_domain(q) == domain]:
        del answers[question]
    answers.update(domain_answers)
    return answers


def question_domain(question: str) -> str:
    if question.startswith("1b."):
        return "D1b"
    if question.startswith("S."):
        return "DS"
    return f"D{question[0]}"


def assess(domain: str, domain_answers: dict[str, str], variant: str = "individual"):
    return rob2(answers_with(domain, domain_answers, variant), variant=variant, study=STUDY)


# --------------------------------------------------------------------------------------------
# The tool's questions, when each is asked, and its criteria, written out for the tests


def always(_: dict[str, str]) -> bool:
    return True


def answered(question: str, allowed: tuple[str, ...]) -> Callable[[dict[str, str]], bool]:
    return lambda a: a.get(question, "NA") in allowed


ALL = ("Y", "PY", "PN", "N", "NI")
QUESTIONS: dict[str, list[tuple[str, Callable[[dict[str, str]], bool], tuple[str, ...]]]] = {
    "D1": [("1.1", always, ALL), ("1.2", always, ALL), ("1.3", always, ALL)],
    "D1b": [
        ("1b.1", always, ALL),
        ("1b.2", answered("1b.1", (*NO, NI)), ALL),
        ("1b.3", always, ALL),
    ],
    "DS": [("S.1", always, ALL), ("S.2", answered("S.1", (*NO, NI)), ALL), ("S.3", always, ALL)],
    "D2 part 1": [
        ("2.1", always, ALL),
        ("2.2", always, ALL),
        ("2.3", lambda a: a["2.1"] in (*YES, NI) or a["2.2"] in (*YES, NI), ALL),
        ("2.4", answered("2.3", YES), ALL),
        ("2.5", answered("2.4", (*YES, NI)), ALL),
    ],
    "D2 part 2": [("2.6", always, ALL), ("2.7", answered("2.6", (*NO, NI)), ALL)],
    "D3": [
        ("3.1", always, ALL),
        ("3.2", answered("3.1", (*NO, NI)), ("Y", "PY", "PN", "N")),
        ("3.3", answered("3.2", NO), ALL),
        ("3.4", answered("3.3", (*YES, NI)), ALL),
    ],
    "D4": [
        ("4.1", always, ALL),
        ("4.2", always, ALL),
        ("4.3", lambda a: a["4.1"] in (*NO, NI) and a["4.2"] in (*NO, NI), ALL),
        ("4.4", answered("4.3", (*YES, NI)), ALL),
        ("4.5", answered("4.4", (*YES, NI)), ALL),
    ],
    "D5": [("5.1", always, ALL), ("5.2", always, ALL), ("5.3", always, ALL)],
    "D5 crossover": [
        ("5.1", always, ALL),
        ("5.2", always, ALL),
        ("5.3", always, ALL),
        ("5.4", always, ALL),
    ],
}


def consistent_answers(questions) -> Iterator[dict[str, str]]:
    """Every set of answers that respects the conditions (questions that do not apply are
    left out)."""

    def extend(index: int, so_far: dict[str, str]) -> Iterator[dict[str, str]]:
        if index == len(questions):
            yield dict(so_far)
            return
        question, asked, allowed = questions[index]
        if not asked(so_far):
            yield from extend(index + 1, so_far)
            return
        for answer in allowed:
            so_far[question] = answer
            yield from extend(index + 1, so_far)
            del so_far[question]

    yield from extend(0, {})


def g(a: dict[str, str], question: str) -> str:
    return a.get(question, "NA")


def criteria_d1(a):
    if g(a, "1.2") in NO or (g(a, "1.2") == NI and g(a, "1.3") in YES):
        return HIGH
    if g(a, "1.2") in YES and g(a, "1.1") not in NO and g(a, "1.3") not in YES:
        return LOW
    return SOME


def criteria_d1b(a):
    if g(a, "1b.2") in YES or (g(a, "1b.2") == NI and g(a, "1b.3") in YES):
        return HIGH
    if (g(a, "1b.1") in YES or g(a, "1b.2") in NO) and g(a, "1b.3") not in YES:
        return LOW
    return SOME


def criteria_ds(a):
    if g(a, "S.3") in NO:
        return HIGH
    if (g(a, "S.1") in YES or g(a, "S.2") in YES) and g(a, "S.3") in YES:
        return LOW
    return SOME


def criteria_d2_part1(a):
    if (g(a, "2.1") in NO and g(a, "2.2") in NO) or g(a, "2.3") in NO:
        return LOW
    if g(a, "2.3") in YES and g(a, "2.4") not in NO and g(a, "2.5") not in YES:
        return HIGH
    return SOME


def criteria_d2_part2(a):
    if g(a, "2.6") in YES:
        return LOW
    return SOME if g(a, "2.7") in NO else HIGH


def criteria_d3(a):
    if g(a, "3.1") in YES or g(a, "3.2") in YES or g(a, "3.3") in NO:
        return LOW
    return SOME if g(a, "3.4") in NO else HIGH


def criteria_d4(a):
    if g(a, "4.1") in YES or g(a, "4.2") in YES:
        return HIGH
    if g(a, "4.3") in NO or g(a, "4.4") in NO:
        return LOW if g(a, "4.2") in NO else SOME
    return SOME if g(a, "4.5") in NO else HIGH


def criteria_d5(a):
    selection = [q for q in ("5.2", "5.3", "5.4") if q in a]
    if any(a[q] in YES for q in selection):
        return HIGH
    if all(a[q] in NO for q in selection) and a["5.1"] in YES:
        return LOW
    return SOME


# --------------------------------------------------------------------------------------------
# Leaf tables: one row per branch of each algorithm (plus NI variants of a branch)

D1_LEAVES = [
    # 1.2 N/PN: allocation not concealed -> high (whatever 1.1 and 1.3 say)
    pytest.param({"1.1": "Y", "1.2": "N", "1.3": "N"}, HIGH, id="1.2 N -> high"),
    pytest.param({"1.1": "NI", "1.2": "PN", "1.3": "NI"}, HIGH, id="1.2 PN -> high"),
    # 1.2 NI and 1.3 Y/PY: concealment unclear, baseline imbalance -> high
    pytest.param({"1.1": "Y", "1.2": "NI", "1.3": "PY"}, HIGH, id="1.2 NI, 1.3 PY -> high"),
    # 1.2 NI and 1.3 N/PN/NI -> some concerns
    pytest.param({"1.1": "Y", "1.2": "NI", "1.3": "N"}, SOME, id="1.2 NI, 1.3 N -> some"),
    pytest.param({"1.1": "N", "1.2": "NI", "1.3": "NI"}, SOME, id="1.2 NI, 1.3 NI -> some"),
    # 1.2 Y/PY and 1.1 N/PN: sequence not random -> some concerns (even with imbalance)
    pytest.param({"1.1": "N", "1.2": "Y", "1.3": "N"}, SOME, id="1.2 Y, 1.1 N -> some"),
    pytest.param({"1.1": "PN", "1.2": "PY", "1.3": "Y"}, SOME, id="1.2 PY, 1.1 PN, 1.3 Y"),
    # 1.2 Y/PY, 1.1 Y/PY/NI, 1.3 Y/PY: baseline imbalance -> some concerns
    pytest.param({"1.1": "Y", "1.2": "Y", "1.3": "Y"}, SOME, id="1.2 Y, 1.1 Y, 1.3 Y -> some"),
    # 1.2 Y/PY, 1.1 Y/PY/NI, 1.3 N/PN/NI -> low (NI on 1.1 or 1.3 does not count against)
    pytest.param({"1.1": "Y", "1.2": "Y", "1.3": "N"}, LOW, id="1.2 Y, 1.1 Y, 1.3 N -> low"),
    pytest.param({"1.1": "NI", "1.2": "PY", "1.3": "NI"}, LOW, id="1.1 NI, 1.3 NI -> low"),
]

D2_PART1_LEAVES = [
    # 2.1 and 2.2 N/PN: nobody aware of the assignment -> low
    pytest.param({"2.1": "N", "2.2": "PN"}, LOW, id="not aware -> low"),
    # 2.1 or 2.2 Y/PY/NI, 2.3 N/PN: no deviations from the trial context -> low
    pytest.param({"2.1": "Y", "2.2": "N", "2.3": "N"}, LOW, id="aware, 2.3 N -> low"),
    pytest.param({"2.1": "N", "2.2": "NI", "2.3": "PN"}, LOW, id="2.2 NI, 2.3 PN -> low"),
    # 2.3 NI -> some concerns
    pytest.param({"2.1": "Y", "2.2": "Y", "2.3": "NI"}, SOME, id="2.3 NI -> some"),
    # 2.3 Y/PY, 2.4 N/PN: deviations unlikely to affect the outcome -> some concerns
    pytest.param({"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "N"}, SOME, id="2.4 N -> some"),
    # 2.3 Y/PY, 2.4 Y/PY/NI, 2.5 Y/PY: deviations balanced -> some concerns
    pytest.param(
        {"2.1": "Y", "2.2": "Y", "2.3": "PY", "2.4": "NI", "2.5": "Y"},
        SOME,
        id="2.4 NI, 2.5 Y -> some",
    ),
    # 2.3 Y/PY, 2.4 Y/PY/NI, 2.5 N/PN/NI: deviations unbalanced -> high
    pytest.param(
        {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "Y", "2.5": "N"}, HIGH, id="2.5 N -> high"
    ),
    pytest.param(
        {"2.1": "NI", "2.2": "N", "2.3": "Y", "2.4": "PY", "2.5": "NI"},
        HIGH,
        id="2.5 NI -> high",
    ),
]
D2_PART2_LEAVES = [
    # 2.6 Y/PY: appropriate analysis -> low
    pytest.param({"2.6": "PY"}, LOW, id="2.6 PY -> low"),
    # 2.6 N/PN/NI, 2.7 N/PN: no substantial impact -> some concerns
    pytest.param({"2.6": "N", "2.7": "PN"}, SOME, id="2.6 N, 2.7 PN -> some"),
    pytest.param({"2.6": "NI", "2.7": "N"}, SOME, id="2.6 NI, 2.7 N -> some"),
    # 2.6 N/PN/NI, 2.7 Y/PY/NI: substantial impact -> high
    pytest.param({"2.6": "PN", "2.7": "Y"}, HIGH, id="2.7 Y -> high"),
    pytest.param({"2.6": "N", "2.7": "NI"}, HIGH, id="2.7 NI -> high"),
]

D3_LEAVES = [
    # 3.1 Y/PY: data for nearly all participants -> low
    pytest.param({"3.1": "PY"}, LOW, id="3.1 PY -> low"),
    # 3.1 N/PN/NI, 3.2 Y/PY: evidence that the result is not biased -> low
    pytest.param({"3.1": "NI", "3.2": "Y"}, LOW, id="3.1 NI, 3.2 Y -> low"),
    # 3.2 N/PN, 3.3 N/PN: missingness could not depend on the true value -> low
    pytest.param({"3.1": "N", "3.2": "N", "3.3": "PN"}, LOW, id="3.3 PN -> low"),
    # 3.3 Y/PY/NI, 3.4 N/PN: dependence unlikely -> some concerns
    pytest.param({"3.1": "N", "3.2": "PN", "3.3": "Y", "3.4": "N"}, SOME, id="3.4 N -> some"),
    pytest.param({"3.1": "N", "3.2": "N", "3.3": "NI", "3.4": "PN"}, SOME, id="3.3 NI, 3.4 PN"),
    # 3.3 Y/PY/NI, 3.4 Y/PY/NI: dependence likely -> high
    pytest.param({"3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "PY"}, HIGH, id="3.4 PY -> high"),
    pytest.param({"3.1": "PN", "3.2": "N", "3.3": "PY", "3.4": "NI"}, HIGH, id="3.4 NI -> high"),
]

D4_LEAVES = [
    # 4.1 Y/PY: inappropriate method -> high
    pytest.param({"4.1": "Y", "4.2": "N"}, HIGH, id="4.1 Y -> high"),
    # 4.2 Y/PY: measurement could differ between groups -> high
    pytest.param({"4.1": "N", "4.2": "PY"}, HIGH, id="4.2 PY -> high"),
    pytest.param({"4.1": "PY", "4.2": "Y"}, HIGH, id="4.1 and 4.2 Y -> high"),
    # 4.2 N/PN, 4.3 N/PN: assessors unaware -> low (NI on 4.1 counts as no)
    pytest.param({"4.1": "NI", "4.2": "N", "4.3": "N"}, LOW, id="4.2 N, 4.3 N -> low"),
    # 4.2 N/PN, 4.3 Y/PY/NI, 4.4 N/PN: could not be influenced -> low
    pytest.param({"4.1": "N", "4.2": "PN", "4.3": "Y", "4.4": "N"}, LOW, id="4.4 N -> low"),
    # 4.2 N/PN, 4.4 Y/PY/NI, 4.5 N/PN: influence unlikely -> some concerns
    pytest.param(
        {"4.1": "N", "4.2": "N", "4.3": "NI", "4.4": "PY", "4.5": "N"},
        SOME,
        id="4.2 N, 4.5 N -> some",
    ),
    # 4.2 N/PN, 4.4 Y/PY/NI, 4.5 Y/PY/NI: influence likely -> high
    pytest.param(
        {"4.1": "N", "4.2": "N", "4.3": "Y", "4.4": "NI", "4.5": "NI"},
        HIGH,
        id="4.2 N, 4.5 NI -> high",
    ),
    # 4.2 NI: the 4.2 N/PN path with "low" read as "some concerns"
    pytest.param({"4.1": "N", "4.2": "NI", "4.3": "PN"}, SOME, id="4.2 NI, 4.3 PN -> some"),
    pytest.param(
        {"4.1": "N", "4.2": "NI", "4.3": "Y", "4.4": "PN"}, SOME, id="4.2 NI, 4.4 PN -> some"
    ),
    pytest.param(
        {"4.1": "NI", "4.2": "NI", "4.3": "Y", "4.4": "Y", "4.5": "PN"},
        SOME,
        id="4.2 NI, 4.5 PN -> some",
    ),
    pytest.param(
        {"4.1": "N", "4.2": "NI", "4.3": "Y", "4.4": "Y", "4.5": "Y"},
        HIGH,
        id="4.2 NI, 4.5 Y -> high",
    ),
]

D5_LEAVES = [
    # 5.2 or 5.3 Y/PY: result likely selected -> high
    pytest.param({"5.1": "Y", "5.2": "Y", "5.3": "N"}, HIGH, id="5.2 Y -> high"),
    pytest.param({"5.1": "Y", "5.2": "NI", "5.3": "PY"}, HIGH, id="5.3 PY -> high"),
    pytest.param({"5.1": "N", "5.2": "PY", "5.3": "Y"}, HIGH, id="5.2 and 5.3 -> high"),
    # 5.2 and 5.3 N/PN, 5.1 Y/PY: pre-specified plan -> low
    pytest.param({"5.1": "PY", "5.2": "N", "5.3": "PN"}, LOW, id="5.1 PY -> low"),
    # 5.2 and 5.3 N/PN, 5.1 N/PN/NI -> some concerns
    pytest.param({"5.1": "N", "5.2": "N", "5.3": "N"}, SOME, id="5.1 N -> some"),
    pytest.param({"5.1": "NI", "5.2": "PN", "5.3": "N"}, SOME, id="5.1 NI -> some"),
    # an NI in 5.2/5.3 and none Y/PY -> some concerns, even with a pre-specified plan
    pytest.param({"5.1": "Y", "5.2": "NI", "5.3": "N"}, SOME, id="5.2 NI -> some"),
    pytest.param({"5.1": "Y", "5.2": "N", "5.3": "NI"}, SOME, id="5.3 NI -> some"),
]

D1B_LEAVES = [
    # 1b.1 Y/PY (recruited before randomisation), 1b.3 N/PN/NI -> low
    pytest.param({"1b.1": "Y", "1b.3": "N"}, LOW, id="1b.1 Y, 1b.3 N -> low"),
    pytest.param({"1b.1": "PY", "1b.3": "NI"}, LOW, id="1b.1 PY, 1b.3 NI -> low"),
    # 1b.1 Y/PY, 1b.3 Y/PY (imbalance suggests differential recruitment) -> some concerns
    pytest.param({"1b.1": "Y", "1b.3": "PY"}, SOME, id="1b.1 Y, 1b.3 PY -> some"),
    # 1b.1 N/PN/NI, 1b.2 Y/PY: selection affected by knowledge of allocation -> high
    pytest.param({"1b.1": "N", "1b.2": "Y", "1b.3": "N"}, HIGH, id="1b.2 Y -> high"),
    pytest.param({"1b.1": "NI", "1b.2": "PY", "1b.3": "NI"}, HIGH, id="1b.1 NI, 1b.2 PY"),
    # 1b.2 N/PN, 1b.3 N/PN/NI -> low
    pytest.param({"1b.1": "N", "1b.2": "N", "1b.3": "PN"}, LOW, id="1b.2 N, 1b.3 PN -> low"),
    # 1b.2 N/PN, 1b.3 Y/PY -> some concerns
    pytest.param({"1b.1": "PN", "1b.2": "PN", "1b.3": "Y"}, SOME, id="1b.2 PN, 1b.3 Y -> some"),
    # 1b.2 NI, 1b.3 Y/PY -> high
    pytest.param({"1b.1": "N", "1b.2": "NI", "1b.3": "Y"}, HIGH, id="1b.2 NI, 1b.3 Y -> high"),
    # 1b.2 NI, 1b.3 N/PN/NI -> some concerns
    pytest.param({"1b.1": "N", "1b.2": "NI", "1b.3": "NI"}, SOME, id="1b.2 NI, 1b.3 NI"),
]

DS_LEAVES = [
    # S.3 N/PN: not enough time for carryover to disappear -> high
    pytest.param({"S.1": "Y", "S.3": "N"}, HIGH, id="S.3 N -> high"),
    pytest.param({"S.1": "N", "S.2": "Y", "S.3": "PN"}, HIGH, id="S.2 Y, S.3 PN -> high"),
    # S.1 Y/PY (balanced sequences), S.3 Y/PY -> low
    pytest.param({"S.1": "PY", "S.3": "Y"}, LOW, id="S.1 PY, S.3 Y -> low"),
    # S.1 N/PN/NI, S.2 Y/PY (period effects in the analysis), S.3 Y/PY -> low
    pytest.param({"S.1": "NI", "S.2": "PY", "S.3": "PY"}, LOW, id="S.2 PY, S.3 PY -> low"),
    # S.1 N/PN/NI, S.2 N/PN/NI (period effects not handled), S.3 Y/PY -> some concerns
    pytest.param({"S.1": "N", "S.2": "N", "S.3": "Y"}, SOME, id="S.2 N, S.3 Y -> some"),
    pytest.param({"S.1": "PN", "S.2": "NI", "S.3": "Y"}, SOME, id="S.2 NI, S.3 Y -> some"),
    # S.3 NI (carryover unclear) -> some concerns, whatever the period effects
    pytest.param({"S.1": "Y", "S.3": "NI"}, SOME, id="S.1 Y, S.3 NI -> some"),
    pytest.param({"S.1": "N", "S.2": "Y", "S.3": "NI"}, SOME, id="S.2 Y, S.3 NI -> some"),
    pytest.param({"S.1": "N", "S.2": "PN", "S.3": "NI"}, SOME, id="S.2 PN, S.3 NI -> some"),
]

D5_CROSSOVER_LEAVES = [
    # 5.4 Y/PY: a both-period result withheld because of carryover -> high
    pytest.param({"5.1": "Y", "5.2": "N", "5.3": "N", "5.4": "Y"}, HIGH, id="5.4 Y -> high"),
    pytest.param({"5.1": "Y", "5.2": "PY", "5.3": "N", "5.4": "N"}, HIGH, id="5.2 PY -> high"),
    # 5.2, 5.3 and 5.4 N/PN, 5.1 Y/PY -> low
    pytest.param({"5.1": "Y", "5.2": "N", "5.3": "N", "5.4": "PN"}, LOW, id="all N -> low"),
    # 5.2, 5.3 and 5.4 N/PN, 5.1 N/PN/NI -> some concerns
    pytest.param({"5.1": "PN", "5.2": "N", "5.3": "N", "5.4": "N"}, SOME, id="5.1 PN -> some"),
    # 5.4 NI, none Y/PY -> some concerns
    pytest.param({"5.1": "Y", "5.2": "N", "5.3": "N", "5.4": "NI"}, SOME, id="5.4 NI -> some"),
]


@pytest.mark.parametrize(("domain_answers", "expected"), D1_LEAVES)
def test_domain_1_randomisation(domain_answers, expected):
    result = assess("D1", domain_answers)
    assert result.domains["D1"] == expected
    assert result.path["D1"].endswith(f"-> {expected}")


@pytest.mark.parametrize(("part1_answers", "expected"), D2_PART1_LEAVES)
def test_domain_2_part_1_deviations_from_trial_context(part1_answers, expected):
    result = assess("D2", {**part1_answers, "2.6": "Y"})  # part 2 low
    assert result.domains["D2"] == expected
    assert result.path["D2"].startswith("part 1: ")
    assert result.path["D2"].split("; part 2: ")[0].endswith(f"-> {expected}")


@pytest.mark.parametrize(("part2_answers", "expected"), D2_PART2_LEAVES)
def test_domain_2_part_2_analysis(part2_answers, expected):
    result = assess("D2", {"2.1": "N", "2.2": "N", **part2_answers})  # part 1 low
    assert result.domains["D2"] == expected
    part2 = result.path["D2"].split("; part 2: ")[1]
    assert part2.split("; ")[-2].endswith(f"-> {expected}")


def _part1(expected: str) -> dict[str, str]:
    return {
        LOW: {"2.1": "N", "2.2": "N"},
        SOME: {"2.1": "Y", "2.2": "Y", "2.3": "NI"},
        HIGH: {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "Y", "2.5": "N"},
    }[expected]


def _part2(expected: str) -> dict[str, str]:
    return {
        LOW: {"2.6": "Y"},
        SOME: {"2.6": "N", "2.7": "N"},
        HIGH: {"2.6": "N", "2.7": "Y"},
    }[expected]


@pytest.mark.parametrize(
    ("part1", "part2", "expected"),
    [
        (LOW, LOW, LOW),  # both parts low -> low
        (LOW, SOME, SOME),  # otherwise some concerns ...
        (SOME, LOW, SOME),
        (SOME, SOME, SOME),
        (HIGH, LOW, HIGH),  # ... unless either part is high -> high
        (LOW, HIGH, HIGH),
        (SOME, HIGH, HIGH),
        (HIGH, SOME, HIGH),
        (HIGH, HIGH, HIGH),
    ],
)
def test_domain_2_combines_its_two_parts(part1, part2, expected):
    result = assess("D2", {**_part1(part1), **_part2(part2)})
    assert result.domains["D2"] == expected
    assert f"-> {part1}; part 2: " in result.path["D2"]
    assert result.path["D2"].endswith(f"-> {expected}")


@pytest.mark.parametrize(("domain_answers", "expected"), D3_LEAVES)
def test_domain_3_missing_outcome_data(domain_answers, expected):
    result = assess("D3", domain_answers)
    assert result.domains["D3"] == expected
    assert result.path["D3"].endswith(f"-> {expected}")


@pytest.mark.parametrize(("domain_answers", "expected"), D4_LEAVES)
def test_domain_4_measurement_of_the_outcome(domain_answers, expected):
    result = assess("D4", domain_answers)
    assert result.domains["D4"] == expected
    assert result.path["D4"].endswith(f"-> {expected}")


def test_domain_4_no_information_on_4_2_never_gives_low():
    # 4.2 NI: every leaf that is "low" after 4.2 N/PN becomes "some concerns".
    for answers in consistent_answers(QUESTIONS["D4"]):
        if answers["4.2"] == NI and answers["4.1"] not in YES:
            result = assess("D4", answers)
            assert result.domains["D4"] != LOW
            assert "4.2 NI" in result.path["D4"]


@pytest.mark.parametrize(("domain_answers", "expected"), D5_LEAVES)
def test_domain_5_selection_of_the_reported_result(domain_answers, expected):
    result = assess("D5", domain_answers)
    assert result.domains["D5"] == expected
    assert result.path["D5"].endswith(f"-> {expected}")


@pytest.mark.parametrize(("domain_answers", "expected"), D1B_LEAVES)
def test_cluster_domain_1b_identification_or_recruitment(domain_answers, expected):
    result = assess("D1b", domain_answers, variant="cluster")
    assert result.domains["D1b"] == expected
    assert result.path["D1b"].endswith(f"-> {expected}")


@pytest.mark.parametrize(("domain_answers", "expected"), DS_LEAVES)
def test_crossover_domain_s_period_and_carryover(domain_answers, expected):
    result = assess("DS", domain_answers, variant="crossover")
    assert result.domains["DS"] == expected
    assert result.path["DS"].endswith(f"-> {expected}")


@pytest.mark.parametrize(("domain_answers", "expected"), D5_CROSSOVER_LEAVES)
def test_crossover_domain_5_adds_question_5_4(domain_answers, expected):
    result = assess("D5", domain_answers, variant="crossover")
    assert result.domains["D5"] == expected
    assert result.path["D5"].endswith(f"-> {expected}")


# --------------------------------------------------------------------------------------------
# Exhaustive checks against the criteria, and coverage of every branch by the tables above

EXHAUSTIVE = [
    # (domain, variant, question set, criteria, leaf table)
    ("D1", "individual", "D1", criteria_d1, D1_LEAVES),
    ("D1b", "cluster", "D1b", criteria_d1b, D1B_LEAVES),
    ("DS", "crossover", "DS", criteria_ds, DS_LEAVES),
    ("D3", "individual", "D3", criteria_d3, D3_LEAVES),
    ("D4", "individual", "D4", criteria_d4, D4_LEAVES),
    ("D5", "individual", "D5", criteria_d5, D5_LEAVES),
    ("D5", "crossover", "D5 crossover", criteria_d5, D5_CROSSOVER_LEAVES),
]


def _branch(domain: str, path: str) -> str:
    """The branch a path stands for; which of several questions triggered an immediate
    "high" in D4 and D5 is detail, not a branch."""
    if domain == "D4" and path.endswith("-> high") and "4.3" not in path:
        return "4.1 or 4.2 Y/PY -> high"
    if domain == "D5" and "(result likely selected)" in path:
        return "selected -> high"
    return path


@pytest.mark.parametrize(
    ("domain", "variant", "questions", "criteria", "leaves"),
    EXHAUSTIVE,
    ids=[f"{row[0]}-{row[1]}" for row in EXHAUSTIVE],
)
def test_every_consistent_answer_set_follows_the_criteria(
    domain, variant, questions, criteria, leaves
):
    branches_taken = set()
    count = 0
    for answers in consistent_answers(QUESTIONS[questions]):
        result = assess(domain, answers, variant=variant)
        assert result.domains[domain] == criteria(answers), answers
        branches_taken.add(_branch(domain, result.path[domain]))
        count += 1
    assert count > 10
    tested = {
        _branch(domain, assess(domain, leaf.values[0], variant=variant).path[domain])
        for leaf in leaves
    }
    assert tested == branches_taken  # the leaf table covers every branch


def test_domain_2_every_consistent_answer_set_follows_the_criteria():
    part1_branches, part2_branches = set(), set()
    for part1 in consistent_answers(QUESTIONS["D2 part 1"]):
        for part2 in ({"2.6": "Y"}, {"2.6": "N", "2.7": "N"}, {"2.6": "N", "2.7": "Y"}):
            result = assess("D2", {**part1, **part2})
            expected_parts = {criteria_d2_part1(part1), criteria_d2_part2(part2)}
            expected = HIGH if HIGH in expected_parts else LOW if expected_parts == {LOW} else SOME
            assert result.domains["D2"] == expected, (part1, part2)
            part1_branches.add(result.path["D2"].split("; part 2: ")[0])
    for part2 in consistent_answers(QUESTIONS["D2 part 2"]):
        result = assess("D2", {"2.1": "N", "2.2": "N", **part2})
        assert result.domains["D2"] == criteria_d2_part2(part2), part2
        part2_branches.add(result.path["D2"].split("; part 2: ")[1].rsplit("; ", 1)[0])
    tested1 = {
        assess("D2", {**leaf.values[0], "2.6": "Y"}).path["D2"].split("; part 2: ")[0]
        for leaf in D2_PART1_LEAVES
    }
    tested2 = {
        assess("D2", {"2.1": "N", "2.2": "N", **leaf.values[0]})
        .path["D2"]
        .split("; part 2: ")[1]
        .rsplit("; ", 1)[0]
        for leaf in D2_PART2_LEAVES
    }
    assert tested1 == part1_branches
    assert tested2 == part2_branches


@pytest.mark.parametrize("variant", ["cluster", "crossover"])
def test_variants_keep_the_algorithms_of_domains_1_to_4(variant):
    for domain, leaves in (("D1", D1_LEAVES), ("D3", D3_LEAVES), ("D4", D4_LEAVES)):
        for leaf in leaves:
            answers, expected = leaf.values
            assert assess(domain, answers, variant=variant).domains[domain] == expected
    for leaf in D2_PART1_LEAVES:
        answers, expected = leaf.values
        assert assess("D2", {**answers, "2.6": "Y"}, variant=variant).domains["D2"] == expected


# --------------------------------------------------------------------------------------------
# Overall judgement and the result


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        # all domains low -> low
        ({"D1": LOW, "D2": LOW, "D3": LOW, "D4": LOW, "D5": LOW}, LOW),
        # some concerns in one or several domains, none high -> some concerns (the reviewer
        # may judge several as high; that override is not made here)
        ({"D1": SOME, "D2": LOW, "D3": LOW, "D4": LOW, "D5": LOW}, SOME),
        ({"D1": SOME, "D2": SOME, "D3": SOME, "D4": SOME, "D5": SOME}, SOME),
        # any domain high -> high
        ({"D1": LOW, "D2": LOW, "D3": LOW, "D4": LOW, "D5": HIGH}, HIGH),
        ({"D1": SOME, "D2": HIGH, "D3": LOW, "D4": SOME, "D5": LOW}, HIGH),
    ],
)
def test_overall_rule(domains, expected):
    result = rob2_from_judgements(domains, study=STUDY)
    assert result.overall == expected
    assert result.overall_path.endswith(f"-> {expected}")


def test_overall_rule_on_every_combination_of_domain_judgements():
    severity = {LOW: 0, SOME: 1, HIGH: 2}
    for values in itertools.product(ROB2_JUDGEMENTS, repeat=5):
        domains = dict(zip(ROB2_DOMAINS, values, strict=True))
        result = rob2_from_judgements(domains)
        assert result.overall == max(values, key=severity.__getitem__)


def test_overall_from_answers_and_some_concerns_domains():
    answers = answers_with("D3", {"3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "N"}, "individual")
    answers.update({"5.1": "NI"})  # D5: some concerns
    result = rob2(answers, study=STUDY)
    assert result.overall == SOME
    assert result.some_concerns_domains == ("D3", "D5")
    assert result.overall_path == "some concerns in D3, D5, none high -> some concerns"
    high = rob2({**answers, "1.2": "N"}, study=STUDY)
    assert high.overall == HIGH
    assert high.overall_path == "D1 high -> high"
    assert high.some_concerns_domains == ("D3", "D5")


def test_result_is_frozen_and_records_the_assessment():
    result = rob2(low_answers("individual"), study=STUDY)
    assert isinstance(result, Rob2Result)
    assert result.variant == "individual"
    assert result.study == STUDY
    assert result.overall == LOW
    assert result.overall_path == "all domains low -> low"
    assert result.some_concerns_domains == ()
    assert list(result.domains) == list(ROB2_DOMAINS)
    assert list(result.path) == list(ROB2_DOMAINS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.overall = HIGH  # type: ignore[misc]


@pytest.mark.parametrize("variant", ROB2_VARIANTS)
def test_domains_in_the_variants_order(variant):
    result = rob2(low_answers(variant), variant=variant)
    assert tuple(result.domains) == VARIANT_DOMAINS[variant]
    assert result.variant == variant
    assert result.overall == LOW


def test_domain_constants():
    assert ROB2_DOMAINS == {
        "D1": "Randomisation process",
        "D2": "Deviations from intended interventions",
        "D3": "Missing outcome data",
        "D4": "Measurement of the outcome",
        "D5": "Selection of the reported result",
    }
    assert ROB2_JUDGEMENTS == ("low", "some concerns", "high")
    assert list(ROB2_CLUSTER_DOMAINS) == ["D1", "D1b", "D2", "D3", "D4", "D5"]
    assert ROB2_CLUSTER_DOMAINS["D1b"] == (
        "Identification or recruitment of participants into clusters"
    )
    assert list(ROB2_CROSSOVER_DOMAINS) == ["D1", "DS", "D2", "D3", "D4", "D5"]
    assert ROB2_CROSSOVER_DOMAINS["DS"] == "Period and carryover effects"
    assert ROB2_ANSWERS == ("Y", "PY", "PN", "N", "NI", "NA")


# --------------------------------------------------------------------------------------------
# Normalisation of answers


def test_answers_are_normalised():
    answers = {
        " 1.1 ": " y ",
        "1.2": "py",
        "1.3": "Pn",
        "2.1": "ni",
        "2.2": "N",
        "2.3": "n ",
        "2.4": "na",  # NA to a question that does not apply is accepted
        "2.6": "Y",
        "3.1": "Y",
        "4.1": "n",
        "4.2": "n",
        "4.3": "n",
        "5.1": "y",
        "5.2": "n",
        "5.3": "\tN\n",
    }
    result = rob2(answers, study=STUDY)
    assert result.answers["1.1"] == "Y"
    assert result.answers["1.2"] == "PY"
    assert result.answers["1.3"] == "PN"
    assert result.answers["2.1"] == "NI"
    assert result.answers["5.3"] == "N"
    # every question of the variant is listed, NA where it does not apply
    assert list(result.answers) == [
        "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
        "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "4.4", "4.5", "5.1", "5.2", "5.3",
    ]  # fmt: skip
    assert {result.answers[q] for q in ("2.4", "2.5", "2.7", "3.2", "3.3", "4.4")} == {"NA"}
    assert result.overall == LOW


def test_variant_question_ids_ignore_case():
    answers = answers_with("D1b", {"1B.1": "n", "1b.2": "pn", "1B.3": "n"}, "cluster")
    result = rob2(answers, variant="cluster")
    assert result.answers["1b.1"] == "N"
    assert result.domains["D1b"] == LOW
    answers = answers_with("DS", {"s.1": "Y", "s.3": "y"}, "crossover")
    result = rob2(answers, variant="crossover")
    assert result.answers["S.1"] == "Y"
    assert result.answers["S.2"] == "NA"


def test_input_answers_are_not_modified():
    answers = low_answers("individual")
    before = dict(answers)
    rob2(answers)
    assert answers == before


# --------------------------------------------------------------------------------------------
# Inconsistent answers: each kind, with the study and question named


def problems_of(answers, variant="individual", study=STUDY) -> Rob2AnswerError:
    with pytest.raises(Rob2AnswerError) as caught:
        rob2(answers, variant=variant, study=study)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.study == study
    label = "unnamed study" if study is None else f"study {study!r}"
    for question, message in error.problems:
        assert message.startswith(f"{label}, question {question}: ")
        assert "expected" in message
        assert message in str(error)
    return error


def without(answers: dict[str, str], *questions: str) -> dict[str, str]:
    return {q: a for q, a in answers.items() if q not in questions}


@pytest.mark.parametrize(
    ("variant", "answers", "question", "says"),
    [
        # a question that is always asked
        ("individual", without(low_answers("individual"), "1.2"), "1.2", "always asked"),
        ("individual", without(low_answers("individual"), "5.1"), "5.1", "always asked"),
        # conditional questions that apply given the earlier answers
        (
            "individual",
            answers_with("D2", {"2.1": "Y", "2.2": "N", "2.6": "Y"}, "individual"),
            "2.3",
            "2.1 or 2.2 is Y/PY/NI, and 2.1 is 'Y' and 2.2 is 'N'",
        ),
        (
            "individual",
            answers_with("D2", {"2.1": "N", "2.2": "N", "2.6": "NI"}, "individual"),
            "2.7",
            "2.6 is N/PN/NI, and 2.6 is 'NI'",
        ),
        (
            "individual",
            answers_with("D3", {"3.1": "N", "3.2": "N"}, "individual"),
            "3.3",
            "3.2 is N/PN",
        ),
        (
            "individual",
            answers_with("D4", {"4.1": "N", "4.2": "NI", "4.3": "Y"}, "individual"),
            "4.4",
            "4.3 is Y/PY/NI",
        ),
        ("cluster", answers_with("D1b", {"1b.1": "N", "1b.3": "N"}, "cluster"), "1b.2", "1b.1"),
        ("crossover", answers_with("DS", {"S.1": "NI", "S.3": "Y"}, "crossover"), "S.2", "S.1"),
        ("crossover", without(low_answers("crossover"), "5.4"), "5.4", "always asked"),
    ],
)
def test_missing_answer_that_is_needed(variant, answers, question, says):
    error = problems_of(answers, variant)
    assert error.question == question
    assert [q for q, _ in error.problems] == [question]
    message = error.problems[0][1]
    assert "no answer" in message
    assert says in message
    assert "expected one of Y/PY/PN/N/NI" in message


@pytest.mark.parametrize(
    ("variant", "answers", "question", "says"),
    [
        # 2.4 answered although 2.3 is N/PN
        (
            "individual",
            answers_with(
                "D2", {"2.1": "Y", "2.2": "Y", "2.3": "N", "2.4": "Y", "2.6": "Y"}, "individual"
            ),
            "2.4",
            "2.3 is Y/PY, and 2.3 is 'N'",
        ),
        # 2.3 answered although nobody was aware of the assignment
        (
            "individual",
            answers_with("D2", {"2.1": "N", "2.2": "PN", "2.3": "Y", "2.6": "Y"}, "individual"),
            "2.3",
            "2.1 or 2.2 is Y/PY/NI, and 2.1 is 'N' and 2.2 is 'PN'",
        ),
        # 2.7 answered although the analysis was appropriate
        (
            "individual",
            answers_with("D2", {"2.1": "N", "2.2": "N", "2.6": "Y", "2.7": "N"}, "individual"),
            "2.7",
            "2.6 is N/PN/NI",
        ),
        # 3.2 answered although data were available for nearly all participants
        ("individual", {**low_answers("individual"), "3.2": "Y"}, "3.2", "3.1 is N/PN/NI"),
        # 4.3 answered although 4.1 is Y/PY
        (
            "individual",
            answers_with("D4", {"4.1": "Y", "4.2": "N", "4.3": "N"}, "individual"),
            "4.3",
            "4.1 and 4.2 are N/PN/NI, and 4.1 is 'Y' and 4.2 is 'N'",
        ),
        ("cluster", {**low_answers("cluster"), "1b.2": "N"}, "1b.2", "1b.1 is N/PN/NI"),
        ("crossover", {**low_answers("crossover"), "S.2": "Y"}, "S.2", "S.1 is N/PN/NI"),
    ],
)
def test_answer_to_a_question_that_does_not_apply(variant, answers, question, says):
    error = problems_of(answers, variant)
    assert [q for q, _ in error.problems] == [question]
    message = error.problems[0][1]
    assert "does not apply" in message
    assert says in message
    assert message.endswith("expected NA or no answer")


def test_answers_below_a_question_that_does_not_apply_are_reported_too():
    answers = answers_with(
        "D2", {"2.1": "Y", "2.2": "Y", "2.3": "N", "2.4": "Y", "2.5": "N", "2.6": "Y"}, "individual"
    )
    error = problems_of(answers)
    assert [q for q, _ in error.problems] == ["2.4", "2.5"]
    assert "2.4 does not apply" in error.problems[1][1]


@pytest.mark.parametrize(
    ("answers", "question", "says"),
    [
        ({**low_answers("individual"), "1.1": "NA"}, "1.1", "always asked"),
        (
            answers_with("D2", {"2.1": "Y", "2.2": "N", "2.3": "na", "2.6": "Y"}, "individual"),
            "2.3",
            "2.1 is 'Y'",
        ),
        (
            answers_with("D3", {"3.1": "PN", "3.2": "NA"}, "individual"),
            "3.2",
            "3.1 is 'PN'",
        ),
    ],
)
def test_na_to_a_question_that_applies(answers, question, says):
    error = problems_of(answers)
    assert [q for q, _ in error.problems] == [question]
    message = error.problems[0][1]
    assert "answered NA, but" in message
    assert says in message
    assert "expected one of" in message


@pytest.mark.parametrize(
    ("variant", "key", "says"),
    [
        ("individual", "6.1", "unknown question id '6.1' for the individual variant"),
        ("individual", "1.4", "expected one of 1.1, 1.2, 1.3, 2.1"),
        ("individual", "1b.1", "(1b.1 belongs to the cluster variant)"),
        ("individual", "S.3", "(S.3 belongs to the crossover variant)"),
        ("individual", "5.4", "(5.4 belongs to the crossover variant)"),
        ("cluster", "S.1", "(S.1 belongs to the crossover variant)"),
        ("crossover", "1B.2", "(1B.2 belongs to the cluster variant)"),
        ("individual", "", "unknown question id ''"),
    ],
)
def test_unknown_question_id(variant, key, says):
    error = problems_of({**low_answers(variant), key: "Y"}, variant)
    assert error.question == key
    assert [q for q, _ in error.problems] == [key]
    assert says in error.problems[0][1]


def test_non_string_question_id():
    error = problems_of({**low_answers("individual"), 11: "Y"})
    assert error.question == "11"
    assert "unknown question id 11" in error.problems[0][1]


@pytest.mark.parametrize("bad", ["maybe", "yes", "", "P Y", None, 1, True, "U"])
def test_bad_answer_value(bad):
    error = problems_of({**low_answers("individual"), "1.3": bad})
    assert [q for q, _ in error.problems] == ["1.3"]
    message = error.problems[0][1]
    assert f"answer {bad!r} is not a RoB 2 answer" in message
    assert "expected one of Y/PY/PN/N/NI, or NA where it does not apply" in message


def test_no_information_is_not_an_answer_to_3_2():
    # The guidance offers Y/PY/PN/N for 3.2: evidence of no bias either is or is not there.
    error = problems_of(answers_with("D3", {"3.1": "N", "3.2": "NI"}, "individual"))
    assert [q for q, _ in error.problems] == ["3.2"]
    assert "'NI' is not offered for 3.2" in error.problems[0][1]
    assert "expected one of Y/PY/PN/N" in error.problems[0][1]


def test_question_answered_twice_after_normalisation():
    error = problems_of({**low_answers("individual"), " 1.1": "N"})
    assert [q for q, _ in error.problems] == ["1.1"]
    assert "answered twice" in error.problems[0][1]


def test_all_problems_of_one_assessment_are_collected_in_order():
    answers = low_answers("individual")
    answers.pop("1.2")  # missing
    answers["2.1"] = "NA"  # NA where it applies
    answers["3.2"] = "N"  # does not apply (3.1 is Y)
    answers["4.2"] = "perhaps"  # bad value
    answers["9.9"] = "Y"  # unknown id
    error = problems_of(answers)
    assert [q for q, _ in error.problems] == ["1.2", "2.1", "3.2", "4.2", "9.9"]
    assert error.question == "1.2"
    assert str(error).startswith(f"RoB 2 answers for study {STUDY!r}: 5 problems\n  - ")


def test_questions_hanging_on_a_faulty_answer_are_not_reported():
    # 2.1 is invalid, so whether 2.3 (and 2.4, 2.5) apply cannot be decided: only 2.1 is
    # reported, not a cascade of consequences.
    answers = answers_with(
        "D2", {"2.1": "??", "2.2": "N", "2.3": "Y", "2.4": "N", "2.6": "Y"}, "individual"
    )
    error = problems_of(answers)
    assert [q for q, _ in error.problems] == ["2.1"]


def test_unnamed_study_is_named_as_such():
    error = problems_of(without(low_answers("individual"), "1.1"), study=None)
    assert error.problems[0][1].startswith("unnamed study, question 1.1: ")


def test_parameters_are_checked():
    with pytest.raises(TypeError, match="answers must be a mapping"):
        rob2([("1.1", "Y")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="variant must be one of"):
        rob2(low_answers("individual"), variant="parallel")
    with pytest.raises(TypeError, match="study must be a string"):
        rob2(low_answers("individual"), study=2019)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Judgements entered by the reviewer


def test_from_judgements_accepts_the_common_spellings():
    result = rob2_from_judgements(
        {"d1": "Low", "D2": " Some concerns ", "D3": "some  concerns", "D4": "HIGH", "D5": "low"},
        study=STUDY,
    )
    assert result.domains == {"D1": LOW, "D2": SOME, "D3": SOME, "D4": HIGH, "D5": LOW}
    assert result.path == dict.fromkeys(ROB2_DOMAINS, "judged by reviewer")
    assert result.overall == HIGH
    assert result.answers == {}
    assert result.study == STUDY
    assert result.some_concerns_domains == ("D2", "D3")


@pytest.mark.parametrize("variant", ["cluster", "crossover"])
def test_from_judgements_in_the_variants(variant):
    extra = "D1b" if variant == "cluster" else "DS"
    domains = {extra: "some concerns", **dict.fromkeys(ROB2_DOMAINS, "low")}
    result = rob2_from_judgements(domains, variant=variant)
    assert tuple(result.domains) == VARIANT_DOMAINS[variant]  # the tool's order
    assert result.overall == SOME
    assert result.some_concerns_domains == (extra,)


@pytest.mark.parametrize(
    ("domains", "variant", "problem_domains", "says"),
    [
        # missing domain
        (
            {"D1": "low", "D2": "low", "D3": "low", "D4": "low"},
            "individual",
            ["D5"],
            "domain D5 (Selection of the reported result): no judgement",
        ),
        (dict.fromkeys(ROB2_DOMAINS, "low"), "cluster", ["D1b"], "domain D1b"),
        # unknown domain
        (
            {**dict.fromkeys(ROB2_DOMAINS, "low"), "D6": "low"},
            "individual",
            ["D6"],
            "domain 'D6': unknown domain for the individual variant",
        ),
        (
            {**dict.fromkeys(ROB2_DOMAINS, "low"), "DS": "low"},
            "individual",
            ["DS"],
            "expected one of D1, D2, D3, D4, D5",
        ),
        # not a judgement: only the three canonical values
        (
            {**dict.fromkeys(ROB2_DOMAINS, "low"), "D2": "unclear"},
            "individual",
            ["D2"],
            "'unclear' is not a RoB 2 judgement",
        ),
        (
            {**dict.fromkeys(ROB2_DOMAINS, "low"), "D3": "some"},
            "individual",
            ["D3"],
            "'some' is not a RoB 2 judgement",
        ),
        (
            {**dict.fromkeys(ROB2_DOMAINS, "low"), "D4": None},
            "individual",
            ["D4"],
            "None is not a RoB 2 judgement",
        ),
        # judged twice after normalising the id
        (
            {**dict.fromkeys(ROB2_DOMAINS, "low"), "d1": "high"},
            "individual",
            ["D1"],
            "judged twice",
        ),
    ],
)
def test_from_judgements_errors_name_study_and_domain(domains, variant, problem_domains, says):
    with pytest.raises(Rob2JudgementError) as caught:
        rob2_from_judgements(domains, variant=variant, study=STUDY)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.study == STUDY
    assert [d for d, _ in error.problems] == problem_domains
    assert error.domain == problem_domains[0]
    for domain, message in error.problems:
        assert message.startswith(f"study {STUDY!r}, domain ")
        assert domain in message
    assert says in str(error)


def test_from_judgements_collects_every_problem():
    with pytest.raises(Rob2JudgementError) as caught:
        rob2_from_judgements({"D1": "bad", "D9": "low", "D2": "low"})
    assert [d for d, _ in caught.value.problems] == ["D1", "D9", "D3", "D4", "D5"]
    assert str(caught.value).startswith("RoB 2 judgements for unnamed study: 5 problems")


def test_from_judgements_parameters_are_checked():
    with pytest.raises(TypeError, match="domains must be a mapping"):
        rob2_from_judgements(["low"] * 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="variant must be one of"):
        rob2_from_judgements(dict.fromkeys(ROB2_DOMAINS, "low"), variant="Cluster")
