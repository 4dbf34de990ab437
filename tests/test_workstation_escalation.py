"""Busy on a red warning: the outcome panel suggests escalation; one key opens the pre-filled order,
one confirmation sends it, and its status shows on the warning while the retry is scheduled."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from console.app.bootstrap import Database
from console.ui.escalation_dialog import EscalationDialog
from db.models import CallAttempt, Escalation, EscalationTask, QueueItem
from tests.gui_helpers import CTRL, demo_actor, open_window, press

pytestmark = pytest.mark.gui


def test_busy_on_red_suggests_escalation_and_sends_it(qtbot, demo_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    actor = demo_actor(demo_db, "op01", "seat-9")
    opened: list[EscalationDialog] = []

    def confirm_once(dialog: EscalationDialog) -> int:  # the modal dialog, confirmed as an operator would
        opened.append(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.draft is not None and dialog.confirm_button.isEnabled())
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        return int(dialog.result())

    monkeypatch.setattr(EscalationDialog, "exec", confirm_once)
    window = open_window(qtbot, demo_db, actor, tmp_path)
    press(qtbot, window, Qt.Key.Key_F2)
    state = window.workstation.state
    assert window.workstation.detail.risk_level == "red"
    press(qtbot, window, Qt.Key.Key_F6, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_5, modifier=CTRL)  # 占线
    outcome = window.outcome_panel
    assert outcome.plan is not None and outcome.plan.suggest_escalation
    assert "建议立即上报派出所" in outcome.next_label.text()
    assert outcome.escalate_button.isVisible()

    press(qtbot, window, Qt.Key.Key_E, modifier=CTRL)
    assert opened and opened[0].warning_id == state.warning_id
    with demo_db.context().session() as s:
        escalation = s.execute(select(Escalation).where(Escalation.warning_id == state.warning_id)
                               .order_by(Escalation.id.desc())).scalars().first()
        assert escalation is not None and escalation.created_by == actor.user_id
        kinds = {t.kind for t in s.execute(select(EscalationTask)
                                           .where(EscalationTask.escalation_id == escalation.id)).scalars()}
        assert "onsite_visit" in kinds
    panel = window.warning_panel
    assert panel.escalation_label.isVisible() and "已上报" in panel.escalation_label.text()
    assert window.workstation.state is state  # the call is still open: the busy outcome is saved next

    press(qtbot, window, Qt.Key.Key_Return, modifier=CTRL)
    with demo_db.context().session() as s:
        call = s.execute(select(CallAttempt).where(CallAttempt.client_uuid == state.client_uuid)).scalar_one()
        assert call.disposition == "busy"
        item = s.get(QueueItem, state.queue_item_id)
        assert item.status == "open" and item.not_before is not None
