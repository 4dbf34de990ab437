"""Ctrl+Shift+M on the workstation texts the claimed person the "hang up now" message after a confirmation
(real SMPP to the SMSC simulator); declining sends nothing; quiet hours are shown, not bypassed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import update

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.services.messaging.sms.settings import QuietHours, SmsSettings, load_sms_settings
from db.models import Person
from tests.gui_helpers import CTRL, make_user, open_window
from tests.queue_helpers import add_warning
from tests.smsc_sim import SmscSimulator, running_smsc

pytestmark = pytest.mark.gui


@pytest.fixture
def smsc() -> Iterator[SmscSimulator]:
    with running_smsc() as simulator:
        yield simulator


def sms_settings(smsc: SmscSimulator, **changes: object) -> SmsSettings:
    base = dataclasses.replace(load_sms_settings(environ={}), port=smsc.port, system_id="centre", password="secret",
                               receipt_wait_s=3, quiet_hours=None)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def claimed_window(qtbot, db: Database, tmp_path: Path, smsc: SmscSimulator, settings: SmsSettings):  # type: ignore[no-untyped-def]
    add_warning(db.context(SYSTEM), fraud_type="impersonate_authority", name="赵桂兰", age=70)
    with db.context().session() as session:
        session.execute(update(Person).where(Person.name == "赵桂兰").values(sex="F"))
        phone = session.query(Person.phone).filter(Person.name == "赵桂兰").scalar()
    window = open_window(qtbot, db, make_user(db, "op1"), tmp_path)
    action = window.workstation.sms_action
    action.load_settings = lambda: settings
    questions: list[str] = []
    action.confirm = lambda _parent, _title, question: questions.append(question) or True
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.state is not None
    return window, action, questions, phone


def test_ctrl_t_sends_the_hang_up_message_to_the_claimed_person(qtbot, sqlite_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 smsc: SmscSimulator) -> None:
    window, action, questions, phone = claimed_window(qtbot, sqlite_db, tmp_path, smsc, sms_settings(smsc))
    with qtbot.waitSignal(action.sms_sent, timeout=20000) as sent:
        qtbot.keyClick(window, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier)
    result = sent.args[0]
    assert len(questions) == 1 and "赵阿姨，请立即挂断" in questions[0]
    assert f"{phone[:3]}****{phone[-4:]}" in questions[0] and phone not in questions[0]
    assert smsc.messages() == [(phone, result.text, 1)]
    assert "短信已发往" in window.statusBar().currentMessage()


def test_declining_sends_nothing_and_quiet_hours_are_shown(qtbot, sqlite_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           smsc: SmscSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    window, action, questions, _phone = claimed_window(qtbot, sqlite_db, tmp_path, smsc, sms_settings(smsc))
    action.confirm = lambda _parent, _title, question: questions.append(question) and False
    qtbot.keyClick(window, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert len(questions) == 1 and smsc.parts == []
    assert window.statusBar().currentMessage() == "未发送短信"
    always = QuietHours(dt.time(0, 0), dt.time(23, 59))
    action.load_settings = lambda: sms_settings(smsc, quiet_hours=always)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    qtbot.keyClick(window, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert len(warnings) == 1 and "免打扰" in warnings[0] and len(questions) == 1 and smsc.parts == []
