"""leads, stop-payment facts and relatives' contacts captured during a call

Revision ID: 0005_scripts_leads
Revises: 0004_telephony
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0005_scripts_leads"
down_revision = "0004_telephony"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("call_attempt_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_warning_leads_warning_id_warnings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["call_attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_warning_leads_call_attempt_id_call_attempts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_warning_leads_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_leads")),
        sa.UniqueConstraint("warning_id", "kind", "value", name="uq_warning_leads_value"),
    )
    op.create_index(op.f("ix_warning_leads_warning_id"), "warning_leads", ["warning_id"], unique=False)
    op.create_table(
        "stop_payment_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("call_attempt_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("transferred_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("victim_bank", sa.String(length=100), nullable=False),
        sa.Column("victim_account", sa.String(length=64), nullable=False),
        sa.Column("payee_account", sa.String(length=200), nullable=False),
        sa.Column("payee_bank", sa.String(length=100), nullable=False),
        sa.Column("transaction_ref", sa.String(length=100), nullable=False),
        sa.Column("account_holder", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"],
                                name=op.f("fk_stop_payment_records_warning_id_warnings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["call_attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_stop_payment_records_call_attempt_id_call_attempts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"],
                                name=op.f("fk_stop_payment_records_escalation_id_escalations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_stop_payment_records_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stop_payment_records")),
    )
    op.create_index(op.f("ix_stop_payment_records_warning_id"), "stop_payment_records", ["warning_id"], unique=False)
    op.create_table(
        "relative_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("call_attempt_id", sa.Integer(), nullable=True),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("whereabouts", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_relative_contacts_warning_id_warnings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["call_attempt_id"], ["call_attempts.id"],
                                name=op.f("fk_relative_contacts_call_attempt_id_call_attempts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_relative_contacts_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relative_contacts")),
    )
    op.create_index(op.f("ix_relative_contacts_warning_id"), "relative_contacts", ["warning_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_relative_contacts_warning_id"), table_name="relative_contacts")
    op.drop_table("relative_contacts")
    op.drop_index(op.f("ix_stop_payment_records_warning_id"), table_name="stop_payment_records")
    op.drop_table("stop_payment_records")
    op.drop_index(op.f("ix_warning_leads_warning_id"), table_name="warning_leads")
    op.drop_table("warning_leads")
