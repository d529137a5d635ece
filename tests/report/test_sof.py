"""GRADE summary-of-findings tables and evidence profile (evsynth.report._sof)."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest

import evsynth as es
from evsynth.appraisal import Appraisal, DomainRating
from evsynth.report._sof import (
    PROFILE_HEADER,
    SOF_HEADER,
    FootnotedText,
    continuous_effect_text,
    evidence_profile,
    profile_footnotes,
    profile_to_csv,
    profile_to_html,
    sof_tables,
    sof_to_csv,
    sof_to_html,
    write_sof_docx,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "peer-support-msk"
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}


@pytest.fixture(scope="module")
def appraisal():
    review = es.load_review(EXAMPLE)
    return es.appraise(review, es.synthesise(review))


@pytest.fixture(scope="module")
def tables(appraisal):
    return sof_tables(appraisal)


def pooled(appraisal, comparator_id=None):
    return [
        c
        for c in appraisal.cells
        if c.cell.pooled and comparator_id in (None, c.cell.comparator.id)
    ]


def rebuilt(appraisal, cells):
    """The appraisal with its cells replaced (the hand-built cases)."""
    return Appraisal(
        review=appraisal.review,
        synthesis=appraisal.synthesis,
        risk_of_bias=appraisal.risk_of_bias,
        cells=tuple(cells),
    )


def worded(x: float) -> str:
    """GRADEpro's wording of one number, written independently of the module."""
    size = f"{abs(x):.2f}"
    if float(size) == 0:
        return size
    return f"{size} lower" if x < 0 else f"{size} higher"


def rows_with_cells(appraisal, tables):
    """(SofRow, CellAppraisal) pairs: the tables hold each comparator's cells in order."""
    pairs = []
    for comparator in appraisal.review.protocol.comparators:
        cells = pooled(appraisal, comparator.id)
        rows = [r for t in tables if t.comparator == comparator.label for r in t.rows]
        assert len(rows) == len(cells)
        pairs.extend(zip(rows, cells, strict=True))
    return pairs


# --------------------------------------------------------------------------- layout


def test_one_table_per_comparator_chunked_at_seven(appraisal, tables):
    protocol = appraisal.review.protocol
    expected = []
    for comparator in protocol.comparators:
        n = len(pooled(appraisal, comparator.id))
        expected.extend([comparator.label] * math.ceil(n / 7))
    assert [t.comparator for t in tables] == expected
    assert all(1 <= len(t.rows) <= 7 for t in tables)
    usual = [t for t in tables if t.comparator == "Usual care"]
    assert [len(t.rows) for t in usual] == [7, len(pooled(appraisal, "usual_care")) - 7]


def test_titles(tables):
    titles = [t.title for t in tables]
    assert titles[:2] == [
        "Peer support compared with usual care (1 of 2)",
        "Peer support compared with usual care (2 of 2)",
    ]
    assert "Peer support compared with waitlist" in titles
    assert "Peer support compared with active control (1 of 2)" in titles


