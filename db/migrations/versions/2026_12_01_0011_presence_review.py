"""presence: the item in hand and an explicit sign-off on agent states; call quality reviews

``agent_states.item_id`` is the queue item the seat reported in its last heartbeat and
``offline_since`` is stamped by a logout or a quit (离线 at once, without waiting for the heartbeat
to go stale).  ``call_reviews`` holds the 话务质检 scores of one call attempt.

Revision ID: 0011_presence_review
Revises: 0010_voice_campaign
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision = "0011_presence_review"
down_revision = "0010_voice_campaign"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("offline_since", db.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "call_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("scores", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("max_total", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempts.id"], name=op.f("fk_call_reviews_attempt_id_call_attempts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["operator_id"], ["users.id"], name=op.f("fk_call_reviews_operator_id_users")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_call_reviews_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reviews")),
    )
    with op.batch_alter_table("call_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_reviews_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_reviews_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_reviews_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_reviews_created_at"))
        batch_op.drop_index(batch_op.f("ix_call_reviews_operator_id"))
        batch_op.drop_index(batch_op.f("ix_call_reviews_attempt_id"))
    op.drop_table("call_reviews")
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.drop_column("offline_since")
        batch_op.drop_column("item_id")
