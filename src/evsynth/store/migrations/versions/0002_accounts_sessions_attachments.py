"""Accounts and the workbench: login attempts, sessions, review settings (votes required,
exclusion reasons), the kind of a decision event (vote or resolution) and an index for reading
a review's events per stage, full-text attachments and report-to-study links.

Only plain ADD/DROP COLUMN on existing tables: decision_events keeps its append-only triggers
(SQLite's batch mode would copy the table and lose them).

Revision ID: 0002
Revises: 0001
Created: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{referred}")


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    op.add_column(
        "reviews", sa.Column("votes_required", sa.Integer(), nullable=False, server_default="2")
    )
    op.add_column("reviews", sa.Column("exclusion_reasons", sa.JSON(), nullable=True))
    op.add_column(
        "decision_events",
        sa.Column("kind", sa.String(length=20), nullable=False, server_default="vote"),
    )
    # (review, stage, record) serves "the review's events", per stage and per record alike.
    op.drop_index("ix_decision_events_review_id", table_name="decision_events")
    _index("decision_events", "review_id", "stage", "record_id")

    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        _time("attempted_at"),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    _index("login_attempts", "username", "attempted_at")
    _index("login_attempts", "client", "attempted_at")
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("last_seen_at"),
        _time("expires_at"),
        _time("revoked_at", nullable=True),
        _fk("sessions", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_sha256", name="uq_sessions_token_sha256"),
    )
    _index("sessions", "user_id")
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        _time("uploaded_at"),
        _fk("attachments", "review_id", "reviews.id"),
        _fk("attachments", "record_id", "records.id"),
        _fk("attachments", "uploaded_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    _index("attachments", "review_id")
    _index("attachments", "record_id")
    op.create_table(
        "study_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.String(length=100), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=False),
        _time("linked_at"),
        _fk("study_links", "review_id", "reviews.id"),
        _fk("study_links", "record_id", "records.id"),
        _fk("study_links", "linked_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_study_links"),
    )
    _index("study_links", "review_id")
    _index("study_links", "record_id")


def downgrade() -> None:
    for table in ("study_links", "attachments", "sessions", "login_attempts"):
        op.drop_table(table)  # with their indexes
    op.drop_index("ix_decision_events_review_id_stage_record_id", table_name="decision_events")
    _index("decision_events", "review_id")
    # SQLite (3.35+) and PostgreSQL drop a plain column in place: no copy, triggers kept.
    op.drop_column("decision_events", "kind")
    op.drop_column("reviews", "exclusion_reasons")
    op.drop_column("reviews", "votes_required")
