"""The operator's call through the seat's SIP line, by keys: F2, Ctrl+D, the person answers and
hangs up, the detected outcome is pre-selected, Ctrl+Enter saves it with its recording; an engine
that dies mid-call is reported, the draft survives and the line comes back."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, Actor
from console.services.telephony.baresip import free_port
from console.ui.main_window import MainWindow
from db.models import AgentState, AuditEvent, CallAttempt, CallRecording, Person, User, Warning
from tests.gui_helpers import CTRL, make_user, open_window
from tests.queue_helpers import add_warning
from tests.sip.phones import VictimPhone

pytestmark = pytest.mark.gui


@pytest.fixture
def seat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DISSUADE_SIP_ACCOUNT", f"sip:console@127.0.0.1:{free_port(pair=True)}")
    return tmp_path


def _operator(db: Database) -> Actor:
    return make_user(db, "op1", display_name="接线员一")


def _person_number(db: Database, warning_id: int) -> str:
    with db.context().sessions() as session:
        person = session.execute(select(Person).join(Person.warnings).where(Warning.id == warning_id)).scalar_one()
        return person.phone


def _state_of(db: Database, login: str) -> str:
    with db.context().sessions() as session:
        return session.execute(select(AgentState.state).join(User, User.id == AgentState.user_id)
                               .where(User.login == login)).scalar_one()


@pytest.fixture
def window_factory(qtbot, sqlite_db: Database, seat_env: Path) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    windows: list[MainWindow] = []

    def build(actor: Actor) -> MainWindow:
        window = open_window(qtbot, sqlite_db, actor, seat_env / "drafts")
        windows.append(window)
        return window

    yield build
    for window in windows:
        if window.phone is not None:
            window.phone.shutdown()


def test_dial_answer_hang_up_outcome_preselected_and_saved(qtbot, sqlite_db: Database, seat_env: Path,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch, window_factory) -> None:
    warning_id, item_id = add_warning(sqlite_db.context(SYSTEM), name="王建国")
    number = _person_number(sqlite_db, warning_id)
    with VictimPhone(seat_env / "victim", number, answer_after=1.0, hangup_after=2.0) as victim:
        monkeypatch.setenv("DISSUADE_SIP_DIAL", victim.dial_template())
        window = window_factory(_operator(sqlite_db))
        panel = window.call_panel
        assert window.phone is not None
        qtbot.waitUntil(lambda: window.phone.ready, timeout=15000)
        assert "软电话" in window.phone_status_label.text()

        qtbot.keyClick(window, Qt.Key.Key_F2)
        assert window.workstation.entry.item_id == item_id
        qtbot.keyClick(window, Qt.Key.Key_D, CTRL)  # reveals (audited) and dials
        qtbot.waitUntil(lambda: panel.phone_state in ("ringing", "talking"), timeout=5000)
        assert "振铃中" in panel.phone_label.text() or panel.phone_state == "talking"
        qtbot.waitUntil(lambda: panel.phone_state == "talking", timeout=5000)
        assert panel.in_call and "通话中" in panel.phone_label.text()
        assert number not in panel.number_label.text()  # revealed (audited) to dial, still masked on screen
        assert _state_of(sqlite_db, "op1") == "on_call"  # the supervisor board sees the seat talking
        qtbot.waitUntil(lambda: panel.phone_state == "ended", timeout=10000)  # the person hangs up

    outcome = window.outcome_panel
    assert outcome.disposition == "hung_up"  # detected, pre-selected
    assert outcome.disposition_buttons["hung_up"].isChecked()
    assert "通话结束" in panel.phone_label.text()
    assert _state_of(sqlite_db, "op1") == "wrap_up"
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: window.workstation.state is None, timeout=5000)
    assert _state_of(sqlite_db, "op1") == "ready"

    with sqlite_db.context().sessions() as session:
        attempt = session.execute(select(CallAttempt)).scalar_one()
        assert attempt.warning_id == warning_id and attempt.connected and attempt.disposition == "hung_up"
        assert abs(attempt.duration_s - 2) <= 1
        recording = session.execute(select(CallRecording)).scalar_one()
        assert recording.attempt_id == attempt.id and abs(recording.duration_s - 2.0) <= 0.5
        actions = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert "reveal" in actions and "dial" in actions


def test_engine_crash_mid_call_keeps_the_draft_and_restarts(qtbot, sqlite_db: Database, seat_env: Path,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch, window_factory) -> None:
    warning_id, _item = add_warning(sqlite_db.context(SYSTEM), name="赵敏")
    number = _person_number(sqlite_db, warning_id)
    with VictimPhone(seat_env / "victim", number, answer_after=0.5) as victim:
        monkeypatch.setenv("DISSUADE_SIP_DIAL", victim.dial_template())
        window = window_factory(_operator(sqlite_db))
        panel = window.call_panel
        assert window.phone is not None
        qtbot.waitUntil(lambda: window.phone.ready, timeout=15000)
        qtbot.keyClick(window, Qt.Key.Key_F2)
        qtbot.keyClick(window, Qt.Key.Key_D, CTRL)
        qtbot.waitUntil(lambda: panel.phone_state == "talking", timeout=8000)
        window.outcome_panel.notes_edit.setPlainText("当事人说正在转账")
        first_pid = window.phone.engine.pid  # type: ignore[attr-defined]
        os.kill(first_pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: panel.phone_state == "ended", timeout=8000)
        assert "通话引擎意外退出" in panel.phone_label.text()
        assert not panel.in_call and panel.started_at is not None
        assert "意外退出" in window.statusBar().currentMessage()
        drafts = window.drafts.load_all()  # on disk: what a crash of the console itself would leave
        assert len(drafts) == 1 and drafts[0].notes == "当事人说正在转账"
        assert drafts[0].detected_outcome == "answered" and drafts[0].started_at is not None
        qtbot.waitUntil(lambda: "重新启动，可以重拨" in panel.phone_label.text(), timeout=15000)
        assert "通话引擎意外退出" in panel.phone_label.text()  # the operator still sees why the call ended
        assert window.phone.engine.pid not in (None, first_pid)  # type: ignore[attr-defined]


def test_no_telephony_means_manual_dialling_and_says_so(qtbot, sqlite_db: Database, seat_env: Path,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch, window_factory) -> None:
    monkeypatch.delenv("DISSUADE_SIP_ACCOUNT", raising=False)
    monkeypatch.delenv("DISSUADE_SIP_DIAL", raising=False)
    add_warning(sqlite_db.context(SYSTEM))
    window = window_factory(_operator(sqlite_db))
    assert window.phone is None
    assert "手动拨号" in window.phone_status_label.text()
    assert "座机" in window.call_panel.phone_label.text()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClick(window, Qt.Key.Key_F6)  # the manual timer works as before
    assert window.call_panel.in_call


def test_pause_with_a_reason_stops_new_work(qtbot, sqlite_db: Database, seat_env: Path,  # type: ignore[no-untyped-def]
                                            monkeypatch: pytest.MonkeyPatch, window_factory) -> None:
    monkeypatch.delenv("DISSUADE_SIP_ACCOUNT", raising=False)
    add_warning(sqlite_db.context(SYSTEM))
    window = window_factory(_operator(sqlite_db))
    assert _state_of(sqlite_db, "op1") == "ready"
    monkeypatch.setattr("console.ui.agent_state.QInputDialog.getItem", lambda *a, **k: ("用餐", True))
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert _state_of(sqlite_db, "op1") == "paused" and "小休（用餐）" in window.agent_label.text()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.state is None and "小休" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert _state_of(sqlite_db, "op1") == "ready"
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.workstation.state is not None


def test_call_back_pops_the_person_and_is_answered(qtbot, sqlite_db: Database, seat_env: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch, window_factory) -> None:
    warning_id, _item = add_warning(sqlite_db.context(SYSTEM), name="吴桂兰")
    number = _person_number(sqlite_db, warning_id)
    monkeypatch.setenv("DISSUADE_SIP_DIAL", "sip:{number}@127.0.0.1:5999")
    window = window_factory(_operator(sqlite_db))
    assert window.phone is not None and window.inbound is not None
    qtbot.waitUntil(lambda: window.phone.ready, timeout=15000)
    seat_uri = window.phone.settings.account
    with VictimPhone(seat_env / "caller", number, answer_after=None, hangup_after=1.5) as caller:
        caller.engine.dial(seat_uri)
        qtbot.waitUntil(lambda: window.inbound.popup is not None, timeout=8000)
        popup = window.inbound.popup
        qtbot.waitUntil(lambda: popup.open_button.isEnabled(), timeout=5000)
        assert "本人" in popup.match_label.text() and "吴桂兰" not in popup.match_label.text()
        assert number not in popup.caller_label.text()  # masked
        assert window.warning_panel.entry.warning_id == warning_id  # the person view is open
        qtbot.mouseClick(popup.answer_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "通话结束" in popup.state_label.text(), timeout=10000)
    with sqlite_db.context().sessions() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "inbound_call")).scalar_one()
        assert event.object_id == str(warning_id) and event.details["outcome"] == "answered"
        assert session.execute(select(CallRecording)).scalar_one().warning_id == warning_id
