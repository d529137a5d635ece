"""Effect direction plot: layout (no overlaps, nothing clipped), arrows, sign-test row, errors."""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.text import Text

from evsynth.appraisal._swim import sign_test
from evsynth.report._effect_direction import EffectDirectionRow, effect_direction_plot
from evsynth.report._figures import save_figure

LONG_LABEL = "Study {i:02d}: a long descriptive label of the trial, Author et al."
DOMAINS = ("Quality of life (6 months)", "Depressive symptoms", "Pain")
LONG_DOMAINS = (
    "Health-related quality of life measured with the SF-36 at 12 months",
    "Loneliness and social isolation (UCLA scale, 6 months)",
    "Self-efficacy",
    "Hospital admissions",
)
CYCLE_DIRECTIONS = ("benefit", "harm", "mixed", None, "benefit")
CYCLE_SIZES = (20, 49, 50, 300, 301, 2500, None)
CYCLE_ROB = ("low", "some concerns", "high", "no information", None)
CYCLE_DESIGN = ("RCT", "Cluster RCT", "Controlled before-after", None)


def make_rows(k: int, domains=DOMAINS, long_labels: bool = False) -> list[EffectDirectionRow]:
    rows = []
    for i in range(k):
        label = LONG_LABEL.format(i=i)[:60] if long_labels else f"Author {i} 20{i:02d}"
        n_cycle = len(CYCLE_DIRECTIONS)
        cells = {d: CYCLE_DIRECTIONS[(i + j) % n_cycle] for j, d in enumerate(domains)}
        rows.append(
            EffectDirectionRow(
                study=label,
                design=CYCLE_DESIGN[i % len(CYCLE_DESIGN)],
                sample_size=CYCLE_SIZES[i % len(CYCLE_SIZES)],
                rob=CYCLE_ROB[i % len(CYCLE_ROB)],
                cells=cells,
            )
        )
    return rows


def sign_tests_of(rows, domains):
    return {d: sign_test([r.cells.get(d) for r in rows]) for d in domains}


def visible_texts(fig) -> list[Text]:
    if not getattr(fig, "_test_drawn", False):
        fig.canvas.draw()
        fig._test_drawn = True
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def markers(fig) -> list[Line2D]:
    return [a for a in fig.findobj(Line2D) if a.get_marker() not in (None, "None", "")]


