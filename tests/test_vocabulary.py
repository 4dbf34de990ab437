"""One Chinese label per code: label tables live in the vocabulary (or the script library's codes), and
the screens, the CLI and the reports read them from there."""

from __future__ import annotations

import ast
import datetime as dt
from enum import StrEnum
from pathlib import Path

from console.services.core import vocabulary
from console.services.queue.store import QueueEntry
from scripts_library import codes

ROOT = Path(__file__).resolve().parents[1]
HOMES = {ROOT / "console/services/core/vocabulary.py", ROOT / "scripts_library/codes.py"}
CODE_SETS = {
    cls.__name__: {member.value for member in cls}
    for module in (vocabulary, codes)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, StrEnum) and cls is not StrEnum
}
CODE_SETS["risk level"] = set(vocabulary.RISK_LEVEL_ORDER)
# Chinese text keyed by codes that is not a label: what a person typically says for each objection
# (generated rehearsal scenarios), and the dispatch sheet's spelled-out urgency of each level.
NOT_LABELS = {"OBJECTION_LINES", "LEVEL_WORDS"}


def _labels_codes(node: ast.Dict) -> str | None:
    """The code set a dict literal labels in Chinese, if it does."""
    keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    values = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if len(keys) < 2 or len(keys) != len(node.keys) or len(values) != len(node.values):
        return None
    if not any("\u4e00" <= ch <= "\u9fff" for value in values for ch in value):
        return None
    return next((name for name, found in CODE_SETS.items() if set(keys) <= found), None)


def _label_tables(tree: ast.AST) -> list[tuple[int, str]]:
    exempt = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id in NOT_LABELS for t in node.targets)}
    return [(node.lineno, name) for node in ast.walk(tree)
            if isinstance(node, ast.Dict) and id(node) not in exempt and (name := _labels_codes(node)) is not None]


def test_no_module_keeps_its_own_labels_for_codes() -> None:
    offenders = []
    for package in ("console", "scripts_library"):
        for path in (ROOT / package).rglob("*.py"):
            if path in HOMES:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            offenders += [f"{path.relative_to(ROOT)}:{line} ({name})" for line, name in _label_tables(tree)]
    assert offenders == []


def test_the_check_finds_a_private_label_table() -> None:
    tree = ast.parse('KIND_LABELS = {"warning": "预警", "escalation_answer": "上门反馈"}\n'
                     'COLOURS = {"red": "#cf222e", "blue": "#0969da"}\nEVENTS = {"created": "下达指令", "alerted": "告警"}')
    assert _label_tables(tree) == [(1, "QueueItemKind")]


def test_every_state_code_has_a_label() -> None:
    tables = {
        "WarningStatus": vocabulary.WARNING_STATUS_LABELS, "QueueItemStatus": vocabulary.QUEUE_ITEM_STATUS_LABELS,
        "QueueItemKind": vocabulary.QUEUE_ITEM_KIND_LABELS, "EscalationStatus": vocabulary.ORDER_STATUS_LABELS,
        "TaskKind": vocabulary.TASK_KIND_LABELS, "TaskStatus": vocabulary.TASK_STATUS_LABELS,
        "TaskResult": vocabulary.RESULT_LABELS, "FollowUpStatus": vocabulary.FOLLOW_UP_STATUS_LABELS,
        "FollowUpOutcome": vocabulary.FOLLOW_UP_OUTCOME_LABELS, "Disposition": codes.DISPOSITION_LABELS,
        "Objection": codes.OBJECTION_LABELS, "KeyAction": codes.KEY_ACTION_LABELS,
        "KeyActionState": vocabulary.KEY_ACTION_STATE_LABELS,
        "VoiceCampaignStatus": vocabulary.VOICE_CAMPAIGN_STATUS_LABELS,
        "VoiceItemStatus": vocabulary.VOICE_ITEM_STATUS_LABELS, "VoiceResult": vocabulary.VOICE_RESULT_LABELS,
    }
    assert set(tables) == set(CODE_SETS) - {"risk level"}
    for name, table in tables.items():
        assert CODE_SETS[name] <= set(table), name


def test_the_queue_shows_a_station_answer_as_the_vocabulary_names_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from console.ui.queue_model import QueueTableModel

    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    model = QueueTableModel(lambda: now)
    entry = QueueEntry(
        item_id=1, warning_id=1, kind="escalation_answer", status="open", risk_level="red", score=70, reasons=[],
        fraud_type="other", fraud_type_label="其他", deadline_at=now, not_before=None, overdue=False, claimed_by=None,
        lease_expires_at=None, name_masked="张*", phone_masked="138****0000", age_band="26-40", repeat_count=0,
        attempts=0, received_at=now,
    )
    model.set_rows([entry])
    kind = model.index(0, QueueTableModel.COLUMNS.index("kind")).data(Qt.ItemDataRole.DisplayRole)
    assert kind == vocabulary.QUEUE_ITEM_KIND_LABELS["escalation_answer"] == "派出所反馈"
