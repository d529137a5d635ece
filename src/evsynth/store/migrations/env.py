"""Alembic environment of the evsynth store.

``evsynth.store.open_store`` runs the migrations itself, handing its connection over in
``config.attributes["connection"]``; no alembic.ini is needed. To write a new migration
against a scratch database::

    from alembic import command
    from evsynth.store._migrations import alembic_config
    command.revision(alembic_config("sqlite:///scratch.db"), "what changed", autogenerate=True)
"""

from alembic import context
from sqlalchemy import create_engine

from evsynth.store._models import Base


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _configure_and_run(connection)
    engine.dispose()


# Run only when alembic executes this file, not when a tool (pytest's doctest collection)
# imports it as a module.
if getattr(context, "config", None) is not None:
    run_migrations()
