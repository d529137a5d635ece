"""Review teams and workbench data: members and roles, settings, attachments, study links."""

from __future__ import annotations

import hashlib

import pytest

from evsynth.store import (
    DEFAULT_EXCLUSION_REASONS,
    MAX_ATTACHMENT_BYTES,
    Member,
    ReviewSettings,
    StoreError,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + bytes(range(256))


@pytest.fixture
def team(team_store, exports):
    team_store.import_records("pain", "MEDLINE", [exports["medline"]])
    team_store.add_review("neck")
    for name in ("lead", "ann", "bob", "outsider"):
        team_store.add_user(name)
    team_store.add_member("pain", "lead", "lead")
    team_store.add_member("pain", "bob", "reviewer")
    team_store.add_member("pain", "ann", "reviewer")
    team_store.add_member("neck", "ann", "lead")
    return team_store


def test_members_roles_and_reviews(team):
    members = team.members("pain")
    assert all(isinstance(member, Member) for member in members)
    assert [(m.username, m.role) for m in members] == [
        ("lead", "lead"),
        ("ann", "reviewer"),
        ("bob", "reviewer"),
    ]
    assert team.members("neck")[0].username == "ann"
    assert team.role_of("pain", "lead") == "lead"
    assert team.role_of("pain", "ann") == "reviewer"
    assert team.role_of("neck", "ann") == "lead"
    assert team.role_of("pain", "outsider") is None
    assert team.role_of("pain", "nobody") is None
    assert team.role_of("no-such-review", "ann") is None
    assert team.role_of(None, "ann") is None
    assert team.reviews_of("ann") == {"neck": "lead", "pain": "reviewer"}
    assert team.reviews_of("outsider") == {}
    with pytest.raises(StoreError, match="no user named 'nobody'"):
        team.reviews_of("nobody")
    with pytest.raises(StoreError, match="no review named 'x'"):
        team.members("x")
    with pytest.raises(StoreError, match="a review named 'neck' exists already"):
        team.add_review("neck")
    assert team.reviews() == ["neck", "pain"]


def test_settings_default_to_two_votes_and_the_picos_reasons(team):
    assert team.review_settings("pain") == ReviewSettings(2, DEFAULT_EXCLUSION_REASONS)
    assert DEFAULT_EXCLUSION_REASONS == (
        "Wrong population",
        "Wrong intervention",
        "Wrong comparator",
        "Wrong outcomes",
        "Wrong study design",
    )


def test_settings_change(team):
    settings = team.configure_review("pain", votes_required=3)
    assert settings == ReviewSettings(3, DEFAULT_EXCLUSION_REASONS)
    reasons = team.add_exclusion_reason("pain", "  Duplicate   report ")
    assert reasons == (*DEFAULT_EXCLUSION_REASONS, "Duplicate report")
    settings = team.configure_review(
        "pain", exclusion_reasons=["Wrong study design", "Wrong population", "Conference abstract"]
    )
    assert settings == ReviewSettings(
        3, ("Wrong study design", "Wrong population", "Conference abstract")
    )
    assert team.review_settings("pain") == settings
    assert team.review_settings("neck") == ReviewSettings(2, DEFAULT_EXCLUSION_REASONS)


BAD_SETTINGS = [
    ({"votes_required": 0}, "between 1 and 10"),
    ({"votes_required": 11}, "between 1 and 10"),
    ({"votes_required": True}, "whole number"),
    ({"votes_required": 2.0}, "whole number"),
    ({"exclusion_reasons": []}, "at least one"),
    ({"exclusion_reasons": "Wrong population"}, "sequence of strings"),
    ({"exclusion_reasons": ["A", " "]}, "non-empty string"),
    ({"exclusion_reasons": ["Other", "other"]}, "given twice"),
    ({"votes_required": 3, "exclusion_reasons": ["A" * 201]}, "longer than 200"),
]


def test_bad_settings_change_nothing(team):
    for arguments, message in BAD_SETTINGS:
        with pytest.raises(StoreError, match=message):
            team.configure_review("pain", **arguments)
    assert team.review_settings("pain") == ReviewSettings(2, DEFAULT_EXCLUSION_REASONS)


def test_a_reason_is_not_added_twice(team):
    with pytest.raises(StoreError, match="has the exclusion reason 'wrong population' already"):
        team.add_exclusion_reason("pain", "wrong population")


# --- attachments --------------------------------------------------------------------------


def test_pdfs_round_trip(team, clock):
    assert team.attachment("pain", "r000001") is None
    first = team.attach_pdf("pain", "r000001", "C:\\papers\\smith 2019.pdf", PDF, by="ann")
    assert (first.record_id, first.filename, first.content_type) == (
        "r000001",
        "smith 2019.pdf",
        "application/pdf",
    )
    assert (first.size, first.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert (first.uploaded_by, first.uploaded_at) == ("ann", clock.now)
    assert team.attachment("pain", "r000001") == (first, PDF)
    clock.advance(minutes=5)
    newer = PDF + b"%% second version\n"
    second = team.attach_pdf("pain", "r000001", "smith2019-full.pdf", bytearray(newer), by="lead")
    other = team.attach_pdf("pain", "r000003", "garcia.pdf", PDF, by="bob")
    assert team.attachment("pain", "r000001") == (second, newer)
    assert team.attachments("pain") == (first, second, other)
    assert team.attachments("pain", "r000003") == (other,)
    assert team.attachments("pain", "r000002") == ()


BAD_ATTACHMENTS = [
    ("a.pdf", b"<html><script>alert(1)</script>", "ann", "not a PDF"),
    ("a.pdf", b"", "ann", "not a PDF"),
    ("a.pdf", "%PDF-1.4", "ann", "must be bytes"),
    ("../", PDF, "ann", "not a usable file name"),
    ("a\nb.pdf", PDF, "ann", "not a usable file name"),
    ("a.pdf", PDF, "outsider", "'outsider' is not a member of review 'pain'"),
    ("a.pdf", PDF, "nobody", "no user named 'nobody'"),
]


def test_bad_attachments_store_nothing(team):
    for filename, content, by, message in BAD_ATTACHMENTS:
        with pytest.raises(StoreError, match=message):
            team.attach_pdf("pain", "r000001", filename, content, by=by)
    assert team.attachments("pain") == ()


def test_attachment_size_limit(team, monkeypatch):
    monkeypatch.setattr("evsynth.store._team.MAX_ATTACHMENT_BYTES", len(PDF) - 1)
    with pytest.raises(StoreError, match="larger than"):
        team.attach_pdf("pain", "r000001", "a.pdf", PDF, by="ann")
    assert MAX_ATTACHMENT_BYTES == 50 * 1024 * 1024
    with pytest.raises(StoreError, match="has no record r000099"):
        team.attachment("pain", "r000099")


# --- reports and studies ------------------------------------------------------------------


def test_reports_link_to_studies(team, clock):
    assert team.study_links("pain") == ()
    team.link_report("pain", "r000002", "Smith 2019", "lead")
    team.link_report("pain", "r000001", "Smith 2019", "lead")
    clock.advance(minutes=1)
    garcia = team.link_report("pain", "r000003", "Garcia 2020", "lead")
    assert (garcia.record_id, garcia.study_id, garcia.linked_by) == (
        "r000003",
        "Garcia 2020",
        "lead",
    )
    links = team.study_links("pain")
    assert [(link.study_id, link.record_id) for link in links] == [
        ("Garcia 2020", "r000003"),
        ("Smith 2019", "r000001"),
        ("Smith 2019", "r000002"),
    ]
    # linking again moves the report; the earlier link stays as history
    team.link_report("pain", "r000002", "Garcia 2020", "lead")
    assert [(link.study_id, link.record_id) for link in team.study_links("pain")] == [
        ("Garcia 2020", "r000002"),
        ("Garcia 2020", "r000003"),
        ("Smith 2019", "r000001"),
    ]


def test_only_a_lead_links_reports(team):
    with pytest.raises(StoreError, match=r"only a lead of 'pain'.*'ann' is a reviewer"):
        team.link_report("pain", "r000001", "Smith 2019", "ann")
    with pytest.raises(StoreError, match="not a member"):
        team.link_report("pain", "r000001", "Smith 2019", "outsider")
    with pytest.raises(StoreError, match="study name must be a non-empty string"):
        team.link_report("pain", "r000001", "  ", "lead")
    with pytest.raises(StoreError, match="has no record r000042"):
        team.link_report("pain", "r000042", "Smith 2019", "lead")
    assert team.study_links("pain") == ()
