"""Training window: a full rehearsal worked with keys and clicks, scored, printed; case and script review."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.core.context import Actor
from console.ui.tasks import SyncTaskRunner
from console.ui.training import TrainingWindow
from console.ui.training.script_review import LineRole
from db.models import CallAttempt, Rehearsal
from scripts_library.codes import OBJECTION_CODES
from scripts_library.simulation import AGREE_AT
from tests import gui_helpers as gui
from tests.stats_helpers import pdftotext
from tests.test_training_service import seed_production
from tests.training_helpers import best_response, missing_action_handler, unasked_check

pytestmark = pytest.mark.gui


def make_user(db: Database, login: str, role: str) -> Actor:
    return gui.make_user(db, login, role, seat="seat-9")


def open_window(qtbot, db: Database, actor: Actor) -> TrainingWindow:  # type: ignore[no-untyped-def]
    window = TrainingWindow(db, actor, SyncTaskRunner())
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def objection_key(code: str) -> Qt.Key:
    position = OBJECTION_CODES.index(code)
    return Qt.Key(Qt.Key.Key_0 + (position + 1) % 10)


def test_full_rehearsal_with_keys_and_clicks_is_scored_and_printed(qtbot, sqlite_db: Database,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    trainee = make_user(sqlite_db, "xiaowang", "operator")
    window = open_window(qtbot, sqlite_db, trainee)
    assert window.tabs.count() == 2  # operators rehearse and see their own progress only
    panel = window.rehearsal
    panel.select_scenario("hard_you_are_the_scammer")
    assert "你们才是骗子" not in panel.briefing.text() and "冒充反诈中心" in panel.briefing.text()
    with qtbot.waitSignal(panel.rehearsal_started):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert "又是你们" in panel.person_line.text()
    assert "你们才是骗子" in panel.person_line.text()
    assert panel.resistance.value() == 75
    # no sound card here: the line is synthesised for real, then the window says it is text only
    assert "本机无音频设备" in panel.status.text()
    assert window.speaker.text_only

    run = panel.active.run
    first_objection = True
    moves = 0
    while not run.ended and moves < 60:
        moves += 1
        if run.session.position.handler is None and run.person.pending:
            code = run.person.pending[0]
            if first_objection:  # the first one by mouse, the rest by keyboard
                qtbot.mouseClick(panel.script_view.objection_buttons[code], Qt.MouseButton.LeftButton)
                first_objection = False
            else:
                qtbot.keyClick(window, objection_key(code), Qt.KeyboardModifier.AltModifier)
            continue
        question = unasked_check(run)
        if question is not None:  # the checking questions of the step, by mouse
            qtbot.mouseClick(panel.script_view.check_buttons[question], Qt.MouseButton.LeftButton)
            continue
        handler = missing_action_handler(run)
        if handler is not None:
            qtbot.keyClick(window, objection_key(handler), Qt.KeyboardModifier.AltModifier)
            continue
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + best_response(run)))
    assert run.ended and not run.hung_up
    assert panel.resistance.value() <= AGREE_AT
    assert "通话已结束" in panel.status.text()
    assert "学员：" in panel.transcript.toPlainText()
    assert "验证码" in panel.transcript.toPlainText()  # the question that brought the hidden fact out
    assert "少了两万" in panel.transcript.toPlainText()
    assert panel.script_view.key_action_boxes["stop_transfer"].isChecked()

    with qtbot.waitSignal(panel.rehearsal_finished) as finished:
        qtbot.mouseClick(panel.finish_button, Qt.MouseButton.LeftButton)
    card = finished.args[0]
    assert card.outcome == "dissuaded" and card.score >= 80
    assert "本次得分" in panel.status.text()
    dialog = window.score_dialog
    assert dialog is not None and dialog.isVisible()
    assert f"得分：{card.score}" in dialog.score_label.text()
    sheet = tmp_path / "score.pdf"
    dialog.ask_path = lambda _parent, _name: str(sheet)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert sheet.read_bytes().startswith(b"%PDF")
    assert "已保存" in dialog.status.text()

    progress = window.progress.model
    assert progress.rowCount() == 1
    assert progress.index(0, 3).data() == str(card.score)
    with sqlite_db.sessions() as session:
        assert session.execute(select(func.count()).select_from(Rehearsal)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(CallAttempt)).scalar_one() == 0


def test_score_sheet_printed_from_the_window_names_the_unit(qtbot, sqlite_db: Database,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    settings = sqlite_db.settings
    sqlite_db.settings = replace(settings, centre=replace(settings.centre, unit_name="青山县公安局反电信网络诈骗中心"))
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "xiaoli", "operator"))
    panel = window.rehearsal
    panel.select_scenario("fake_loan_worker_fee")
    with qtbot.waitSignal(panel.rehearsal_started):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.rehearsal_finished):
        qtbot.mouseClick(panel.finish_button, Qt.MouseButton.LeftButton)
    dialog = window.score_dialog
    assert dialog is not None and dialog.isVisible()
    sheet = tmp_path / "评分表.pdf"
    dialog.ask_path = lambda _parent, _name: str(sheet)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert "已保存" in dialog.status.text()
    text = pdftotext(sheet)
    assert "劝阻演练评分表" in text and "xiaoli名" in text
    assert text.count("青山县公安局反电信网络诈骗中心") >= 2  # above the title and in every page header


def test_pushing_for_actions_too_early_is_refused_on_screen(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "xiaoli", "operator"))
    panel = window.rehearsal
    panel.select_scenario("hard_romance_emotional")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    box = panel.script_view.key_action_boxes["stop_transfer"]
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)  # tick "stop transfer"
    assert not box.isChecked()
    assert "相信她" in panel.person_line.text()
    assert panel.resistance.value() > 60


def test_trainer_reviews_a_failed_call_and_rehearses_it(qtbot, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    refused, _victimized, _ok = seed_production(sqlite_db)
    window = open_window(qtbot, sqlite_db, make_user(sqlite_db, "laozhang", "trainer"))
    assert window.case_review is not None and window.script_review is not None
    cases = window.case_review
    assert cases.model.rowCount() == 2
    shown = " ".join(str(cases.model.index(r, c).data()) for r in range(2) for c in range(7))
    assert "测试人" not in shown and "10000000001" not in shown
    row = next(r for r in range(2) if cases.model.item(r).call_attempt_id == refused)
    cases.table.setCurrentIndex(cases.model.index(row, 0))
    assert "opening → @doubts_caller" in cases.detail.text()

    qtbot.mouseClick(cases.path_button, Qt.MouseButton.LeftButton)
    review = window.script_review
    assert window.tabs.currentWidget() is review
    assert review.script_combo.currentData() == "impersonate_authority_elderly"
    assert review.model.is_highlighted("check_money") and review.model.is_highlighted("@hostile")
    assert not review.model.is_highlighted("victim_help")
    opening = review.model.step_items["opening"]
    assert review.model.index(opening.row(), 1).data() == "3"  # calls through the opening
    assert review.model.index(opening.row(), 2).data() == "33%"
    review.tree.setCurrentIndex(opening.child(0).index())
    assert "反诈中心" in opening.child(0).data(LineRole)

    cases.annotation.setPlainText("没有先请对方自己核实")
    with qtbot.waitSignal(cases.scenario_created) as created:
        qtbot.mouseClick(cases.scenario_button, Qt.MouseButton.LeftButton)
    generated = created.args[0]
    assert "已生成演练场景" in cases.status.text()
    combo = window.rehearsal.scenario_combo
    assert combo.findData(generated.scenario_id) >= 0
    window.rehearsal.select_scenario(generated.scenario_id)
    assert "没有先请对方自己核实" in window.rehearsal.briefing.text()
    with qtbot.waitSignal(window.rehearsal.rehearsal_started):
        qtbot.mouseClick(window.rehearsal.start_button, Qt.MouseButton.LeftButton)
    assert window.rehearsal.resistance.value() == 75  # hostile, as in the real call
