"""Initial schema: reviews, sources, imports, records, deduplication runs, groups and queue,
users, review members and append-only decision events.

Revision ID: 0001
Revises:
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{referred}")


def _index(table: str, column: str) -> None:
    op.create_index(f"ix_{table}_{column}", table, [column])


_TEXT_FIELDS = ("journal", "volume", "issue", "pages", "doi", "pmid", "issn", "language", "type")
_APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER decision_events_no_{action.lower()} BEFORE {action} ON decision_events "
    "BEGIN SELECT RAISE(ABORT, 'decision_events is append-only'); END"
    for action in ("UPDATE", "DELETE")
]
_APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION decision_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'decision_events is append-only'; END $$",
    "CREATE TRIGGER decision_events_append_only BEFORE UPDATE OR DELETE ON decision_events "
    "FOR EACH ROW EXECUTE FUNCTION decision_events_append_only()",
    "CREATE TRIGGER decision_events_no_truncate BEFORE TRUNCATE ON decision_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION decision_events_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.UniqueConstraint("name", name="uq_reviews_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _created(),
        _fk("sources", "review_id", "reviews.id"),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("review_id", "name", name="uq_sources_review_id_name"),
    )
    op.create_table(
        "review_members",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        _created(),
        sa.CheckConstraint("role IN ('lead', 'reviewer')", name="ck_review_members_role"),
        _fk("review_members", "review_id", "reviews.id"),
        _fk("review_members", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("review_id", "user_id", name="pk_review_members"),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=True),
        _created(),
        _fk("imports", "review_id", "reviews.id"),
        _fk("imports", "source_id", "sources.id"),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
    )
    _index("imports", "review_id")
    op.create_table(
        "import_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        _fk("import_files", "import_id", "imports.id"),
        sa.PrimaryKeyConstraint("id", name="pk_import_files"),
    )
    _index("import_files", "import_id")
    _index("import_files", "sha256")
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("import_file_id", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("record_index", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Text(), nullable=True) for name in _TEXT_FIELDS),
        _fk("records", "review_id", "reviews.id"),
        _fk("records", "source_id", "sources.id"),
        _fk("records", "import_file_id", "import_files.id"),
        sa.PrimaryKeyConstraint("id", name="pk_records"),
        sa.UniqueConstraint("review_id", "number", name="uq_records_review_id_number"),
    )
    _index("records", "import_file_id")
    op.create_table(
        "dedup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        _created(),
        _fk("dedup_runs", "review_id", "reviews.id"),
        sa.PrimaryKeyConstraint("id", name="pk_dedup_runs"),
    )
    _index("dedup_runs", "review_id")
    op.create_table(
        "duplicate_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _created(),
        sa.CheckConstraint("origin IN ('automatic', 'person')", name="ck_duplicate_groups_origin"),
        sa.CheckConstraint(
            "(origin = 'automatic' AND run_id IS NOT NULL) "
            "OR (origin = 'person' AND run_id IS NULL)",
            name="ck_duplicate_groups_run_for_automatic",
        ),
        _fk("duplicate_groups", "review_id", "reviews.id"),
        _fk("duplicate_groups", "run_id", "dedup_runs.id"),
        _fk("duplicate_groups", "created_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_groups"),
    )
    _index("duplicate_groups", "review_id")
    _index("duplicate_groups", "run_id")
    op.create_table(
        "duplicate_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(is_primary AND position = 0) OR (NOT is_primary AND position > 0)",
            name="ck_duplicate_group_members_primary_first",
        ),
        _fk("duplicate_group_members", "group_id", "duplicate_groups.id"),
        _fk("duplicate_group_members", "record_id", "records.id"),
        sa.PrimaryKeyConstraint("group_id", "record_id", name="pk_duplicate_group_members"),
    )
    _index("duplicate_group_members", "record_id")
    op.create_table(
        "review_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("first_record_id", sa.Integer(), nullable=False),
        sa.Column("second_record_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Float(), nullable=False),
        sa.Column("authors", sa.Float(), nullable=False),
        sa.Column("journal", sa.Float(), nullable=False),
        sa.Column("year_match", sa.Integer(), nullable=False),
        sa.Column("pages_match", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk("review_queue", "run_id", "dedup_runs.id"),
        _fk("review_queue", "first_record_id", "records.id"),
        _fk("review_queue", "second_record_id", "records.id"),
        sa.PrimaryKeyConstraint("id", name="pk_review_queue"),
    )
    _index("review_queue", "run_id")
    op.create_table(
        "decision_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _created(),
        _fk("decision_events", "review_id", "reviews.id"),
        _fk("decision_events", "record_id", "records.id"),
        _fk("decision_events", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_decision_events"),
    )
    _index("decision_events", "review_id")
    _index("decision_events", "record_id")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _APPEND_ONLY_SQLITE
    elif dialect == "postgresql":
        statements = _APPEND_ONLY_POSTGRESQL
    else:
        raise NotImplementedError(f"evsynth's store supports SQLite and PostgreSQL, not {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION decision_events_append_only() CASCADE")
    for table in (
        "decision_events", "review_queue", "duplicate_group_members", "duplicate_groups",
        "dedup_runs", "records", "import_files", "imports", "review_members", "sources",
        "users", "reviews",
    ):  # fmt: skip
        op.drop_table(table)  # indexes and SQLite triggers go with their table
