"""The designated resolver: review_members.role may also be 'resolver' (a member who resolves
conflicts on records they did not vote on, and otherwise screens as a reviewer).

Only review_members changes. SQLite cannot alter a CHECK constraint, so batch mode copies that
table (it has no triggers to lose); PostgreSQL drops and adds the constraint in place.
Downgrading refuses while a resolver exists (rather than dropping their membership).

Revision ID: 0003
Revises: 0002
Created: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NAME = "ck_review_members_role"
_WITH_RESOLVER = "role IN ('lead', 'resolver', 'reviewer')"
_WITHOUT = "role IN ('lead', 'reviewer')"


def _members(check: str) -> sa.Table:
    """review_members as 0001 made it, with the role check ``check`` (SQLite's copy)."""
    return sa.Table(
        "review_members",
        sa.MetaData(),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name="fk_review_members_review_id_reviews"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_review_members_user_id_users"),
        sa.PrimaryKeyConstraint("review_id", "user_id", name="pk_review_members"),
        sa.CheckConstraint(check, name=op.f(_NAME)),
    )


def _set_role_check(new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite keeps CHECK constraints only in the table's SQL: copy the table into one
        # described in full, with the new check (its rows are copied as they are).
        with op.batch_alter_table("review_members", copy_from=_members(new), recreate="always"):
            pass
        return
    # 0001 gave the check the name twice over (ck_review_members_ck_review_members_role,
    # through the naming convention): drop it by whatever name it has.
    for check in sa.inspect(op.get_bind()).get_check_constraints("review_members"):
        if "role" in check["sqltext"]:
            op.drop_constraint(op.f(check["name"]), "review_members", type_="check")
    op.create_check_constraint(op.f(_NAME), "review_members", new)


def upgrade() -> None:
    _set_role_check(_WITH_RESOLVER)


def downgrade() -> None:
    resolvers = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM review_members WHERE role = 'resolver'")
    )
    if resolvers:
        raise RuntimeError(
            f"cannot downgrade below 0003: {resolvers} review member(s) have the role "
            "'resolver', which 0002 does not know; give them another role first"
        )
    _set_role_check(_WITHOUT)
