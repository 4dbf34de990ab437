"""``dissuade report daily|period|warning|scripts|quality ... --out FILE.pdf``: print-ready PDF reports.

Report kinds plug in through :data:`REPORT_BUILDERS`: each entry adds its own subparser and handler,
so another document (e.g. an escalation dispatch sheet) registers the same way.  Reports run as the
user who logs in (``--as LOGIN`` and their password): that role's permissions and masking apply.
Each generated report writes a 'print' audit entry.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from console.commands.common import add_db_option, fail, open_db
from console.commands.stats import add_actor_option, context_for, parse_date
from console.services.core.context import ServiceContext, ServiceError
from console.services.reports.common import ReportResult
from console.services.reports.daily import build_daily_report
from console.services.reports.period import build_period_report
from console.services.reports.quality import build_quality_report
from console.services.reports.script_effectiveness import build_scripts_report
from console.services.reports.warning_record import build_warning_record

Builder = Callable[[ServiceContext, argparse.Namespace], ReportResult]


def _daily(ctx: ServiceContext, args: argparse.Namespace) -> ReportResult:
    return build_daily_report(ctx, args.date, args.out, xlsx=args.xlsx, csv=args.csv)


def _period(ctx: ServiceContext, args: argparse.Namespace) -> ReportResult:
    return build_period_report(ctx, args.date_from, args.date_to, args.out, xlsx=args.xlsx, csv=args.csv)


def _scripts(ctx: ServiceContext, args: argparse.Namespace) -> ReportResult:
    return build_scripts_report(ctx, args.date_from, args.date_to, args.out, xlsx=args.xlsx, csv=args.csv,
                                min_quality=args.min_quality)


def _quality(ctx: ServiceContext, args: argparse.Namespace) -> ReportResult:
    return build_quality_report(ctx, args.date_from, args.date_to, args.out, xlsx=args.xlsx)


def _warning(ctx: ServiceContext, args: argparse.Namespace) -> ReportResult:
    if args.reveal and not (args.reason or "").strip():
        raise ServiceError("--reveal 需要同时用 --reason 说明事由")
    return build_warning_record(ctx, args.warning_id, args.out, reveal=args.reveal, reason=args.reason or "")


def _range(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", type=parse_date, required=True, help="开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--to", dest="date_to", type=parse_date, required=True, help="结束日期 YYYY-MM-DD（含）")


def _xlsx(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--xlsx", default=None, help="同时导出表格（XLSX）到该文件")
    parser.add_argument("--csv", default=None, help="同时导出表格（CSV，UTF-8 带 BOM）到该文件")


def _daily_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=parse_date, required=True, help="日期 YYYY-MM-DD（北京时间）")
    _xlsx(parser)


def _range_args(parser: argparse.ArgumentParser) -> None:
    _range(parser)
    _xlsx(parser)


def _scripts_args(parser: argparse.ArgumentParser) -> None:
    _range_args(parser)
    parser.add_argument("--min-quality", type=float, default=None, metavar="PCT",
                        help="只统计话务质检得分率不低于 PCT%% 的通话")


def _warning_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warning_id", type=int, help="预警编号")
    parser.add_argument("--reveal", action="store_true", help="打印个人信息明文（默认脱敏；须有权限并填写事由，记入审计）")
    parser.add_argument("--reason", default=None, help="显示明文的事由（与 --reveal 同用）")


# name -> (help, add_arguments, builder)
REPORT_BUILDERS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Builder]] = {
    "daily": ("值班日报", _daily_args, _daily),
    "period": ("期间统计（周/月/自定义）", _range_args, _period),
    "warning": ("劝阻登记表", _warning_args, _warning),
    "scripts": ("话术效果分析", _scripts_args, _scripts),
    "quality": ("话务质检报告", _range_args, _quality),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("report", help="生成 PDF 报表")
    sub = parser.add_subparsers(dest="report_command", required=True)
    for name, (help_text, add_arguments, builder) in REPORT_BUILDERS.items():
        report = sub.add_parser(name, help=help_text)
        add_arguments(report)
        report.add_argument("--out", required=True, help="输出 PDF 文件")
        add_actor_option(report)
        add_db_option(report)
        report.set_defaults(func=_run, builder=builder)


def _run(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        result = args.builder(context_for(database, args), args)
    except ServiceError as exc:
        return fail(str(exc), 1)
    except OSError as exc:
        return fail(f"无法写入文件：{exc}", 1)
    finally:
        database.dispose()
    extra = "".join(f"，表格：{p}" for p in (result.xlsx_path, result.csv_path) if p)
    print(f"已生成 {Path(result.path)}（{result.pages} 页{'，个人信息已脱敏' if result.masked else ''}）{extra}",
          file=sys.stdout)
    return 0
