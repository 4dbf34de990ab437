"""``dissuade search TEXT [--json]``: a phone (any format), a name, an ID number or a 预警编号 → persons
and their warnings, masked; a search by a personal key is audited."""

from __future__ import annotations

import argparse

from console.commands.common import add_db_option, add_login_options, fail, open_db, print_json, user_context
from console.services.core.context import ServiceError
from console.services.lookup.search import search


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("search", help="按电话、姓名、身份证号或预警编号查找（脱敏）")
    parser.add_argument("text", metavar="TEXT", help="电话（+86、空格、短横均可）、姓名、身份证号或预警编号")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    add_login_options(parser)
    add_db_option(parser)
    parser.set_defaults(func=_search)


def _search(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = user_context(database, args, "people.view")
        result = search(ctx, args.text)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    clock = ctx.centre_clock
    if args.json:
        print_json({"key": result.key, "truncated": result.truncated, "hits": [
            {"person_id": h.person_id, "warning_id": h.warning_id, "external_id": h.external_id, "name": h.name_masked,
             "phone": h.phone_masked, "id_number": h.id_number_masked, "risk_level": h.risk_level, "score": h.score,
             "fraud_type": h.fraud_type_label, "status": h.status_label, "received_at": h.received_at.isoformat(),
             "item_id": h.item_id, "queue": h.item_state or None, "claimed_by": h.claimed_by} for h in result.hits]})
        return 0
    for h in result.hits:
        print(f"#{h.warning_id}\t{h.external_id or '-'}\t{h.name_masked} {h.phone_masked} {h.id_number_masked}\t"
              f"{h.risk_level_label}{h.score}\t{h.fraud_type_label}\t{h.status_label}\t"
              f"{clock.format(h.received_at, '%Y-%m-%d %H:%M')}")
    print(f"按{result.key_label}找到 {len(result.hits)} 条" + ("（只显示最近的部分）" if result.truncated else ""))
    return 0
