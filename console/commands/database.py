"""``dissuade db upgrade``: create or migrate the schema."""

from __future__ import annotations

import argparse

from console.app.bootstrap import open_database
from console.commands.common import add_db_option
from db import migrate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="数据库结构管理")
    sub = parser.add_subparsers(dest="db_command", required=True)
    up = sub.add_parser("upgrade", help="创建或升级数据库结构")
    add_db_option(up)
    up.set_defaults(func=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    database = open_database(getattr(args, "db", None), upgrade=False)
    applied = migrate.upgrade(database.engine)
    revision = migrate.current_revision(database.engine)
    state = "已升级到" if applied else "已是最新版本"
    print(f"{database.description}：{state} {revision}")
    database.dispose()
    return 0
