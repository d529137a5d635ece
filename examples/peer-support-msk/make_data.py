"""Generate the synthetic study data of the peer-support-msk example review folder.

Run from the repository root::

    .venv/bin/python examples/peer-support-msk/make_data.py

It (re)writes ``studies.csv``, ``outcomes.csv``, ``rob.csv`` (RoB 2 signalling answers) and
``grade.csv`` (GRADE decisions) next to this script, deterministically
(numpy ``default_rng(SEED)``), and prints a summary: participants, % women, ages, countries,
delivery formats, durations and the number of studies per outcome x comparator x timepoint.

The design (24 trials; usual care / waitlist / active comparators; short / medium / long
term; outcomes and instruments) is modelled on Wilson et al. 2024, "Peer support
interventions for chronic musculoskeletal pain: a meta-analytic systematic review", PAIN
165:2698-2720, doi:10.1097/j.pain.0000000000003293. **Every study, label and number made
here is synthetic**: the true effects are set near that review's summary results, and the
trial-level data are simulated from them; none of it reproduces the review's data.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy import stats

SEED = 12
HERE = Path(__file__).resolve().parent

STUDY_COLUMNS = (
    "study_id,label,design,country,n_randomised,percent_women,mean_age,delivery_format,"
    "peer_type,duration_weeks,cluster,icc,mean_cluster_size,condition,n_arms,control_description"
).split(",")
OUTCOME_COLUMNS = (
    "study_id,outcome_id,comparator_id,timepoint_weeks,arm,control_group,instrument,scale_min,"
    "scale_max,higher_is_better,m1,sd1,se1,ci1_low,ci1_high,median1,q1_1,q3_1,min1,max1,n1,"
    "m2,sd2,se2,ci2_low,ci2_high,median2,q1_2,q3_2,min2,max2,n2,estimate,se,ci_low,ci_high,"
    "measure,notes"
).split(",")

# Timepoint windows (weeks), as in review.toml.
WINDOWS = {"short": (0, 12), "medium": (13, 51), "long": (52, 1000)}

# Instruments: (label, scale_min, scale_max, higher_is_better, typical control mean,
# typical SD, decimals). Means and SDs are on the instrument's own scale.
INSTRUMENTS = {
    "VAS": ("VAS pain 0-100", 0, 100, False, 52.0, 21.0, 1),
    "NRS": ("NRS pain 0-10", 0, 10, False, 5.3, 2.1, 2),
    "BPI": ("BPI pain severity 0-10", 0, 10, False, 5.0, 2.0, 2),
    "WOMAC": ("WOMAC function 0-68", 0, 68, False, 26.0, 12.5, 1),
    "RMDQ": ("RMDQ 0-24", 0, 24, False, 10.5, 5.4, 1),
    "SF36PF": ("SF-36 physical functioning", 0, 100, True, 52.0, 23.0, 1),
    "PSEQ": ("PSEQ 0-60", 0, 60, True, 35.0, 12.0, 1),
    "ASES": ("ASES 1-10", 1, 10, True, 6.4, 1.9, 2),
    "VISITS": ("Healthcare visits, previous 3 months", None, None, False, 3.4, 2.9, 2),
    "SF12MCS": ("SF-12 mental component", 0, 100, True, 46.0, 10.5, 1),
    "EQVAS": ("EQ-5D VAS 0-100", 0, 100, True, 62.0, 19.0, 1),
    "PAM": ("Patient Activation Measure 0-100", 0, 100, True, 58.0, 13.0, 1),
    "HEIQ": ("heiQ self-monitoring and insight 1-4", 1, 4, True, 3.0, 0.45, 2),
    "MOSSS": ("MOS Social Support Survey 0-100", 0, 100, True, 63.0, 21.0, 1),
}

# How an outcome's effects are simulated: "points" = MD on the 0-100 pain scale (or the
# instrument's own units for visits), "smd" = in SD units. Positive effect = intervention
# mean higher on an instrument where higher is better for the outcome (see _delta).
OUTCOMES = {
    "pain": ("points", False),
    "function": ("smd", False),
    "self_efficacy": ("smd", True),
    "health_service_use": ("visits", False),
    "quality_of_life": ("smd", True),
    "self_management": ("smd", True),
    "social_support": ("smd", True),
}

# True (mean) effects, intervention minus control in the outcome's orientation: pain in
# points on 0-100 (negative = less pain), function as SMD (negative = better function),
# self-efficacy as SMD (positive = better), visits (negative = fewer). Set near the seed
# review's Table 1; cells it does not report are set to small effects.
TRUE_EFFECT = {
    ("pain", "usual_care"): {"short": -1.6, "medium": -3.5, "long": -2.0},
    ("pain", "waitlist"): {"short": 2.0, "medium": -2.9},
    ("pain", "active_control"): {"short": 5.0, "medium": 1.9, "long": 2.9},
    ("function", "usual_care"): {"short": -0.04, "medium": -0.12, "long": -0.10},
    ("function", "waitlist"): {"short": -0.05, "medium": -0.10},
    ("function", "active_control"): {"short": 0.07, "medium": -0.10, "long": 0.03},
    ("self_efficacy", "usual_care"): {"short": 0.01, "medium": 0.26, "long": 0.21},
    ("self_efficacy", "waitlist"): {"short": 0.20, "medium": 0.36},
    ("self_efficacy", "active_control"): {"short": 0.0, "medium": -0.09, "long": -0.35},
    ("health_service_use", "usual_care"): {"medium": -0.03, "long": -0.03},
    ("health_service_use", "waitlist"): {"medium": 0.09},
}
NOT_POOLED_EFFECT = {"quality_of_life": 0.10, "self_management": 0.15, "social_support": 0.20}
# Between-study SD of the true effects (tau) per kind of effect.
TAU = {"points": 2.5, "smd": 0.07, "visits": 0.10}
NOT_POOLED_TAU = 0.15

# The 24 trials. Outcomes map to instrument keys; "style" is how the study reports its
# arm-level results (sd, se, ci, median); "contrast" lists outcome ids reported only as an
# adjusted mean difference with a 95% CI.
S = "usual_care"
W = "waitlist"
A = "active_control"
TRIALS = [
    # study_id, country, condition, format, peer type, duration (weeks), comparator,
    # n randomised, % women, mean age, timepoints (weeks), outcomes, style, extras
    (
        "abbott2009",
        "United States",
        "knee osteoarthritis",
        "in-person group",
        "volunteer",
        6,
        S,
        330,
        74,
        66.2,
        [6, 26, 52],
        {
            "pain": "VAS",
            "function": "WOMAC",
            "self_efficacy": "ASES",
            "health_service_use": "VISITS",
        },
        "sd",
        {
            "weeks": {
                "function": [26, 52],
                "self_efficacy": [26, 52],
                "health_service_use": [26, 52],
            }
        },
    ),
    (
        "brennan2011",
        "United Kingdom",
        "chronic low back pain",
        "in-person group",
        "volunteer",
        8,
        S,
        402,
        63,
        49.5,
        [12, 52],
        {"pain": "NRS", "function": "RMDQ"},
        "se",
        {"weeks": {"pain": [52]}},
    ),
    (
        "carvalho2012",
        "Australia",
        "knee osteoarthritis",
        "in-person group",
        "paid",
        16,
        S,
        520,
        71,
        67.8,
        [26, 52],
        {
            "pain": "VAS",
            "self_efficacy": "ASES",
            "health_service_use": "VISITS",
            "quality_of_life": "SF12MCS",
        },
        "sd",
        {"cluster": (0.03, 10), "contrast": ["pain"]},
    ),
    (
        "dahl2013",
        "Norway",
        "fibromyalgia",
        "in-person group",
        "paid",
        12,
        S,
        120,
        91,
        45.1,
        [8, 16, 26],
        {"pain": "NRS", "function": "SF36PF", "self_efficacy": "PSEQ", "social_support": "MOSSS"},
        "sd",
        {},
    ),
    (
        "eriksen2014",
        "Sweden",
        "mixed chronic musculoskeletal pain",
        "in-person group",
        "volunteer",
        10,
        S,
        390,
        76,
        58.4,
        [26, 52, 104],
        {
            "pain": "VAS",
            "function": "SF36PF",
            "self_efficacy": "PSEQ",
            "health_service_use": "VISITS",
        },
        "ci",
        {},
    ),
    (
        "fraser2015",
        "Canada",
        "hip or knee osteoarthritis",
        "in-person group",
        "volunteer",
        12,
        S,
        330,
        68,
        68.9,
        [12, 26],
        {"pain": "VAS", "function": "WOMAC", "self_efficacy": "ASES", "self_management": "PAM"},
        "sd",
        {"three_arm": ("group", "online")},
    ),
    (
        "gallagher2016",
        "United States",
        "mixed chronic musculoskeletal pain",
        "in-person group",
        "paid",
        52,
        S,
        800,
        18,
        61.3,
        [52],
        {
            "pain": "BPI",
            "function": "SF36PF",
            "health_service_use": "VISITS",
            "quality_of_life": "SF12MCS",
        },
        "sd",
        {"cluster": (0.05, 12), "contrast": ["pain"]},
    ),
    (
        "hughes2016",
        "United Kingdom",
        "chronic low back pain",
        "telephone",
        "paid",
        12,
        S,
        180,
        61,
        51.7,
        [4, 12, 26],
        {"pain": "NRS", "function": "RMDQ"},
        "sd",
        {"weeks": {"pain": [4, 12], "function": [4, 12]}},
    ),
    (
        "jansen2017",
        "Netherlands",
        "knee osteoarthritis",
        "in-person group",
        "volunteer",
        6,
        S,
        210,
        73,
        70.4,
        [26, 52],
        {"pain": "VAS", "function": "WOMAC", "self_efficacy": "ASES"},
        "median",
        {},
    ),
    (
        "kowalski2018",
        "United States",
        "mixed chronic musculoskeletal pain",
        "in-person group",
        "volunteer",
        24,
        S,
        540,
        66,
        56.0,
        [12, 52],
        {"pain": "BPI", "function": "SF36PF", "self_efficacy": "PSEQ", "self_management": "PAM"},
        "sd",
        {"contrast_long": ["pain"], "weeks": {"function": [52], "self_efficacy": [52]}},
    ),
    (
        "lindqvist2019",
        "Sweden",
        "chronic low back pain",
        "in-person group",
        "paid",
        8,
        S,
        140,
        58,
        47.9,
        [26],
        {"pain": "NRS", "function": "RMDQ", "health_service_use": "VISITS"},
        "se",
        {},
    ),
    (
        "mitchell2020",
        "Australia",
        "hip or knee osteoarthritis",
        "in-person group",
        "volunteer",
        2,
        S,
        96,
        70,
        78.0,
        [8, 26, 78],
        {"pain": "VAS", "function": "WOMAC", "self_efficacy": "ASES"},
        "sd",
        {"weeks": {"pain": [26, 78], "self_efficacy": [26, 78]}},
    ),
    (
        "nakamura2021",
        "Australia",
        "fibromyalgia",
        "online",
        "volunteer",
        8,
        S,
        44,
        89,
        42.0,
        [12],
        {"pain": "NRS", "function": "SF36PF", "self_efficacy": "PSEQ"},
        "ci",
        {"design": "feasibility RCT"},
    ),
    (
        "okafor2014",
        "United States",
        "mixed chronic musculoskeletal pain",
        "telephone",
        "volunteer",
        6,
        W,
        150,
        79,
        53.6,
        [6, 12],
        {"pain": "BPI", "quality_of_life": "SF12MCS"},
        "sd",
        {},
    ),
    (
        "petersen2015",
        "Netherlands",
        "fibromyalgia",
        "in-person group",
        "volunteer",
        8,
        W,
        88,
        90,
        47.3,
        [12, 26],
        {"pain": "VAS", "function": "SF36PF", "self_efficacy": "PSEQ"},
        "median",
        {"weeks": {"function": [26], "self_efficacy": [26]}},
    ),
    (
        "quinn2018",
        "Canada",
        "chronic low back pain",
        "online",
        "paid",
        6,
        W,
        260,
        64,
        50.8,
        [8, 24],
        {
            "pain": "NRS",
            "function": "RMDQ",
            "self_efficacy": "PSEQ",
            "health_service_use": "VISITS",
        },
        "sd",
        {"weeks": {"function": [24], "self_efficacy": [24], "health_service_use": [24]}},
    ),
    (
        "rossi2019",
        "United Kingdom",
        "hip or knee osteoarthritis",
        "in-person group",
        "volunteer",
        12,
        W,
        200,
        69,
        71.2,
        [26],
        {
            "pain": "VAS",
            "function": "WOMAC",
            "health_service_use": "VISITS",
            "quality_of_life": "EQVAS",
        },
        "se",
        {},
    ),
    (
        "sandoval2020",
        "United States",
        "mixed chronic musculoskeletal pain",
        "in-person group",
        "volunteer",
        10,
        W,
        230,
        72,
        55.9,
        [12, 20, 26],
        {
            "pain": "BPI",
            "function": "SF36PF",
            "self_efficacy": "PSEQ",
            "social_support": "MOSSS",
            "self_management": "HEIQ",
        },
        "sd",
        {"weeks": {"function": [20, 26], "self_efficacy": [20, 26]}},
    ),
    (
        "thornton2022",
        "Australia",
        "fibromyalgia",
        "in-person group",
        "volunteer",
        6,
        W,
        62,
        87,
        46.5,
        [8, 16],
        {"pain": "NRS", "self_management": "HEIQ", "quality_of_life": "EQVAS"},
        "ci",
        {},
    ),
    (
        "underwood2012",
        "United States",
        "knee osteoarthritis",
        "in-person group",
        "paid",
        12,
        A,
        300,
        75,
        65.4,
        [12, 26, 52],
        {"pain": "VAS", "function": "WOMAC", "self_efficacy": "ASES"},
        "sd",
        {"control": "physiotherapist-led education group", "weeks": {"self_efficacy": [26, 52]}},
    ),
    (
        "varga2016",
        "Canada",
        "chronic low back pain",
        "one-to-one",
        "volunteer",
        16,
        A,
        190,
        57,
        52.3,
        [26, 52],
        {"pain": "NRS", "function": "RMDQ", "self_efficacy": "PSEQ"},
        "se",
        {"control": "nurse-led self-management programme"},
    ),
    (
        "whitfield2017",
        "United Kingdom",
        "mixed chronic musculoskeletal pain",
        "in-person group",
        "volunteer",
        8,
        A,
        120,
        67,
        57.7,
        [8, 26],
        {"pain": "VAS", "function": "SF36PF", "social_support": "MOSSS"},
        "sd",
        {"control": "health-professional-led pain management group"},
    ),
    (
        "yildiz2020",
        "Netherlands",
        "hip or knee osteoarthritis",
        "in-person group",
        "paid",
        10,
        A,
        100,
        71,
        69.6,
        [12, 26, 52],
        {"pain": "NRS", "function": "WOMAC", "self_efficacy": "ASES", "self_management": "PAM"},
        "ci",
        {"control": "exercise and education classes", "weeks": {"self_efficacy": [26, 52]}},
    ),
    (
        "zhang2021",
        "China",
        "chronic neck or low back pain",
        "in-person group",
        "paid",
        12,
        A,
        400,
        62,
        54.8,
        [12, 52],
        {"pain": "VAS", "function": "RMDQ", "self_efficacy": "PSEQ", "quality_of_life": "EQVAS"},
        "sd",
        {"control": "health education lectures", "weeks": {"self_efficacy": [52]}},
    ),
]
CONTROL_TEXT = {S: "usual care", W: "waitlist"}


def window_of(weeks: float) -> str:
    return next(w for w, (lo, hi) in WINDOWS.items() if lo <= weeks <= hi)


def fmt(x: float | None, decimals: int) -> str:
    if x is None:
        return ""
    value = round(float(x), decimals)
    return f"{value:.{decimals}f}"


def clip(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        x = max(x, lo)
    if hi is not None:
        x = min(x, hi)
    return x


def arm_sizes(total: int, arms: int) -> list[int]:
    base = [total // arms] * arms
    for i in range(total - sum(base)):
        base[i] += 1
    return base


def retained(rng: np.random.Generator, n: int, weeks: float) -> int:
    """Participants analysed at a follow-up: attrition grows with time."""
    p = max(0.68, 0.97 - 0.0028 * min(weeks, 104))
    return int(max(2, rng.binomial(n, p)))


def sample_sd(rng: np.random.Generator, sigma: float, n: int) -> float:
    return float(sigma * math.sqrt(rng.chisquare(n - 1) / (n - 1)))


def describe_arm(rng, style, m, sd, n, inst, arm):
    """The cells of one arm (arm = '1' or '2') in the study's reporting style."""
    _, lo, hi, _, _, _, d = INSTRUMENTS[inst]
    cells: dict[str, str] = {f"n{arm}": str(n)}
    if style == "sd":
        cells |= {f"m{arm}": fmt(m, d), f"sd{arm}": fmt(sd, d)}
    elif style == "se":
        cells |= {f"m{arm}": fmt(m, d), f"se{arm}": fmt(sd / math.sqrt(n), d + 1)}
    elif style == "ci":
        q = stats.t.ppf(0.975, n - 1) if n < 60 else 1.959964
        half = q * sd / math.sqrt(n)
        cells |= {
            f"m{arm}": fmt(m, d),
            f"ci{arm}_low": fmt(m - half, d),
            f"ci{arm}_high": fmt(m + half, d),
        }
    else:  # median with quartiles (mildly right-skewed)
        median = clip(m - 0.08 * sd, lo, hi)
        q1 = clip(median - 0.62 * sd, lo, hi)
        q3 = clip(median + 0.72 * sd, lo, hi)
        suffix = "_1" if arm == "1" else "_2"
        cells |= {
            f"median{arm}": fmt(median, d),
            f"q1{suffix}": fmt(q1, d),
            f"q3{suffix}": fmt(q3, d),
        }
    return cells


