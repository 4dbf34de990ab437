"""FirstRunDialog: on a new machine, the centre's full name and the first administrator account.

Shown instead of the login when the database has no user (and no demo was asked for).  The work
is one quick transaction, but it hashes a password (argon2), so it runs on the task runner.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, ServiceError
from console.services.security.auth import UserInfo
from console.services.security.first_run import complete_first_run
from console.ui.tasks import TaskRunner


class FirstRunDialog(QDialog):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.data_dir = data_dir
        self.user: UserInfo | None = None
        self.setWindowTitle(self.tr("预警劝阻工作台 · 首次设置"))
        intro = QLabel(self.tr("这台电脑上还没有任何账号。请填写本单位全称，并创建第一个管理员账号；"
                               "其他人员的账号由管理员登录后添加。"))
        intro.setWordWrap(True)
        self.unit_edit = QLineEdit()
        self.unit_edit.setPlaceholderText(self.tr("例如：明湖县公安局反电信网络诈骗中心"))
        self.login_edit = QLineEdit("admin")
        self.name_edit = QLineEdit(self.tr("管理员"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        minimum = ctx.settings.security.min_password_length
        self.password_edit.setPlaceholderText(self.tr("至少 %1 位").replace("%1", str(minimum)))
        self.error_label = QLabel("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("单位全称"), self.unit_edit)
        form.addRow(self.tr("管理员登录名"), self.login_edit)
        form.addRow(self.tr("管理员姓名"), self.name_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        form.addRow(self.tr("再次输入密码"), self.repeat_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("完成设置"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.unit_edit.setFocus()

    def submit(self) -> None:
        if self.password_edit.text() != self.repeat_edit.text():
            self.error_label.setText(self.tr("两次输入的密码不一致"))
            return
        ctx, data_dir = self.ctx, self.data_dir
        unit, login, name, password = (self.unit_edit.text(), self.login_edit.text(), self.name_edit.text(),
                                       self.password_edit.text())
        self.buttons.setEnabled(False)
        self.error_label.setText(self.tr("正在保存…"))
        self.runner.run(lambda: complete_first_run(ctx, data_dir, unit_name=unit, login=login, password=password,
                                                   display_name=name),
                        on_success=self._done, on_failure=self._failed)

    def _done(self, user: UserInfo) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error_label.setText(str(exc) if isinstance(exc, ServiceError) else self.tr("保存失败，请重试"))
