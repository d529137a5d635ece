"""The PRISMA 2020 flow diagram: every count drawn, nothing overlapping or leaving its box."""

from __future__ import annotations

from itertools import pairwise

import matplotlib
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.text import Text

from evsynth.report._figures import save_figure
from evsynth.report._prisma import prisma_flow_diagram
from evsynth.review._prisma import PrismaCounts

DATABASES = {
    "MEDLINE": 3032,
    "Embase": 4850,
    "Emcare": 2116,
    "PsycINFO": 1642,
    "CINAHL": 1985,
    "Cochrane Central Register of Controlled Trials": 1820,
    "Scopus": 1000,
}
REASONS = {
    "Not a randomised controlled trial": 88,
    "Wrong population": 54,
    "Wrong intervention": 31,
    "No relevant outcome": 39,
}
SEED = dict(
    databases=DATABASES,
    registers={"ClinicalTrials.gov": 210, "WHO ICTRP": 95},
    duplicates_removed=5210,
    other_removed=35,
    records_screened=11505,
    records_excluded=11270,
    reports_sought=235,
    reports_not_retrieved=6,
    reports_assessed=229,
    reports_excluded=REASONS,
    studies_included=12,
    reports_included=17,
    studies_in_meta_analysis=10,
)
OTHER = dict(
    other_methods={"Websites": 40, "Organisations": 12, "Citation searching": 1160},
    other_reports_sought=25,
    other_not_retrieved=3,
    other_assessed=22,
    other_excluded={"Wrong population": 15, "Not a randomised controlled trial": 4},
)
LONG_NAME = "Database {i} searched through a long-named vendor interface (Ovid SP, 1946 to date)"
LONG_REASON = (
    "Reason {i}: the report describes a study that does not meet criterion {i} of the protocol"
)


def seed(**changes) -> PrismaCounts:
    return PrismaCounts(**{**SEED, **changes})


def minimal() -> PrismaCounts:
    return PrismaCounts(
        databases={"PubMed": 12},
        records_screened=12,
        records_excluded=10,
        reports_sought=2,
        reports_not_retrieved=0,
        reports_assessed=2,
        studies_included=1,
        reports_included=2,
    )


def many(n_databases: int, n_reasons: int) -> PrismaCounts:
    databases = {LONG_NAME.format(i=i + 1): 1000 + i for i in range(n_databases)}
    reasons = {LONG_REASON.format(i=i + 1): 3 for i in range(n_reasons)}
    identified = sum(databases.values())
    return PrismaCounts(
        databases=databases,
        duplicates_removed=200,
        records_screened=identified - 200,
        records_excluded=identified - 200 - 40,
        reports_sought=40,
        reports_not_retrieved=2,
        reports_assessed=38,
        reports_excluded=reasons,
        studies_included=5,
        reports_included=38 - 3 * n_reasons,
    )


def with_other() -> PrismaCounts:
    return seed(**OTHER, reports_included=20, studies_included=14)


def update() -> PrismaCounts:
    return seed(previous_studies=9, previous_reports=11, reports_included=28, studies_included=21)


def update_with_other() -> PrismaCounts:
    return seed(
        **OTHER, previous_studies=9, previous_reports=11, reports_included=31, studies_included=23
    )


VARIANTS = {
    "minimal": minimal,
    "seed": seed,
    "many databases": lambda: many(12, 2),
    "many reasons": lambda: many(1, 10),
    "both": lambda: many(12, 10),
    "other methods": with_other,
    "update": update,
    "update and other methods": update_with_other,
}


# ---- helpers ----------------------------------------------------------------------------------


def texts(fig) -> list[Text]:
    if not getattr(fig, "_test_drawn", False):
        fig.canvas.draw()
        fig._test_drawn = True
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def by_gid(fig, prefix: str) -> dict:
    return {a.get_gid(): a for a in fig.findobj(lambda a: (a.get_gid() or "").startswith(prefix))}


def extent(artist, renderer) -> np.ndarray:
    return np.array(artist.get_window_extent(renderer).extents, dtype=float)


