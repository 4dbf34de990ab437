"""``dissuade demo [--warnings N] [--seed S]``: fill a database with the demo county.

An empty database (no users yet) is filled without a login, for setting up; once it has users
an administrator must log in (``--as LOGIN``).
"""

from __future__ import annotations

import argparse

from console.commands.common import add_db_option, add_login_options, fail, open_db, user_context, users_exist
from console.services.core.context import ServiceError
from console.services.demo import generate as demo


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="填充演示数据（虚构的明湖县反诈中心）")
    parser.add_argument("--warnings", type=int, default=1200, help="预警条数（默认 1200）")
    parser.add_argument("--seed", type=int, default=7, help="随机种子（相同种子生成相同数据）")
    parser.add_argument("--open", type=int, default=None, dest="open_count", help="仍在队列中的预警条数")
    add_login_options(parser)
    add_db_option(parser)
    parser.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args) if users_exist(database) else database.context()
        summary = demo.generate(ctx, warnings=args.warnings, seed=args.seed, open_count=args.open_count)
    except ServiceError as exc:
        database.dispose()
        return fail(str(exc), 1)
    print(
        f"演示数据已写入 {database.description}：派出所 {summary.stations} 个，用户 {summary.users} 个，"
        f"预警 {summary.warnings} 条（待处理 {summary.open_warnings}），通话 {summary.calls} 次，"
        f"上报 {summary.escalations} 次，回访计划 {summary.follow_ups} 条。演示账号密码：{demo.DEMO_PASSWORD}"
    )
    database.dispose()
    return 0
