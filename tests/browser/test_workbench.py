"""The workbench in a real headless Chromium: two reviewers screen with the keyboard, the lead
resolves a conflict, and kappa and the PRISMA counts change (screenshots in tmp_path)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import running_app, signed_in_page
from tests.web._seed import ANN, BEN, LEAD, PASSWORD, REVIEW, seed_store

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

N_RECORDS = 20
KEYWORDS = ("peer", "support", "chronic", "pain")


@pytest.fixture
def server(tmp_path):
    """A real uvicorn server over a seeded SQLite store: ``(base_url, store)``."""
    from evsynth.web import create_app

    folder = tmp_path / "review"
    folder.mkdir()
    store = seed_store(folder, n_records=N_RECORDS)
    app = create_app(store, keywords={REVIEW: KEYWORDS}, undo_seconds=0.3)
    with running_app(app) as base:
        yield base, store
    store.close()


def _open(browser, base: str, username: str):
    return signed_in_page(browser, base, username, PASSWORD)


def _screen_with_keys(page, keys: str) -> None:
    page.goto(f"/reviews/{REVIEW}/screen/title_abstract")
    for key in keys:
        shown = page.get_attribute("#record", "data-record")
        with page.expect_navigation():
            page.keyboard.press(key)
        assert page.get_attribute("#record", "data-record") != shown


def _kappa(page) -> str:
    page.goto(f"/reviews/{REVIEW}/agreement")
    return page.locator("#agreement tr.pooled td.kappa").first.inner_text()


def test_two_reviewers_a_conflict_its_resolution_kappa_and_prisma(browser, server, tmp_path):
    base, store = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    ann, ben, lead = (_open(browser, base, name) for name in (ANN, BEN, LEAD))

    # the keyboard: ? shows help, i starts a vote, u undoes it before it is sent
    ann.goto(f"/reviews/{REVIEW}/screen/title_abstract")
    assert ann.locator("#record mark").count() > 0
    ann.keyboard.press("?")
    assert ann.locator("#help").is_visible()
    ann.keyboard.press("?")
    assert not ann.locator("#help").is_visible()
    ann.keyboard.press("i")
    assert ann.locator("#undo").is_visible()
    ann.keyboard.press("u")
    assert not ann.locator("#undo").is_visible()
    ann.wait_for_timeout(500)
    assert ann.get_attribute("#record", "data-record") == "r000001"
    assert store.decisions(REVIEW) == ()
    ann.screenshot(path=str(shots / "screening.png"), full_page=True)

    # the record's HTML title is text on the page, and nothing ran
    assert "<script>" in ann.locator("#record h2.title").inner_text()

    _screen_with_keys(ann, "ieiem")
    _screen_with_keys(ben, "ieeee")  # r000003 and r000005 are conflicts
    assert "You have voted on 5" in ben.locator("#own-progress").inner_text()

    kappa_before = _kappa(lead)
    lead.screenshot(path=str(shots / "agreement.png"), full_page=True)
    lead.goto(f"/reviews/{REVIEW}")
    assert lead.locator("#conflict-count").inner_text() == "2"
    lead.screenshot(path=str(shots / "review-home.png"), full_page=True)

    lead.goto(f"/reviews/{REVIEW}/conflicts")
    assert lead.locator("section.conflict").count() == 2
    lead.screenshot(path=str(shots / "conflicts.png"), full_page=True)
    first = lead.locator("section.conflict").first
    assert first.get_attribute("data-record") == "r000003"
    with lead.expect_navigation():
        first.locator("button.include").click()
    with lead.expect_navigation():
        lead.locator("section.conflict").first.locator("button.exclude").click()
    assert lead.locator("#no-conflicts").is_visible()

    lead.goto(f"/reviews/{REVIEW}/prisma")
    assert lead.locator("#prisma-problems li").count() >= 1

    # the remaining records, and the full texts, through the store's workflow (as the pages)
    for number in range(6, N_RECORDS + 1):
        for who in (ANN, BEN):
            store.screen_vote(REVIEW, f"r{number:06d}", who, "title_abstract", "exclude")
    for record in ("r000001", "r000003"):
        for who in (ANN, BEN):
            store.screen_vote(REVIEW, record, who, "full_text", "include")
        store.link_report(REVIEW, record, "Smith 2020", LEAD)
    kappa_after = _kappa(lead)
    assert kappa_after != kappa_before
    assert re.fullmatch(r"-?\d\.\d\d", kappa_after)

    lead.goto(f"/reviews/{REVIEW}/prisma")
    assert lead.locator("#records-screened").inner_text() == str(N_RECORDS)
    assert lead.locator("#records-excluded").inner_text() == str(N_RECORDS - 2)
    assert lead.locator("#studies-included").inner_text() == "1"
    assert lead.locator("#reports-included").inner_text() == "2"
    lead.screenshot(path=str(shots / "prisma.png"), full_page=True)
    lead.goto(f"/reviews/{REVIEW}/team")
    assert lead.locator("text=Team and settings").count() + lead.locator("h1").count() >= 1
    lead.screenshot(path=str(shots / "team.png"), full_page=True)

    for page in (ann, ben, lead):
        assert page.errors == []
        assert all(url.startswith(base) for url in page.requests), "a request left the server"
    print(f"screenshots in {shots}")
