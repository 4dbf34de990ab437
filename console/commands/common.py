"""Helpers shared by the subcommands: opening the database, logging a user in, JSON output, errors.

A command that reads or changes the centre's data acts for a user who proves it with a password:
``--as LOGIN`` (or a prompt on a terminal) and the password from ``--password-stdin`` or a hidden
prompt.  There is no password in an environment variable or on the command line (``ps`` shows both).
The only commands that need nobody are the set-up ones: ``db upgrade``, ``demo`` and ``user add`` of
the first administrator while the users table is empty.
"""

from __future__ import annotations

import argparse
import getpass
import json
import socket
import sys
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from console.app.bootstrap import Database, open_database
from console.services.core.context import Actor, ServiceContext, ServiceError
from console.services.core.storage import describe_storage_error, is_connection_error
from console.services.security import auth
from db.models import User

CHANNEL = "cli"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=argparse.SUPPRESS, help="数据库 URL（默认：环境变量 DISSUADE_DB，否则本机 SQLite 文件）")


def add_login_options(parser: argparse.ArgumentParser, *, as_flag: bool = True) -> None:
    """``--as LOGIN`` and ``--password-stdin`` (``as_flag=False`` when the command names the user itself)."""
    if as_flag:
        parser.add_argument("--as", dest="as_login", metavar="LOGIN", default=None,
                            help="以该用户身份执行（须验证其密码，按其角色校验权限与脱敏）")
    parser.add_argument("--password-stdin", action="store_true",
                        help="从标准输入的第一行读取登录密码（供脚本使用；不在终端时必须使用）")


def open_db(args: argparse.Namespace) -> Database:
    return open_database(getattr(args, "db", None))


def users_exist(database: Database) -> bool:
    with database.sessions() as session:
        return bool(session.execute(select(func.count()).select_from(User)).scalar_one())


def read_line(prompt: str, *, hidden: bool) -> str:
    """One line from the terminal (hidden for passwords) or, when piped, from standard input."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt) if hidden else input(prompt)
    line = sys.stdin.readline()
    if not line:
        raise ServiceError("标准输入已结束，没有读到所需的输入")
    return line.rstrip("\r\n")


def read_password(args: argparse.Namespace, login: str) -> str:
    if getattr(args, "password_stdin", False) or sys.stdin.isatty():
        return read_line(f"{login} 的密码：", hidden=True)
    raise ServiceError("此命令需要登录：请在终端中运行以输入密码，或加 --password-stdin 从标准输入提供密码")


def login_actor(database: Database, args: argparse.Namespace, login: str | None = None) -> Actor:
    """Authenticate the user the command acts for (audited as a login on the "cli" channel)."""
    login = login or getattr(args, "as_login", None)
    if not login:
        if not sys.stdin.isatty():
            raise ServiceError("此命令需要登录：请用 --as 指定登录名")
        login = read_line("登录名：", hidden=False).strip()
    password = read_password(args, login)
    return auth.authenticate(database.context(), login, password, seat=f"cli@{socket.gethostname()}"[:64],
                             channel=CHANNEL)


def user_context(database: Database, args: argparse.Namespace, permission: str | None = None, *,
                 login: str | None = None) -> ServiceContext:
    """The context of the logged-in user; refuses early when the role lacks ``permission``."""
    ctx = database.context(login_actor(database, args, login))
    if permission is not None:
        ctx.require(permission)
    return ctx


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 2) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return code


def describe_failure(exc: BaseException) -> str:
    """One sentence for an error no command handled (printed instead of a traceback)."""
    if isinstance(exc, ServiceError):
        return str(exc)
    if isinstance(exc, DBAPIError) and is_connection_error(exc):
        return "无法连接数据库：请检查 --db 或 DISSUADE_DB 的地址，以及数据库服务器是否正在运行"
    if isinstance(exc, SQLAlchemyError | OSError):
        text = describe_storage_error(exc)
        if not text.startswith("保存失败"):
            return text.split("。")[0] + "。"
        return f"数据库或文件访问失败（{type(exc).__name__}），请联系管理员"
    return f"内部错误（{type(exc).__name__}），请联系管理员"
