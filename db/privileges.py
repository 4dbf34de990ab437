"""PostgreSQL least privilege: the grants of the seat role, made by ``dissuade db upgrade``.

Two roles share a centre's database:

- the **owner** (the role that runs ``dissuade db upgrade``): owns the tables, runs migrations and
  administration (users, retention);
- the **seat** role (default ``dissuade_seat``) that every console seat connects as: it reads and
  writes the working tables, but may only SELECT and INSERT audit entries (no UPDATE, DELETE or
  TRUNCATE; a trigger refuses those for the owner as well), may not insert, delete or change users
  or their roles and passwords (only the login bookkeeping columns: failed attempts, lock, last
  login), and may only read the schema version.

The grants are made idempotently: everything is revoked from the seat role and granted again, so
running ``db upgrade`` after a migration also covers new tables.  SQLite has no roles: nothing to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

DEFAULT_SEAT_ROLE = "dissuade_seat"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Tables the seat may only read (and, for users, update the bookkeeping columns of a login).
READ_ONLY_TABLES = ("alembic_version", "users")
APPEND_ONLY_TABLES = ("audit_events",)
LOGIN_BOOKKEEPING_COLUMNS = ("failed_logins", "locked_until", "last_login_at")


class PrivilegeError(Exception):
    """The grants could not be made (message in Chinese, for the administrator)."""


@dataclass(frozen=True)
class GrantReport:
    seat_role: str
    created_role: bool
    tables: int


def grant_seat_privileges(engine: Engine, seat_role: str = DEFAULT_SEAT_ROLE) -> GrantReport | None:
    """Create the seat role if needed and (re)make its grants; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    if not _ROLE_NAME.match(seat_role):
        raise PrivilegeError(f"席位角色名不合法：{seat_role}（只能用小写字母、数字和下划线）")
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": seat_role}).first()
        can_create = conn.execute(text("SELECT rolcreaterole OR rolsuper FROM pg_roles "
                                       "WHERE rolname = current_user")).scalar_one()
        if exists is None and not can_create:
            raise PrivilegeError(f"数据库角色“{seat_role}”不存在，当前角色无权创建：请数据库管理员先执行 "
                                 f"CREATE ROLE {seat_role} LOGIN PASSWORD '…'")
        database = str(conn.execute(text("SELECT current_database()")).scalar_one())
        tables = [str(t) for t in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars()]
        # Role and table names cannot be bound parameters; psycopg quotes them as identifiers.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        grant = _Grants(cursor, seat_role)
        if exists is None:
            grant("CREATE ROLE {role} LOGIN")
        grant("GRANT CONNECT ON DATABASE {} TO {role}", database)
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))  # the default before PostgreSQL 15
        grant("GRANT USAGE ON SCHEMA public TO {role}")
        grant("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        for table in tables:
            if table in READ_ONLY_TABLES:
                grant("GRANT SELECT ON {} TO {role}", table)
            elif table in APPEND_ONLY_TABLES:
                grant("GRANT SELECT, INSERT ON {} TO {role}", table)
            else:
                grant("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {role}", table)
        if "users" in tables:
            grant("GRANT UPDATE ({}, {}, {}) ON users TO {role}", *LOGIN_BOOKKEEPING_COLUMNS)
        grant("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return GrantReport(seat_role, exists is None, len(tables))


class _Grants:
    """Runs one statement whose ``{}`` and ``{role}`` slots are identifiers quoted by psycopg."""

    def __init__(self, cursor: Any, role: str) -> None:
        self.cursor = cursor
        self.role = role

    def __call__(self, template: str, *identifiers: str) -> None:
        from psycopg import sql

        statement = sql.SQL(template).format(*map(sql.Identifier, identifiers), role=sql.Identifier(self.role))
        self.cursor.execute(statement)
