"""The lead's Team page: members, votes required and exclusion reasons, in the browser."""

from __future__ import annotations

import html
import re

import pytest

from tests.web._seed import ANN, BEN, LEAD, NORA, PASSWORD, REVIEW, csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BASE = f"/reviews/{REVIEW}"
TEAM = f"{BASE}/team"
ZOE = "zoe"
EVIL_NAME = '<b>zed</b>"&'
EVIL_REASON = "<script>alert(1)</script> & not an RCT"


def post(client, path, token=True, **data):
    if token:
        data["csrf_token"] = csrf_of(client)
    return client.post(f"{TEAM}/{path}", data=data, follow_redirects=False)


def vote(client, record, decision, stage="title_abstract", **extra):
    data = {"record": record, "decision": decision, "csrf_token": csrf_of(client), **extra}
    return client.post(f"{BASE}/screen/{stage}/vote", data=data, follow_redirects=False)


def error_of(page) -> str:
    found = re.search(r'<p class="alert" id="error" role="alert">(.*?)</p>', page.text, re.S)
    assert found, page.text
    return html.unescape(found.group(1))


def to_full_text(ann, ben, record="r000002"):
    """Both reviewers include ``record`` at title and abstract: it is open at full text."""
    assert vote(ann, record, "include").status_code == 303
    assert vote(ben, record, "include").status_code == 303


def test_the_lead_adds_a_member_who_can_then_open_the_review(client_for, store):
    store.add_user(ZOE, PASSWORD)
    lead, zoe = client_for(LEAD), client_for(ZOE)
    assert zoe.get(BASE).status_code == 404
    page = lead.get(TEAM)
    assert page.status_code == 200
    assert f'<option value="{ZOE}">' in page.text  # offered: not a member yet
    assert f'<option value="{ANN}">' not in page.text  # members are not offered
    added = post(lead, "members", username=f" {ZOE} ", role="resolver")
    assert added.status_code == 303 and added.headers["location"] == TEAM
    assert store.role_of(REVIEW, ZOE) == "resolver"
    assert zoe.get(BASE).status_code == 200
    assert zoe.get(f"{BASE}/conflicts").status_code == 200  # a resolver's page
    page = lead.get(TEAM).text
    assert f"<td>{ZOE}</td><td>Resolver (third reviewer)</td>" in page
    assert f'<option value="{ZOE}">' not in page


def test_home_links_the_team_page_for_the_lead_only(client_for):
    assert f'href="{TEAM}"' in client_for(LEAD).get(BASE).text
    assert f'href="{TEAM}"' not in client_for(ANN).get(BASE).text


def test_a_reviewer_gets_403_on_the_page_and_every_form(client_for, store):
    store.add_user(ZOE, PASSWORD)
    ann = client_for(ANN)
    assert ann.get(TEAM).status_code == 403
    assert post(ann, "members", username=ZOE, role="lead").status_code == 403
    assert post(ann, "settings", votes_required="3").status_code == 403
    assert post(ann, "reasons", reason="Not an RCT").status_code == 403
    assert store.role_of(REVIEW, ZOE) is None
    assert store.review_settings(REVIEW).votes_required == 2
    assert "Not an RCT" not in store.review_settings(REVIEW).exclusion_reasons


def test_a_non_member_gets_404_as_for_a_review_that_does_not_exist(client_for, store):
    nora = client_for(NORA)
    assert nora.get(TEAM).status_code == 404
    for path, data in (("members", {"username": NORA, "role": "lead"}),
                       ("settings", {"votes_required": "3"}),
                       ("reasons", {"reason": "Not an RCT"})):  # fmt: skip
        assert post(nora, path, **data).status_code == 404
    assert store.role_of(REVIEW, NORA) is None
    assert store.review_settings(REVIEW).votes_required == 2


def test_without_the_csrf_token_nothing_changes(client_for, store):
    store.add_user(ZOE, PASSWORD)
    lead = client_for(LEAD)
    before = store.review_settings(REVIEW)
    for path, data in (("members", {"username": ZOE, "role": "reviewer"}),
                       ("settings", {"votes_required": "3"}),
                       ("reasons", {"reason": "Not an RCT"})):  # fmt: skip
        assert post(lead, path, token=False, **data).status_code == 403
        assert post(lead, path, token=False, csrf_token="forged", **data).status_code == 403
    assert store.role_of(REVIEW, ZOE) is None
    assert store.review_settings(REVIEW) == before


def test_votes_required_changes_until_the_first_vote_then_the_refusal_is_shown(client_for, store):
    lead, ann = client_for(LEAD), client_for(ANN)
    assert post(lead, "settings", votes_required="3").status_code == 303
    assert store.review_settings(REVIEW).votes_required == 3
    shown = lead.get(TEAM).text
    assert 'name="votes_required" min="1" max="10" step="1" required value="3"' in shown
    assert post(lead, "settings", votes_required="2").status_code == 303
    assert vote(ann, "r000002", "include").status_code == 303
    refused = post(lead, "settings", votes_required="3")
    assert refused.status_code == 409
    message = error_of(refused)
    assert "cannot change from 2 to 3" in message and "1 vote already" in message
    assert 'id="members"' in refused.text  # the whole page, with the error on top
    assert store.review_settings(REVIEW).votes_required == 2
    assert post(lead, "settings", votes_required="2").status_code == 303  # unchanged is fine


