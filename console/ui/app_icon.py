"""The console's icon (resources/icons), for windows, dialogs and the desktop entry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

ICON_FILE = Path(__file__).resolve().parents[2] / "resources" / "icons" / "dissuasion-console.svg"


def app_icon() -> QIcon:
    return QIcon(str(ICON_FILE)) if ICON_FILE.exists() else QIcon()