def true_effect(outcome: str, comparator: str, window: str) -> tuple[float, float]:
    """(mean effect, tau) for a cell."""
    if outcome in NOT_POOLED_EFFECT:
        return NOT_POOLED_EFFECT[outcome], NOT_POOLED_TAU
    kind = OUTCOMES[outcome][0]
    return TRUE_EFFECT.get((outcome, comparator), {}).get(window, 0.0), TAU[kind]


def delta_on_instrument(outcome: str, theta: float, inst: str, sigma: float) -> float:
    """Intervention minus control on the instrument's own scale and orientation."""
    kind, outcome_higher = OUTCOMES[outcome]
    _label, lo, hi, inst_higher, *_ = INSTRUMENTS[inst]
    if kind == "points":  # theta in points on 0-100, lower = better
        delta = theta * (hi - lo) / 100
    elif kind == "visits":
        delta = theta
    else:  # SMD
        delta = theta * sigma
    return delta if inst_higher == outcome_higher else -delta


def make(rng: np.random.Generator):
    studies, rows = [], []
    for spec in TRIALS:
        (
            sid,
            country,
            condition,
            fmt_,
            peer,
            weeks_dur,
            comp,
            n_rand,
            women,
            age,
            timepoints,
            outcomes,
            style,
            extra,
        ) = spec
        cluster = extra.get("cluster")
        three = extra.get("three_arm")
        design = extra.get("design", "cluster RCT" if cluster else "RCT")
        arms = list(three) if three else [None]
        n_arms = len(arms) + 1
        sizes = arm_sizes(n_rand, n_arms)
        name = sid.rstrip("0123456789")
        studies.append(
            {
                "study_id": sid,
                "label": f"{name.capitalize()} {sid[len(name) :]}",
                "design": design,
                "country": country,
                "n_randomised": str(n_rand),
                "percent_women": str(women),
                "mean_age": fmt(age, 1),
                "delivery_format": fmt_,
                "peer_type": peer,
                "duration_weeks": str(weeks_dur),
                "cluster": "true" if cluster else "false",
                "icc": str(cluster[0]) if cluster else "",
                "mean_cluster_size": str(cluster[1]) if cluster else "",
                "condition": condition,
                "n_arms": str(n_arms),
                "control_description": extra.get("control", CONTROL_TEXT.get(comp, "")),
            }
        )
        for outcome, inst in outcomes.items():
            label, lo, hi, inst_higher, mean0, sigma0, d = INSTRUMENTS[inst]
            weeks = extra.get("weeks", {}).get(outcome, timepoints)
            # study-level control mean and SD on this instrument
            sigma = sigma0 * float(np.exp(rng.normal(0, 0.12)))
            mu_c = mean0 + rng.normal(0, 0.25) * sigma0
            # one true effect per arm x window, shared by timepoints in that window
            thetas: dict[tuple, float] = {}
            for t in weeks:
                w = window_of(t)
                mu, tau = true_effect(outcome, comp, w)
                for arm in arms:
                    if (arm, w) not in thetas:
                        thetas[(arm, w)] = mu + tau * rng.normal()
                # control group at this timepoint (shared by the arms of a three-arm trial)
                n2 = retained(rng, sizes[-1], t)
                m2 = clip(mu_c + rng.normal() * sigma / math.sqrt(n2), lo, hi)
                sd2 = sample_sd(rng, sigma, n2)
                for i, arm in enumerate(arms):
                    theta = thetas[(arm, w)] + rng.normal(0, 0.1 * TAU[OUTCOMES[outcome][0]])
                    n1 = retained(rng, sizes[i], t)
                    delta = delta_on_instrument(outcome, theta, inst, sigma)
                    m1 = clip(mu_c + delta + rng.normal() * sigma / math.sqrt(n1), lo, hi)
                    sd1 = sample_sd(rng, sigma, n1)
                    row = dict.fromkeys(OUTCOME_COLUMNS, "")
                    row |= {
                        "study_id": sid,
                        "outcome_id": outcome,
                        "comparator_id": comp,
                        "timepoint_weeks": str(t),
                        "arm": arm or "",
                        "control_group": f"{sid}-control" if three else "",
                        "instrument": label,
                        "scale_min": "" if lo is None else str(lo),
                        "scale_max": "" if hi is None else str(hi),
                        "higher_is_better": "true" if inst_higher else "false",
                    }
                    contrast = outcome in extra.get("contrast", []) or (
                        outcome in extra.get("contrast_long", []) and w == "long"
                    )
                    if contrast:
                        # adjusted MD (ANCOVA on baseline): a little more precise than the
                        # raw difference; for cluster trials it accounts for clustering
                        deff = 1 + (cluster[1] - 1) * cluster[0] if cluster else 1.0
                        se = 0.9 * math.sqrt(sigma**2 / n1 + sigma**2 / n2) * math.sqrt(deff)
                        est = (m1 - m2) + rng.normal(0, 0.3) * se
                        row |= {
                            "n1": str(n1),
                            "n2": str(n2),
                            "estimate": fmt(est, d),
                            "ci_low": fmt(est - 1.959964 * se, d),
                            "ci_high": fmt(est + 1.959964 * se, d),
                            "measure": "MD",
                            "notes": "Adjusted MD (baseline-adjusted"
                            + (", mixed model for clustering)" if cluster else " ANCOVA)")
                            + " with 95% CI; arm-level data not reported",
                        }
                    else:
                        row_style = style
                        if outcome == "health_service_use" and style == "sd":
                            row_style = "median"  # visit counts are skewed
                        row |= describe_arm(rng, row_style, m1, sd1, n1, inst, "1")
                        row |= describe_arm(rng, row_style, m2, sd2, n2, inst, "2")
                        note = {
                            "se": "SE reported per arm",
                            "ci": "95% CI reported per arm",
                            "median": "median and IQR reported",
                        }.get(row_style, "")
                        if three:
                            note = "; ".join(
                                x for x in (note, "three-arm trial: shared control group") if x
                            )
                        if cluster:
                            note = "; ".join(
                                x for x in (note, "cluster trial: unadjusted arm summaries") if x
                            )
                        row["notes"] = note
                    rows.append(row)
    return studies, rows


