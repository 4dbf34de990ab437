"""``dissuade stations import FILE.csv | list [--json]`` and ``dissuade report escalation ID --out FILE.pdf``.

The escalation dispatch sheet plugs into the ``report`` command through
:data:`console.commands.report.REPORT_BUILDERS`; this module must therefore be imported before the
report module registers its parsers (it comes first in ``COMMAND_MODULES``).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from console.commands import report
from console.commands.common import add_db_option, fail, open_db, print_json
from console.commands.stats import add_actor_option, context_for
from console.services.core.context import ServiceContext, ServiceError
from console.services.escalation import stations
from console.services.pdf.dispatch_sheet import DEFAULT_CENTRE, render_dispatch_sheet_pages
from console.services.reports.common import ReportResult


def _escalation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("escalation_id", type=int, help="上报指令编号")
    parser.add_argument("--reveal", action="store_true",
                        help="打印住址、电话等明文（供民警上门使用；须有查看权限，记入审计）")
    parser.add_argument("--centre", default=DEFAULT_CENTRE, help="页眉显示的中心名称")


def _escalation_sheet(ctx: ServiceContext, args: argparse.Namespace) -> ReportResult:
    path, pages = render_dispatch_sheet_pages(ctx, args.escalation_id, args.out, reveal=args.reveal,
                                              centre_name=args.centre)
    return ReportResult(kind="escalation", path=path, pages=pages, masked=not args.reveal)


report.REPORT_BUILDERS["escalation"] = ("派出所见面劝阻指令单（一页）", _escalation_arguments, _escalation_sheet)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("stations", help="派出所与辖区规则")
    sub = parser.add_subparsers(dest="stations_command", required=True)
    imp = sub.add_parser("import", help="从 CSV 导入派出所及辖区（派出所名称、编码、值班电话、地址、辖区社区、辖区乡镇、地址关键词）")
    imp.add_argument("file")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_actor_option(imp)
    add_db_option(imp)
    imp.set_defaults(func=_import)
    ls = sub.add_parser("list", help="列出派出所及其辖区规则")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出")
    ls.add_argument("--all", action="store_true", help="包括已停用的派出所")
    add_actor_option(ls)
    add_db_option(ls)
    ls.set_defaults(func=_list)


def _import(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        result = stations.import_stations_csv(ctx, args.file)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    if args.json:
        print_json({"rows": result.rows, "created": result.created, "updated": result.updated, "rules": result.rules,
                    "errors": [asdict(e) for e in result.errors]})
    else:
        print(f"共 {result.rows} 行：新增 {result.created} 个派出所，更新 {result.updated} 个，辖区规则 {result.rules} 条，"
              f"错误 {len(result.errors)} 行")
        for problem in result.errors:
            print(f"第 {problem.row} 行 [{problem.field}]：{problem.message}")
    return 0


def _list(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        found = stations.list_stations(context_for(database, args), include_inactive=args.all)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json([asdict(s) for s in found])
        return 0
    for station in found:
        state = "" if station.active else "（已停用）"
        print(f"{station.code}\t{station.name}{state}\t值班电话 {station.duty_phone or '—'}")
        for rule in station.rules:
            print(f"\t{rule.kind_label}：{rule.pattern}（优先级 {rule.priority}）")
    return 0