def test_max_rows_chunks_further(appraisal):
    n = len(pooled(appraisal, "usual_care"))
    small = [t for t in sof_tables(appraisal, max_rows=3) if t.comparator == "Usual care"]
    assert [len(t.rows) for t in small] == [3] * (n // 3) + ([n % 3] if n % 3 else [])
    parts = len(small)
    assert small[-1].title == f"Peer support compared with usual care ({parts} of {parts})"


def test_rows_in_protocol_order(appraisal, tables):
    protocol = appraisal.review.protocol
    outcome_index = {o.id: i for i, o in enumerate(protocol.outcomes)}
    window_index = {w.id: i for i, w in enumerate(protocol.timepoints)}
    for comparator in protocol.comparators:
        keys = [
            (outcome_index[c.cell.outcome.id], window_index[c.cell.window.id])
            for c in pooled(appraisal, comparator.id)
        ]
        assert keys == sorted(keys)
    first = tables[0].rows
    assert [r.outcome for r in first[:3]] == [
        "Pain intensity (0 to 100), short-term",
        "Pain intensity (0 to 100), medium-term",
        "Pain intensity (0 to 100), long-term",
    ]
    assert first[3].outcome == "Self-efficacy, short-term"  # no rescale_to: no range


@pytest.mark.parametrize("bad", [0, 8, 2.5, True, "7"])
def test_max_rows_is_validated(appraisal, bad):
    with pytest.raises(ValueError, match="max_rows"):
        sof_tables(appraisal, max_rows=bad)


def test_appraisal_is_validated(appraisal):
    with pytest.raises(TypeError, match="Appraisal"):
        sof_tables(appraisal.synthesis)
    with pytest.raises(TypeError, match="Appraisal"):
        evidence_profile(None)


# --------------------------------------------------------------------------- row contents


def test_participants_and_studies(appraisal, tables):
    for row, c in rows_with_cells(appraisal, tables):
        studies = len({r.study_id for r in c.cell.rows})
        people = f"{math.floor(c.cell.participants + 0.5):,}"
        assert row.participants_studies == f"{people} ({studies} RCTs)"
    # a multi-arm trial (Fraser 2015, two arms) counts once
    assert tables[0].rows[0].participants_studies == "1,472 (6 RCTs)"


def test_observational_evidence_counts_studies(appraisal):
    cells = [
        replace(c, grade=replace(c.grade, design="observational")) if c.cell.pooled else c
        for c in appraisal.cells
    ]
    for table in sof_tables(rebuilt(appraisal, cells)):
        for row in table.rows:
            assert row.participants_studies.endswith(" studies)")
    profile = evidence_profile(rebuilt(appraisal, cells))
    assert {r.design for r in profile} == {"observational studies"}


def test_effect_wording_negative_positive_and_spanning(appraisal, tables):
    seen = set()
    for row, c in rows_with_cells(appraisal, tables):
        res = c.cell.result
        expected = (
            f"{c.cell.measure} {worded(res.estimate)} "
            f"({worded(res.ci_low)} to {worded(res.ci_high)})"
        )
        assert row.effect == expected
        if res.ci_high < 0:
            seen.add("negative")
            assert row.effect.count("lower") == 3
        elif res.ci_low > 0:
            seen.add("positive")
            assert row.effect.count("higher") == 3
        else:
            seen.add("spanning")
            assert " lower to " in row.effect and row.effect.endswith(" higher)")
    assert seen == {"negative", "positive", "spanning"}
    # the brief's three cases, by hand
    medium = tables[0].rows[1]
    assert medium.effect == "MD 3.87 lower (7.23 lower to 0.52 lower)"


def test_continuous_effect_text_cases():
    assert (
        continuous_effect_text("MD", -4.23, -6.6, -0.35)
        == "MD 4.23 lower (6.60 lower to 0.35 lower)"
    )
    assert (
        continuous_effect_text("SMD", 0.26, 0.16, 0.36)
        == "SMD 0.26 higher (0.16 higher to 0.36 higher)"
    )
    assert (
        continuous_effect_text("MD", -0.35, -1.2, 0.5)
        == "MD 0.35 lower (1.20 lower to 0.50 higher)"
    )
    # a number that rounds to zero has no direction
    assert continuous_effect_text("SMD", -0.001, -0.19, 0.19) == (
        "SMD 0.00 (0.19 lower to 0.19 higher)"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("MD", 1.0, 2.0, 0.5), ValueError),
        (("MD", math.nan, 0.0, 1.0), ValueError),
        (("MD", "1", 0.0, 2.0), TypeError),
        (("", 1.0, 0.0, 2.0), TypeError),
    ],
)
def test_continuous_effect_text_is_validated(args, error):
    with pytest.raises(error):
        continuous_effect_text(*args)


def test_certainty_symbols_and_letters(appraisal, tables):
    for table in tables:
        for row in table.rows:
            assert row.certainty.text.split(" ", 1)[0] in SYMBOLS.values()
    for row, c in rows_with_cells(appraisal, tables):
        grade = c.grade
        assert row.certainty.text == f"{SYMBOLS[grade.certainty]} {grade.certainty.capitalize()}"
        table = next(t for t in tables if row in t.rows)
        notes = dict(table.footnotes)
        assert [notes[letter] for letter in row.certainty.letters] == list(grade.footnotes)
        assert str(row.certainty) == f"{row.certainty.text} {','.join(row.certainty.letters)}"


def test_footnote_letters_in_order_of_first_use(tables):
    for table in tables:
        used = [letter for row in table.rows for letter in row.certainty.letters]
        first_use = list(dict.fromkeys(used))
        assert first_use == [letter for letter, _ in table.footnotes]
        assert first_use == [chr(ord("a") + i) for i in range(len(first_use))]
        texts = [text for _, text in table.footnotes]
        assert len(texts) == len(set(texts))  # one letter per distinct text


