"""``dissuade simulate shift``: how tonight's shift would go with N seats, before it starts.

``--seats 4,5,6`` compares several seat counts side by side on the same arrivals (same seed);
``--json`` prints one scenario's document (several: ``{"scenarios": [...]}``); ``--pdf FILE`` prints
the duty plan.  The centre's database is only read: the shift runs on a throw-away copy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from console.commands.common import add_db_option, fail, open_db, print_json
from console.commands.stats import add_actor_option, context_for
from console.services.core.context import ServiceError
from console.services.core.vocabulary import RISK_LEVEL_LABELS
from console.services.simulation.runner import ShiftResult, ShiftScenario, compare_scenarios


def _seat_counts(text: str) -> list[int]:
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"席位数“{text}”应为整数，多个方案用逗号分隔，如 4,5,6") from None
    if not counts or any(n < 0 for n in counts):
        raise argparse.ArgumentTypeError("席位数必须是非负整数")
    return counts


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("simulate", help="排班测算：按历史模拟一个班次")
    sub = parser.add_subparsers(dest="simulate_command", required=True)
    shift = sub.add_parser("shift", help="模拟一个班次：各等级首次拨打用时、时限内比例、积压、利用率")
    shift.add_argument("--seats", type=_seat_counts, required=True, help="席位数；多个方案用逗号分隔，如 4,5,6")
    shift.add_argument("--hours", type=float, default=8.0, help="班次时长（小时），默认 8")
    shift.add_argument("--arrivals", default="history",
                       help="到达量：history（近几周平均）、busiest（历史最忙的一天）或到达率文件（YAML/CSV）")
    shift.add_argument("--warnings", type=int, default=None, help="本班次预警总数（按到达曲线分布）")
    shift.add_argument("--burst", action="append", default=[], metavar="HH:MM:N",
                       help="集中推送：在某时刻一次推送 N 条，如 20:00:300 或 +90:200（开班后分钟数）")
    shift.add_argument("--weeks", type=int, default=4, help="参考历史的周数，默认 4")
    shift.add_argument("--seed", type=int, default=1, help="随机种子：相同种子结果相同")
    shift.add_argument("--policy", choices=["score", "deadline"], action="append", default=None,
                       help="领取顺序：score 分数优先、deadline 超时优先（默认按本中心设置）；给两次即两种都测")
    shift.add_argument("--keep-backlog", action="store_true", help="把当前未处理的队列计入班次")
    shift.add_argument("--pdf", type=Path, default=None, help="输出排班测算 PDF")
    shift.add_argument("--json", action="store_true", help="输出 JSON")
    add_actor_option(shift)
    add_db_option(shift)
    shift.set_defaults(func=_shift)


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes}分{seconds:02d}秒" if minutes else f"{seconds}秒"


def _print_text(results: list[ShiftResult]) -> None:
    first = results[0]
    print(f"排班测算：{first.scenario.hours:g} 小时班次，预警 {first.warnings} 条，种子 {first.scenario.seed}")
    for result in results:
        print(f"\n【{result.scenario.name()}】利用率 {result.utilisation:.0%}  最大积压 {result.max_backlog}  "
              f"拨打 {result.calls} 次  用时 {result.wall_seconds:.1f} 秒")
        for level, fig in result.levels.items():
            share = "—" if fig.within_deadline is None else f"{fig.within_deadline:.1%}"
            print(f"  {RISK_LEVEL_LABELS.get(level, level)}：{fig.warnings} 条  首拨中位 {_fmt_s(fig.first_dial_p50_s)}  "
                  f"90%分位 {_fmt_s(fig.first_dial_p90_s)}  最长 {_fmt_s(fig.first_dial_max_s)}  时限内 {share}")
        if result.escalations_by_station:
            stations = "、".join(f"{name} {n}" for name, n in sorted(result.escalations_by_station.items()))
            print(f"  上报派出所：{stations}")


def _shift(args: argparse.Namespace) -> int:
    if args.warnings is not None and args.warnings < 0:
        return fail("预警总数不能为负数")
    if args.arrivals not in ("history", "busiest") and not Path(args.arrivals).is_file():
        return fail(f"找不到到达率文件：{args.arrivals}")
    policies: list[str | None] = list(args.policy) if args.policy else [None]
    scenarios = [ShiftScenario(seats=n, hours=args.hours, arrivals=args.arrivals, warnings=args.warnings,
                               bursts=tuple(args.burst), seed=args.seed, weeks=args.weeks,
                               keep_backlog=args.keep_backlog, policy=policy)
                 for n in args.seats for policy in policies]
    database = open_db(args)
    try:
        ctx = context_for(database, args)
        results = compare_scenarios(ctx, scenarios)
        if args.pdf is not None:
            from console.services.reports.shift_plan import build_shift_plan_pdf

            build_shift_plan_pdf(ctx, results, args.pdf)
    except ServiceError as exc:
        return fail(str(exc), 1)
    finally:
        database.dispose()
    if args.json:
        print_json(results[0].as_json() if len(results) == 1 else {"scenarios": [r.as_json() for r in results]})
    else:
        _print_text(results)
        if args.pdf is not None:
            print(f"\n已生成：{args.pdf}")
    return 0
