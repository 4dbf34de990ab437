"""First start on a new machine: the centre's name and the first admin, once, in a dialog."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from console.app.bootstrap import Database, open_database
from console.services.core.context import ServiceError
from console.services.core.settings import load_settings
from console.services.security import auth
from console.services.security.first_run import complete_first_run, needs_first_run
from console.ui.first_run_dialog import FirstRunDialog
from console.ui.tasks import TaskRunner


def test_first_run_saves_the_unit_name_and_creates_one_admin(sqlite_db: Database, tmp_path: Path) -> None:
    ctx = sqlite_db.context()
    assert needs_first_run(ctx)
    user = complete_first_run(ctx, tmp_path, unit_name=" 明湖县公安局反电信网络诈骗中心 ", login="chen",
                              password="correct-horse-1", display_name="陈主任")
    assert user.role == "admin" and not needs_first_run(ctx)
    assert load_settings(tmp_path).centre.unit_name == "明湖县公安局反电信网络诈骗中心"
    assert stat.S_IMODE((tmp_path / "centre.yaml").stat().st_mode) == 0o600
    assert auth.authenticate(ctx, "chen", "correct-horse-1", "seat").role == "admin"
    with pytest.raises(ServiceError, match="已有用户账号"):  # never a back door to a second admin
        complete_first_run(ctx, tmp_path, unit_name="别的单位", login="mallory", password="correct-horse-2")
    assert auth.get_user(ctx, "mallory") is None


def test_first_run_keeps_other_centre_settings(sqlite_db: Database, tmp_path: Path) -> None:
    (tmp_path / "centre.yaml").write_text("time_zone: Asia/Urumqi\n", encoding="utf-8")
    complete_first_run(sqlite_db.context(), tmp_path, unit_name="乌鲁木齐市反诈中心", login="admin",
                       password="correct-horse-1")
    centre = load_settings(tmp_path).centre
    assert (centre.unit_name, centre.time_zone) == ("乌鲁木齐市反诈中心", "Asia/Urumqi")


@pytest.mark.parametrize(("unit", "password", "message"), [
    ("", "correct-horse-1", "请填写单位全称"),
    ("县反诈中心", "short", "密码至少"),
])
def test_first_run_refuses_incomplete_answers_in_chinese(sqlite_db: Database, tmp_path: Path, unit: str,
                                                         password: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        complete_first_run(sqlite_db.context(), tmp_path, unit_name=unit, login="admin", password=password)
    assert needs_first_run(sqlite_db.context())
    assert not (tmp_path / "centre.yaml").exists()


@pytest.mark.gui
def test_the_dialog_checks_the_repeat_then_saves_off_the_gui_thread(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    database = open_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        dialog = FirstRunDialog(database.context(), TaskRunner(), tmp_path)
        qtbot.addWidget(dialog)
        dialog.show()
        assert "首次设置" in dialog.windowTitle()
        dialog.unit_edit.setText("明湖县公安局反电信网络诈骗中心")
        dialog.password_edit.setText("correct-horse-1")
        dialog.repeat_edit.setText("correct-horse-2")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert "不一致" in dialog.error_label.text() and needs_first_run(database.context())
        dialog.repeat_edit.setText("correct-horse-1")
        with qtbot.waitSignal(dialog.accepted, timeout=20_000):
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.user is not None and dialog.user.login == "admin"
        assert load_settings(tmp_path).centre.unit_name == "明湖县公安局反电信网络诈骗中心"
    finally:
        database.dispose()
