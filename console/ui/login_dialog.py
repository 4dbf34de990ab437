"""Login dialog: the operator's login and password, checked by the auth service off the GUI thread.

The dialog is built from Qt alone, so it can be on screen before the database layer is imported:
the start-up opens the database behind it and hands it over with :meth:`LoginDialog.set_database`.
A login confirmed before that waits for it; the password check (argon2) runs on the task runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from console.services.core.context import Actor, ServiceContext

FIRST_RUN = 2  # the dialog's result when the database has no user yet: the first-run dialog follows


class LoginDialog(QDialog):
    """Asks for login and password; ``actor`` holds the logged-in user after ``accept()``.

    ``ctx`` may be given at once (a database already open) or later through :meth:`set_database`.
    """

    database_ready = Signal()  # set_database() was called: a login can be checked now
    login_failed = Signal(str)  # the Chinese message shown under the fields

    def __init__(self, ctx: ServiceContext | None = None, *, seat: str = "", hint: str = "",
                 runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.seat = seat
        self.actor: Actor | None = None
        self.runner = runner or TaskRunner(self)
        self.fatal = False  # the database could not be opened: only 退出 is left
        self._pending = False  # the operator confirmed before the database was open
        self._checking = False
        self.setWindowTitle(self.tr("预警劝阻工作台 · 登录"))
        self.setMinimumWidth(380)

        title = QLabel(self.tr("预警劝阻工作台"))
        title.setObjectName("loginTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText(self.tr("登录名"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("密码"))
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("hintLabel")
        self.status_label.hide()

        form = QFormLayout()
        form.addRow(self.tr("登录名"), self.login_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("登录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        self.hint_label = QLabel(hint)
        self.hint_label.setObjectName("hintLabel")
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(bool(hint))
        layout.addWidget(self.hint_label)
        layout.addWidget(self.buttons)
        self.login_edit.setFocus()

    def set_hint(self, hint: str) -> None:
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))

    def set_database(self, ctx: ServiceContext, seat: str) -> None:
        """The database is open: check a login the operator already confirmed, or wait for one."""
        self.ctx, self.seat = ctx, seat
        self.database_ready.emit()
        if self._pending:
            self._pending = False
            self._check()

    def forget_database(self) -> None:
        """Back to waiting for a database (after the first run): nothing typed before is checked."""
        self.ctx, self._pending = None, False
        self._set_busy(False)
        self.password_edit.clear()
        self.error_label.hide()

    def show_fatal(self, message: str) -> None:
        """The database could not be opened: say why in Chinese and leave only 退出."""
        self.fatal, self._pending = True, False
        self.status_label.hide()
        self.error_label.setText(message)
        self.error_label.show()
        for widget in (self.login_edit, self.password_edit, self.ok_button):
            widget.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setFocus()

    def try_login(self) -> None:
        if self.fatal or self._checking:
            return
        if self.ctx is None:
            self._pending = True
            self._set_busy(True, self.tr("正在打开数据库，请稍候…"))
            return
        self._check()

    def _check(self) -> None:
        ctx, login, password, seat = self.ctx, self.login_edit.text(), self.password_edit.text(), self.seat
        assert ctx is not None

        def authenticate() -> Actor:
            from console.services.security import auth

            return auth.authenticate(ctx, login, password, seat)

        self._checking = True
        self._set_busy(True, self.tr("正在验证…"))
        self.runner.run(authenticate, self._logged_in, self._refused)

    def _set_busy(self, busy: bool, status: str = "") -> None:
        self.ok_button.setEnabled(not busy)
        self.login_edit.setReadOnly(busy)
        self.password_edit.setReadOnly(busy)
        self.status_label.setText(status)
        self.status_label.setVisible(busy and bool(status))

    def _logged_in(self, actor: Actor) -> None:
        self._checking = False
        self._set_busy(False)
        self.actor = actor
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        from console.ui.errors import error_text  # the database layer is loaded by now

        self._checking = False
        self._set_busy(False)
        message = error_text(exc)
        self.error_label.setText(message)
        self.error_label.show()
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.login_failed.emit(message)