def overlap(a, b, tol: float = 0.5) -> bool:
    """Whether pixel boxes (x0, y0, x1, y1) overlap by more than ``tol`` in both directions."""
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def box_texts(fig, key: str) -> str:
    """The text of box ``key``, its lines joined by spaces (wrapped names read whole)."""
    lines = by_gid(fig, f"prisma-text-{key}-")
    ordered = sorted(lines.items(), key=lambda kv: int(kv[0].rsplit("-", 1)[1]))
    return " ".join(
        t.get_text() for gid, t in ordered if gid.rsplit("-", 1)[0] == f"prisma-text-{key}"
    )


def arrow_segments(arrow, renderer) -> list[np.ndarray]:
    """Pixel boxes of the segments of an arrow: its shaft and its head."""
    out = []
    for poly in arrow.get_path().to_polygons(arrow.get_transform(), closed_only=False):
        for p, q in pairwise(poly):
            out.append(
                np.array([min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])])
            )
    return out


def assert_clean_layout(fig) -> None:
    """Every text lies inside its own box with room to spare, no two texts overlap, no two
    boxes overlap, every box lies inside the figure and no arrow crosses a text or a box
    other than the two it joins."""
    renderer = fig.canvas.get_renderer()
    ts = texts(fig)
    boxes = by_gid(fig, "prisma-box-")
    assert all(isinstance(b, Patch) for b in boxes.values())
    box_ext = {gid: extent(b, renderer) for gid, b in boxes.items()}
    text_ext = [extent(t, renderer) for t in ts]
    w, h = fig.bbox.width, fig.bbox.height
    for gid, e in box_ext.items():
        assert e[0] >= 0 and e[1] >= 0 and e[2] <= w and e[3] <= h, gid
    for t, e in zip(ts, text_ext, strict=True):
        gid = t.get_gid()
        assert gid.startswith("prisma-text-"), gid
        owner = "prisma-box-" + gid.removeprefix("prisma-text-").rsplit("-", 1)[0]
        b = box_ext[owner]
        inside = e[0] >= b[0] + 2 and e[2] <= b[2] - 2 and e[1] >= b[1] + 1 and e[3] <= b[3] - 1
        assert inside, (t.get_text(), owner, e, b)
    for i in range(len(ts)):
        for j in range(i + 1, len(ts)):
            assert not overlap(text_ext[i], text_ext[j]), (ts[i].get_text(), ts[j].get_text())
    gids = list(box_ext)
    for i in range(len(gids)):
        for j in range(i + 1, len(gids)):
            assert not overlap(box_ext[gids[i]], box_ext[gids[j]]), (gids[i], gids[j])
    for arrow in fig.findobj(FancyArrowPatch):
        ends = arrow_ends(fig, arrow.get_gid())
        for seg in arrow_segments(arrow, renderer):
            assert seg[0] >= 0 and seg[2] <= w and seg[1] >= 0 and seg[3] <= h
            for t, e in zip(ts, text_ext, strict=True):
                assert not overlap(seg, e, tol=0.0), (arrow.get_gid(), t.get_text())
            for gid, e in box_ext.items():
                if gid not in ends:
                    assert not overlap(seg, e, tol=0.0), (arrow.get_gid(), gid)


def arrow_ends(fig, arrow_gid: str) -> set[str]:
    """The two boxes an arrow joins (their gids), from the boxes' keys."""
    rest = arrow_gid.removeprefix("prisma-arrow-")
    keys = [g.removeprefix("prisma-box-") for g in by_gid(fig, "prisma-box-")]
    for key in keys:
        if rest.startswith(key + "-") and rest.removeprefix(key + "-") in keys:
            return {f"prisma-box-{key}", f"prisma-box-{rest.removeprefix(key + '-')}"}
    raise AssertionError(f"arrow {arrow_gid} does not join two boxes")


def arrows(fig) -> set[str]:
    return {a.get_gid() for a in fig.findobj(FancyArrowPatch)}


