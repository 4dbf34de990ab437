"""``dissuade user add LOGIN --role ROLE``: password from stdin (piped) or an interactive prompt."""

from __future__ import annotations

import argparse
import getpass
import sys

from console.commands.common import add_db_option, fail, open_db
from console.services.core.context import ServiceError
from console.services.security import auth
from db.models import ROLES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("user", help="用户管理")
    sub = parser.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="新增用户（密码从标准输入读取或交互输入）")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="显示姓名")
    add_db_option(add)
    add.set_defaults(func=_add)
    ls = sub.add_parser("list", help="列出用户")
    add_db_option(ls)
    ls.set_defaults(func=_list)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
        if first != second:
            raise ServiceError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _add(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
        database = open_db(args)
        user = auth.add_user(database.context(), args.login, password, args.role, args.name)
    except ServiceError as exc:
        return fail(str(exc), 1)
    print(f"已新增用户 {user.login}（{user.role}）")
    return 0


def _list(args: argparse.Namespace) -> int:
    database = open_db(args)
    for user in auth.list_users(database.context()):
        print(f"{user.login}\t{user.role}\t{user.display_name}\t{'启用' if user.active else '停用'}")
    return 0
