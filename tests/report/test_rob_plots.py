"""Risk-of-bias figures: layout (no overlaps, nothing clipped), colours, symbols and shares."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Circle, Patch, Rectangle
from matplotlib.text import Text

from evsynth.report._figures import save_figure
from evsynth.report._rob_plots import (
    ROB2_DOMAIN_NAMES,
    ROBINS_I_DOMAIN_NAMES,
    judgement_shares,
    rob_colours,
    rob_domain_names,
    rob_symbol,
    summary_plot,
    traffic_light_plot,
)

ROB2 = ("low", "some concerns", "high", "no information")
ROBINS_I = ("low", "moderate", "serious", "critical", "no information")
LONG = "Study {i}: a long descriptive trial label, first author et al. 20{i:02d}"


def make_assessments(k: int, tool: str, long_labels: bool = True, seed: int = 7):
    """k studies with every judgement of the tool, and some missing judgements."""
    rng = np.random.default_rng(seed)
    judgements = ROB2 if tool == "rob2" else ROBINS_I
    domains = [f"D{i}" for i in range(1, 6 if tool == "rob2" else 8)]
    out = []
    for i in range(k):
        label = LONG.format(i=i + 1)[:60] if long_labels else f"S{i + 1}"
        row = {d: judgements[(i + j) % len(judgements)] for j, d in enumerate(domains)}
        if i % 5 == 3:
            row[domains[2]] = None
        row["Overall"] = judgements[int(rng.integers(len(judgements)))]
        out.append((label, row))
    return out


def texts(fig) -> list[Text]:
    if not getattr(fig, "_test_drawn", False):
        fig.canvas.draw()
        fig._test_drawn = True
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def with_gid(fig, gid: str) -> list:
    index = getattr(fig, "_test_gids", None)
    if index is None:
        index = {}
        for artist in fig.findobj(lambda a: a.get_gid() is not None):
            index.setdefault(artist.get_gid(), []).append(artist)
        fig._test_gids = index
    return index.get(gid, [])


def one(fig, gid: str):
    found = with_gid(fig, gid)
    assert len(found) == 1, gid
    return found[0]


def extent(artist, renderer) -> tuple[float, float, float, float]:
    """Pixel box of a text, or of a patch from its path's control points (which, for the
    circles and rectangles here, lie on the shape's bounding box; much faster than Bezier
    extrema)."""
    if isinstance(artist, Circle | Rectangle):
        xy = artist.get_transform().transform(artist.get_path().vertices)
        return (*xy.min(axis=0), *xy.max(axis=0))
    return tuple(artist.get_window_extent(renderer).extents)


def boxes(artists, renderer) -> np.ndarray:
    return np.array([extent(a, renderer) for a in artists], dtype=float).reshape(-1, 4)


def overlapping_pairs(a: np.ndarray, b: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Index pairs of boxes (x0, y0, x1, y1) that overlap by more than 0.5 pixel."""
    same = b is None
    b = a if b is None else b
    ox = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    oy = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    hit = (ox > 0.5) & (oy > 0.5)
    if same:
        hit = np.triu(hit, k=1)
    return [tuple(p) for p in np.argwhere(hit)]


def assert_clean_layout(fig) -> None:
    """No two texts overlap, no text overlaps a dot other than its own symbol, and every
    text and patch lies inside the figure."""
    renderer = fig.canvas.get_renderer()
    ts = texts(fig)
    tb = boxes(ts, renderer)
    assert not [(ts[i].get_text(), ts[j].get_text()) for i, j in overlapping_pairs(tb)]
    patches = [p for p in fig.findobj(lambda a: isinstance(a, Circle | Rectangle)) if p.get_gid()]
    pb = boxes(patches, renderer)
    w, h = fig.bbox.width, fig.bbox.height
    for box, artist in [*zip(tb, ts, strict=True), *zip(pb, patches, strict=True)]:
        label = artist.get_gid()
        assert box[0] >= -0.5 and box[2] <= w + 0.5, label
        assert box[1] >= -0.5 and box[3] <= h + 0.5, label
    dots = [p for p in patches if p.get_gid().startswith(("rob-dot-", "rob-legend-dot-"))]
    plain = [t for t in ts if not t.get_gid().startswith(("rob-symbol-", "rob-legend-symbol-"))]
    clashes = overlapping_pairs(boxes(plain, renderer), boxes(dots, renderer))
    assert not [(plain[i].get_text(), dots[j].get_gid()) for i, j in clashes]


