"""``dissuade audit verify`` and ``dissuade retention run|hold``: the audit chain and data retention.

Both act for a logged-in user: verifying needs the audit permission, retention an administrator.
"""

from __future__ import annotations

import argparse

from console.commands.common import add_db_option, add_login_options, fail, open_db, print_json, user_context
from console.services.core import audit
from console.services.core.context import ServiceError
from console.services.people import retention
from console.services.telephony.recordings import RecordingFiles
from console.services.voice.audio_cache import VoiceAudioCache
from db.engine import data_dir


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit_parser = subparsers.add_parser("audit", help="审计日志")
    audit_sub = audit_parser.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="校验审计链是否完整（被改动时报告第一处断点）")
    verify.add_argument("--json", action="store_true", help="输出 JSON")
    add_login_options(verify)
    add_db_option(verify)
    verify.set_defaults(func=_verify)

    ret = subparsers.add_parser("retention", help="个人信息到期清理")
    ret_sub = ret.add_subparsers(dest="retention_command", required=True)
    run = ret_sub.add_parser("run", help="清除已结案且超过保存期限的预警中的个人信息")
    run.add_argument("--dry-run", action="store_true", help="只统计，不修改")
    run.add_argument("--older-than-days", type=int, default=None, help="保存天数（默认读取 retention.yaml）")
    run.add_argument("--json", action="store_true", help="输出 JSON")
    add_login_options(run)
    add_db_option(run)
    run.set_defaults(func=_run)
    hold = ret_sub.add_parser("hold", help="设置或解除某条预警的诉讼保留")
    hold.add_argument("warning_id", type=int)
    hold.add_argument("--reason", required=True, help="事由（必填）")
    hold.add_argument("--off", action="store_true", help="解除保留")
    hold.add_argument("--person", action="store_true", help="同时保留该人员的信息")
    add_login_options(hold)
    add_db_option(hold)
    hold.set_defaults(func=_hold)


def _verify(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        report = audit.verify_chain(user_context(database, args, "audit.view"))
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json({"ok": report.ok, "entries": report.entries, "first_broken_id": report.first_broken_id,
                    "message": report.message, "head_id": report.head_id, "head_hash": report.head_hash,
                    "anchored": report.anchored})
    else:
        print(report.message)
        if report.ok and report.head_id is not None:
            print(audit.head_line((report.head_id, report.head_hash)))
    return 0 if report.ok else 1


def _run(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args, "retention.run")
        kinds = (RecordingFiles(data_dir()), VoiceAudioCache(ctx.settings, data_dir()))
        report = retention.apply_retention(ctx, older_than_days=args.older_than_days, dry_run=args.dry_run,
                                           stored_files=kinds)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json(report.as_dict())
        return 0
    head = "试运行（未修改）" if report.dry_run else "已清理"
    print(f"{head}：{report.cutoff:%Y-%m-%d} 之前结案的预警（保存期限 {report.older_than_days} 天）")
    print(f"  预警 {report.warnings_erased} 条，人员 {report.persons_erased} 人，诉讼保留跳过 {report.held_skipped} 条")
    print(f"  通话记录 {report.call_attempts_cleared} 条，回访 {report.follow_ups_cleared} 条，"
          f"上报 {report.escalations_cleared} 条，合并记录 {report.merges_cleared} 条，"
          f"草稿 {report.drafts_deleted} 条，隔离区原始行 {report.quarantine_rows_cleared} 行")
    files = "，".join(f"{kind.label} {report.files_deleted.get(kind.kind, 0)} 个" for kind in kinds)
    print(f"  已清除预警的录音 {report.recordings_deleted} 个，{files}")
    if report.files_failed:
        print(f"  另有 {report.files_failed} 个文件未能删除（权限或磁盘问题），下次清理时会再次尝试")
    return 0


def _hold(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        retention.set_legal_hold(user_context(database, args), args.warning_id, not args.off, args.reason,
                                 include_person=args.person)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    print(f"预警 {args.warning_id} 已{'解除' if args.off else '设置'}诉讼保留")
    return 0