def test_identical_footnotes_share_a_letter(appraisal, tables):
    # in the example, "risk of bias: 0% at low risk (< 75%)" recurs under active control
    active = next(t for t in tables if t.comparator == "Active control")
    used = [letter for row in active.rows for letter in row.certainty.letters]
    assert len(used) > len(set(used))
    # and by hand: every cell with the same two reasons
    cells = [
        replace(c, grade=replace(c.grade, footnotes=["Reason one", "Reason two"]))
        if c.cell.pooled
        else c
        for c in appraisal.cells
    ]
    for table in sof_tables(rebuilt(appraisal, cells)):
        assert table.footnotes == (("a", "Reason one"), ("b", "Reason two"))
        assert {row.certainty.letters for row in table.rows} == {("a", "b")}


def test_letters_restart_in_each_table(tables):
    assert all(t.footnotes[0][0] == "a" for t in tables if t.footnotes)


def test_control_mean_text(appraisal, tables):
    for row, c in rows_with_cells(appraisal, tables):
        if c.cell.measure == "SMD":
            assert row.control == ""
    first = tables[0].rows[0]
    means = pooled(appraisal, "usual_care")[0].control_means
    assert first.control == (
        f"The mean pain intensity in the control groups ranged from {min(means):.1f} to "
        f"{max(means):.1f}"
    )
    assert first.control.endswith("ranged from 39.2 to 68.6")
    cells = [
        replace(c, control_means=(42.0,)) if c.cell.pooled and c.cell.measure == "MD" else c
        for c in appraisal.cells
    ]
    one = sof_tables(rebuilt(appraisal, cells))[0].rows[0]
    assert one.control == "The mean pain intensity in the control group was 42.0"


def test_comment_is_the_statement(appraisal, tables):
    for row, c in rows_with_cells(appraisal, tables):
        assert row.comment == c.statement


# --------------------------------------------------------------------------- evidence profile


def test_profile_rows_and_domains(appraisal):
    rows = evidence_profile(appraisal)
    cells = pooled(appraisal)
    assert len(rows) == len(cells)
    letters: dict[str, str] = {}
    for row, c in zip(rows, cells, strict=True):
        assert (row.outcome, row.timepoint, row.comparator) == (
            c.cell.outcome.label,
            c.cell.window.label,
            c.cell.comparator.label,
        )
        assert row.studies == len({r.study_id for r in c.cell.rows})
        assert row.participants_intervention == math.floor(sum(r.n1 for r in c.cell.rows) + 0.5)
        assert row.participants_control == math.floor(sum(r.n2 for r in c.cell.rows) + 0.5)
        notes = dict(row.footnotes)
        for rated, domain in zip(
            row.domain_ratings(),
            ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"),
            strict=True,
        ):
            rating = c.grade.domains[domain]
            assert rated.text.startswith(rating.label)
            assert rated.text.endswith("(reviewer)") == (rating.source == "reviewer")
            assert bool(rated.letters) == (rating.levels < 0)
            for letter in rated.letters:
                assert notes[letter] in c.grade.footnotes
                assert letters.setdefault(letter, notes[letter]) == notes[letter]
        res = c.cell.result
        sign = lambda x: f"{x:.2f}".replace("-", "\N{MINUS SIGN}")  # noqa: E731
        assert row.effect == (
            f"{c.cell.measure} {sign(res.estimate)} [{sign(res.ci_low)}, {sign(res.ci_high)}]"
        )
        assert str(row.certainty) == f"{c.grade.symbol} {c.grade.label}"
    assert str(rows[0].indirectness) == "not serious (reviewer)"
    assert str(rows[0].publication_bias) == "not assessed"
    assert rows[1].effect == "MD −3.87 [−7.23, −0.52]"


def test_profile_footnotes_are_shared(appraisal):
    rows = evidence_profile(appraisal)
    notes = profile_footnotes(rows)
    texts = [text for _, text in notes]
    assert len(texts) == len(set(texts))
    assert [letter for letter, _ in notes][:3] == ["a", "b", "c"]
    # the same reason in two rows keeps its letter
    by_text = {}
    for row in rows:
        for letter, text in row.footnotes:
            assert by_text.setdefault(text, letter) == letter
    assert sum(len(r.footnotes) for r in rows) > len(notes)


def test_profile_upgrade_footnote_on_certainty(appraisal):
    c = pooled(appraisal)[0]
    upgrade = DomainRating("large_effect", 1, "rated up one level", "RR above 2", "reviewer")
    note = "Large effect: upgraded one level: RR above 2"
    grade = replace(
        c.grade,
        design="observational",
        domains={**c.grade.domains, "large_effect": upgrade},
        footnotes=[*c.grade.footnotes, note],
    )
    cells = [replace(c, grade=grade), *pooled(appraisal)[1:]]
    row = evidence_profile(rebuilt(appraisal, cells))[0]
    assert row.certainty.letters
    assert dict(row.footnotes)[row.certainty.letters[0]] == note