MAIN_ARROWS = {
    "prisma-arrow-identified-screened",
    "prisma-arrow-screened-sought",
    "prisma-arrow-sought-assessed",
    "prisma-arrow-identified-removed",
    "prisma-arrow-screened-records-excluded",
    "prisma-arrow-sought-not-retrieved",
    "prisma-arrow-assessed-reports-excluded",
}
OTHER_ARROWS = {
    "prisma-arrow-other-identified-other-sought",
    "prisma-arrow-other-sought-other-assessed",
    "prisma-arrow-other-sought-other-not-retrieved",
    "prisma-arrow-other-assessed-other-excluded",
}


# ---- layout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_layout_is_clean(variant):
    fig = prisma_flow_diagram(VARIANTS[variant]())
    assert_clean_layout(fig)
    texts(fig)
    unnamed = fig.findobj(
        lambda a: (
            isinstance(a, Text | Patch)
            and a.get_visible()
            and (not isinstance(a, Text) or a.get_text().strip())
            and not a.get_gid()
        )
    )
    assert unnamed == []


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_count_is_drawn(variant):
    counts = VARIANTS[variant]()
    fig = prisma_flow_diagram(counts)

    def n(x):
        return f"(n = {x:,})"

    identified = box_texts(fig, "identified")
    assert identified.startswith("Records identified from:")
    assert f"Databases {n(counts.databases_total)}" in identified
    assert f"Registers {n(counts.registers_total)}" in identified
    for name, x in [*counts.databases.items(), *counts.registers.items()]:
        assert f"{name} {n(x)}" in identified
    removed = box_texts(fig, "removed")
    assert f"Duplicate records removed {n(counts.duplicates_removed)}" in removed
    assert f"ineligible by automation tools {n(counts.automation_removed)}" in removed
    assert f"Records removed for other reasons {n(counts.other_removed)}" in removed
    assert box_texts(fig, "screened") == f"Records screened {n(counts.records_screened)}"
    assert box_texts(fig, "records-excluded") == f"Records excluded {n(counts.records_excluded)}"
    assert box_texts(fig, "sought") == f"Reports sought for retrieval {n(counts.reports_sought)}"
    assert (
        box_texts(fig, "not-retrieved")
        == f"Reports not retrieved {n(counts.reports_not_retrieved)}"
    )
    assert box_texts(fig, "assessed") == (
        f"Reports assessed for eligibility {n(counts.reports_assessed)}"
    )
    excluded = box_texts(fig, "reports-excluded")
    assert excluded.startswith(f"Reports excluded {n(counts.reports_excluded_total)}")
    for reason, x in counts.reports_excluded.items():
        assert f"{reason} {n(x)}" in excluded
    included = box_texts(fig, "included")
    total = "Total studies" if counts.is_update else "Studies"
    assert f"{total} included in review {n(counts.studies_included)}" in included
    assert f"{n(counts.reports_included)}" in included
    if counts.studies_in_meta_analysis is not None:
        assert f"Studies included in meta-analysis {n(counts.studies_in_meta_analysis)}" in included
    expected_arrows = set(MAIN_ARROWS)
    target = "new-included" if counts.is_update else "included"
    expected_arrows.add(f"prisma-arrow-assessed-{target}")
    if counts.is_update:
        new = box_texts(fig, "new-included")
        assert f"New studies included in review {n(counts.new_studies_included)}" in new
        assert f"Reports of new included studies {n(counts.new_reports_included)}" in new
        previous = box_texts(fig, "previous")
        assert f"previous version of review {n(counts.previous_studies)}" in previous
        assert previous.endswith(f"previous version of review {n(counts.previous_reports)}")
        expected_arrows |= {"prisma-arrow-new-included-included", "prisma-arrow-previous-included"}
    else:
        assert by_gid(fig, "prisma-box-previous") == {}
    if counts.has_other_methods:
        other = box_texts(fig, "other-identified")
        for name, x in counts.other_methods.items():
            assert f"{name} {n(x)}" in other
        assert box_texts(fig, "other-sought").endswith(n(counts.other_reports_sought))
        assert box_texts(fig, "other-not-retrieved").endswith(n(counts.other_not_retrieved))
        assert box_texts(fig, "other-assessed").endswith(n(counts.other_assessed))
        other_excluded = box_texts(fig, "other-excluded")
        assert other_excluded.startswith(f"Reports excluded {n(counts.other_excluded_total)}")
        for reason, x in counts.other_excluded.items():
            assert f"{reason} {n(x)}" in other_excluded
        expected_arrows |= OTHER_ARROWS | {f"prisma-arrow-other-assessed-{target}"}
    else:
        assert by_gid(fig, "prisma-box-other-") == {}
    assert arrows(fig) == expected_arrows


