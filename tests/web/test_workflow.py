"""The screening workflow through the pages and endpoints: votes, conflicts, resolution,
agreement, full texts, study links and the PRISMA counts."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web._seed import ANN, BEN, LEAD, NORA, REVIEW, csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BASE = f"/reviews/{REVIEW}"


def vote(client, record, decision, stage="title_abstract", **extra):
    data = {"record": record, "decision": decision, "csrf_token": csrf_of(client), **extra}
    return client.post(f"{BASE}/screen/{stage}/vote", data=data, follow_redirects=False)


def test_screening_a_review_from_votes_to_prisma(client_for, store):
    ann, ben, lead = client_for(ANN), client_for(BEN), client_for(LEAD)
    ta = {"r000001": ("include", "include"), "r000002": ("include", "exclude"),
          "r000003": ("exclude", "exclude"), "r000004": ("exclude", "exclude"),
          "r000005": ("include", "include"), "r000006": ("exclude", "maybe")}  # fmt: skip
    for record, (a, b) in ta.items():
        assert vote(ann, record, a).status_code == 303
        assert vote(ben, record, b).status_code == 303
    assert "Nothing left to screen here" in ann.get(f"{BASE}/screen/title_abstract").text

    home = lead.get(BASE).text
    assert 'id="conflict-count">2<' in home
    conflicts = lead.get(f"{BASE}/conflicts").text
    assert "r000002" in conflicts and "r000006" in conflicts
    assert ann.get(f"{BASE}/conflicts").status_code == 403

    agreement = lead.get(f"{BASE}/agreement").text
    assert "All pairs" in agreement and "ann – ben" in agreement
    rows = list(csv.DictReader(io.StringIO(lead.get(f"{BASE}/agreement.csv").text)))
    assert rows[0]["records"] == "6" and rows[0]["percent_agreement"] == "66.666667"

    token = csrf_of(lead)
    for record, decision in (("r000002", "include"), ("r000006", "exclude")):
        resolved = lead.post(
            f"{BASE}/conflicts/title_abstract/{record}/resolve",
            data={"decision": decision, "note": "checked", "csrf_token": token},
            follow_redirects=False,
        )
        assert resolved.status_code == 303
    assert "No conflicts to resolve." in lead.get(f"{BASE}/conflicts").text

    problems = lead.get(f"{BASE}/prisma").text
    assert "3 records included at title/abstract have no full-text decision" in problems

    # full text: r000001 and r000005 included, r000002 excluded with a custom reason
    upload = ann.post(
        f"{BASE}/records/r000001/pdf",
        files={"file": ("smith.pdf", PDF, "application/pdf")},
        data={"csrf_token": csrf_of(ann)},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    assert ben.get(f"{BASE}/records/r000001/pdf").content == PDF
    assert client_for(NORA).get(f"{BASE}/records/r000001/pdf").status_code == 404
    page = ann.get(f"{BASE}/screen/full_text?record=r000001").text
    assert "smith.pdf" in page and "Wrong population" in page
    for client in (ann, ben):
        assert vote(client, "r000001", "include", "full_text").status_code == 303
        assert vote(client, "r000005", "include", "full_text").status_code == 303
        excluded = vote(client, "r000002", "exclude", "full_text", reason="",
                        custom_reason="Conference abstract only")  # fmt: skip
        assert excluded.status_code == 303
    missing = vote(ann, "r000003", "exclude", "full_text", reason="Wrong population")
    assert missing.status_code == 409  # not included at title/abstract

    problems = lead.get(f"{BASE}/prisma").text
    assert "linked to no study" in problems and "r000001" in problems
    token = csrf_of(lead)
    for record, study in (("r000001", "Smith 2020"), ("r000005", "Smith 2020")):
        linked = lead.post(f"{BASE}/studies", data={"record": record, "study_id": study,
                           "csrf_token": token}, follow_redirects=False)  # fmt: skip
        assert linked.status_code == 303
    assert lead.post(f"{BASE}/studies", data={"record": "r000003", "study_id": "X",
                     "csrf_token": token}).status_code == 409  # fmt: skip

    prisma = lead.get(f"{BASE}/prisma").text
    assert 'id="records-screened">6<' in prisma
    assert 'id="records-excluded">3<' in prisma
    assert 'id="reports-sought">3<' in prisma
    assert "Excluded: Conference abstract only" in prisma
    assert 'id="studies-included">1<' in prisma and 'id="reports-included">2<' in prisma
    assert len(store.decisions(REVIEW)) == 6 * 2 + 2 + 3 * 2


def test_a_full_text_exclusion_needs_a_reason(client_for):
    ann, ben = client_for(ANN), client_for(BEN)
    vote(ann, "r000001", "include"), vote(ben, "r000001", "include")
    refused = vote(ann, "r000001", "exclude", "full_text", reason="")
    assert refused.status_code == 409
    assert "reason is required to exclude at full text" in refused.text


def test_a_lead_only_page_is_403_for_a_reviewer(client_for):
    ann = client_for(ANN)
    for page in ("conflicts", "agreement", "agreement.csv", "prisma", "studies"):
        assert ann.get(f"{BASE}/{page}").status_code == 403, page


def test_the_json_endpoints(client_for):
    ann = client_for(ANN)
    first = ann.get(f"/api/reviews/{REVIEW}/next?stage=title_abstract").json()
    assert first["record"]["id"] == "r000001" and first["view"]["can_vote"]
    assert first["progress"] == {"voted": 0, "to_do": 6}
    posted = ann.post(
        f"/api/reviews/{REVIEW}/votes",
        json={"record": "r000001", "stage": "title_abstract", "decision": "maybe"},
        headers={"X-CSRF-Token": csrf_of(ann)},
    )
    assert posted.status_code == 201
    after = ann.get(f"/api/reviews/{REVIEW}/next").json()
    assert after["record"]["id"] == "r000002" and after["progress"] == {"voted": 1, "to_do": 5}
    progress = ann.get(f"/api/reviews/{REVIEW}/progress").json()
    assert progress["stages"]["title_abstract"] == {"voted": 1, "to_do": 5}
    assert progress["reviewers"] == [] and progress["status_counts"] == []
    assert ann.get(f"/api/reviews/{REVIEW}/next?stage=nope").status_code == 404


def test_a_report_can_be_marked_not_retrieved(client_for, store):
    ann, ben, lead = client_for(ANN), client_for(BEN), client_for(LEAD)
    for record in ("r000001", "r000002", "r000003", "r000004", "r000005", "r000006"):
        decision = "include" if record in ("r000001", "r000005") else "exclude"
        assert vote(ann, record, decision).status_code == 303
        assert vote(ben, record, decision).status_code == 303
    refused = vote(ann, "r000002", "not_retrieved")  # only at full text
    assert refused.status_code == 409
    assert "a vote at title_abstract is one of include, exclude, maybe, not" in refused.text
    page = ann.get(f"{BASE}/screen/full_text?record=r000001").text
    assert 'value="not_retrieved"' in page

    # agreed as not retrieved; and a conflict that the lead resolves as not retrieved
    assert vote(ann, "r000005", "not_retrieved", "full_text").status_code == 303
    assert vote(ben, "r000005", "not_retrieved", "full_text").status_code == 303
    assert vote(ann, "r000001", "not_retrieved", "full_text").status_code == 303
    assert vote(ben, "r000001", "include", "full_text").status_code == 303
    resolved = lead.post(
        f"{BASE}/conflicts/full_text/r000001/resolve",
        data={"decision": "not_retrieved", "note": "no copy", "csrf_token": csrf_of(lead)},
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    states = store.screening_states(REVIEW)
    assert [states.state(r, "full_text").final_decision for r in ("r000001", "r000005")] == [
        "not_retrieved",
        "not_retrieved",
    ]
    prisma = lead.get(f"{BASE}/prisma").text
    assert 'id="reports-sought">2<' in prisma
    assert 'id="reports-not-retrieved">2<' in prisma
    assert 'id="reports-assessed">0<' in prisma
    assert 'id="reports-included">0<' in prisma
