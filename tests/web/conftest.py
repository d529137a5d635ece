"""Workbench fixtures: a seeded SQLite store and the app over it."""

from __future__ import annotations

import pytest

from tests.web._seed import KEYWORDS, REVIEW, seed_store

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


@pytest.fixture
def store(tmp_path):
    opened = seed_store(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def app(store):
    from evsynth.web import create_app

    return create_app(store, keywords={REVIEW: KEYWORDS})


@pytest.fixture
def client_for(app):
    """A signed-in TestClient per username (each its own cookie jar)."""
    from fastapi.testclient import TestClient

    from tests.web._seed import login

    made = []

    def make(username: str | None = None, **kwargs):
        client = TestClient(app, **kwargs)
        made.append(client)
        if username is not None:
            assert login(client, username).status_code == 303
        return client

    yield make
    for client in made:
        client.close()