def test_seed_counts_have_thousands_separators():
    fig = prisma_flow_diagram(seed())
    drawn = " ".join(t.get_text() for t in texts(fig))
    for s in ("(n = 16,445)", "(n = 3,032)", "(n = 4,850)", "(n = 5,210)", "(n = 11,505)"):
        assert s in drawn
    assert "16445" not in drawn


def test_phases_and_headers():
    fig = prisma_flow_diagram(seed())
    phases = by_gid(fig, "prisma-text-phase-")
    assert [t.get_text() for t in phases.values()] == ["Identification", "Screening", "Included"]
    assert all(t.get_rotation() == 90 for t in phases.values())
    header = box_texts(fig, "header-databases")
    assert header == "Identification of studies via databases and registers"
    assert by_gid(fig, "prisma-text-header-other") == {}
    renderer = fig.canvas.get_renderer()
    # the phase bars run down the left side in order, beside their boxes
    bars = [
        extent(by_gid(fig, f"prisma-box-phase-{p}")[f"prisma-box-phase-{p}"], renderer)
        for p in ("identification", "screening", "included")
    ]
    assert bars[0][1] > bars[1][3] and bars[1][1] > bars[2][3]
    identified = extent(by_gid(fig, "prisma-box-identified")["prisma-box-identified"], renderer)
    assert bars[0][2] < identified[0]

    other = prisma_flow_diagram(update_with_other())
    assert box_texts(other, "header-databases") == (
        "Identification of new studies via databases and registers"
    )
    assert box_texts(other, "header-other") == "Identification of new studies via other methods"
    assert box_texts(other, "header-previous") == "Previous studies"


def test_custom_titles_wrap_inside_their_header():
    title = "Identification of randomised trials via bibliographic databases, " * 3
    fig = prisma_flow_diagram(minimal(), title_databases=title, title_other="unused")
    assert_clean_layout(fig)
    assert len(by_gid(fig, "prisma-text-header-databases-")) >= 2
    assert box_texts(fig, "header-databases") == " ".join(title.split())


def test_unbreakable_names_widen_their_column():
    name = "Pharmacoepidemiology-and-drug-safety-registry-of-the-consortium-without-spaces"
    counts = PrismaCounts(
        databases={name: 10},
        records_screened=10,
        records_excluded=10,
        reports_sought=0,
        reports_not_retrieved=0,
        reports_assessed=0,
        studies_included=0,
        reports_included=0,
    )
    fig = prisma_flow_diagram(counts)
    assert_clean_layout(fig)
    assert fig.get_figwidth() > prisma_flow_diagram(minimal()).get_figwidth()


def test_size_follows_content():
    small = prisma_flow_diagram(minimal())
    tall = prisma_flow_diagram(many(12, 10))
    wide = prisma_flow_diagram(with_other())
    assert tall.get_figheight() > small.get_figheight() + 3
    assert wide.get_figwidth() > small.get_figwidth() + 3


def test_bad_input():
    with pytest.raises(TypeError, match="PrismaCounts"):
        prisma_flow_diagram({"databases": {"A": 1}})
    with pytest.raises(TypeError, match="title_databases"):
        prisma_flow_diagram(minimal(), title_databases="  ")


def test_no_global_matplotlib_state_is_changed():
    before = dict(matplotlib.rcParams)
    prisma_flow_diagram(update_with_other())
    assert dict(matplotlib.rcParams) == before


def test_saves_as_svg_and_png(tmp_path):
    fig = prisma_flow_diagram(update_with_other())
    svg, png = save_figure(fig, tmp_path / "prisma")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "(n = 16,445)" in text and "Citation searching (n = 1,160)" in text