@pytest.mark.parametrize("value", ["", "two", "0", "11", "2.5"])
def test_a_votes_required_that_is_not_a_number_in_range_is_422(client_for, store, value):
    refused = post(client_for(LEAD), "settings", votes_required=value)
    assert refused.status_code == 422
    assert "whole number from 1 to 10" in error_of(refused)
    assert store.review_settings(REVIEW).votes_required == 2


def test_adding_a_member_explains_each_refusal(client_for, store):
    lead = client_for(LEAD)
    unknown = post(lead, "members", username="nobody", role="reviewer")
    assert unknown.status_code == 422
    assert "There is no user named 'nobody'" in error_of(unknown)
    assert 'value="nobody"' in unknown.text  # what was typed stays in the field
    assert post(lead, "members", username="  ", role="reviewer").status_code == 422
    bad_role = post(lead, "members", username=NORA, role="owner")
    assert bad_role.status_code == 422 and "Choose a role" in error_of(bad_role)
    again = post(lead, "members", username=ANN, role="lead")
    assert again.status_code == 409
    assert "'ann' is already a reviewer of 'peer-support'" in error_of(again)
    assert store.role_of(REVIEW, ANN) == "reviewer" and store.role_of(REVIEW, NORA) is None


def test_a_reason_added_is_offered_on_the_full_text_screen(client_for, store):
    lead, ann, ben = client_for(LEAD), client_for(ANN), client_for(BEN)
    added = post(lead, "reasons", reason="  Conference   abstract ")
    assert added.status_code == 303 and added.headers["location"] == TEAM
    assert store.review_settings(REVIEW).exclusion_reasons[-1] == "Conference abstract"
    assert "<li>Conference abstract</li>" in lead.get(TEAM).text
    to_full_text(ann, ben)
    screen = ann.get(f"{BASE}/screen/full_text?record=r000002").text
    assert "<option>Conference abstract</option>" in screen
    again = post(lead, "reasons", reason="conference ABSTRACT")
    assert again.status_code == 409 and "already" in error_of(again)
    empty = post(lead, "reasons", reason="   ")
    assert empty.status_code == 422
    too_long = post(lead, "reasons", reason="x" * 201)
    assert too_long.status_code == 422 and "longer than 200 characters" in error_of(too_long)
    assert store.review_settings(REVIEW).exclusion_reasons.count("Conference abstract") == 1


def test_custom_reasons_of_closed_records_are_offered_for_the_list(client_for, store):
    lead, ann, ben = client_for(LEAD), client_for(ANN), client_for(BEN)
    to_full_text(ann, ben, "r000002")
    to_full_text(ann, ben, "r000003")
    assert 'id="no-custom-reasons"' in lead.get(TEAM).text
    for client in (ann, ben):
        excluded = vote(client, "r000002", "exclude", "full_text", custom_reason="Protocol only")
        assert excluded.status_code == 303
    # one vote of two on r000003: still open, so the lead may not learn it was an exclusion
    assert vote(ann, "r000003", "exclude", "full_text", custom_reason="Secret").status_code == 303
    page = lead.get(TEAM).text
    assert '<tr><td>Protocol only</td><td class="num">2</td>' in page
    assert "Secret" not in page
    assert 'name="reason" value="Protocol only"' in page  # its "Add to the list" button
    assert post(lead, "reasons", reason="Protocol only").status_code == 303
    page = lead.get(TEAM).text
    assert "<li>Protocol only</li>" in page and 'id="no-custom-reasons"' in page


def test_html_in_a_username_or_a_reason_is_shown_as_text(client_for, store):
    store.add_user(EVIL_NAME, PASSWORD)
    lead, ann, ben = client_for(LEAD), client_for(ANN), client_for(BEN)
    page = lead.get(TEAM).text
    assert EVIL_NAME not in page and "<b>zed" not in page
    assert '<option value="&lt;b&gt;zed&lt;/b&gt;&#34;&amp;">' in page
    assert post(lead, "members", username=EVIL_NAME, role="reviewer").status_code == 303
    assert post(lead, "reasons", reason=EVIL_REASON).status_code == 303
    page = lead.get(TEAM).text
    assert "<td>&lt;b&gt;zed&lt;/b&gt;&#34;&amp;</td>" in page
    assert "<script>alert" not in page
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt; &amp; not an RCT</li>" in page
    to_full_text(ann, ben)
    screen = ann.get(f"{BASE}/screen/full_text?record=r000002").text
    assert "<script>alert" not in screen
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; not an RCT" in screen
    refused = post(lead, "members", username=EVIL_NAME, role="lead")
    assert refused.status_code == 409 and "<b>zed" not in refused.text


def test_the_page_loads_nothing_from_the_network_and_runs_no_inline_script(client_for):
    page = client_for(LEAD).get(TEAM).text
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and " on" + "click=" not in page
