"""Alembic migrations of the workflow store (run by ``evsynth.store.open_store``)."""
