"""AboutDialog: the version (the same number as ``dissuade --version`` and the package), the database, the licence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from console import __version__
from console.ui.app_icon import app_icon


class AboutDialog(QDialog):
    def __init__(self, database_description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("关于预警劝阻工作台"))
        icon: QIcon = app_icon()
        picture = QLabel()
        picture.setPixmap(icon.pixmap(72, 72))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.version_label = QLabel(self.tr("预警劝阻工作台  版本 %1").replace("%1", __version__))
        self.version_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.version_label.font()
        font.setPointSize(font.pointSize() + 3)
        self.version_label.setFont(font)
        details = QLabel(self.tr("反诈中心预警劝阻桌面程序：预警分级排队、劝阻话术、拨打记录、上报派出所、回访与值班报表。\n"
                                 "数据库：%1\n开源许可：Apache-2.0").replace("%1", database_description))
        details.setWordWrap(True)
        details.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (picture, self.version_label, details, buttons):
            layout.addWidget(widget)
