"""``dissuade stations import | list | set | rule-add | rule-remove | match`` and
``dissuade report escalation ID --out FILE.pdf``.

Station editing (``set``, ``rule-add``, ``rule-remove``) needs the ``stations.manage`` permission
when run ``--as`` a user (admins); every change is audited by the service.

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
from console.services.pdf.dispatch_sheet import render_dispatch_sheet_pages
from console.services.reports.common import ReportResult


def _escalation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("escalation_id", type=int, help="上报指令编号")
    parser.add_argument("--reveal", action="store_true",
                        help="打印住址、电话等明文（供民警上门使用；须有查看权限，记入审计）")
    parser.add_argument("--centre", default=None, help="页眉显示的单位名称（默认：单位配置中的单位全称）")


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

    edit = sub.add_parser("set", help="新增或修改一个派出所（按编码查找）")
    edit.add_argument("code", help="派出所编码")
    edit.add_argument("--name", default=None, help="派出所名称（新增时必填）")
    edit.add_argument("--duty-phone", default=None, help="值班电话")
    edit.add_argument("--address", default=None, help="地址")
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--inactive", action="store_true", help="停用（不再接收新的指令）")
    state.add_argument("--active", action="store_true", help="重新启用")
    rule_add = sub.add_parser("rule-add", help="为派出所增加一条辖区规则")
    rule_add.add_argument("code", help="派出所编码")
    rule_add.add_argument("kind", choices=stations.RULE_KINDS,
                          help="规则类型：community 社区/村，town 乡镇/街道，keyword 地址关键词")
    rule_add.add_argument("pattern", help="规则内容，如“阳光社区”")
    rule_add.add_argument("--priority", type=int, default=100, help="优先级，数字小者优先（默认 100）")
    rule_add.add_argument("--note", default="", help="备注")
    rule_remove = sub.add_parser("rule-remove", help="删除一条辖区规则（编号见 stations list --json）")
    rule_remove.add_argument("rule_id", type=int, help="规则编号")
    match = sub.add_parser("match", help="查看一个地址按现有规则归哪个派出所")
    match.add_argument("address")
    for parser_, func in ((edit, _set), (rule_add, _rule_add), (rule_remove, _rule_remove), (match, _match)):
        add_actor_option(parser_)
        add_db_option(parser_)
        parser_.set_defaults(func=func)


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


def _by_code(ctx: ServiceContext, code: str) -> stations.StationInfo | None:
    return next((s for s in stations.list_stations(ctx, include_inactive=True) if s.code == code.strip()), None)


def _set(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        current = _by_code(ctx, args.code)
        if current is None and not args.name:
            return fail(f"没有编码为“{args.code}”的派出所；新增时请用 --name 给出名称", 2)
        active = (not args.inactive) if (args.inactive or args.active or current is None) else current.active
        info = stations.save_station(
            ctx, code=args.code, station_id=current.id if current else None,
            name=args.name if args.name is not None else current.name if current else "",
            duty_phone=args.duty_phone if args.duty_phone is not None else current.duty_phone if current else "",
            address=args.address if args.address is not None else current.address if current else "",
            active=active)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    verb = "已修改" if current else "已新增"
    state = "" if info.active else "（已停用）"
    print(f"{verb}派出所 {info.code} {info.name}{state}，值班电话 {info.duty_phone or '—'}")
    return 0


def _rule_add(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        station = _by_code(ctx, args.code)
        if station is None:
            return fail(f"没有编码为“{args.code}”的派出所", 2)
        rule = stations.add_rule(ctx, station.id, args.kind, args.pattern, priority=args.priority, note=args.note)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    print(f"已为 {station.name} 增加规则 {rule.id}：{rule.kind_label} {rule.pattern}（优先级 {rule.priority}）")
    return 0


def _rule_remove(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        stations.remove_rule(context_for(database, args), args.rule_id)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    print(f"已删除辖区规则 {args.rule_id}")
    return 0


def _match(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        found = stations.match_station(context_for(database, args), args.address)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    if found is None:
        print("没有辖区规则覆盖这个地址，上报时需要手动选择派出所")
        return 1
    print(f"{found.station_name}（{found.station_code}），值班电话 {found.duty_phone or '—'}：{found.reason}")
    return 0
