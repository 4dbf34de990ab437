"""Choosing the script for a call: best match on fraud type, profile group and signals, with a reason.

Rules (no fraud type is known by name here; everything comes from the scripts' own metadata):
1. candidates are scripts of the wanted kind that list the fraud type and are either general
   (no profile group) or made for the person's profile group;
2. a profile match outweighs everything else, then each matching signal, then the script's priority;
3. with no candidate, the library's fallback script (`fallback: true`) is used.
Follow-up scripts are chosen the same way, but a follow-up with no fraud type fits every type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scripts_library.loader import ScriptLibrary
from scripts_library.schema import Script

PROFILE_WEIGHT = 100
SIGNAL_WEIGHT = 10


@dataclass(frozen=True)
class Selection:
    """The chosen script and why (a short Chinese reason for the operator)."""

    script: Script
    reason: str
    score: int
    profile_matched: bool
    matched_signals: tuple[str, ...]
    is_fallback: bool

    @property
    def script_id(self) -> str:
        return self.script.id


def _fits(script: Script, kind: str, fraud_type: str | None, profile_group: str | None) -> bool:
    if script.kind != kind:
        return False
    type_ok = fraud_type in script.fraud_types or (kind != "dissuasion" and not script.fraud_types)
    profile_ok = script.is_general or profile_group in script.profile_groups
    return type_ok and profile_ok


def _variant_label(library: ScriptLibrary, script: Script, profile_group: str | None) -> str:
    if script.profile_label:
        return script.profile_label
    if profile_group is not None and profile_group in script.profile_groups:
        return f"{library.profile_group_label(profile_group)}版"
    return "通用版"


def _reason(
    library: ScriptLibrary, script: Script, fraud_type: str | None, profile_group: str | None, signals: tuple[str, ...]
) -> str:
    if script.kind == "dissuasion" and fraud_type is not None:
        head = library.fraud_type_label(fraud_type)
    else:
        head = script.title
    reason = f"{head} · {_variant_label(library, script, profile_group)}"
    if signals:
        reason += "（匹配信号：" + "、".join(library.signal_labels.get(s, s) for s in signals) + "）"
    return reason


def select_script(
    library: ScriptLibrary,
    fraud_type: str | None,
    profile_group: str | None = None,
    signals: Iterable[str] = (),
    *,
    kind: str = "dissuasion",
) -> Selection:
    """Pick the best script; raises LookupError only when the library has nothing usable."""
    wanted = set(signals)
    best: tuple[int, str, Script, tuple[str, ...]] | None = None
    for script in library:
        if not _fits(script, kind, fraud_type, profile_group):
            continue
        matched = tuple(s for s in script.signals if s in wanted)
        score = (PROFILE_WEIGHT if not script.is_general else 0) + SIGNAL_WEIGHT * len(matched) + script.priority
        # Ties go to the scripts that are more specific to this fraud type, then to the id.
        key = (score, f"{-len(script.fraud_types):04d}{script.id}")
        if best is None or key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
            best = (key[0], key[1], script, matched)
    if best is not None:
        score, _key, script, matched = best
        return Selection(
            script=script,
            reason=_reason(library, script, fraud_type, profile_group, matched),
            score=score,
            profile_matched=not script.is_general,
            matched_signals=matched,
            is_fallback=False,
        )
    fallback = next((s for s in library if s.fallback and s.kind == kind), None)
    if fallback is None:
        raise LookupError(f"no {kind} script fits fraud type {fraud_type!r} and the library has no fallback")
    known = fraud_type is not None and fraud_type in library.fraud_type_labels
    what = library.fraud_type_label(fraud_type) if known and fraud_type else f"未收录类型“{fraud_type or '未知'}”"
    return Selection(
        script=fallback,
        reason=f"{what}无专用话术 · 使用{fallback.title}",
        score=0,
        profile_matched=False,
        matched_signals=(),
        is_fallback=True,
    )


def select_follow_up_script(
    library: ScriptLibrary, fraud_type: str | None = None, profile_group: str | None = None
) -> Selection:
    """The revisit-call script (day 1/7/30/90) for this person."""
    return select_script(library, fraud_type, profile_group, (), kind="follow_up")
