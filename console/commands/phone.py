"""``dissuade phone check|dial``: the seat's SIP engine from the command line.

``phone dial NUMBER --warning ID --operator LOGIN`` logs the attempt like a call from the
workstation (the operator is named, not authenticated: an automation tool for whoever may open
the database, like ``queue next``).  ``--json`` prints ``{"outcome", "sip_code", "ring_s", "talk_s",
"recording", "attempt_id"}``.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path
from typing import Any

from console.commands.common import add_db_option, add_login_options, fail, open_db, print_json, user_context
from console.services.core.context import SYSTEM, ServiceContext, ServiceError
from console.services.core.masking import mask_phone
from console.services.core.vocabulary import DISPOSITION_LABELS
from console.services.telephony.baresip import engine_for
from console.services.telephony.calls import log_dialled_call, record_dial
from console.services.telephony.dialer import place_call
from console.services.telephony.engine import EngineError
from console.services.telephony.settings import OUTCOME_LABELS, TelephonySettings, load_telephony_settings
from db.engine import data_dir
from db.models import Warning


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("phone", help="软电话（SIP 通话引擎）")
    sub = parser.add_subparsers(dest="phone_command", required=True)
    check = sub.add_parser("check", help="检查通话引擎、版本、注册状态和音频设备")
    check.add_argument("--json", action="store_true", help="输出 JSON")
    check.set_defaults(func=_check)
    dial = sub.add_parser("dial", help="拨打一个号码并检测通话结果")
    dial.add_argument("number", metavar="NUMBER")
    dial.add_argument("--warning", type=int, default=None, metavar="ID", help="记入该预警的通话记录")
    dial.add_argument("--operator", default=None, metavar="LOGIN", help="以该接线员身份记录（与 --warning 同用）")
    add_login_options(dial, as_flag=False)
    dial.add_argument("--ring-timeout", type=float, default=None, metavar="S", help="振铃超时（秒）")
    dial.add_argument("--hangup-after", type=float, default=None, metavar="S", help="接通后 S 秒挂断")
    dial.add_argument("--play", type=Path, default=None, metavar="WAV", help="接通后播放的音频（8 kHz 单声道 WAV）")
    dial.add_argument("--disposition", default="", choices=["", *DISPOSITION_LABELS],
                      help="记入的通话结果（默认按检测结果）")
    dial.add_argument("--json", action="store_true", help="输出 JSON")
    add_db_option(dial)
    dial.set_defaults(func=_dial)


def _settings() -> TelephonySettings | int:
    try:
        return load_telephony_settings()
    except ServiceError as exc:
        return fail(str(exc))


def _check(args: argparse.Namespace) -> int:
    settings = _settings()
    if isinstance(settings, int):
        return settings
    engine = engine_for(settings, data_dir())
    document: dict[str, Any] = {"configured": settings.configured, "account": settings.account,
                                "dial": settings.dial}
    status = engine.status()
    document.update(engine=status.engine, found=status.found, version=status.version, running=False,
                    registered=None, audio_source=status.audio_source, audio_player=status.audio_player, message="")
    if settings.configured and status.found:
        try:
            engine.start()
            status = engine.status()
            document.update(running=status.running, registered=status.registered)
        except EngineError as exc:
            document["message"] = str(exc)
        finally:
            engine.stop()
    elif not settings.configured:
        document["message"] = settings.status_text
    elif not status.found:
        document["message"] = "未找到 baresip：请安装 baresip-core"
    if args.json:
        print_json(document)
    else:
        print(f"通话引擎：{status.engine} {'已安装 ' + status.version if status.found else '未安装'}")
        print(f"账号：{settings.account or '未配置'}    拨号规则：{settings.dial or '未配置'}")
        print(f"运行：{'是' if document['running'] else '否'}    注册："
              f"{'不注册（直连）' if document['registered'] is None else ('已注册' if document['registered'] else '未注册')}")
        print(f"音频输入：{status.audio_source}    音频输出：{status.audio_player}")
        if document["message"]:
            print(document["message"])
    return 0 if status.found and (document["running"] or not settings.configured) else 1


def _context(args: argparse.Namespace, database: Any) -> ServiceContext | str:
    if args.operator is None:
        ctx: ServiceContext = database.context(SYSTEM)
        return ctx
    try:  # the call is logged for this operator: they log in, as for every command acting for a user
        return user_context(database, args, "call.log", login=args.operator)
    except ServiceError as exc:
        return str(exc)


def _dial(args: argparse.Namespace) -> int:
    settings = _settings()
    if isinstance(settings, int):
        return settings
    if not settings.configured:
        return fail("未配置软电话（telephony.yaml 的 account 和 dial，或环境变量 DISSUADE_SIP_ACCOUNT / DISSUADE_SIP_DIAL）")
    if args.play is not None and not args.play.is_file():
        return fail(f"找不到音频文件：{args.play}")
    if args.warning is not None and args.operator is None:
        return fail("记入预警时请用 --operator 指定接线员")
    database = open_db(args)
    engine = engine_for(settings, data_dir())
    try:
        ctx = _context(args, database)
        if isinstance(ctx, str):
            return fail(ctx, 1)
        level = ""
        if args.warning is not None:
            with ctx.sessions() as session:
                warning = session.get(Warning, args.warning)
                if warning is None:
                    return fail(f"预警 {args.warning} 不存在", 1)
                level = warning.level_override or warning.risk_level
        uri = settings.dial_uri(args.number)
        ring_timeout = args.ring_timeout or settings.ring_timeout(level)
        engine.start()
        call_uuid = str(uuid.uuid4())
        result = place_call(engine, settings, uri, ring_timeout=ring_timeout, hangup_after=args.hangup_after,
                            play=args.play.resolve() if args.play else None, recordings_dir=data_dir() / "recordings")
        record_dial(ctx, result, args.number, call_uuid=call_uuid, warning_id=args.warning)
        attempt_id = None
        if args.warning is not None:
            logged = log_dialled_call(ctx, args.warning, args.number, result, call_uuid=call_uuid,
                                      disposition=args.disposition)
            attempt_id = logged.call_id
    except (ServiceError, EngineError) as exc:
        return fail(str(exc), 1)
    finally:
        engine.stop()
        database.dispose()
    document = {**result.to_json(), "attempt_id": attempt_id}
    if args.json:
        print_json(document)
    else:
        print(f"{mask_phone(args.number)}：{OUTCOME_LABELS.get(result.outcome, result.outcome)}"
              f"{f'（{result.sip_code} {result.reason}）' if result.sip_code else ''}  "
              f"振铃 {result.ring_s:.1f} 秒  通话 {result.talk_s:.1f} 秒")
        if result.recording is not None:
            print(f"录音：{result.recording.path}（{result.recording.duration_s:.1f} 秒）")
        if attempt_id is not None:
            print(f"已记入通话记录 #{attempt_id}")
    return 0
