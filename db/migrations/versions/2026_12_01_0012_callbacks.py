"""callbacks: an operator's agreed callbacks are found by one index seek on every claim

A callback (约定回拨) is a queue item of kind "callback" assigned to the operator who agreed it; the
claim looks for the acting operator's due callbacks first, by ``assigned_to``.

Revision ID: 0012_callbacks
Revises: 0011_presence_review
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0012_callbacks"
down_revision = "0011_presence_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index("ix_queue_items_assigned", ["assigned_to", "status", "deadline_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_assigned")
