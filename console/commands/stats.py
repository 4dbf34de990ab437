"""``dissuade stats --from DATE --to DATE [--json]``: the figures the reports print.

The numbers come from :func:`console.services.stats.figures.compute_stats`, the same object the PDF reports
are built from, so ``--json`` equals what is on paper.  The command acts for the user who logs in
(``--as LOGIN`` and their password), whose role rules then apply.
"""

from __future__ import annotations

import argparse
import datetime as dt

from console.app.bootstrap import Database
from console.commands.common import add_db_option, add_login_options, fail, open_db, print_json, user_context
from console.services.core.context import ServiceContext, ServiceError
from console.services.reports.common import fmt_int, fmt_minutes, fmt_money, fmt_share, level_label
from console.services.stats.figures import compute_stats


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”应为 YYYY-MM-DD 格式") from None


def add_actor_option(parser: argparse.ArgumentParser) -> None:
    add_login_options(parser)


def context_for(database: Database, args: argparse.Namespace) -> ServiceContext:
    """The context of the user who logs in for this command (raises ServiceError when refused)."""
    return user_context(database, args)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("stats", help="统计数字（与报表一致）")
    parser.add_argument("--from", dest="date_from", type=parse_date, required=True, help="开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="date_to", type=parse_date, required=True, help="结束日期 YYYY-MM-DD（含）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    add_actor_option(parser)
    add_db_option(parser)
    parser.set_defaults(func=_stats)


def _stats(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        stats = compute_stats(context_for(database, args), args.date_from, args.date_to)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json(stats.to_dict())
        return 0
    t = stats.totals
    print(f"{stats.date_from} 至 {stats.date_to}（{stats.timezone}）")
    print(f"  预警 {fmt_int(t.warnings_received)}  已联系 {fmt_int(t.contacted)}  劝阻成功 {fmt_int(t.dissuaded)}  "
          f"拒绝 {fmt_int(t.refused)}  被骗 {fmt_int(t.victimized)}  超时 {fmt_int(t.late)}  成功率 {fmt_share(t.dissuaded, t.dissuaded + t.refused + t.victimized)}")
    print(f"  电话 {fmt_int(t.calls)}（接通 {fmt_int(t.connected_calls)}）  上报 {fmt_int(t.escalations)}  "
          f"回访 {fmt_int(t.follow_ups_done)}  挽回 {fmt_money(t.amount_protected)}  复骗 {fmt_int(t.repeat_victims)}")
    rt = stats.response_times
    print(f"  首次联系用时 中位数 {fmt_minutes(rt.overall.median_s)}  90%分位 {fmt_minutes(rt.overall.p90_s)}  "
          f"时限内 {fmt_share(rt.overall.within_deadline, rt.overall.count)}")
    for row in stats.by_level:
        print(f"  {level_label(row.key)}：接收 {row.received}  劝阻成功 {row.dissuaded}  超时 {row.late}")
    return 0
