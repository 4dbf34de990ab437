"""audit entries record their channel; PostgreSQL refuses UPDATE, DELETE and TRUNCATE on them

``audit_events.channel`` says whether a logged-in user acted through the console window ("gui") or
the command line ("cli").  On PostgreSQL a trigger makes the table append-only for every role,
the owner included (only a superuser who disables triggers gets past it); the grants for the seat
role are made by ``dissuade db upgrade`` (see db/privileges.py).  SQLite has no such triggers worth
the name: anyone who can write the file can drop them, so there the signed chain head does the work.

Revision ID: 0008_security_audit
Revises: 0007_intake_rowkeys
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_security_audit"
down_revision = "0007_intake_rowkeys"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION dissuade_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END;
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION dissuade_audit_append_only()")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION dissuade_audit_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS dissuade_audit_append_only()")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("channel")
