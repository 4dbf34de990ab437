"""Trainer mode: rehearsals against simulated people, progress, script review and case review (复盘).

The main window opens :class:`TrainingWindow`; nothing here touches production queues or statistics.
"""

from console.ui.training.window import TrainingWindow

__all__ = ["TrainingWindow"]
