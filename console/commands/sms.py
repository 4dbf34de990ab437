"""The `dissuade sms` command group: SMS warnings through the configured gateway (SMPP 3.4).

- ``dissuade sms templates [--json]``: the template names, situations and texts (signature included);
- ``dissuade sms preview --warning ID --template NAME [--json]``: the text the person would get;
- ``dissuade sms send --warning ID --template NAME [--flash] [--json]``:
  ``{"message_id": ..., "parts": N, "status": ...}``;
- ``dissuade sms batch --warnings ID,ID --template NAME [--json]``: a supervisor's send to a selection;
- ``dissuade sms receipts [--wait S] [--json]``: collect delivery receipts and 退订 replies;
- ``dissuade sms opt-out PHONE [--reason TEXT]``: no more messages to that number.

Acts as the system actor unless ``--as LOGIN`` names a user.  Numbers are printed masked.
"""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.common import add_db_option, fail, open_db, print_json
from console.commands.stats import add_actor_option, context_for
from console.services.core.context import ServiceError
from console.services.messaging.sms import service
from console.services.messaging.sms.settings import load_sms_settings
from console.services.messaging.sms.templates import SITUATIONS


def register(subparsers: Any) -> None:
    sms = subparsers.add_parser("sms", help="预警短信：模板、预览、发送、回执、退订")
    sub = sms.add_subparsers(dest="sms_command", metavar="{templates,preview,send,batch,receipts,opt-out}")
    sub.required = True
    templates = sub.add_parser("templates", help="列出短信模板")
    templates.add_argument("--json", action="store_true", help="输出一个 JSON 数组")
    templates.set_defaults(func=handle_templates)
    for name, handler, text in (("preview", handle_preview, "预览发给某条预警当事人的短信"),
                                ("send", handle_send, "给某条预警的当事人发送短信")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--warning", type=int, required=True, metavar="ID", help="预警编号（数据库 ID）")
        command.add_argument("--template", required=True, metavar="NAME", help="模板名（见 sms templates）")
        command.add_argument("--json", action="store_true", help="以 JSON 输出")
        if name == "send":
            command.add_argument("--flash", action="store_true", default=None, help="以闪信发送（data_coding 0x18）")
        add_db_option(command)
        add_actor_option(command)
        command.set_defaults(func=handler)
    batch = sub.add_parser("batch", help="值班长：把一个模板发给多条预警的当事人")
    batch.add_argument("--warnings", required=True, metavar="ID,ID,…", help="预警编号，逗号分隔")
    batch.add_argument("--template", required=True, metavar="NAME")
    batch.add_argument("--json", action="store_true")
    add_db_option(batch)
    add_actor_option(batch)
    batch.set_defaults(func=handle_batch)
    receipts = sub.add_parser("receipts", help="接收短信网关的送达回执和退订回复")
    receipts.add_argument("--wait", type=float, default=5.0, help="等待秒数（默认 5）")
    receipts.add_argument("--json", action="store_true")
    add_db_option(receipts)
    receipts.set_defaults(func=handle_receipts)
    opt_out = sub.add_parser("opt-out", help="登记退订号码，此后不再发送")
    opt_out.add_argument("phone")
    opt_out.add_argument("--reason", default="本人要求退订")
    add_db_option(opt_out)
    add_actor_option(opt_out)
    opt_out.set_defaults(func=handle_opt_out)


def handle_templates(args: argparse.Namespace) -> int:
    try:
        settings = load_sms_settings()
    except ServiceError as exc:
        return fail(str(exc))
    items: list[dict[str, Any]] = [{"name": t.name, "label": t.label, "situation": t.situation, "fraud_types": list(t.fraud_types),
              "text": settings.signature + t.text} for t in (settings.templates or {}).values()]
    if args.json:
        print_json(items)
        return 0
    for item in items:
        scope = "、".join(item["fraud_types"]) or "所有类型"
        print(f"{item['name']}  [{SITUATIONS[str(item['situation'])]} · {scope}] {item['label']}\n    {item['text']}")
    print(f"共 {len(items)} 个短信模板")
    return 0


def handle_preview(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        preview = service.preview_warning_sms(context_for(database, args), args.warning, args.template)
    except ServiceError as exc:
        return fail(str(exc))
    finally:
        database.dispose()
    if args.json:
        print_json({"warning": preview.warning_id, "template": preview.template, "phone": preview.phone_masked,
                    "text": preview.text, "parts": preview.parts, "refusal": preview.refusal})
        return 0
    print(f"发往 {preview.phone_masked}（{preview.parts} 条）：\n{preview.text}")
    if preview.refusal:
        print(f"现在不能发送：{preview.refusal}")
    return 0


def handle_send(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        result = service.send_warning_sms(context_for(database, args), args.warning, args.template, flash=args.flash)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json({"message_id": result.message_id, "parts": result.parts, "status": result.status,
                    "sms_id": result.sms_id, "phone": result.phone_masked})
        return 0
    print(f"短信已发往 {result.phone_masked}：{result.parts} 条，状态 {result.status}，编号 {result.message_id}")
    return 0


def handle_batch(args: argparse.Namespace) -> int:
    try:
        ids = [int(part) for part in args.warnings.replace("，", ",").split(",") if part.strip()]
    except ValueError:
        return fail("--warnings 应为逗号分隔的预警编号，例如 12,15,20")
    database = open_db(args)
    try:
        outcomes = service.send_to_warnings(context_for(database, args), ids, args.template)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json([{"warning": o.warning_id, "status": o.status, "detail": o.detail} for o in outcomes])
        return 0
    for outcome in outcomes:
        print(f"预警 {outcome.warning_id}：{outcome.status}  {outcome.detail}")
    done = sum(1 for o in outcomes if o.status not in ("refused", "failed"))
    print(f"共 {len(outcomes)} 条预警，已发送 {done} 条")
    return 0


def handle_receipts(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        receipts, opt_outs = service.collect_receipts(database.context(), args.wait)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json({"receipts": receipts, "opt_outs": opt_outs})
    else:
        print(f"收到送达回执 {receipts} 条，新增退订 {opt_outs} 个号码")
    return 0


def handle_opt_out(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        added = service.add_opt_out(context_for(database, args), args.phone, args.reason)
    except ServiceError as exc:
        return fail(str(exc))
    finally:
        database.dispose()
    print("已登记退订" if added else "该号码此前已退订")
    return 0
