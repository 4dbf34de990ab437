"""Chinese words for every code a document prints: nothing on paper is an identifier.

Codes with a fixed vocabulary come from :mod:`console.services.core.vocabulary`; script ids and node
ids come from the script library (a script's 标题, a node's or objection handler's 标题).  A code
that is in no table (an old script removed from the library, a value typed outside the console)
prints as a neutral Chinese word, never as the code itself.
"""

from __future__ import annotations

from console.services.core.vocabulary import (
    DISPOSITION_LABELS,
    FOLLOW_UP_KIND_LABELS,
    FOLLOW_UP_OUTCOME_LABELS,
    FRAUD_TYPE_LABELS,
    KEY_ACTION_LABELS,
    OBJECTION_LABELS,
    PROFILE_GROUP_LABELS,
    RISK_LEVEL_LABELS,
    SIGNAL_LABELS,
)
from scripts_library.loader import ScriptLibrary, ScriptLibraryError, load_library
from scripts_library.schema import Script

OUTCOME_LABELS = {**DISPOSITION_LABELS, "pending": "处理中"}
UNKNOWN = "（未登记）"


def _library() -> ScriptLibrary | None:
    try:
        return load_library()  # cached per directory while no file changes
    except (ScriptLibraryError, OSError):
        return None


def _script(script_id: str) -> Script | None:
    library = _library()
    if library is None or script_id not in library:
        return None
    return library.get(script_id)


def level_label(code: str) -> str:
    label = RISK_LEVEL_LABELS.get(code)
    return f"{label}色" if label else UNKNOWN


def fraud_label(code: str) -> str:
    return FRAUD_TYPE_LABELS.get(code, "其他类型")


def group_label(code: str) -> str:
    return PROFILE_GROUP_LABELS.get(code, "其他人群")


def outcome_label(code: str | None) -> str:
    return OUTCOME_LABELS.get(code or "pending", UNKNOWN)


def objection_label(code: str) -> str:
    return OBJECTION_LABELS.get(code, "其他异议")


def key_action_label(code: str) -> str:
    return KEY_ACTION_LABELS.get(code, "其他动作")


def signal_label(code: str) -> str:
    return SIGNAL_LABELS.get(code, "其他信号")


def follow_up_result_label(code: str | None) -> str:
    """A follow-up's result: its own vocabulary, or a call disposition for older rows; "—" when none."""
    if not code:
        return "—"
    return FOLLOW_UP_OUTCOME_LABELS.get(code) or DISPOSITION_LABELS.get(code) or UNKNOWN


def follow_up_kind_label(code: str) -> str:
    return FOLLOW_UP_KIND_LABELS.get(code, "回访")


def script_title(script_id: str) -> str:
    """The script's Chinese title from the library; a script no longer in it prints as such."""
    if not script_id:
        return "—"
    script = _script(script_id)
    return script.title if script is not None else "（已停用的话术）"


def node_title(script_id: str, ref: str) -> str:
    """A node of a call's path (``node``, ``@objection`` or ``@objection/step``) as its title."""
    script = _script(script_id)
    if ref.startswith("@"):
        code, _, step = ref[1:].partition("/")
        handler = script.objections.get(code) if script is not None else None
        word = f"异议：{handler.title if handler is not None and handler.title else objection_label(code)}"
        if step and handler is not None:
            title = handler.steps[step].title if step in handler.steps else ""
            return f"{word}（{title}）" if title else word
        return word
    if script is not None and ref in script.nodes and script.nodes[ref].title:
        return script.nodes[ref].title
    return "（步骤）"


def path_text(script_id: str, path: list[str]) -> str:
    """The script path of a call as the titles an operator saw, arrows between."""
    return " → ".join(node_title(script_id, ref) for ref in path)
