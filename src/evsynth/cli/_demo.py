"""The demo's workbench: the example's exports in a store, with a lead and two reviewers."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_PASSWORD", "DEMO_TEAM", "demo_workbench"]

#: the demo's accounts (a throwaway store in the demo folder; never use these elsewhere)
DEMO_TEAM = (("lead", "lead"), ("ann", "reviewer"), ("ben", "reviewer"))
DEMO_PASSWORD = "evsynth-demo"


def demo_workbench(directory: Path, review) -> str:
    """Import the review's exports into ``directory/evsynth.db``, deduplicate them and add
    the demo team; return the review's name. A store that already has the review is kept."""
    from evsynth.store import open_store

    name = directory.resolve().name
    with open_store(directory=directory) as store:
        if name in store.reviews():
            return name
        for source in review.protocol.sources:
            store.import_records(name, source.name, [directory / source.file], format=source.format)
        store.deduplicate(name)
        for username, role in DEMO_TEAM:
            if username not in store.users():
                store.add_user(username, DEMO_PASSWORD)
            store.add_member(name, username, role)
    return name