def first_judged(by_judgement) -> str:
    return next(j for j, share in by_judgement.items() if share > 0).replace(" ", "-")


def centre_y(artist, renderer) -> float:
    box = extent(artist, renderer)
    return (box[1] + box[3]) / 2


def assert_all_have_gids(fig) -> None:
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


# ---- traffic-light plot -----------------------------------------------------------------------


@pytest.mark.parametrize("k", [3, 20, 60])
@pytest.mark.parametrize("tool", ["rob2", "robins-i"])
@pytest.mark.parametrize("long_labels", [False, True])
def test_traffic_light_layout(k, tool, long_labels):
    data = make_assessments(k, tool, long_labels)
    fig = traffic_light_plot(data, tool=tool, title="Risk of bias of the trials of peer support")
    assert_clean_layout(fig)
    assert_all_have_gids(fig)
    renderer = fig.canvas.get_renderer()
    names = ROB2_DOMAIN_NAMES if tool == "rob2" else ROBINS_I_DOMAIN_NAMES
    domains = [d for d in names if any(d in row for _, row in data)]
    for i, (label, row) in enumerate(data):
        text = one(fig, f"rob-label-{i}")
        assert text.get_text() == label  # full text, never shortened
        assert text.get_rotation() == 0
        for d in [*domains, "Overall"]:
            if row.get(d) is None:
                assert with_gid(fig, f"rob-dot-{i}-{d}") == []
                continue
            dot = one(fig, f"rob-dot-{i}-{d}")
            # the dot is on the study's row and the symbol in the dot
            assert abs(centre_y(dot, renderer) - centre_y(text, renderer)) < 2.5
            symbol = one(fig, f"rob-symbol-{i}-{d}")
            assert symbol.get_text() == rob_symbol(tool, row[d])
    headers = [one(fig, f"rob-header-{d}").get_text() for d in [*domains, "Overall"]]
    assert headers == [*domains, "Overall"]
    for d in domains:
        caption = " ".join(
            t.get_text() for t in texts(fig) if t.get_gid().startswith(f"rob-caption-{d}-")
        )
        assert caption == f"{d}: {names[d]}"
    assert [t for t in texts(fig) if t.get_gid().startswith("rob-caption-Overall")] == []
    # Overall is the last column, apart from the domains
    x = {d: one(fig, f"rob-dot-0-{d}").get_window_extent(renderer).x0 for d in ("D1", "Overall")}
    assert x["Overall"] > x["D1"]


def test_traffic_light_height_grows_with_studies_and_width_with_labels():
    heights = [traffic_light_plot(make_assessments(k, "rob2")).get_figheight() for k in (3, 20, 60)]
    assert heights[0] < heights[1] < heights[2]
    # a row per study: the growth is linear in k
    per_study = (heights[2] - heights[1]) / 40
    assert per_study == pytest.approx((heights[1] - heights[0]) / 17)
    assert 0.2 <= per_study <= 0.3
    short = traffic_light_plot(make_assessments(20, "rob2", long_labels=False)).get_figwidth()
    long = traffic_light_plot(make_assessments(20, "rob2", long_labels=True)).get_figwidth()
    assert long > short + 1


def test_long_caption_lines_wrap_inside_the_figure():
    data = [("A", {"D1": "low", "D1b": "high", "D2": "low", "Overall": "high"})]
    fig = traffic_light_plot(data, title="A long title " * 12)
    assert_clean_layout(fig)
    lines = [t for t in texts(fig) if t.get_gid().startswith("rob-caption-D1b-")]
    assert len(lines) >= 2  # the D1b name is longer than this narrow figure
    assert " ".join(t.get_text() for t in lines) == f"D1b: {ROB2_DOMAIN_NAMES['D1b']}"
    assert len([t for t in texts(fig) if t.get_gid().startswith("rob-title-")]) >= 2


