"""Characteristics of included studies, and the summary numbers the seed review reports.

The seed reports, for its 24 trials: participants in total, the mean and range of the
percentage of women, the range of mean ages, the number of countries, the share of
in-person group formats and the range of intervention durations. These are descriptive
counts and ranges over ``studies.csv``, not statistical estimates.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass

__all__ = ["StudySummary", "characteristics_rows", "study_summary"]

COLUMNS = (
    ("label", "Study"),
    ("design", "Design"),
    ("country", "Country"),
    ("n_randomised", "Participants"),
    ("percent_women", "Women (%)"),
    ("mean_age", "Mean age (years)"),
    ("delivery_format", "Format"),
    ("peer_type", "Peers"),
    ("duration_weeks", "Duration (weeks)"),
)


@dataclass(frozen=True)
class StudySummary:
    """The seed's summary of included studies (None where no study reports the item)."""

    studies: int
    participants: int | None
    women_mean: float | None
    women_range: tuple[float, float] | None
    age_range: tuple[float, float] | None
    countries: int
    formats: dict[str, float]  # share of studies per delivery format, percent
    duration_range: tuple[float, float] | None

    def sentences(self) -> list[str]:
        """The summary as the seed's bullet points."""
        out = [f"{self.studies} studies"]
        if self.participants is not None:
            out.append(f"{self.participants:,} participants")
        if self.women_mean is not None:
            lo, hi = self.women_range
            out.append(f"Mean {self.women_mean:.0f}% women (range {lo:.0f}-{hi:.0f}%)")
        if self.age_range is not None:
            out.append(f"Mean ages ranging {self.age_range[0]:.0f}-{self.age_range[1]:.0f} years")
        if self.countries:
            out.append(f"Studies conducted across {self.countries} countries")
        if self.formats:
            top, share = max(self.formats.items(), key=lambda kv: kv[1])
            out.append(f"{share:.0f}% of interventions were {top}")
        if self.duration_range is not None:
            lo, hi = self.duration_range
            out.append(f"Intervention duration ranged from {lo:g} to {hi:g} weeks")
        return out


def _values(studies, attr):
    return [getattr(s, attr) for s in studies if getattr(s, attr) is not None]


def study_summary(review) -> StudySummary:
    """Summary numbers of the included studies of a :class:`~evsynth.review.Review`."""
    studies = list(review.studies.values())
    n = _values(studies, "n_randomised")
    women = _values(studies, "percent_women")
    ages = _values(studies, "mean_age")
    durations = _values(studies, "duration_weeks")
    formats = Counter(_values(studies, "delivery_format"))
    total_formats = sum(formats.values())
    return StudySummary(
        studies=len(studies),
        participants=int(sum(n)) if n else None,
        women_mean=sum(women) / len(women) if women else None,
        women_range=(min(women), max(women)) if women else None,
        age_range=(min(ages), max(ages)) if ages else None,
        countries=len(set(_values(studies, "country"))),
        formats={f: 100 * c / total_formats for f, c in formats.most_common()},
        duration_range=(min(durations), max(durations)) if durations else None,
    )


def characteristics_rows(review) -> list[tuple[str, ...]]:
    """One row of text per included study, in label order (header: :data:`COLUMNS`)."""
    rows = []
    for s in sorted(review.studies.values(), key=lambda s: s.label.lower()):
        cells = []
        for attr, _title in COLUMNS:
            v = getattr(s, attr)
            cells.append("" if v is None else f"{v:g}" if isinstance(v, float) else str(v))
        rows.append(tuple(cells))
    return rows


def characteristics_html(review) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(t)}</th>" for _a, t in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
        for row in characteristics_rows(review)
    )
    return (
        '<table class="results-table characteristics">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"
    )


def characteristics_csv(review) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([t for _a, t in COLUMNS])
    writer.writerows(characteristics_rows(review))
    return buf.getvalue()
