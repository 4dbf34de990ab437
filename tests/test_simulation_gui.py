"""排班测算 window, driven as a duty supervisor would: scenarios in the background, table, charts, PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.app.bootstrap import Database
from console.services.core.context import ServiceContext
from console.services.security import auth
from console.ui.supervisor.shift_planner import ShiftPlannerWindow
from console.ui.tasks import TaskRunner
from tests.stats_helpers import fixed_ctx, pdftotext, seed_demo

pytestmark = pytest.mark.gui


@pytest.fixture
def supervisor_ctx(sqlite_db: Database) -> ServiceContext:
    seed_demo(sqlite_db, warnings=200)
    user = auth.get_user(sqlite_db.context(), "zhiban")
    assert user is not None
    return fixed_ctx(sqlite_db, user.actor("seat-sup"))


def _window(qtbot, ctx: ServiceContext, tmp_path: Path) -> ShiftPlannerWindow:  # type: ignore[no-untyped-def]
    window = ShiftPlannerWindow(ctx, TaskRunner(), output_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    return window


def test_two_seat_counts_compared_in_the_background(qtbot, supervisor_ctx: ServiceContext,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    window = _window(qtbot, supervisor_ctx, tmp_path)
    window.seats_edit.setText("1，4")  # a full-width comma, as a Chinese keyboard types it
    window.hours_spin.setValue(2)
    window.warnings_spin.setValue(30)
    with qtbot.waitSignal(window.simulation_finished, timeout=240_000) as blocker:
        qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
        assert not window.run_button.isEnabled()  # the click returned at once: the work is off the GUI thread
    one, four = blocker.args[0]
    rows = window.table_texts()
    assert [r[0] for r in rows] == ["1席", "4席"]
    assert rows[0][1] == rows[1][1] == "30"
    assert four.max_backlog <= one.max_backlog
    assert len(window.backlog_chart.series) == 2 and window.backlog_chart.labels[0].count(":") == 1
    assert "测算完成" in window.status_label.text()

    qtbot.mouseClick(window.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60_000)
    assert window.report is not None
    text = pdftotext(window.report.path)
    assert "排班测算" in text and "4席" in text
    assert window.open_button.isEnabled() and window.save_button.isEnabled()


def test_bad_seat_counts_are_refused_in_chinese(qtbot, supervisor_ctx: ServiceContext,  # type: ignore[no-untyped-def]
                                                tmp_path: Path) -> None:
    window = _window(qtbot, supervisor_ctx, tmp_path)
    window.seats_edit.setText("四个")
    qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
    assert "席位数应为整数" in window.status_label.text()
    assert window.run_button.isEnabled()
    assert window.table_texts() == []


def test_both_claim_orders_side_by_side(qtbot, supervisor_ctx: ServiceContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, supervisor_ctx, tmp_path)
    window.seats_edit.setText("2")
    window.policy_combo.setCurrentIndex(window.policy_combo.findText("两种顺序对比"))
    scenarios = window.scenarios()
    assert [(s.seats, s.policy) for s in scenarios] == [(2, "deadline"), (2, "score")]
    assert [s.name() for s in scenarios] == ["2席·超时优先", "2席·分数优先"]
