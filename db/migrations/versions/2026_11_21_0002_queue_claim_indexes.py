"""queue claim indexes

Indexes behind claim_next: per status and level, by deadline (most overdue first) and by score;
and scheduled follow-ups by due time.

Revision ID: 0002_queue_indexes
Revises: 0001
Create Date: 2026-11-21 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002_queue_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index("ix_queue_items_level_deadline", ["status", "risk_level", "deadline_at"], unique=False)
        batch_op.create_index("ix_queue_items_level_priority", ["status", "risk_level", "priority"], unique=False)
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_status_due", ["status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_status_due")
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_level_priority")
        batch_op.drop_index("ix_queue_items_level_deadline")
