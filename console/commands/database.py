"""``dissuade db upgrade``: create or migrate the schema, then make the seat role's grants (PostgreSQL).

Run by the owner of the database (the role that owns the tables).  It also creates the audit
signing key on this machine if there is none (see :mod:`console.services.core.audit_anchors`).
"""

from __future__ import annotations

import argparse

from console.app.bootstrap import open_database
from console.commands.common import add_db_option, fail
from console.services.core import audit_anchors
from db import migrate
from db.privileges import DEFAULT_SEAT_ROLE, PrivilegeError, grant_seat_privileges


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="数据库结构管理")
    sub = parser.add_subparsers(dest="db_command", required=True)
    up = sub.add_parser("upgrade", help="创建或升级数据库结构，并设置席位角色的权限（PostgreSQL）")
    up.add_argument("--seat-role", default=DEFAULT_SEAT_ROLE,
                    help=f"各席位连接 PostgreSQL 所用的角色（默认 {DEFAULT_SEAT_ROLE}；SQLite 忽略）")
    add_db_option(up)
    up.set_defaults(func=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    database = open_database(getattr(args, "db", None), upgrade=False)
    try:
        applied = migrate.upgrade(database.engine)
        revision = migrate.current_revision(database.engine)
        state = "已升级到" if applied else "已是最新版本"
        print(f"{database.description}：{state} {revision}")
        grants = grant_seat_privileges(database.engine, args.seat_role)
        if grants is not None:
            made = "（已新建该角色，请设置其密码）" if grants.created_role else ""
            print(f"席位角色 {grants.seat_role}：已设置 {grants.tables} 张表的权限{made}；"
                  "审计表只可查询与追加，用户表只读")
    except PrivilegeError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if audit_anchors.load_key(create=True) is None:
        return fail(f"无法创建审计密钥文件 {audit_anchors.key_path()}", 1)
    return 0
