"""A small review for the workbench tests: records, a lead, two reviewers and an outsider."""

from __future__ import annotations

import re
from pathlib import Path

from argon2 import PasswordHasher

from evsynth.store import Store, open_store

REVIEW = "peer-support"
OTHER_REVIEW = "other-review"
PASSWORD = "correct horse battery"
LEAD, ANN, BEN, NORA = "lea", "ann", "ben", "nora"
EVIL_TITLE = '<script>alert("x")</script><img src=x onerror=alert(1)> & peer support'
KEYWORDS = ("peer", "support", "pain", "chronic")

_TOPICS = [
    "Peer support for chronic low back pain: a randomised trial",
    "Exercise therapy for knee osteoarthritis in older adults",
    "Lay-led self-management of arthritis pain",
    "Cognitive behavioural therapy for fibromyalgia",
    "Peer mentoring after hip replacement",
    "Telephone coaching for chronic neck pain",
    "Group education for osteoarthritis: a cluster trial",
    "Online peer forums and pain self-efficacy",
    "Yoga for chronic low back pain",
    "Acupuncture versus sham for shoulder pain",
    "Community health workers for arthritis",
    "Buddy systems in rheumatoid arthritis care",
    "Mindfulness for chronic musculoskeletal pain",
    "Peer-delivered walking programmes",
    "Pharmacist review of analgesics",
    "Support groups for people with lupus",
    "Physiotherapy after knee arthroplasty",
    "Peer support by text message for back pain",
    "Nurse-led clinics for gout",
]


def _ris(titles: list[str]) -> str:
    out = []
    for i, title in enumerate(titles, start=1):
        out += [
            "TY  - JOUR",
            f"TI  - {title}",
            f"AU  - Author{i}, A.",
            "AU  - Second, B.",
            f"PY  - {2000 + i}",
            "JO  - Journal of Pain Studies",
            f"AB  - Background: {title.lower()}. Methods: adults with chronic pain were "
            f"randomised. Results: peer support changed pain by {i} points.",
            f"DO  - 10.1000/test.{i}",
            "ER  - ",
        ]
    return "\n".join(out) + "\n"


def seed_store(
    folder: Path,
    *,
    n_records: int = 6,
    hasher: PasswordHasher | None = None,
    url: str | None = None,
) -> Store:
    """A store in ``folder`` (or at ``url``, the export still written to ``folder``) with
    review REVIEW (``n_records`` records, the first titled with HTML), its lead LEAD and
    reviewers ANN and BEN, and NORA, who only belongs to OTHER_REVIEW."""
    if hasher is None:
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    titles = [EVIL_TITLE, *(_TOPICS * 3)][:n_records]
    export = folder / "medline.ris"
    export.write_text(_ris(titles), encoding="utf-8")
    if url is None:
        store = open_store(directory=folder, password_hasher=hasher)
    else:
        store = open_store(url, password_hasher=hasher)
    store.import_records(REVIEW, "MEDLINE", [export])
    store.add_review(OTHER_REVIEW)
    for name in (LEAD, ANN, BEN, NORA):
        store.add_user(name, PASSWORD)
    store.add_member(REVIEW, LEAD, "lead")
    store.add_member(REVIEW, ANN, "reviewer")
    store.add_member(REVIEW, BEN, "reviewer")
    store.add_member(OTHER_REVIEW, NORA, "lead")
    return store


_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
_LOGIN = re.compile(r'name="csrf_token" value="([^"]*)"')


def login(client, username: str, password: str = PASSWORD, *, client_next: str = "/"):
    """Sign ``client`` in through the login form; returns the response to the POST."""
    form = client.get("/login")
    token = _LOGIN.search(form.text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token,
              "next": client_next},
        follow_redirects=False,
    )  # fmt: skip


def csrf_of(client) -> str:
    """The signed-in session's CSRF token (from the page's meta tag)."""
    return _META.search(client.get("/").text).group(1)
