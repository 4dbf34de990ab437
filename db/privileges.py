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
    role = f'"{seat_role}"'
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": seat_role}).first()
        created = False
        if exists is None:
            can_create = conn.execute(text("SELECT rolcreaterole OR rolsuper FROM pg_roles "
                                           "WHERE rolname = current_user")).scalar_one()
            if not can_create:
                raise PrivilegeError(f"数据库角色“{seat_role}”不存在，当前角色无权创建：请数据库管理员先执行 "
                                     f"CREATE ROLE {seat_role} LOGIN PASSWORD '…'")
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            created = True
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        tables = [str(t) for t in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars()]
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))  # the default before PostgreSQL 15
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
        for table in tables:
            name = f'"{table}"'
            if table in READ_ONLY_TABLES:
                conn.execute(text(f"GRANT SELECT ON {name} TO {role}"))
            elif table in APPEND_ONLY_TABLES:
                conn.execute(text(f"GRANT SELECT, INSERT ON {name} TO {role}"))
            else:
                conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {role}"))
        if "users" in tables:
            columns = ", ".join(LOGIN_BOOKKEEPING_COLUMNS)
            conn.execute(text(f"GRANT UPDATE ({columns}) ON users TO {role}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    return GrantReport(seat_role, created, len(tables))
