"""Qt's own texts (standard buttons, message boxes, the file dialog) are Chinese, whatever the PC's locale."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo, QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTreeView,
    QWidget,
)

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.ui import app as bootstrap
from console.ui.about_dialog import AboutDialog
from console.ui.help_panel import HelpPanel
from console.ui.login_dialog import LoginDialog
from console.ui.supervisor.reason_dialog import ChangeLevelDialog

pytestmark = pytest.mark.gui

# Words that are names, not English the user should have been spared
ALLOWED = {"PDF", "CSV", "XLSX", "WAV", "SQLite", "PostgreSQL", "App", "ID", "SIP", "Ctrl", "Alt", "Shift", "Enter",
           "Esc", "Backspace", "Tab", "F", "SMS", "TTS", "QR", "demo", "op", "zhiban", "peixun", "admin", "Excel",
           "xlsx", "csv", "pdf", "wav"}
WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(texts: list[str]) -> list[str]:
    return [word for text in texts for word in WORD.findall(text.replace("&", "")) if word not in ALLOWED]


def visible_texts(widget: QWidget) -> list[str]:
    """Every text a user sees or hovers in the widget: titles, labels, buttons, tooltips, headers, fields."""
    texts = [widget.windowTitle()]
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        texts.append(child.toolTip())
        if isinstance(child, QLabel | QAbstractButton):
            texts.append(child.text())
        if isinstance(child, QLineEdit):
            texts.append(child.placeholderText())
        if isinstance(child, QComboBox):
            texts.extend(child.itemText(i) for i in range(child.count()))
        if isinstance(child, QTreeView) and child.model() is not None:
            model = child.model()
            texts.extend(str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(model.columnCount()))
    return [text for text in texts if text]


@pytest.fixture
def chinese_qt(qapp: QApplication) -> Iterator[QApplication]:
    """The application as the console starts it; Qt's translators removed again afterwards."""
    before = QLocale()
    installed = bootstrap.install_qt_translations(qapp)
    assert len(installed) == 2, "qtbase_zh_CN.qm or qt_extra_zh_CN.qm was not found in " + QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    yield qapp
    for translator in installed:
        qapp.removeTranslator(translator)
    QLocale.setDefault(before)


def test_the_pyside6_wheel_ships_the_chinese_qtbase_catalogue() -> None:
    assert (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / "qtbase_zh_CN.qm").is_file()


@pytest.mark.parametrize(("icon", "buttons"), [
    (QMessageBox.Icon.Question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No),  # 退回队列 / 发短信
    (QMessageBox.Icon.Warning, QMessageBox.StandardButton.Ok),  # 领取失败, 保存失败 ...
    (QMessageBox.Icon.Critical, QMessageBox.StandardButton.Ok),  # 无法启动
    (QMessageBox.Icon.Question, QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
     | QMessageBox.StandardButton.Cancel),
])
def test_message_boxes_have_chinese_buttons(qtbot, chinese_qt: QApplication, icon, buttons) -> None:  # type: ignore[no-untyped-def]
    box = QMessageBox(icon, "退回队列", "确定把当前条目退回队列吗？", buttons)
    qtbot.addWidget(box)
    box.show()
    texts = [button.text() for button in box.buttons()]
    assert texts and english_words(texts) == [], texts
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in texts)


def test_button_boxes_of_the_console_dialogs_are_chinese(qtbot, chinese_qt: QApplication, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[QWidget] = [
        AboutDialog(sqlite_db.description), HelpPanel(), ChangeLevelDialog(7, "red"),
        LoginDialog(sqlite_db.context(SYSTEM), seat="seat-1"),
    ]
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Close | QDialogButtonBox.StandardButton.Save)
    dialogs.append(box)
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        buttons = [button.text() for button in dialog.findChildren(QAbstractButton) if button.isVisibleTo(dialog)]
        assert english_words(buttons) == [], (type(dialog).__name__, buttons)
    assert [b.text() for b in box.buttons()] and english_words([b.text() for b in box.buttons()]) == []


def test_the_file_dialog_is_chinese(qtbot, chinese_qt: QApplication, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "预警.xlsx").write_bytes(b"")
    for mode in (QFileDialog.AcceptMode.AcceptSave, QFileDialog.AcceptMode.AcceptOpen):
        dialog = QFileDialog(None, "导出队列", str(tmp_path), "Excel 表格 (*.xlsx);;CSV 文件 (*.csv)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(mode)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(dialog.isVisible)
        texts = [text for text in visible_texts(dialog) if str(tmp_path) not in text]  # the folder's own path
        assert english_words(texts) == [], texts
        assert "文件名称" in " ".join(texts) and "查找范围" in " ".join(texts)


def test_the_english_check_notices_english(qtbot, qapp: QApplication) -> None:  # type: ignore[no-untyped-def]
    box = QMessageBox(QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(box)
    assert english_words(["&Yes", "取消", "PDF 文件", "Look in:"]) == ["Yes", "Look", "in"]


def test_the_consoles_own_export_file_dialog_is_chinese(qtbot, chinese_qt: QApplication, demo_sqlite: Database,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    from console.services.demo import generate as demo
    from console.ui.draft_keeper import DraftKeeper
    from console.ui.main_window import MainWindow
    from console.ui.tasks import SyncTaskRunner
    from tests.gui_helpers import demo_actor

    demo.generate(demo_sqlite.context(SYSTEM), warnings=20, seed=3, open_count=5)
    actor = demo_actor(demo_sqlite, "zhiban", "seat-1")
    window = MainWindow(demo_sqlite, actor, runner=SyncTaskRunner(), drafts=DraftKeeper(actor, root=tmp_path))
    qtbot.addWidget(window)
    window.show()
    seen: list[str] = []

    def inspect() -> None:  # runs inside the dialog's own event loop, then closes it
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, inspect)
            return
        seen.extend(visible_texts(dialog))
        dialog.reject()

    QTimer.singleShot(0, inspect)
    assert window.export_action is not None
    window.export_action.trigger()  # the static getSaveFileName the console calls
    assert seen and "文件名称" in " ".join(seen)
    assert english_words([text for text in seen if "/" not in text]) == [], seen
