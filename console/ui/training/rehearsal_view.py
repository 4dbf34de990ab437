"""The script view of a rehearsal: the production :class:`ScriptView`, with every move routed
through the simulated person (who may refuse it) instead of straight into the script session."""

from __future__ import annotations

from PySide6.QtCore import Signal

from console.ui.script_view import ScriptView
from scripts_library.simulation import Reaction, RehearsalRun


class RehearsalScriptView(ScriptView):
    check_shortcuts = True
    reacted = Signal(object)  # a Reaction after each trainee move

    def __init__(self) -> None:
        super().__init__()
        self.run: RehearsalRun | None = None

    def set_run(self, run: RehearsalRun | None) -> None:
        self.run = run
        self.set_session(run.session if run is not None else None, "")

    def _react(self, reaction: Reaction) -> None:
        self.refresh()
        self.changed.emit()
        self.reacted.emit(reaction)
        if self.run is not None and self.run.ended:
            self.setEnabled(False)

    def choose(self, index: int) -> None:
        if self.run is None or self.run.ended or not self.isVisible() or index >= len(self.run.session.responses):
            return
        self._react(self.run.choose(index))

    def raise_objection(self, code: str) -> None:
        if self.run is None or self.run.ended or not self.isVisible() or code not in self.run.session.script.objections:
            return
        self._react(self.run.raise_objection(code))

    def ask_question(self, code: str) -> None:
        if self.run is None or self.run.ended or not self.isVisible():
            return
        self.asked.add(code)
        self._react(self.run.ask(code))

    def go_back(self) -> None:
        if self.run is None or self.run.ended or not self.isVisible():
            return
        self._react(self.run.back())

    def set_key_action(self, code: str, obtained: bool) -> None:
        if self.run is None or self.run.ended:
            return
        if obtained:
            self._react(self.run.mark_key_action(code))
        else:
            self.run.session.unmark_key_action(code)
            self.refresh()
