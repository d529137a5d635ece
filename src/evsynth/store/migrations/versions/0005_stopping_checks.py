"""Stopping checks: a reviewer's switch to screening in random order at a stage, so that the
recall test (evsynth.screening.recall_test) has a random sample to work on.

One row per check; ``ended_at`` is set once, when the check ends. Triggers refuse every other
UPDATE and every DELETE (and TRUNCATE on PostgreSQL), so a check's start is never rewritten; a
partial unique index allows one running check per reviewer and stage. Nothing else changes.

Revision ID: 0005
Revises: 0004
Created: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TABLE = "stopping_checks"
_FIXED = ("id", "review_id", "user_id", "stage", "started_after_votes", "started_at")
_MESSAGE = "stopping_checks is append-only: a running check can only be ended, once"
_END_ONCE_SQLITE = [
    f"CREATE TRIGGER stopping_checks_end_once BEFORE UPDATE ON {_TABLE} "
    "WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL OR "
    + " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in _FIXED)
    + f" BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    f"CREATE TRIGGER stopping_checks_no_delete BEFORE DELETE ON {_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
]
_FIXED_OLD = ", ".join(f"OLD.{column}" for column in _FIXED)
_FIXED_NEW = ", ".join(f"NEW.{column}" for column in _FIXED)
_END_ONCE_POSTGRESQL = [
    "CREATE FUNCTION stopping_checks_end_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' THEN "
    "IF OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL "
    f"AND ({_FIXED_NEW}) IS NOT DISTINCT FROM ({_FIXED_OLD}) THEN RETURN NEW; END IF; "
    f"END IF; RAISE EXCEPTION '{_MESSAGE}'; END $$",
    f"CREATE TRIGGER stopping_checks_end_once BEFORE UPDATE OR DELETE ON {_TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION stopping_checks_end_once()",
    f"CREATE TRIGGER stopping_checks_no_truncate BEFORE TRUNCATE ON {_TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION stopping_checks_end_once()",
]


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{_TABLE}_{column}_{referred}")


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("started_after_votes", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        # op.f: the names as given (the naming convention would prefix them again)
        sa.CheckConstraint(
            "stage IN ('title_abstract', 'full_text')", name=op.f(f"ck_{_TABLE}_stage")
        ),
        sa.CheckConstraint(
            "started_after_votes >= 0", name=op.f(f"ck_{_TABLE}_started_after_votes")
        ),
        _fk("review_id", "reviews.id"),
        _fk("user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{_TABLE}"),
    )
    running = sa.text("ended_at IS NULL")
    op.create_index(
        "uq_stopping_checks_running",
        _TABLE,
        ["review_id", "user_id", "stage"],
        unique=True,
        sqlite_where=running,
        postgresql_where=running,
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _END_ONCE_SQLITE
    elif dialect == "postgresql":
        statements = _END_ONCE_POSTGRESQL
    else:
        raise NotImplementedError(f"evsynth's store supports SQLite and PostgreSQL, not {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table(_TABLE)  # with its index and triggers
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION stopping_checks_end_once()")
