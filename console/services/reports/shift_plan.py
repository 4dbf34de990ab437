"""排班测算: the duty plan a supervisor prints before a shift — scenarios side by side, with their basis.

One row per scenario (seats, warnings, share of reds and oranges first dialled within their
deadline, utilisation, largest backlog), a table per level for each scenario, the backlog and the
late warnings over the shift as charts, and where every figure the simulator drew from came from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from console.services.core.clock import CentreClock
from console.services.core.context import ServiceContext, ServiceError
from console.services.pdf import styles as S
from console.services.reports.common import (
    ReportResult,
    audit_print,
    fmt_rate,
    level_label,
    line_chart,
    page_setup,
)
from console.services.simulation.runner import ShiftResult

PERMISSION = "report.print"
SOURCE_LABELS = {"arrivals": "到达量", "stations": "派出所签收用时", "outcomes.red": "红色接通与结果",
                 "outcomes.orange": "橙色接通与结果", "outcomes.yellow": "黄色接通与结果",
                 "outcomes.blue": "蓝色接通与结果"}


def fmt_wait(seconds: float | None) -> str:
    """A first-dial time as 分/秒: '2分05秒', '45秒'."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes >= 60:
        return f"{minutes // 60}小时{minutes % 60:02d}分"
    return f"{minutes}分{secs:02d}秒" if minutes else f"{secs}秒"


def _within(result: ShiftResult, level: str) -> str:
    fig = result.levels.get(level)
    return fmt_rate(fig.within_deadline) if fig and fig.warnings else "—"


def summary_rows(results: list[ShiftResult]) -> list[list[str]]:
    rows = [["方案", "席位", "预警", "红色时限内", "橙色时限内", "黄色时限内", "利用率", "最大积压"]]
    for r in results:
        rows.append([r.scenario.name(), str(r.scenario.seats), str(r.warnings), _within(r, "red"),
                     _within(r, "orange"), _within(r, "yellow"), f"{r.utilisation:.0%}", str(r.max_backlog)])
    return rows


def level_rows(result: ShiftResult) -> list[list[str]]:
    rows = [["等级", "预警", "已拨打", "首拨中位", "首拨90%分位", "首拨最长", "联系时限", "时限内"]]
    for level, fig in result.levels.items():
        rows.append([level_label(level), str(fig.warnings), str(fig.dialled), fmt_wait(fig.first_dial_p50_s),
                     fmt_wait(fig.first_dial_p90_s), fmt_wait(fig.first_dial_max_s), fmt_wait(fig.deadline_s),
                     fmt_rate(fig.within_deadline) if fig.warnings else "—"])
    return rows


def _clock_labels(result: ShiftResult, clock: CentreClock) -> list[str]:
    base = clock.local(result.start)
    return [(base + dt.timedelta(minutes=m)).strftime("%H:%M") for m, _n, _l in result.backlog]


def build_shift_plan_pdf(ctx: ServiceContext, results: list[ShiftResult], out: str | Path) -> ReportResult:
    """Write the duty plan for ``results`` (scenarios run on the same arrivals) to ``out``."""
    ctx.require(PERMISSION)
    if not results:
        raise ServiceError("没有可打印的测算结果")
    st = S.sheet_styles()
    first = results[0]
    start_local = ctx.centre_clock.local(first.start)
    story: list[Flowable] = [
        S.para("排班测算（值班计划参考）", st.title),
        S.para(f"班次：{start_local:%Y年%m月%d日 %H:%M} 起 {first.scenario.hours:g} 小时；"
               f"预警 {first.warnings} 条；随机种子 {first.scenario.seed}", st.small),
        Spacer(1, 2 * S.mm),
        S.para("方案对比", st.heading),
        S.data_table(summary_rows(results), st),
    ]
    labels = _clock_labels(first, ctx.centre_clock)
    story.append(line_chart("班次内待拨打积压（条）", labels, [[n for _m, n, _l in r.backlog] for r in results],
                            [r.scenario.name() for r in results], st.font, label_from=0))
    story.append(line_chart("班次内超时未拨打的预警（条）", labels, [[late for _m, _n, late in r.backlog] for r in results],
                            [r.scenario.name() for r in results], st.font, label_from=0))
    for result in results:
        story.append(S.para(f"{result.scenario.name()}：各等级首次拨打", st.heading))
        story.append(S.data_table(level_rows(result), st))
        if result.escalations_by_station:
            stations = "、".join(f"{name} {n} 起" for name, n in sorted(result.escalations_by_station.items()))
            story.append(S.para(f"上报派出所：{stations}", st.body))
    basis = "；".join(f"{SOURCE_LABELS.get(k, k)}：{v}" for k, v in sorted(first.sources.items()))
    story.append(S.para(
        "统计口径：首次拨打用时为预警到达至第一次拨出的时间；至班次结束仍未拨打的按等到班次结束计，不计入时限内。"
        "时限内比例为该等级预警中在联系时限内首次拨打的比例。利用率为席位在岗时间中通话与整理所占比例。"
        f"测算依据——{basis}。测算在数据库副本上运行，不改变任何真实数据。", st.small))
    story.append(Spacer(1, 8 * S.mm))
    story.append(S.para("值班长：________________　　　审核：________________", st.body))
    pages = S.build_pdf(out, story, page_setup(ctx, "排班测算", "排班测算"))
    audit_print(ctx, "shift_plan", first.scenario.seed, {"pages": pages, "file": Path(out).name,
                                                        "scenarios": [r.scenario.name() for r in results]})
    return ReportResult("shift_plan", Path(out), pages, True)
