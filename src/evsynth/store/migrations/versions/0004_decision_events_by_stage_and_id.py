"""An index on decision_events (review_id, stage, id): the events of a review's stage appended
since a given one, read by the workbench's vote tally (``evsynth.store._tally``) on every screening
step. Without it SQLite walks every vote of the review's stage to find the few new ones.

Revision ID: 0004
Revises: 0003
Created: 2026-12-01
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NAME = "ix_decision_events_review_id_stage_id"


def upgrade() -> None:
    op.create_index(_NAME, "decision_events", ["review_id", "stage", "id"])


def downgrade() -> None:
    op.drop_index(_NAME, table_name="decision_events")