@pytest.mark.parametrize(
    ("tool", "palette", "expected"),
    [
        ("rob2", "cochrane", ["#02c100", "#e2df07", "#bf0000", "#4ea1f7"]),
        ("rob2", "colourblind", ["#fed98e", "#fe9929", "#d95f0e", "#ffffff"]),
        ("rob2", "colorblind", ["#fed98e", "#fe9929", "#d95f0e", "#ffffff"]),
        ("robins-i", "cochrane", ["#02c100", "#e2df07", "#bf0000", "#820000", "#4ea1f7"]),
        ("robins-i", "Colourblind", ["#fed98e", "#fe9929", "#d95f0e", "#993404", "#ffffff"]),
    ],
)
def test_colours_by_palette(tool, palette, expected):
    judgements = ROB2 if tool == "rob2" else ROBINS_I
    data = [(f"S{i}", {"D1": j, "Overall": j}) for i, j in enumerate(judgements)]
    fig = traffic_light_plot(data, tool=tool, palette=palette)
    dots = [to_hex(one(fig, f"rob-dot-{i}-D1").get_facecolor()) for i in range(len(judgements))]
    assert dots == expected
    assert [c.lower() for c in rob_colours(tool, palette).values()] == expected
    keys = [
        to_hex(one(fig, f"rob-legend-dot-{j.replace(' ', '-')}").get_facecolor())
        for j in judgements
    ]
    assert keys == expected
    # the summary bars use the same colours
    bars = summary_plot(data, tool=tool, palette=palette)
    fills = [
        to_hex(one(bars, f"rob-bar-D1-{j.replace(' ', '-')}").get_facecolor()) for j in judgements
    ]
    assert fills == expected


def test_symbols_are_robvis_and_legible():
    assert [rob_symbol("rob2", j) for j in ROB2] == ["+", "\u2212", "\u00d7", "?"]
    assert [rob_symbol("robins-i", j) for j in ROBINS_I] == ["+", "\u2212", "\u00d7", "!", "?"]
    data = [(f"S{i}", {"D1": j}) for i, j in enumerate(ROBINS_I)]
    fig = traffic_light_plot(data, tool="robins-i")
    colours = [to_hex(one(fig, f"rob-symbol-{i}-D1").get_color()) for i in range(5)]
    # dark symbols on light dots, white on dark red
    assert colours == ["#000000", "#000000", "#ffffff", "#ffffff", "#000000"]


def test_missing_judgements_are_blank():
    data = {
        "A": {"D1": "low", "D2": None, "D3": "", "D4": float("nan"), "Overall": "low"},
        "B": {"D1": "High", "D2": " Some  Concerns ", "Overall": "high"},
        "C": {},
    }
    fig = traffic_light_plot(data)
    assert_clean_layout(fig)
    assert [one(fig, f"rob-header-{d}").get_text() for d in ("D1", "D2", "Overall")]
    assert with_gid(fig, "rob-header-D3") == [] and with_gid(fig, "rob-header-D4") == []
    for gid in ("rob-dot-0-D2", "rob-dot-2-D1", "rob-dot-2-Overall", "rob-symbol-2-D1"):
        assert with_gid(fig, gid) == []
    assert one(fig, "rob-symbol-1-D2").get_text() == "\u2212"
    assert one(fig, "rob-label-2").get_text() == "C"


def test_mapping_and_pairs_draw_the_same_figure():
    pairs = make_assessments(5, "rob2")
    a, b = traffic_light_plot(pairs), traffic_light_plot(dict(pairs))
    assert [t.get_text() for t in texts(a)] == [t.get_text() for t in texts(b)]
    assert tuple(a.get_size_inches()) == tuple(b.get_size_inches())