# --------------------------------------------------------------------------- writers


def parse_fragment(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(f"<div>{text}</div>")


def test_sof_html_is_well_formed(tables):
    page = sof_to_html(tables)
    root = parse_fragment(page)
    found = root.findall("table")
    assert len(found) == len(tables)
    for element, table in zip(found, tables, strict=True):
        assert element.get("class") == "sof-table"
        assert element.find("caption").text == table.title
        assert [th.text for th in element.find("thead/tr")] == list(SOF_HEADER)
        assert len(element.findall("tbody/tr")) == len(table.rows)
    lists = root.findall("ul")
    assert len(lists) == sum(1 for t in tables if t.footnotes)
    assert len(lists[0].findall("li")) == len(tables[0].footnotes)


def test_html_is_escaped(appraisal):
    nasty = 'Peer <support> & "friends"'
    cells = [replace(c, statement=nasty) if c.cell.pooled else c for c in appraisal.cells]
    page = sof_to_html(sof_tables(rebuilt(appraisal, cells)))
    assert "<support>" not in page
    assert "&lt;support&gt; &amp;" in page
    cell_texts = [td.text for td in parse_fragment(page).iter("td")]
    assert nasty in cell_texts
    notes_page = profile_to_html(evidence_profile(appraisal), [("a", "I² > 75% & <b>not</b> bold")])
    assert "<b>" not in notes_page
    li = parse_fragment(notes_page).find("ul/li")
    assert li.find("sup").text == "a"
    assert li.find("sup").tail.strip() == "I² > 75% & <b>not</b> bold"


def test_sof_csv_parses_back(tables):
    records = list(csv.reader(io.StringIO(sof_to_csv(tables))))
    header, body = records[0], records[1:]
    assert header == ["table", *SOF_HEADER, "Footnotes"]
    assert len(body) == sum(len(t.rows) for t in tables)
    assert all(len(r) == len(header) for r in body)
    assert body[0][0] == tables[0].title
    assert body[0][3] == str(tables[0].rows[0].certainty)
    assert body[0][-1].startswith("a. Risk of bias")


def test_profile_html_and_csv(appraisal):
    rows = evidence_profile(appraisal)
    root = parse_fragment(profile_to_html(rows))
    table = root.find("table")
    assert table.get("class") == "evidence-profile"
    assert [th.text for th in table.find("thead/tr")] == list(PROFILE_HEADER)
    assert len(table.findall("tbody/tr")) == len(rows)
    assert len(root.findall("ul/li")) == len(profile_footnotes(rows))
    records = list(csv.reader(io.StringIO(profile_to_csv(rows))))
    assert records[0] == [*PROFILE_HEADER, "Footnotes"]
    assert len(records) == len(rows) + 1
    assert all(len(r) == len(records[0]) for r in records)
    assert records[1][5] == str(rows[0].risk_of_bias)


def test_writers_validate_their_input(tables):
    with pytest.raises(TypeError, match="SofTable"):
        sof_to_html(tables[0])
    with pytest.raises(TypeError, match="SofTable"):
        sof_to_csv(["not a table"])
    with pytest.raises(TypeError, match="ProfileRow"):
        profile_to_csv([tables[0]])
    assert sof_to_html([]) == ""


def test_docx_holds_every_table(tables, tmp_path):
    out = write_sof_docx(tmp_path / "sof.docx", tables)
    assert zipfile.is_zipfile(out)
    with zipfile.ZipFile(out) as z:
        document = z.read("word/document.xml").decode("utf-8")
    ElementTree.fromstring(document)
    for table in tables:
        assert table.title in document
    assert "Summary of findings" in document
    assert "1,472 (6 RCTs)" in document


def test_docx_single_table_and_empty(tables, tmp_path):
    out = write_sof_docx(tmp_path / "one.docx", tables[:1])
    with zipfile.ZipFile(out) as z:
        assert tables[0].title in z.read("word/document.xml").decode("utf-8")
    with pytest.raises(ValueError, match="no summary-of-findings table"):
        write_sof_docx(tmp_path / "none.docx", [])


def test_footnoted_text():
    assert str(FootnotedText("serious", ("a",))) == "serious a"
    assert FootnotedText("<x>", ("b",)).to_html() == "&lt;x&gt;<sup>b</sup>"
