"""drop indexes that are prefixes of composite indexes

``warnings.person_id`` leads ``ix_warnings_person_type_received`` and ``queue_items.status`` leads
``ix_queue_items_level_deadline`` and ``ix_queue_items_level_priority``: every lookup (and every
foreign-key check) the single-column indexes served is served by the composites, and each index
costs a write on every imported row.

Revision ID: 0003_prefix_indexes
Revises: 0002_queue_indexes
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003_prefix_indexes"
down_revision = "0002_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_status")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_warnings_person_id")


def downgrade() -> None:
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index("ix_warnings_person_id", ["person_id"], unique=False)
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index("ix_queue_items_status", ["status"], unique=False)