def test_domains_argument_selects_and_orders_columns():
    data = make_assessments(4, "robins-i")
    fig = traffic_light_plot(data, tool="robins-i", domains=["overall", "D3", "d1"])
    renderer = fig.canvas.get_renderer()
    heads = sorted(
        (
            t
            for t in texts(fig)
            if t.get_gid().startswith("rob-header-D") or t.get_gid() == "rob-header-Overall"
        ),
        key=lambda t: t.get_window_extent(renderer).x0,
    )
    assert [t.get_text() for t in heads] == ["D3", "D1", "Overall"]
    captions = [t.get_text() for t in texts(fig) if t.get_gid().startswith("rob-caption-D")]
    assert captions == [f"D3: {ROBINS_I_DOMAIN_NAMES['D3']}", f"D1: {ROBINS_I_DOMAIN_NAMES['D1']}"]
    no_overall = traffic_light_plot(data, tool="robins-i", domains=["D1"])
    assert with_gid(no_overall, "rob-dot-0-Overall") == []


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "message"),
    [
        ([("Smith 2019", {"D2": "hihg"})], {}, ValueError, r"'Smith 2019'.*'D2'.*'hihg'"),
        ([("Lee", {"D1": "moderate"})], {}, ValueError, r"'Lee'.*'D1'.*RoB 2 judgement"),
        ([("Lee", {"D1": "some concerns"})], {"tool": "robins-i"}, ValueError, "ROBINS-I"),
        ([("Lee", {"D1": 3})], {}, ValueError, r"'Lee'.*'D1'.*3"),
        ([("Lee", {"D6": "low"})], {}, ValueError, r"'Lee'.*unknown RoB 2 domain 'D6'"),
        ([("Lee", {"D1": "low", "d1": "low"})], {}, ValueError, "given twice"),
        ([("A", {"D1": "low"}), ("A", {"D1": "low"})], {}, ValueError, "more than once"),
        ([], {}, ValueError, "empty"),
        ([("A", {"D1": None})], {}, ValueError, "no study has a judgement"),
        ([("A", {"D1": "low"})], {"tool": "rob1"}, ValueError, "tool"),
        ([("A", {"D1": "low"})], {"palette": "viridis"}, ValueError, "palette"),
        ([("A", {"D1": "low"})], {"domains": ["D9"]}, ValueError, "'D9'"),
        ([("A", {"D1": "low"})], {"domains": []}, ValueError, "empty"),
        ([("A", {"D1": "low"})], {"domains": "D1"}, TypeError, "sequence"),
        ([("A", "low")], {}, TypeError, "'A'"),
        (["A"], {}, TypeError, "pair"),
        ("A", {}, TypeError, "assessments"),
    ],
)
def test_bad_input_is_a_clear_error(data, kwargs, error, message):
    with pytest.raises(error, match=message):
        traffic_light_plot(data, **kwargs)


def test_no_global_matplotlib_state_is_changed():
    before = dict(matplotlib.rcParams)
    traffic_light_plot(make_assessments(3, "rob2"))
    summary_plot(make_assessments(3, "rob2"))
    assert dict(matplotlib.rcParams) == before


def test_figures_save(tmp_path):
    data = make_assessments(3, "rob2")
    for name, fig in (("traffic", traffic_light_plot(data)), ("summary", summary_plot(data))):
        svg, png = save_figure(fig, tmp_path / name)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert data[0][0] in svg.read_text() or name == "summary"


# ---- shares and the summary bar plot ----------------------------------------------------------

HAND = [
    ("A", {"D1": "low", "D2": "low", "Overall": "low"}),
    ("B", {"D1": "high", "D2": "some concerns", "Overall": "high"}),
    ("C", {"D1": "low", "D2": None, "Overall": "some concerns"}),
    ("D", {"D1": "no information", "D2": "high", "Overall": "high"}),
]


def test_shares_unweighted_by_hand():
    shares = judgement_shares(HAND, tool="rob2")
    assert list(shares) == ["D1", "D2", "Overall"]
    assert shares["D1"] == {"low": 0.5, "some concerns": 0.0, "high": 0.25, "no information": 0.25}
    # C has no D2 judgement: the share is of the 3 judged studies
    assert shares["D2"] == pytest.approx(
        {"low": 1 / 3, "some concerns": 1 / 3, "high": 1 / 3, "no information": 0.0}
    )
    assert shares["Overall"] == {
        "low": 0.25,
        "some concerns": 0.25,
        "high": 0.5,
        "no information": 0.0,
    }
    for domain in shares.values():
        assert math.fsum(domain.values()) == pytest.approx(1.0)


def test_shares_weighted_by_hand():
    weights = {"A": 40.0, "B": 10.0, "C": 30.0, "D": 20.0}
    shares = judgement_shares(HAND, tool="rob2", weights=weights)
    assert shares["D1"] == pytest.approx(
        {"low": 0.7, "some concerns": 0.0, "high": 0.1, "no information": 0.2}
    )
    # D2 judged in A, B, D: total weight 70
    assert shares["D2"] == pytest.approx(
        {"low": 40 / 70, "some concerns": 10 / 70, "high": 20 / 70, "no information": 0.0}
    )
    assert shares["Overall"] == pytest.approx(
        {"low": 0.4, "some concerns": 0.3, "high": 0.3, "no information": 0.0}
    )


