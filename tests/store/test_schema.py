"""The schema comes from the Alembic migrations and matches the models; opening a store."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, insert, inspect, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from evsynth.store import DEFAULT_DATABASE, StoreError, open_store
from evsynth.store._migrations import alembic_config
from evsynth.store._models import Base, DecisionRow, MemberRow, StoppingCheckRow

from .conftest import POSTGRES_URL, SKIP_POSTGRES


def test_migrations_create_exactly_the_models_schema(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_store_is_at_the_newest_migration(store):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


def test_reopening_keeps_the_data(store_url, exports):
    with open_store(store_url) as store:
        store.import_records("pain", "MEDLINE", [exports["medline"]])
    with open_store(store_url) as store:
        assert store.source_counts("pain") == {"MEDLINE": 4}


def test_foreign_keys_are_enforced(store):
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(MemberRow), {"review_id": 99, "user_id": 99, "role": "lead"})


def test_default_store_is_sqlite_in_the_folder_with_wal(tmp_path):
    with open_store(directory=tmp_path) as store:
        assert store.engine.dialect.name == "sqlite"
        assert (tmp_path / DEFAULT_DATABASE).is_file()
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.postgres
def test_plain_postgresql_urls_use_psycopg():
    if not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    assert POSTGRES_URL.startswith("postgresql://")
    with open_store(POSTGRES_URL) as store:
        assert store.engine.dialect.driver == "psycopg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u@localhost/db", "unsupported database"),
        ("postgresql+psycopg2://u@localhost/db", "psycopg 3"),
        ("sqlite:////no/such/folder/evsynth.db", "no such folder"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot open the store"),
    ],
)
def test_bad_urls_are_clear_errors(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_missing_folder_and_missing_arguments(tmp_path):
    with pytest.raises(StoreError, match="no such folder"):
        open_store(directory=tmp_path / "missing")
    with pytest.raises(StoreError, match="URL or a review folder"):
        open_store()
    assert not (tmp_path / "missing").exists()


def test_password_is_hidden():
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://user:secret@127.0.0.1:1/none")
    assert "secret" not in str(caught.value)


def _migrate(store, direction: str, revision: str) -> None:
    with store.engine.begin() as connection:
        getattr(command, direction)(alembic_config(connection=connection), revision)


def test_0002_applies_on_top_of_0001_with_data_and_goes_back(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    store.add_user("ann")
    store.add_member("pain", "ann", "reviewer")
    store._append_decision_unchecked("pain", "r000001", "ann", "title_abstract", "include")
    _migrate(store, "downgrade", "0001")
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
        tables = set(inspect(connection).get_table_names())
        columns = {c["name"] for c in inspect(connection).get_columns("decision_events")}
    assert not {"sessions", "login_attempts", "attachments", "study_links"} & tables
    assert "kind" not in columns
    _migrate(store, "upgrade", "head")
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    (event,) = store.decisions("pain")
    assert (event.username, event.kind, event.decision) == ("ann", "vote", "include")
    assert store.review_settings("pain").votes_required == 2
    # the append-only triggers survive both directions
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(update(DecisionRow).values(decision="exclude"))
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(delete(DecisionRow))
    assert store.decisions("pain") == (event,)


def test_0003_lets_review_members_be_resolvers_and_goes_back_without_them(store, exports):
    store.import_records("pain", "MEDLINE", [exports["medline"]])
    for name, role in (("lea", "lead"), ("ann", "reviewer"), ("cy", "resolver")):
        store.add_user(name)
        store.add_member("pain", name, role)
    _migrate(store, "downgrade", "0003")
    with pytest.raises(RuntimeError, match=r"1 review member.* have the role 'resolver'"):
        _migrate(store, "downgrade", "0002")
    with store.engine.connect() as connection:  # the refused downgrade changed nothing
        assert MigrationContext.configure(connection).get_current_revision() == "0003"
    with store.engine.begin() as connection:
        connection.execute(delete(MemberRow).where(MemberRow.role == "resolver"))
    _migrate(store, "downgrade", "0002")
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(MemberRow), {"review_id": 1, "user_id": 3, "role": "resolver"})
    assert {m.username: m.role for m in store.members("pain")} == {"lea": "lead", "ann": "reviewer"}
    _migrate(store, "upgrade", "head")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    store.add_member("pain", "cy", "resolver")
    assert store.role_of("pain", "cy") == "resolver"
    store.add_user("dan")
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(MemberRow), {"review_id": 1, "user_id": 4, "role": "owner"})


def test_0004_indexes_a_reviews_events_by_id_and_goes_back(store):
    def indexes():
        with store.engine.connect() as connection:
            return {ix["name"] for ix in inspect(connection).get_indexes("decision_events")}

    assert "ix_decision_events_review_id_stage_id" in indexes()
    _migrate(store, "downgrade", "0003")
    assert "ix_decision_events_review_id_stage_id" not in indexes()
    _migrate(store, "upgrade", "head")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_0005_adds_stopping_checks_with_their_triggers_and_goes_back(store):
    def tables():
        with store.engine.connect() as connection:
            return set(inspect(connection).get_table_names())

    def functions():
        if store.engine.dialect.name != "postgresql":
            return set()
        with store.engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT proname FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pronamespace"
                " WHERE nspname = current_schema()"
            )
            return set(found.scalars())

    store.add_review("pain")
    store.add_user("ann")
    store.add_member("pain", "ann", "reviewer")
    store.start_stopping_check("pain", "ann", "title_abstract")
    assert store.engine.dialect.name == "sqlite" or "stopping_checks_end_once" in functions()
    _migrate(store, "downgrade", "0004")
    assert "stopping_checks" not in tables()
    assert "stopping_checks_end_once" not in functions()
    _migrate(store, "upgrade", "head")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert store.stopping_check("pain", "ann", "title_abstract") is None  # dropped going back
    check = store.start_stopping_check("pain", "ann", "title_abstract")
    rows = StoppingCheckRow.__table__
    # the triggers are back: only the end is written, once
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(update(rows).values(started_after_votes=3))
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(delete(rows))
    assert store.end_stopping_check("pain", "ann", "title_abstract").id == check.id
