"""document numbers (文号): one running number per year and document kind, kept per object

Revision ID: 0013_documents
Revises: 0012_callbacks
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0013_documents"
down_revision = "0012_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_numbers")),
        sa.UniqueConstraint("kind", "year", "number", name="uq_document_numbers_number"),
        sa.UniqueConstraint("kind", "object_id", name="uq_document_numbers_object"),
    )


def downgrade() -> None:
    op.drop_table("document_numbers")