def test_shares_robins_i():
    data = {
        "A": {"D1": "low", "D7": "critical", "Overall": "critical"},
        "B": {"D1": "moderate", "D7": "serious", "Overall": "serious"},
    }
    shares = judgement_shares(data, tool="robins-i", weights={"A": 1, "B": 3})
    assert list(shares) == ["D1", "D7", "Overall"]
    assert list(shares["D1"]) == list(ROBINS_I)
    assert shares["D7"]["critical"] == pytest.approx(0.25)
    assert shares["Overall"]["serious"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("weights", "error", "message"),
    [
        ({"A": 1, "B": 1, "C": 1}, ValueError, r"no weight.*\['D'\]"),
        ({"A": 1, "B": 1, "C": 1, "D": 1, "E": 1}, ValueError, r"without a risk-of-bias.*'E'"),
        ({"A": 1, "B": -1, "C": 1, "D": 1}, ValueError, "'B'.*>= 0"),
        ({"A": 1, "B": float("nan"), "C": 1, "D": 1}, ValueError, "'B'"),
        ({"A": 1, "B": "heavy", "C": 1, "D": 1}, ValueError, "'B'.*not a number"),
        ({"A": 0, "B": 0, "C": 0, "D": 0}, ValueError, "total weight of 0"),
        ([1, 2, 3, 4], TypeError, "mapping"),
    ],
)
def test_bad_weights(weights, error, message):
    with pytest.raises(error, match=message):
        judgement_shares(HAND, tool="rob2", weights=weights)


@pytest.mark.parametrize("k", [3, 20, 60])
@pytest.mark.parametrize("tool", ["rob2", "robins-i"])
@pytest.mark.parametrize("weighted", [False, True])
def test_summary_plot_layout_and_bars(k, tool, weighted):
    data = make_assessments(k, tool)
    weights = {label: float(i + 1) for i, (label, _) in enumerate(data)} if weighted else None
    fig = summary_plot(data, tool=tool, weights=weights, title="Risk of bias, pain intensity")
    assert_clean_layout(fig)
    assert_all_have_gids(fig)
    renderer = fig.canvas.get_renderer()
    shares = judgement_shares(data, tool=tool, weights=weights)
    names = rob_domain_names(tool)
    judgements = ROB2 if tool == "rob2" else ROBINS_I
    ys = []
    for d, by_judgement in shares.items():
        left = 0.0
        for j in judgements:
            bars = with_gid(fig, f"rob-bar-{d}-{j.replace(' ', '-')}")
            if by_judgement[j] == 0:
                assert bars == []
                continue
            (bar,) = bars
            assert bar.get_x() == pytest.approx(left)
            assert bar.get_width() == pytest.approx(by_judgement[j])
            left += by_judgement[j]
        assert left == pytest.approx(1.0)
        label = " ".join(
            t.get_text() for t in texts(fig) if t.get_gid().startswith(f"rob-domain-{d}")
        )
        assert label == names.get(d, "Overall risk of bias")
        ys.append(centre_y(with_gid(fig, f"rob-bar-{d}-{first_judged(by_judgement)}")[0], renderer))
    assert ys == sorted(ys, reverse=True)  # first domain at the top, Overall last
    xlabel = "Proportion of weight" if weighted else "Proportion of studies"
    assert one(fig, "rob-xlabel").get_text() == xlabel
    ticks = [one(fig, f"rob-xtick-{i}").get_text() for i in range(5)]
    assert ticks == ["0%", "25%", "50%", "75%", "100%"]
    legend = [t.get_text() for t in texts(fig) if t.get_gid().startswith("rob-legend-label-")]
    used = [j for j in judgements if any(by_judgement[j] > 0 for by_judgement in shares.values())]
    assert legend == [j[:1].upper() + j[1:] for j in used]


def test_summary_plot_weighted_bars_by_hand():
    fig = summary_plot(HAND, weights={"A": 40, "B": 10, "C": 30, "D": 20})
    assert one(fig, "rob-bar-D1-low").get_width() == pytest.approx(0.7)
    assert one(fig, "rob-bar-D1-high").get_x() == pytest.approx(0.7)
    assert with_gid(fig, "rob-bar-D1-some-concerns") == []
    assert one(fig, "rob-domain-Overall").get_fontweight() in ("bold", 700)


def test_summary_plot_domains_and_errors():
    fig = summary_plot(HAND, domains=["D2", "Overall"])
    assert with_gid(fig, "rob-bar-D1-low") == []
    assert one(fig, "rob-bar-D2-low").get_width() == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no study has a judgement in domains"):
        summary_plot(HAND, domains=["D3"])
    with pytest.raises(ValueError, match=r"'C'.*'D2'"):
        summary_plot([("C", {"D2": "unclear"})])
