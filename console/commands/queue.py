"""``dissuade queue next|list|callback``: claim or list queue items, agree a callback, from the command line.

``queue next --operator LOGIN`` claims for that user after checking their password (a prompt, or
``--password-stdin``); ``queue list`` shows the queue to a logged-in user (``--as LOGIN``);
``queue callback --warning ID --at 15:00`` queues an agreed callback (约定回拨) for that user.
"""

from __future__ import annotations

import argparse

from console.commands.common import add_db_option, add_login_options, fail, open_db, print_json, user_context
from console.services.calls.callbacks import agree_callback, due_at_from_text
from console.services.core.context import ServiceError
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.queue.claims import claim_next, list_open
from console.services.queue.wording import state_text
from console.services.triage.scoring import explain


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("queue", help="待办队列")
    sub = parser.add_subparsers(dest="queue_command", required=True)
    nxt = sub.add_parser("next", help="为指定接线员领取最紧急的一条")
    nxt.add_argument("--operator", required=True, metavar="LOGIN", help="以该用户身份领取（须验证其密码）")
    nxt.add_argument("--json", action="store_true", help="输出 JSON")
    add_login_options(nxt, as_flag=False)
    add_db_option(nxt)
    nxt.set_defaults(func=_next)
    ls = sub.add_parser("list", help="列出队列（按领取顺序）")
    ls.add_argument("--json", action="store_true", help="输出 JSON")
    ls.add_argument("--limit", type=int, default=None, help="最多列出条数")
    add_login_options(ls)
    add_db_option(ls)
    ls.set_defaults(func=_list)
    back = sub.add_parser("callback", help="约定回拨：到时排在本人队列最前")
    back.add_argument("--warning", required=True, type=int, metavar="ID", help="预警序号")
    back.add_argument("--at", required=True, metavar="TIME", help="15:00（已过则为明天）、+30（分钟后）或 2026-12-02 15:00")
    back.add_argument("--json", action="store_true", help="输出 JSON")
    add_login_options(back)
    add_db_option(back)
    back.set_defaults(func=_callback)


def _next(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        item = claim_next(user_context(database, args, "queue.work", login=args.operator))
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json(item.to_json() if item else {"warning_id": None})
    elif item is None:
        print("队列中暂无可领取的条目")
    else:
        print(f"已领取 预警#{item.warning_id}（条目#{item.item_id}） {RISK_LEVEL_LABELS[item.risk_level]}色 "
              f"{item.score}分 {item.fraud_type_label} 时限 {item.deadline_at:%Y-%m-%d %H:%M}")
        print(f"  原因：{explain(item.reasons)}")
    return 0


def _list(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args)
        entries = list_open(ctx, args.limit)
        now, clock = ctx.now(), ctx.centre_clock
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json([entry.to_json() for entry in entries])
        return 0
    for entry in entries:
        deadline = clock.format(entry.deadline_at, "%m-%d %H:%M") if entry.deadline_at else "-"
        late = "（已超时）" if entry.overdue else ""
        print(f"#{entry.warning_id}\t{RISK_LEVEL_LABELS[entry.risk_level]}\t{entry.score}\t{entry.fraud_type_label}\t"
              f"{entry.name_masked} {entry.phone_masked}\t{state_text(entry, now, clock)}\t{deadline}{late}")
    print(f"共 {len(entries)} 条")
    return 0


def _callback(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args, "call.log")
        callback = agree_callback(ctx, args.warning, due_at_from_text(ctx, args.at))
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    clock = ctx.centre_clock
    if args.json:
        print_json({"item_id": callback.item_id, "warning_id": callback.warning_id,
                    "due_at": callback.due_at.isoformat(), "open_to_all_at": callback.open_to_all_at.isoformat(),
                    "operator": callback.operator, "replaced": callback.replaced})
    else:
        print(f"已约定回拨 预警#{callback.warning_id}：{clock.format(callback.due_at, '%Y-%m-%d %H:%M')}（{clock.label}），"
              f"{clock.format(callback.open_to_all_at, '%H:%M')} 起其他接线员也可领取")
    return 0
