"""``dissuade leads export --out FILE`` (涉诈线索 for the upstream platform) and
``dissuade leads stop-payment-sheet RECORD --out FILE.pdf`` (the printable 止付 request)."""

from __future__ import annotations

import argparse
import datetime as dt

from console.commands.common import add_db_option, fail, open_db
from console.commands.stats import add_actor_option, context_for
from console.services.core.context import ServiceError
from console.services.leads.views import export_leads
from console.services.pdf.stop_payment_request import render_stop_payment_request


def _day(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对，应为 YYYY-MM-DD") from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("leads", help="涉诈线索与止付信息")
    sub = parser.add_subparsers(dest="leads_command", required=True)
    export = sub.add_parser("export", help="导出涉诈线索（CSV 或 XLSX，默认脱敏，记入审计）")
    export.add_argument("--out", required=True, help="输出文件（.csv 或 .xlsx）")
    export.add_argument("--from", dest="since", type=_day, default=None, help="起始日期 YYYY-MM-DD（含）")
    export.add_argument("--to", dest="until", type=_day, default=None, help="截止日期 YYYY-MM-DD（不含）")
    export.add_argument("--unmasked", action="store_true", help="导出明文号码（须有权限并填写 --reason）")
    export.add_argument("--reason", default="", help="导出明文的事由")
    add_actor_option(export)
    add_db_option(export)
    export.set_defaults(func=_export)
    sheet = sub.add_parser("stop-payment-sheet", help="打印止付申请单（PDF）")
    sheet.add_argument("record_id", type=int, help="止付信息编号")
    sheet.add_argument("--out", required=True, help="输出 PDF 文件")
    sheet.add_argument("--reveal", action="store_true", help="打印账号明文（须有权限，记入审计）")
    add_actor_option(sheet)
    add_db_option(sheet)
    sheet.set_defaults(func=_sheet)


def _export(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        result = export_leads(ctx, args.out, since=args.since, until=args.until, unmasked=args.unmasked,
                              reason=args.reason)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    state = "已脱敏" if result.masked else "明文"
    print(f"已导出 {result.rows} 条线索（{state}）：{result.path}")
    return 0


def _sheet(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        path = render_stop_payment_request(ctx, args.record_id, args.out, reveal=args.reveal)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    print(f"止付申请单已生成：{path}")
    return 0
