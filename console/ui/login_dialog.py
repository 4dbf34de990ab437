"""Login dialog: the operator's login and password, checked by the auth service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import Actor, ServiceContext, ServiceError
from console.services.security import auth


class LoginDialog(QDialog):
    """Asks for login and password; ``actor`` holds the logged-in user after ``accept()``."""

    def __init__(self, ctx: ServiceContext, *, seat: str = "", hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.seat = seat
        self.actor: Actor | None = None
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

        form = QFormLayout()
        form.addRow(self.tr("登录名"), self.login_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setObjectName("hintLabel")
            hint_label.setWordWrap(True)
            layout.addWidget(hint_label)
        layout.addWidget(buttons)
        self.login_edit.setFocus()

    def try_login(self) -> None:
        try:
            self.actor = auth.authenticate(self.ctx, self.login_edit.text(), self.password_edit.text(), self.seat)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()