def write_csv(path: Path, columns: list[str], records: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)


def summary(studies: list[dict], rows: list[dict]) -> str:
    n = [int(s["n_randomised"]) for s in studies]
    women = [float(s["percent_women"]) for s in studies]
    ages = [float(s["mean_age"]) for s in studies]
    formats = Counter(s["delivery_format"] for s in studies)
    durations = [float(s["duration_weeks"]) for s in studies]
    out = [
        f"{len(studies)} trials, {sum(n)} participants randomised",
        f"women: mean {np.mean(women):.1f}% (range {min(women):g}-{max(women):g}%)",
        f"mean ages {min(ages):g}-{max(ages):g} years",
        f"countries: {len(set(s['country'] for s in studies))}",
        "formats: "
        + ", ".join(f"{k} {v} ({100 * v / len(studies):.0f}%)" for k, v in formats.most_common()),
        f"durations {min(durations):g}-{max(durations):g} weeks",
        "",
        "studies per outcome x comparator x timepoint window:",
    ]
    cells: dict[tuple, set] = defaultdict(set)
    for r in rows:
        cells[(r["outcome_id"], r["comparator_id"], window_of(float(r["timepoint_weeks"])))].add(
            r["study_id"]
        )
    for outcome in OUTCOMES:
        for comp in (S, W, A):
            ks = [
                f"{w} {len(cells[(outcome, comp, w)])}"
                for w in WINDOWS
                if cells.get((outcome, comp, w))
            ]
            if ks:
                out.append(f"  {outcome:20s} {comp:15s} " + ", ".join(ks))
    return "\n".join(out)


