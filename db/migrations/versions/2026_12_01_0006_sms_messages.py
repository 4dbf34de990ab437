"""sms messages, delivery receipts and opt-outs

Revision ID: 0006_speech_sms
Revises: 0005_scripts_leads
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision = "0006_speech_sms"
down_revision = "0005_scripts_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("data_coding", sa.Integer(), nullable=False),
        sa.Column("flash", sa.Boolean(), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_sms_messages_person_id_persons"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sent_by"], ["users.id"], name=op.f("fk_sms_messages_sent_by_users")),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_sms_messages_warning_id_warnings"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
    )
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.create_index("ix_sms_messages_created", ["created_at"], unique=False)
        batch_op.create_index("ix_sms_messages_phone_created", ["phone", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_messages_warning_id"), ["warning_id"], unique=False)
    op.create_table(
        "sms_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sms_message_id", sa.Integer(), nullable=True),
        sa.Column("smsc_message_id", sa.String(length=65), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=8), nullable=False),
        sa.Column("done_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sms_message_id"], ["sms_messages.id"],
                                name=op.f("fk_sms_receipts_sms_message_id_sms_messages"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_receipts")),
    )
    with op.batch_alter_table("sms_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_receipts_sms_message_id"), ["sms_message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_receipts_smsc_message_id"), ["smsc_message_id"], unique=False)
    op.create_table(
        "sms_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_opt_outs")),
        sa.UniqueConstraint("phone", name=op.f("uq_sms_opt_outs_phone")),
    )


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
    with op.batch_alter_table("sms_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_receipts_smsc_message_id"))
        batch_op.drop_index(batch_op.f("ix_sms_receipts_sms_message_id"))
    op.drop_table("sms_receipts")
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_messages_warning_id"))
        batch_op.drop_index("ix_sms_messages_phone_created")
        batch_op.drop_index("ix_sms_messages_created")
    op.drop_table("sms_messages")
