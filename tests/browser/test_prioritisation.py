"""The prioritised queue in a real headless Chromium: a reviewer screens with the keyboard and
the records about the review's topic rise to the top of her queue as her decisions come in
(screenshot in tmp_path).

The review alternates two topics in record order (odd records relevant, see
tests/web/test_prioritised_queue.py), so record order would show one relevant record in two.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import running_app, signed_in_page
from tests.web._seed import ANN, PASSWORD
from tests.web.test_prioritised_queue import REVIEW, anchor_model, is_relevant, seed_two_topics

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

FIRST = 6  # decisions before the queue is judged
THEN = 10  # records judged after them


@pytest.fixture
def server(tmp_path):
    """A real uvicorn server over the two-topic review, queues on: ``(base_url, queues)``."""
    # scikit-learn imported now rather than on the ranking thread while the page waits
    import evsynth.screening._ranking  # noqa: F401
    from evsynth.screening import ReviewerQueues
    from evsynth.web import create_app

    folder = tmp_path / "review"
    folder.mkdir()
    store = seed_two_topics(folder)
    queues = ReviewerQueues(anchor_model, min_interval=0)
    app = create_app(store, undo_seconds=0.2, queues=queues)
    with running_app(app) as base:
        yield base, queues
    queues.close()
    store.close()


def test_relevant_records_rise_as_the_reviewer_screens(browser, server, tmp_path):
    base, queues = server
    page = signed_in_page(browser, base, ANN, PASSWORD)

    page.goto(f"/reviews/{REVIEW}/screen/title_abstract")
    shown: list[str] = []
    for _ in range(FIRST + THEN):
        record = page.get_attribute("#record", "data-record")
        assert record is not None and record not in shown
        shown.append(record)
        with page.expect_navigation():
            page.keyboard.press("i" if is_relevant(record) else "e")
    page.screenshot(path=str(tmp_path / "prioritised-queue.png"), full_page=True)

    base_rate = 0.5  # the share of relevant records, and of any run of them in record order
    relevant_then = sum(map(is_relevant, shown[FIRST:])) / THEN
    print(f"shown: {shown}; relevant among the {THEN} after the first {FIRST}: "
          f"{relevant_then:.0%} (base rate {base_rate:.0%})")  # fmt: skip
    assert shown[:2] == ["r000001", "r000002"]  # record order until she has both labels
    # the refresh is asynchronous: a page right after a vote may use the previous ranking
    assert relevant_then >= 0.8 > base_rate
    latest = queues.ranking(REVIEW, ANN, "title_abstract")
    assert latest is not None and latest.labels_seen >= FIRST + THEN - 2
    assert page.errors == []
    assert all(url.startswith(base) for url in page.requests), "a request left the server"
    page.context.close()
