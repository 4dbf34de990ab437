"""Idle lock: after the configured minutes without input the window hides personal data until the
same user types the password again (audited as an unlock).  Ctrl+L locks at once."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from console.services.core.context import ServiceContext, ServiceError
from console.services.security import session_policy
from console.services.security.session_policy import IdleTimer

INPUT_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                          QEvent.Type.Wheel})


class IdleLockGuard(QObject):
    """Watches application input; emits ``locked`` once the idle period has passed."""

    locked = Signal()

    def __init__(self, timer: IdleTimer, parent: QObject | None = None, check_ms: int = 5000) -> None:
        super().__init__(parent)
        self.timer = timer
        self._emitted = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.check_timer = QTimer(self)
        self.check_timer.setInterval(check_ms)
        self.check_timer.timeout.connect(self.check)
        self.check_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in INPUT_EVENTS and not self._emitted:
            self.timer.touch()
        return False

    def check(self) -> None:
        if not self._emitted and self.timer.is_locked():
            self._emitted = True
            self.locked.emit()

    def lock_now(self) -> None:
        self.timer.lock()
        self.check()

    def unlocked(self) -> None:
        self.timer.reset()
        self._emitted = False


class LockDialog(QDialog):
    """Asks the locked user's password; only that user can reopen the seat."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("屏幕已锁定"))
        self.setModal(True)
        who = ctx.actor.display_name or ctx.actor.login
        info = QLabel(self.tr("{who} 的席位已锁定，当事人信息已隐藏。\n请输入密码解锁。").format(who=who))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        button = QPushButton(self.tr("解锁"))
        button.setDefault(True)
        button.clicked.connect(self.try_unlock)
        self.password_edit.returnPressed.connect(self.try_unlock)
        layout = QVBoxLayout(self)
        for widget in (info, self.password_edit, self.error_label, button):
            layout.addWidget(widget)

    def try_unlock(self) -> None:
        try:
            session_policy.unlock(self.ctx, self.password_edit.text())
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            self.password_edit.clear()
            return
        self.accept()

    def reject(self) -> None:  # Esc must not bypass the lock
        return