ROB_QUESTIONS = (
    "1.1 1.2 1.3 1b.1 1b.2 1b.3 2.1 2.2 2.3 2.4 2.5 2.6 2.7 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 4.5 "
    "5.1 5.2 5.3"
).split()
ROB_COLUMNS = ["study_id", "outcome_id", "tool", *ROB_QUESTIONS, "overall", "reason"]
GRADE_COLUMNS = ["outcome_id", "comparator_id", "timepoint", "domain", "rating", "reason"]


def rob_answers(rng: np.random.Generator, cluster: bool) -> dict[str, str]:
    """Signalling answers typical of unblinded behavioural trials with self-reported
    outcomes, following RoB 2's conditional questions (a question that does not apply is
    left empty)."""

    def pick(options: str, p: list[float]) -> str:
        return str(rng.choice(options.split(), p=p))

    a = {
        "1.1": pick("Y PY NI", [0.6, 0.2, 0.2]),
        "1.2": pick("Y PY NI N", [0.45, 0.2, 0.3, 0.05]),
        "1.3": pick("N PN PY", [0.7, 0.2, 0.1]),
    }
    if cluster:
        a["1b.1"] = pick("Y N", [0.5, 0.5])
        if a["1b.1"] == "N":
            a["1b.2"] = pick("PN PY NI", [0.5, 0.2, 0.3])
        a["1b.3"] = pick("N PN PY", [0.6, 0.2, 0.2])
    # participants and peers know who gets peer support
    a["2.1"], a["2.2"] = "Y", "Y"
    a["2.3"] = pick("PN N NI PY", [0.5, 0.2, 0.2, 0.1])
    if a["2.3"] == "PY":
        a["2.4"] = pick("PY PN", [0.5, 0.5])
        if a["2.4"] == "PY":
            a["2.5"] = pick("PY PN", [0.5, 0.5])
    a["2.6"] = pick("Y PY PN", [0.5, 0.2, 0.3])
    if a["2.6"] == "PN":
        a["2.7"] = pick("PN PY", [0.7, 0.3])
    a["3.1"] = pick("Y PY PN N", [0.4, 0.2, 0.25, 0.15])
    if a["3.1"] in ("PN", "N"):
        a["3.2"] = pick("PY PN", [0.3, 0.7])
        if a["3.2"] == "PN":
            a["3.3"] = pick("PN PY", [0.3, 0.7])
            if a["3.3"] == "PY":
                a["3.4"] = pick("PN PY", [0.7, 0.3])
    # self-reported outcomes: the assessor is the participant, who knows the allocation
    a["4.1"], a["4.2"], a["4.3"] = "N", pick("N PN", [0.8, 0.2]), "Y"
    a["4.4"] = "PY"
    a["4.5"] = pick("PN PY", [0.9, 0.1])
    a["5.1"] = pick("Y PY PN NI", [0.35, 0.2, 0.25, 0.2])
    a["5.2"], a["5.3"] = pick("N PN", [0.6, 0.4]), pick("N PN PY", [0.65, 0.3, 0.05])
    return a


