"""``dissuade import``, ``dissuade quarantine list|retry`` and ``dissuade watch``: warning intake.

Exit codes: 0 done (even with rejected rows), 2 an input file could not be read at all, 1 internal
error.  ``--json`` prints exactly one JSON document on stdout.  Every command acts for the user who
logs in (``--as LOGIN`` and their password, see :mod:`console.commands.common`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from console.commands.common import (
    add_db_option,
    add_login_options,
    describe_failure,
    fail,
    open_db,
    print_json,
    user_context,
)
from console.services.core.context import ServiceError
from console.services.intake.dropfolder import DropResult, DropWatcher, default_drop_folder
from console.services.intake.fields import FIELDS
from console.services.intake.importer import ImportProgress, import_files
from console.services.intake.quarantine import list_quarantine, retry_quarantined
from console.services.intake.readers import UnreadableInput

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = subparsers.add_parser("import", help="导入预警文件（CSV / XLSX / JSON）")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--source", default="", help="预警来源（文件中没有“预警来源”列时使用）")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入汇总")
    add_login_options(imp)
    add_db_option(imp)
    imp.set_defaults(func=_import)

    quarantine = subparsers.add_parser("quarantine", help="隔离区：被拒绝的导入行")
    sub = quarantine.add_subparsers(dest="quarantine_command", required=True)
    ls = sub.add_parser("list", help="列出待处理的隔离行")
    ls.add_argument("--all", action="store_true", help="包括已处理的")
    ls.add_argument("--json", action="store_true")
    add_login_options(ls)
    add_db_option(ls)
    ls.set_defaults(func=_quarantine_list)
    retry = sub.add_parser("retry", help="修正后重新导入一条隔离行")
    retry.add_argument("id", type=int)
    retry.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                       help=f"修正字段（可多次），字段：{', '.join(FIELDS)}")
    retry.add_argument("--json", action="store_true")
    add_login_options(retry)
    add_db_option(retry)
    retry.set_defaults(func=_quarantine_retry)

    watch = subparsers.add_parser("watch", help="监视投放文件夹并自动导入")
    watch.add_argument("folder", nargs="?", type=Path, help="投放文件夹（默认：环境变量 DISSUADE_DROP_DIR 或数据目录下 drop/）")
    watch.add_argument("--once", action="store_true", help="只扫描一次")
    watch.add_argument("--interval", type=float, default=5.0, help="扫描间隔（秒）")
    watch.add_argument("--source", default="")
    watch.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    add_login_options(watch)
    add_db_option(watch)
    watch.set_defaults(func=_watch)


def _progress(event: ImportProgress) -> None:
    total = f"/{event.rows_estimate}" if event.rows_estimate else ""
    print(f"\r{event.file_name}: {event.rows_done}{total} 行", end="", file=sys.stderr, flush=True)


def _import(args: argparse.Namespace) -> int:
    try:
        database = open_db(args)
        progress = None if args.json or not sys.stderr.isatty() else _progress
        ctx = user_context(database, args, "import.run")
        # this process does nothing but the import, so the collector may rest meanwhile
        summary = import_files(ctx, [Path(f) for f in args.files], source=args.source,
                               progress=progress, pause_collector=True)
    except UnreadableInput as exc:
        return fail(str(exc), 2)
    except ServiceError as exc:
        return fail(str(exc), 1)
    except Exception as exc:  # noqa: BLE001 - exit code 1 is the contract for internal errors
        log.debug("import failed", exc_info=True)
        return fail(describe_failure(exc), 1)
    if progress is not None:
        print(file=sys.stderr)
    if args.json:
        print_json(summary.as_json())
        return 0
    unchanged = f"，此前已导入（未改动）{summary.unchanged}" if summary.unchanged else ""
    print(f"共 {summary.rows} 行：新增 {summary.imported}，合并 {summary.merged}，拒绝 {summary.rejected}{unchanged}")
    if any(batch.resumed for batch in summary.batches):
        print("上次中断的导入已从中断处继续")
    for issue in summary.errors:
        print(f"  {issue.file} 第 {issue.row} 行 [{issue.field}] {issue.message}")
    if summary.rejected:
        print("被拒绝的行已放入隔离区：dissuade quarantine list")
    return 0


def _quarantine_list(args: argparse.Namespace) -> int:
    try:
        entries = list_quarantine(user_context(open_db(args), args), include_resolved=args.all)
    except ServiceError as exc:
        return fail(str(exc), 1)
    if args.json:
        print_json([e.as_json() for e in entries])
        return 0
    if not entries:
        print("隔离区为空")
    for e in entries:
        print(f"{e.id}\t{e.file_name} 第 {e.row_number} 行\t{e.reason}\t{'已处理' if e.status == 'resolved' else '待处理'}")
    return 0


def _parse_sets(items: list[str]) -> dict[str, str]:
    corrections: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep:
            raise ServiceError(f"修正格式应为 字段=值：{item}")
        corrections[field.strip()] = value
    return corrections


def _quarantine_retry(args: argparse.Namespace) -> int:
    try:
        result = retry_quarantined(user_context(open_db(args), args), args.id, _parse_sets(args.set))
    except ServiceError as exc:
        return fail(str(exc), 1)
    if args.json:
        print_json({"outcome": result.outcome, "warning_id": result.warning_id, "reason": result.reason,
                    "errors": result.field_warnings})
    elif result.outcome == "rejected":
        print(f"仍被拒绝：{result.reason}")
    else:
        print(f"已{'导入' if result.outcome == 'imported' else '合并'}，预警编号 {result.warning_id}")
    return 0


def _watch(args: argparse.Namespace) -> int:
    folder: Path = args.folder or default_drop_folder()
    database = open_db(args)
    try:
        ctx = user_context(database, args, "import.run")
    except ServiceError as exc:
        return fail(str(exc), 1)
    watcher = DropWatcher(folder, source=args.source)

    def show(result: DropResult) -> None:
        if args.json:
            document = {"file": result.file_name, "moved_to": str(result.moved_to), "error": result.error}
            if result.summary is not None:
                document |= result.summary.as_json()
            print_json(document)
        elif result.summary is None:
            print(f"{result.file_name}：无法读取，已移到 {result.moved_to}（{result.error}）")
        else:
            s = result.summary
            print(f"{result.file_name}：共 {s.rows} 行，新增 {s.imported}，合并 {s.merged}，拒绝 {s.rejected}，"
                  f"此前已导入 {s.unchanged}")

    if args.once:
        try:
            for result in watcher.scan_once(ctx):
                show(result)
        except OSError as exc:
            return fail(f"无法访问投放文件夹“{folder}”：{exc.strerror or exc}", 2)
        return 0
    print(f"正在监视 {folder}（Ctrl+C 退出）", file=sys.stderr)
    watcher.watch(ctx, interval_s=args.interval, on_result=show)
    return 0
