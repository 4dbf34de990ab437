"""call attempts record confirmed key actions apart from promised ones

``call_attempts.key_actions`` keeps what the person *promised* during the call (stop the transfer,
tell the family, install the app …); the new ``confirmed_actions`` holds what was *verified*: by the
operator with the explicit 核实 control, or by a follow-up call that found it done.  Every row written
before this revision only knew ticks made on a promise, so its ticks stay promises and its
confirmations start empty.

Revision ID: 0009_key_actions
Revises: 0008_security_audit
Create Date: 2026-12-01 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_key_actions"
down_revision = "0008_security_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_actions", json_type, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_column("confirmed_actions")
