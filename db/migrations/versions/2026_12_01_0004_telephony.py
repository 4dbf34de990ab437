"""telephony: agent state with heartbeat, call recordings linked to call attempts

Revision ID: 0004_telephony
Revises: 0003_prefix_indexes
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0004_telephony"
down_revision = "0003_prefix_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("seat", sa.String(length=64), nullable=False),
        sa.Column("changed_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_agent_states_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_agent_states")),
    )
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_states_heartbeat_at"), ["heartbeat_at"], unique=False)
    op.create_table(
        "call_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=36), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purged_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_call_recordings_attempt_id_call_attempts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["operator_id"], ["users.id"], name=op.f("fk_call_recordings_operator_id_users")),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_call_recordings_warning_id_warnings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_recordings")),
    )
    with op.batch_alter_table("call_recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_recordings_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_recordings_call_uuid"), ["call_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_recordings_warning_id"), ["warning_id"], unique=False)


def downgrade() -> None:
    op.drop_table("call_recordings")
    op.drop_table("agent_states")
