"""``dissuade warning edit ID --set FIELD=VALUE ... [--version N] --as LOGIN``: correct a warning.

Supervisors may correct any warning; an operator only the one whose queue claim he holds.  The edit
names the version it was read at (``--version``, or the current one when left out); when another
seat saved in between, it is refused and nothing is overwritten.  Every edit is audited.
"""

from __future__ import annotations

import argparse

from console.commands.common import add_db_option, fail, open_db, print_json
from console.commands.stats import add_actor_option, context_for
from console.services.calls.warning_edit import FIELD_LABELS, current_version, update_warning
from console.services.core.context import ConflictError, ServiceError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("warning", help="修改预警信息（带版本校验，记入审计）")
    sub = parser.add_subparsers(dest="warning_command", required=True)
    edit = sub.add_parser("edit", help="修改一条预警的备注、金额、住址、亲属等字段")
    edit.add_argument("warning_id", type=int, help="预警编号")
    edit.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", required=True,
                      help=f"要修改的字段（可多次），字段：{', '.join(FIELD_LABELS)}")
    edit.add_argument("--version", type=int, default=None, help="读取时的版本号（默认：当前版本）")
    edit.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_actor_option(edit)
    add_db_option(edit)
    edit.set_defaults(func=_edit)


def _changes(items: list[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep:
            raise ServiceError(f"修改格式应为 字段=值：{item}")
        changes[field.strip()] = value
    return changes


def _edit(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        changes = _changes(args.set)
        version = args.version if args.version is not None else current_version(ctx, args.warning_id)
        new_version = update_warning(ctx, args.warning_id, version, changes)
    except ConflictError as exc:
        return fail(str(exc), 3)
    except ServiceError as exc:
        return fail(str(exc), 2)
    finally:
        database.dispose()
    if args.json:
        print_json({"warning_id": args.warning_id, "version": new_version, "fields": sorted(changes)})
    else:
        labels = "、".join(FIELD_LABELS.get(f, f) for f in changes)
        print(f"预警 {args.warning_id} 已修改（{labels}），当前版本 {new_version}")
    return 0
