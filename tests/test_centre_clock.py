"""The centre clock: what the operator panel, the reports and the scores show is the centre's time,
the same whether the PC runs on Asia/Shanghai, UTC or America/New_York."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.clock import centre_clock
from console.services.core.context import SYSTEM, ServiceContext, ServiceError
from console.services.core.settings import CentreSettings, Settings, default_settings, load_settings
from console.services.intake.manual import ManualReport, submit_manual_report
from console.services.queue.claims import list_open
from console.services.reports.warning_record import build_warning_record
from console.services.stats.figures import compute_stats
from db.models import Warning
from tests.stats_helpers import pdftotext

# 2026-12-02 09:00 at the centre (Asia/Shanghai) is 01:00 UTC, and 20:00 the evening before in New York.
NOW = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)
PC_ZONES = ("Asia/Shanghai", "UTC", "America/New_York")


@pytest.fixture(params=PC_ZONES)
def pc_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the process's own time zone set to ``request.param`` (restored after)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def _ctx(database: Database) -> ServiceContext:
    return replace(database.context(SYSTEM), clock=lambda: NOW)


def _report(ctx: ServiceContext, phone: str, received: str) -> int:
    result = submit_manual_report(ctx, ManualReport(source="bank", phone=phone, name="张三", fraud_type="task_rebate",
                                                    signals="正在转账", received_at=received))
    assert result.warning_id is not None
    return result.warning_id


def _three_warnings(ctx: ServiceContext) -> tuple[int, int, int]:
    fresh = _report(ctx, "13800138001", "2026-12-02 08:59")  # one minute old
    early = _report(ctx, "13800138002", "2026-12-02 07:30")  # 2026-12-01 23:30 UTC: still the centre's 2 Dec
    evening = _report(ctx, "13800138003", "2026-12-01 23:50")  # the centre's 1 Dec
    return fresh, early, evening


def test_the_process_time_zone_fixture_really_changes_the_pc_clock(pc_zone: str) -> None:
    shown = NOW.astimezone().strftime("%H:%M")  # what code using the PC's zone would show
    assert shown == {"Asia/Shanghai": "09:00", "UTC": "01:00", "America/New_York": "20:00"}[pc_zone]


def test_scores_days_and_printed_times_follow_the_centre(pc_zone: str, database: Database, tmp_path: Path) -> None:
    ctx = _ctx(database)
    fresh, early, evening = _three_warnings(ctx)
    with database.sessions() as session:
        warning = session.execute(select(Warning).where(Warning.id == fresh)).scalar_one()
        received, deadline, reasons = warning.received_at, warning.deadline_at, list(warning.risk_reasons)
    # the typed 08:59 is the centre's wall time, so the fresh warning is one minute old, not overdue
    assert received == dt.datetime(2026, 12, 2, 0, 59, tzinfo=dt.UTC)
    assert "overdue" not in [r["factor"] for r in reasons]
    assert deadline is not None and deadline > NOW

    today = compute_stats(ctx, dt.date(2026, 12, 2), dt.date(2026, 12, 2))
    yesterday = compute_stats(ctx, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert today.totals.warnings_received == 2 and yesterday.totals.warnings_received == 1
    assert [(d.day, d.received) for d in today.daily] == [("2026-12-02", 2)]
    assert today.generated_at == "2026-12-02 09:00" and today.timezone == "Asia/Shanghai"

    out = tmp_path / "record.pdf"
    build_warning_record(ctx, fresh, out)
    text = pdftotext(out)
    assert "2026-12-0208:59" in text  # 接收时间 as the centre wrote it
    assert centre_clock("Asia/Shanghai").format(deadline).replace(" ", "") in text  # 联系时限
    assert early and evening


def test_operator_panel_and_board_show_the_centre_time(pc_zone: str, qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    from console.ui.supervisor.models import QueueItemsTableModel
    from console.ui.tasks import SyncTaskRunner
    from console.ui.warning_panel import WarningPanel

    ctx = _ctx(sqlite_db)
    fresh, _early, _evening = _three_warnings(ctx)
    entry = next(e for e in list_open(ctx) if e.warning_id == fresh)
    received_utc = dt.datetime(2026, 12, 2, 0, 59, tzinfo=dt.UTC)  # typed as 08:59 at the centre
    assert entry.deadline_at is not None
    expected_deadline = (dt.datetime(2026, 12, 2, 8, 59) + (entry.deadline_at - received_utc)).strftime("%H:%M:%S")
    panel = WarningPanel(ctx, SyncTaskRunner())
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.detail_loaded):
        panel.show_entry(entry)
    # the header counts down as the queue row does; the deadline itself, in centre time, is its tooltip
    assert panel.deadline_label.toolTip() == f"首次联系时限 12-02 {expected_deadline}"
    assert "12-02 08:59 接收" in panel.summary_label.text()

    board = QueueItemsTableModel(ctx.centre_clock)
    board.set_rows([entry], NOW)
    assert board.data(board.index(0, 6)) == expected_deadline[:5]


def test_the_centre_zone_is_a_setting(tmp_path: Path) -> None:
    assert default_settings().centre == CentreSettings(unit_name="", time_zone="Asia/Shanghai", seat_name="")
    (tmp_path / "centre.yaml").write_text("time_zone: Asia/Urumqi\nunit_name: 某县公安局反诈中心\n", encoding="utf-8")
    settings = load_settings(tmp_path)
    assert (settings.centre.time_zone, settings.centre.unit_name) == ("Asia/Urumqi", "某县公安局反诈中心")
    assert settings.centre.clock.format(NOW, "%H:%M") == "07:00"
    (tmp_path / "centre.yaml").write_text("time_zone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="time_zone"):
        load_settings(tmp_path)


def test_a_centre_in_another_zone_counts_its_own_days(database: Database) -> None:
    urumqi: Settings = replace(database.settings, centre=CentreSettings(time_zone="Asia/Urumqi"))
    ctx = replace(_ctx(database), settings=urumqi)
    # 23:50 typed at a UTC+6 centre is 17:50 UTC: still 1 Dec there, though already 2 Dec in Shanghai
    _report(ctx, "13800138004", "2026-12-01 23:50")
    assert compute_stats(ctx, dt.date(2026, 12, 1), dt.date(2026, 12, 1)).totals.warnings_received == 1
    assert compute_stats(ctx, dt.date(2026, 12, 2), dt.date(2026, 12, 2)).totals.warnings_received == 0
    assert compute_stats(ctx, dt.date(2026, 12, 1), dt.date(2026, 12, 1)).timezone == "Asia/Urumqi"
