"""crash-safe imports: rows already imported, interrupted batches

``imported_rows`` remembers every file row an import turned into (or merged into, or rejected as) a
warning, so importing the same row again is a no-op instead of a repeat that raises a priority.
``import_batches`` gains the count of such unchanged rows, and the process that runs a batch with
the time of its last committed chunk, so a batch whose process died can be found and resumed.

Revision ID: 0007_intake_rowkeys
Revises: 0006_speech_sms
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0007_intake_rowkeys"
down_revision = "0006_speech_sms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unchanged", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("worker", sa.String(length=128), server_default="", nullable=False))
        batch_op.add_column(sa.Column("heartbeat_at", db.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "imported_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("content_sha", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batches.id"], name=op.f("fk_imported_rows_batch_id_import_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_rows")),
        sa.UniqueConstraint("file_sha256", "row_number", name="uq_imported_rows_file_row"),
    )
    with op.batch_alter_table("imported_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_rows_content_sha"), ["content_sha"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_rows_content_sha"))
    op.drop_table("imported_rows")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
        batch_op.drop_column("unchanged")
