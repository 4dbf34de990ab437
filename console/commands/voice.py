"""``dissuade voice campaign run|status|pause|resume|stop``: the automated voice-warning lane.

``run`` puts the open warnings of ``--levels`` (default: the voice settings, blue and yellow; red
and orange are refused) into a new campaign, or goes on with ``--campaign ID``, and calls them on the
configured number of lines until nothing is due, the campaign is paused or stopped (from another
console too), or the quiet hours begin.  ``--json`` prints ``{"campaign_id", "status", "stopped_by",
"calls", "total", "finished", "statuses", "results", "next_at"}``.  Needs a supervisor's login.
"""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.common import add_db_option, add_login_options, fail, open_db, print_json, user_context
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.vocabulary import VOICE_CAMPAIGN_STATUS_LABELS, VOICE_RESULT_LABELS
from console.services.telephony.engine import EngineError
from console.services.telephony.settings import load_telephony_settings
from console.services.voice import campaign as lane
from console.services.voice.progress import CampaignProgress, campaign_progress, latest_campaign_id
from db.engine import data_dir

STOP_REASONS = {"done": "全部完成", "idle": "暂无到期的呼叫（等待重拨或次日）", "paused": "已暂停", "stopped": "已停止",
                "quiet_hours": "静默时段，不自动外呼", "finished": "已完成"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("voice", help="自动语音提示预警")
    sub = parser.add_subparsers(dest="voice_command", required=True)
    campaign = sub.add_parser("campaign", help="语音提示活动")
    actions = campaign.add_subparsers(dest="campaign_command", required=True)
    run = actions.add_parser("run", help="把符合条件的预警放入自动语音通道并开始外呼")
    run.add_argument("--levels", default=None, metavar="LEVELS", help="预警等级，逗号分隔（默认按配置：blue,yellow）")
    run.add_argument("--fraud-types", default=None, metavar="TYPES", help="诈骗类型代码，逗号分隔（默认按配置）")
    run.add_argument("--limit", type=int, default=None, metavar="N", help="最多放入 N 条预警")
    run.add_argument("--campaign", type=int, default=None, metavar="ID", help="继续已有的活动，不新建")
    run.add_argument("--json", action="store_true", help="输出 JSON")
    run.set_defaults(func=_run)
    status = actions.add_parser("status", help="活动进度与结果")
    status.add_argument("--campaign", type=int, default=None, metavar="ID", help="默认：最近的活动")
    status.add_argument("--json", action="store_true", help="输出 JSON")
    status.set_defaults(func=_status)
    for name, label in (("pause", "暂停"), ("resume", "继续"), ("stop", "停止")):
        action = actions.add_parser(name, help=f"{label}活动（所有正在运行的外呼循环都会遵守）")
        action.add_argument("--campaign", type=int, default=None, metavar="ID", help="默认：最近的活动")
        action.set_defaults(func=_set_status, status={"pause": "paused", "resume": "running", "stop": "stopped"}[name])
    for leaf in (run, status, *[actions.choices[name] for name in ("pause", "resume", "stop")]):
        add_login_options(leaf)
        add_db_option(leaf)


def _codes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.replace("，", ",").split(",") if part.strip())


def _document(progress: CampaignProgress, report: lane.RunReport | None = None) -> dict[str, Any]:
    document = progress.to_json()
    if report is not None:
        document.update(stopped_by=report.stopped_by, calls=report.calls,
                        next_at=report.next_at.isoformat() if report.next_at else None)
    return document


def _print(ctx: ServiceContext, progress: CampaignProgress, report: lane.RunReport | None = None) -> None:
    print(f"语音提示活动 {progress.campaign_id}：{VOICE_CAMPAIGN_STATUS_LABELS.get(progress.status, progress.status)}  "
          f"完成 {progress.finished}/{progress.total}  线路 {progress.channels}")
    print("结果：" + "  ".join(f"{VOICE_RESULT_LABELS[code]} {count}" for code, count in progress.results.items()))
    if report is not None:
        print(f"本次外呼 {report.calls} 次，{STOP_REASONS.get(report.stopped_by, report.stopped_by)}"
              + (f"；下次呼叫：{ctx.centre_clock.format(report.next_at)}" if report.next_at else ""))


def _run(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args, "queue.manage")
        lines = lane.VoiceLines(load_telephony_settings(), data_dir())
        campaign_id = args.campaign or lane.start_campaign(
            ctx, levels=_codes(args.levels), fraud_types=_codes(args.fraud_types), limit=args.limit)
        report = lane.run_campaign(ctx, campaign_id, lines)
        progress = campaign_progress(ctx, campaign_id)
    except (ServiceError, EngineError) as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json(_document(progress, report))
    else:
        _print(ctx, progress, report)
    return 0


def _campaign_id(ctx: ServiceContext, given: int | None) -> int:
    found = given or latest_campaign_id(ctx)
    if found is None:
        raise ServiceError("还没有语音提示活动：请先运行 dissuade voice campaign run")
    return found


def _status(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args, "queue.manage")
        progress = campaign_progress(ctx, _campaign_id(ctx, args.campaign))
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json(_document(progress))
    else:
        _print(ctx, progress)
    return 0


def _set_status(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args, "queue.manage")
        campaign_id = _campaign_id(ctx, args.campaign)
        lane.set_campaign_status(ctx, campaign_id, args.status)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    print(f"语音提示活动 {campaign_id}：{VOICE_CAMPAIGN_STATUS_LABELS[args.status]}")
    return 0
