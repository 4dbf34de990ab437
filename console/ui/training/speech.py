"""Speaking lines aloud without freezing the window: synthesis in a worker process (via the task
runner), then playback with QtMultimedia when present, else a command-line player, else text only.

PySide6-Essentials ships without QtMultimedia and the centre's PCs may have no sound card; in both
cases the trainee still reads every line, and the window says once why nothing is heard.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from console.services.core.settings import TtsSettings
from console.services.messaging import tts
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner

Synthesize = Callable[[str, Path], Any]


def _default_player() -> Callable[[Path], bool]:
    """A function that starts playing a WAV and returns at once; False when nothing can play."""
    try:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QSoundEffect  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        command = tts.audio_player_command()
        if command is None:
            return lambda _path: False

        def play_with_command(path: Path) -> bool:
            try:
                subprocess.Popen([*command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except OSError:
                return False
            return True

        return play_with_command
    effects: list[Any] = []

    def play_with_qt(path: Path) -> bool:
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(path)))
        effect.play()
        effects[:] = [effect]  # keep the last one alive while it plays
        return True

    return play_with_qt


class Speaker(QObject):
    """Speaks lines in the background; ``text_only`` after the first failure (reason in ``notice``)."""

    spoken = Signal(str)  # the text whose audio started playing
    unavailable = Signal(str)  # why the console switched to text only

    def __init__(self, runner: TaskRunner, settings: TtsSettings, synthesize: Synthesize | None = None,
                 player: Callable[[Path], bool] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.synthesize: Synthesize = synthesize or (
            lambda text, path: tts.synthesize_to_wav(text, path, settings=settings))
        self.player = player or _default_player()
        self.enabled = True
        self.text_only = False
        self.notice = ""
        self._dir = Path(tempfile.mkdtemp(prefix="dissuade-tts-"))
        self._count = 0

    def speak(self, text: str) -> None:
        if not self.enabled or self.text_only or not text.strip():
            return
        self._count += 1
        path = self._dir / f"line-{self._count}.wav"

        def work() -> Path:
            self.synthesize(text, path)
            return path

        self.runner.run(work, on_success=lambda p: self._play(text, p), on_failure=self._failed)

    def _play(self, text: str, path: Path) -> None:
        if self.player(path):
            self.spoken.emit(text)
        else:
            self._switch_off(tts.NO_AUDIO_DEVICE)

    def _failed(self, exc: BaseException) -> None:
        self._switch_off(error_text(exc))

    def _switch_off(self, message: str) -> None:
        if not self.text_only:
            self.text_only = True
            self.notice = message
            self.unavailable.emit(message)