def make_appraisal(studies: list[dict]) -> tuple[list[dict], list[dict]]:
    """rob.csv (RoB 2 answers for every trial; one reviewer override with its reason) and
    grade.csv (the reviewer's GRADE decisions: indirectness, which no rule can judge)."""
    rng = np.random.default_rng(SEED + 1)  # its own stream: the study data stay as they are
    rob = []
    for s in studies:
        answers = rob_answers(rng, s["cluster"] == "true")
        rob.append({"study_id": s["study_id"], **answers})
    # A reviewer's override: several domains with some concerns judged high overall.
    import evsynth as es

    variant = {True: "cluster", False: "individual"}
    proposals = [
        es.rob2({q: a for q, a in r.items() if q != "study_id"}, variant=variant["1b.1" in r])
        for r in rob
    ]
    pick_one = next(
        i
        for i, p in enumerate(proposals)
        if p.overall == "some concerns" and len(p.some_concerns_domains) >= 3
    )
    rob[pick_one] |= {
        "overall": "high",
        "reason": "some concerns in three domains that together lower confidence substantially",
    }
    grade = [
        {
            "outcome_id": outcome,
            "domain": "indirectness",
            "rating": "not serious",
            "reason": "trials enrolled the review's population with its interventions and outcomes",
        }
        for outcome in ("pain", "function", "self_efficacy", "health_service_use")
    ]
    grade.append(
        {
            "outcome_id": "health_service_use",
            "comparator_id": A,
            "domain": "indirectness",
            "rating": "serious",
            "reason": "active controls were themselves self-management programmes, so the "
            "comparison answers a different question",
        }
    )
    return rob, grade


def main() -> None:
    rng = np.random.default_rng(SEED)
    studies, rows = make(rng)
    write_csv(HERE / "studies.csv", STUDY_COLUMNS, studies)
    write_csv(HERE / "outcomes.csv", OUTCOME_COLUMNS, rows)
    rob, grade = make_appraisal(studies)
    write_csv(HERE / "rob.csv", ROB_COLUMNS, rob)
    write_csv(HERE / "grade.csv", GRADE_COLUMNS, grade)
    print(
        f"wrote {HERE / 'studies.csv'} and {HERE / 'outcomes.csv'} ({len(rows)} rows), "
        f"rob.csv and grade.csv, seed {SEED}"
    )
    print(summary(studies, rows))


if __name__ == "__main__":
    main()
