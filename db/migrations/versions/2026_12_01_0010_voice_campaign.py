"""automated voice-warning campaigns and their items

Revision ID: 0010_voice_campaign
Revises: 0009_key_actions
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision = "0010_voice_campaign"
down_revision = "0009_key_actions"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "voice_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("levels", JSON, nullable=False),
        sa.Column("fraud_types", JSON, nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_voice_campaigns_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_campaigns")),
    )
    with op.batch_alter_table("voice_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_campaigns_status"), ["status"], unique=False)
    op.create_table(
        "voice_campaign_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.String(length=16), nullable=False),
        sa.Column("listened_s", sa.Float(), nullable=False),
        sa.Column("replays", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("call_attempt_id", sa.Integer(), nullable=True),
        sa.Column("callback_item_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_voice_campaign_items_call_attempt_id_call_attempts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["callback_item_id"], ["queue_items.id"],
                                name=op.f("fk_voice_campaign_items_callback_item_id_queue_items"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["campaign_id"], ["voice_campaigns.id"],
                                name=op.f("fk_voice_campaign_items_campaign_id_voice_campaigns"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"],
                                name=op.f("fk_voice_campaign_items_person_id_persons"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"],
                                name=op.f("fk_voice_campaign_items_warning_id_warnings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_campaign_items")),
    )
    with op.batch_alter_table("voice_campaign_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_campaign_items_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_voice_campaign_items_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_voice_campaign_items_warning_id"), ["warning_id"], unique=False)
        batch_op.create_index("ix_voice_campaign_items_status_next", ["campaign_id", "status", "next_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_campaign_items", schema=None) as batch_op:
        batch_op.drop_index("ix_voice_campaign_items_status_next")
        batch_op.drop_index(batch_op.f("ix_voice_campaign_items_warning_id"))
        batch_op.drop_index(batch_op.f("ix_voice_campaign_items_person_id"))
        batch_op.drop_index(batch_op.f("ix_voice_campaign_items_campaign_id"))
    op.drop_table("voice_campaign_items")
    with op.batch_alter_table("voice_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_campaigns_status"))
    op.drop_table("voice_campaigns")