def by_gid(fig, gid: str):
    found = [a for a in fig.findobj() if a.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def has_gid(fig, gid: str) -> bool:
    return any(a.get_gid() == gid for a in fig.findobj())


def assert_clean_layout(fig) -> None:
    """No two texts (or a text and a marker) overlap; everything lies inside the figure."""
    ts = visible_texts(fig)
    renderer = fig.canvas.get_renderer()
    items = [(t.get_text(), t.get_window_extent(renderer)) for t in ts]
    marks = [(m.get_gid(), m.get_window_extent(renderer)) for m in markers(fig)]
    box = fig.bbox
    for name, b in items + marks:
        assert b.x0 >= box.x0 - 0.5 and b.x1 <= box.x1 + 0.5, name
        assert b.y0 >= box.y0 - 0.5 and b.y1 <= box.y1 + 0.5, name
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            a, b = items[i][1], items[j][1]
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 0 or overlap_y <= 0, (items[i][0], items[j][0])
    for name, a in items:
        for gid, b in marks:
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 0.5 or overlap_y <= 0.5, (name, gid)


def unwrap(header: str) -> str:
    """A wrapped header back on one line (a line broken after a hyphen joins without space)."""
    lines = header.split("\n")
    out = lines[0]
    for line in lines[1:]:
        out += line if out.endswith(("-", "/")) else " " + line
    return out


def expected_class(n):
    if n is None:
        return None
    return "large" if n > 300 else "medium" if n >= 50 else "small"


@pytest.mark.parametrize("k", [2, 15, 40])
@pytest.mark.parametrize("long_labels", [False, True])
def test_layout_is_clean_for_2_to_40_studies(k, long_labels):
    domains = LONG_DOMAINS if long_labels else DOMAINS
    rows = make_rows(k, domains, long_labels)
    fig = effect_direction_plot(
        rows,
        domains,
        sign_tests=sign_tests_of(rows, domains),
        title="Effect direction plot: peer support for adults with long-term conditions",
    )
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert_clean_layout(fig)
    for i, row in enumerate(rows):
        assert by_gid(fig, f"edp-study-{i}").get_text() == row.study
        assert by_gid(fig, f"edp-study-{i}").get_rotation() == 0
    for j, domain in enumerate(domains):
        header = by_gid(fig, f"edp-domain-{j}").get_text()
        assert unwrap(header) == domain
        assert header.count("\n") <= 2
        assert by_gid(fig, f"edp-domain-{j}").get_rotation() == 0
    gids = [a.get_gid() for a in fig.findobj() if a.get_gid()]
    assert len(gids) == len(set(gids))


def test_every_text_and_marker_has_a_gid():
    rows = make_rows(6)
    fig = effect_direction_plot(rows, DOMAINS, sign_tests=sign_tests_of(rows, DOMAINS), title="T")
    for t in visible_texts(fig):
        assert t.get_gid(), t.get_text()
        assert t.get_gid().startswith("edp-"), t.get_gid()
    for m in markers(fig):
        assert m.get_gid() and m.get_gid().startswith("edp-")


def test_long_domain_headers_wrap_and_short_ones_do_not():
    rows = make_rows(3, LONG_DOMAINS)
    fig = effect_direction_plot(rows, LONG_DOMAINS)
    assert "\n" in by_gid(fig, "edp-domain-0").get_text()
    assert "\n" in by_gid(fig, "edp-domain-1").get_text()
    assert "\n" not in by_gid(fig, "edp-domain-2").get_text()
    assert_clean_layout(fig)


def test_a_long_single_word_header_breaks_after_a_hyphen():
    domain = "Supercalifragilisticexpialidociousness-of-outcome-measurement"
    rows = [EffectDirectionRow("A", "RCT", 100, "low", {domain: "benefit"})]
    fig = effect_direction_plot(rows, ["Pain", domain])
    header = by_gid(fig, "edp-domain-1").get_text()
    assert "\n" in header
    assert unwrap(header) == domain
    assert_clean_layout(fig)


def test_height_grows_with_the_number_of_studies():
    heights = [effect_direction_plot(make_rows(k), DOMAINS).get_figheight() for k in (2, 15, 40)]
    assert heights[0] < heights[1] < heights[2]
    # Rows keep their height: 40 studies take about 40/15 of the space of 15.
    per_row = (heights[2] - heights[1]) / 25
    assert per_row > 0.18


def test_long_labels_widen_the_figure():
    short = effect_direction_plot(make_rows(4), DOMAINS)
    long = effect_direction_plot(make_rows(4, long_labels=True), DOMAINS)
    assert long.get_figwidth() > short.get_figwidth() + 1


def test_arrow_marker_matches_direction_and_size_class():
    domains = ("A", "B", "C", "D")
    sizes = (10, 49, 50, 300, 301, 5000, None)
    rows = [
        EffectDirectionRow(
            f"S{i}", "RCT", n, "low", {"A": "benefit", "B": "harm", "C": "mixed", "D": None}
        )
        for i, n in enumerate(sizes)
    ]
    fig = effect_direction_plot(rows, domains)
    size = {}
    for i, n in enumerate(sizes):
        up, down, mixed = (by_gid(fig, f"edp-arrow-{i}-{j}") for j in range(3))
        assert up.get_marker() == "^"
        assert down.get_marker() == "v"
        path = mixed.get_marker()
        assert isinstance(path, Path)
        xs = path.vertices[:, 0]
        assert xs.min() < 0 < xs.max()  # points both ways
        assert not has_gid(fig, f"edp-arrow-{i}-3")
        assert up.get_markersize() == down.get_markersize()
        cls = expected_class(n)
        filled = to_hex(up.get_markerfacecolor()) != "#ffffff"
        assert filled == (cls is not None)
        size.setdefault(cls, set()).add((up.get_markersize(), mixed.get_markersize()))
    assert all(len(s) == 1 for s in size.values()), size
    small, medium, large, unknown = (
        next(iter(size[c])) for c in ("small", "medium", "large", None)
    )
    assert small[0] < medium[0] < large[0]
    assert small[1] < medium[1] < large[1]
    assert unknown == medium  # an unreported sample size: an open medium arrow


def test_sign_row_gives_count_and_p_per_domain():
    rows = [
        EffectDirectionRow(f"S{i}", None, 100, None, {"Pain": d, "Mood": "mixed"})
        for i, d in enumerate(["benefit"] * 5 + ["harm", "mixed"])
    ]
    tests = {"Pain": sign_test([r.cells["Pain"] for r in rows])}
    fig = effect_direction_plot(rows, ["Pain", "Mood", "Sleep"], sign_tests=tests)
    assert by_gid(fig, "edp-sign-count-0").get_text() == "5/6"
    assert by_gid(fig, "edp-sign-0").get_text() == "p = 0.22"
    for j in (1, 2):  # no sign test given for these domains: empty cells
        assert not has_gid(fig, f"edp-sign-{j}")
        assert not has_gid(fig, f"edp-sign-count-{j}")
    assert_clean_layout(fig)


def test_sign_row_for_a_domain_without_clear_directions():
    rows = make_rows(3, ["Pain"])
    fig = effect_direction_plot(rows, ["Pain"], sign_tests={"Pain": sign_test(["mixed"])})
    assert by_gid(fig, "edp-sign-count-0").get_text() == "0/0"
    assert by_gid(fig, "edp-sign-0").get_text() == "p = NA"


def test_no_sign_row_without_sign_tests():
    fig = effect_direction_plot(make_rows(3), DOMAINS)
    gids = [t.get_gid() for t in visible_texts(fig)]
    assert not any(g.startswith("edp-sign") for g in gids)
    assert not any("Sign test" in t.get_text() for t in visible_texts(fig))


def test_missing_cells_are_empty():
    rows = [
        EffectDirectionRow("A", "RCT", 40, "low", {"Pain": "benefit"}),
        EffectDirectionRow("B", "RCT", 40, "low", {"Pain": None, "Mood": "harm"}),
        EffectDirectionRow("C", "RCT", 40, "low"),
    ]
    fig = effect_direction_plot(rows, ["Pain", "Mood"])
    assert has_gid(fig, "edp-arrow-0-0")
    assert not has_gid(fig, "edp-arrow-0-1")
    assert not has_gid(fig, "edp-arrow-1-0")
    assert by_gid(fig, "edp-arrow-1-1").get_marker() == "v"
    assert not any(has_gid(fig, f"edp-arrow-2-{j}") for j in (0, 1))
    legend = [t.get_text() for t in visible_texts(fig) if t.get_gid().startswith("edp-legend")]
    assert any("not reported" in s for s in legend)


def test_study_columns_and_risk_of_bias():
    rows = [
        EffectDirectionRow("Ames 2018", "Cluster RCT", 1250, "Some concerns", {"Pain": "mixed"}),
        EffectDirectionRow("Bell 2020", None, None, None, {"Pain": "benefit"}),
        EffectDirectionRow("Cole 2021", "ITS", 33.5, "serious", {"Pain": "harm"}),
    ]
    fig = effect_direction_plot(rows, ["Pain"])
    assert by_gid(fig, "edp-design-0").get_text() == "Cluster RCT"
    assert by_gid(fig, "edp-sample-0").get_text() == "1,250"
    assert by_gid(fig, "edp-sample-2").get_text() == "33.5"
    assert by_gid(fig, "edp-rob-0").get_text() == "Some concerns"
    assert to_hex(by_gid(fig, "edp-rob-dot-0").get_markerfacecolor()) == "#e2df07"
    assert by_gid(fig, "edp-rob-2").get_text() == "Serious"
    assert to_hex(by_gid(fig, "edp-rob-dot-2").get_markerfacecolor()) == "#bf0000"
    for gid in ("edp-design-1", "edp-sample-1", "edp-rob-1", "edp-rob-dot-1"):
        assert not has_gid(fig, gid)


@pytest.mark.parametrize(
    ("judgement", "colour"),
    [("low", "#02c100"), ("some concerns", "#e2df07"), ("high", "#bf0000"),
     ("no information", "#4ea1f7")],
)  # fmt: skip
def test_cochrane_colours_and_colourblind_palette(judgement, colour):
    rows = [EffectDirectionRow("A", "RCT", 100, judgement, {"Pain": "benefit"})]
    cochrane = effect_direction_plot(rows, ["Pain"])
    assert to_hex(by_gid(cochrane, "edp-rob-dot-0").get_markerfacecolor()) == colour
    blind = effect_direction_plot(rows, ["Pain"], palette="colourblind")
    assert to_hex(by_gid(blind, "edp-rob-dot-0").get_markerfacecolor()) != colour
    us_spelling = effect_direction_plot(rows, ["Pain"], palette="colorblind")
    assert (
        by_gid(us_spelling, "edp-rob-dot-0").get_markerfacecolor()
        == by_gid(blind, "edp-rob-dot-0").get_markerfacecolor()
    )


def test_legend_explains_arrows_and_sizes():
    rows = make_rows(7)
    fig = effect_direction_plot(rows, DOMAINS, sign_tests=sign_tests_of(rows, DOMAINS))
    legend = " | ".join(
        t.get_text() for t in visible_texts(fig) if t.get_gid().startswith("edp-legend")
    )
    for phrase in ("Benefit", "Harm", "Mixed", "< 50", "50\u2013300", "> 300", "Sign test"):
        assert phrase in legend, phrase
    assert "not reported" in legend  # make_rows has a study without a sample size
    legend_markers = [m for m in markers(fig) if m.get_gid().startswith("edp-legend-marker")]
    assert len(legend_markers) >= 7
    # Under the table: below the last study row.
    renderer = fig.canvas.get_renderer()
    last_row = by_gid(fig, "edp-study-6").get_window_extent(renderer)
    for m in legend_markers:
        assert m.get_window_extent(renderer).y1 < last_row.y0


def test_no_global_state_changed_and_saves(tmp_path):
    before = dict(matplotlib.rcParams)
    fig = effect_direction_plot(make_rows(5), DOMAINS, title="Effect direction")
    assert dict(matplotlib.rcParams) == before
    written = save_figure(fig, tmp_path / "edp", formats=("svg", "png"))
    assert all(p.stat().st_size > 0 for p in written)
    assert "edp-arrow-0-0" in written[0].read_text()


def bad_row(**changes) -> list[EffectDirectionRow]:
    fields = {"study": "Ames 2018", "design": "RCT", "sample_size": 80, "rob": "low"}
    fields["cells"] = {"Pain": "benefit"}
    fields.update(changes)
    return [EffectDirectionRow("Good 2019", "RCT", 80, "low", {"Pain": "harm"}),
            EffectDirectionRow(**fields)]  # fmt: skip


@pytest.mark.parametrize("direction", ["Benefit", "up", "significant", 1, True])
def test_bad_direction_names_study_and_domain(direction):
    with pytest.raises(ValueError, match=r"study 'Ames 2018', domain 'Pain'"):
        effect_direction_plot(bad_row(cells={"Pain": direction}), ["Pain"])


@pytest.mark.parametrize(
    ("rows", "domains", "kwargs", "error", "match"),
    [
        (bad_row(cells={"Mood": "benefit"}), ["Pain"], {}, ValueError, "'Mood' is not one"),
        (bad_row(rob="unclear"), ["Pain"], {}, ValueError, "Ames 2018.*rob"),
        (bad_row(sample_size=-1), ["Pain"], {}, ValueError, "Ames 2018.*sample_size"),
        (bad_row(sample_size=float("nan")), ["Pain"], {}, ValueError, "sample_size"),
        (bad_row(study=""), ["Pain"], {}, ValueError, "study must be"),
        (bad_row(cells=["benefit"]), ["Pain"], {}, TypeError, "cells must be a mapping"),
        (bad_row(), [], {}, ValueError, "at least one outcome domain"),
        (bad_row(), "Pain", {}, TypeError, "domains"),
        (bad_row(), ["Pain", "Pain"], {}, ValueError, "unique"),
        ([], ["Pain"], {}, ValueError, "at least one study"),
        ([("A", "RCT")], ["Pain"], {}, TypeError, "EffectDirectionRow"),
        (bad_row(), ["Pain"], {"palette": "viridis"}, ValueError, "palette"),
        (bad_row(), ["Pain"], {"sign_tests": {"Mood": None}}, ValueError, "'Mood'"),
        (bad_row(), ["Pain"], {"sign_tests": {"Pain": 0.2}}, TypeError, "SignTestResult"),
    ],
)
def test_bad_input_raises_clear_errors(rows, domains, kwargs, error, match):
    with pytest.raises(error, match=match):
        effect_direction_plot(rows, domains, **kwargs)
