"""``dissuade user add LOGIN --role ROLE`` and ``dissuade user list``: managed by an administrator.

An administrator logs in first (``--as LOGIN``; with ``--password-stdin`` the first line of standard
input is the administrator's password and the second the new user's).  The one exception is the
very first user of an empty database, which must be an administrator and needs no login.
"""

from __future__ import annotations

import argparse
import sys

from console.commands.common import (
    add_db_option,
    add_login_options,
    fail,
    open_db,
    read_line,
    user_context,
    users_exist,
)
from console.services.core.context import ServiceContext, ServiceError
from console.services.security import auth
from db.models import ROLES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("user", help="用户管理（须管理员登录；空数据库的第一个管理员除外）")
    sub = parser.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="新增用户（密码从标准输入读取或交互输入）")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="显示姓名")
    add_login_options(add)
    add_db_option(add)
    add.set_defaults(func=_add)
    ls = sub.add_parser("list", help="列出用户")
    add_login_options(ls)
    add_db_option(ls)
    ls.set_defaults(func=_list)


def _new_password() -> str:
    if sys.stdin.isatty():
        first = read_line("新用户的密码：", hidden=True)
        second = read_line("再次输入新用户的密码：", hidden=True)
        if first != second:
            raise ServiceError("两次输入的密码不一致")
        return first
    return read_line("", hidden=True)


def _add(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx: ServiceContext
        if users_exist(database):
            ctx = user_context(database, args, "users.manage")
        elif args.role != "admin":
            raise ServiceError("数据库中还没有用户：第一个用户必须是管理员（--role admin）")
        else:
            ctx = database.context()  # bootstrapping: the first administrator of an empty database
        user = auth.add_user(ctx, args.login, _new_password(), args.role, args.name)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    print(f"已新增用户 {user.login}（{user.role}）")
    return 0


def _list(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        users = auth.list_users(user_context(database, args, "users.manage"))
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    for user in users:
        print(f"{user.login}\t{user.role}\t{user.display_name}\t{'启用' if user.active else '停用'}")
    return 0
