"""Typed schema of rehearsal scenarios: a simulated person, the script to practise and their objections.

A scenario file (``scripts_library/scenarios/*.yaml``, or a trainer's own in the user data
directory) describes one fictional person: profile, fraud type, how far the scam has gone (stage),
a temperament that sets the starting resistance, the objections they raise and where, and the
lines they say.  Pydantic checks structure and types here; scenario_loader.py checks meaning
against the script library (fraud types, profile groups, codes, node ids) and reports every
problem as a :class:`ScenarioIssue` naming the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Temperament → starting resistance (0 = agrees to anything, 100 = hangs up).
TEMPERAMENTS: Final[dict[str, int]] = {
    "cooperative": 25,
    "doubtful": 50,
    "emotionally_attached": 60,
    "coached_to_deny": 65,
    "hostile": 75,
}

TEMPERAMENT_LABELS: Final[dict[str, str]] = {
    "cooperative": "配合",
    "doubtful": "怀疑",
    "emotionally_attached": "感情牵绊",
    "coached_to_deny": "被教唆否认",
    "hostile": "抵触",
}

# How far the scam has gone when the centre calls.
STAGES: Final[dict[str, str]] = {
    "contacted": "刚被接触",
    "hooked": "已被套牢、尝到甜头",
    "about_to_transfer": "正准备转账",
    "transferred": "已经转账",
    "repeated_losses": "多次被骗仍在投入",
}

DIFFICULTIES: Final[dict[str, str]] = {"basic": "基础", "hard": "困难"}

TAGS: Final[dict[str, str]] = {
    "already_transferred": "已转账",
    "you_are_the_scammer": "“你们才是骗子”",
    "romance": "网恋",
    "secrecy_instructed": "被要求保密",
    "coached_denial": "被教唆否认",
    "elderly": "老年人",
    "from_case_review": "来自案例复盘",
    "hidden_fact": "隐藏情况",
    "second_scammer": "另一名骗子在线",
    "money_gone": "钱已转出",
    "relative_in_scam": "亲属牵涉其中",
    "not_account_holder": "不是账户本人",
    "bank_counter": "正在银行柜台",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioPerson(_Frozen):
    """The fictional person.  Nothing here may be real personal data (checked by the loader)."""

    alias: str
    surname: str = ""
    sex: str | None = None  # 'F' | 'M'
    age: int = Field(ge=10, le=100)
    profile_group: str
    occupation: str = ""
    amount: int | None = None
    app_name: str | None = None


class ScenarioObjection(_Frozen):
    """An objection the person raises when the call reaches node ``at``."""

    code: str
    at: str
    line: str
    handled_line: str = ""
    ignored_line: str = ""
    weight: int = Field(default=15, ge=1, le=60)
    # key actions the person commits to in ``handled_line`` ("行，我自己打110"): picking the matching
    # answer right after is accepted whatever the resistance, so the person never refuses their own words
    agrees_to: tuple[str, ...] = ()


class ScenarioFact(_Frozen):
    """Something the person does not volunteer; only the checking question ``question`` brings it out."""

    question: str  # a code of codes.CHECK_QUESTION_LABELS
    line: str  # what the person says when asked
    # once revealed, the person's answers at these steps change (e.g. check_money: 已经转过钱)
    answers: dict[str, str] = Field(default_factory=dict)
    relief: int = Field(default=5, ge=0, le=40)  # the right question builds trust
    # key actions that do harm while the fact is unknown (telling the relative who is in the scam)
    traps: tuple[str, ...] = ()
    trap_line: str = ""


class ScenarioFile(_Frozen):
    """One rehearsal scenario as written in YAML."""

    id: str
    title: str
    fraud_type: str
    script: str
    difficulty: str = "basic"
    tags: tuple[str, ...] = ()
    stage: str
    temperament: str
    initial_resistance: int | None = Field(default=None, ge=0, le=100)
    briefing: str
    person: ScenarioPerson
    opening_line: str
    required_actions: tuple[str, ...]
    verify_before: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    answers: dict[str, str] = Field(default_factory=dict)
    objections: tuple[ScenarioObjection, ...] = ()
    facts: tuple[ScenarioFact, ...] = ()
    required_steps: tuple[str, ...] = ()  # steps the call must reach to count as a success
    question_replies: dict[str, str] = Field(default_factory=dict)  # replies to questions hiding nothing
    lines: dict[str, str] = Field(default_factory=dict)
    refusal_line: str = ""
    success_line: str = ""
    hang_up_line: str = ""

    @property
    def start_resistance(self) -> int:
        if self.initial_resistance is not None:
            return self.initial_resistance
        return TEMPERAMENTS.get(self.temperament, 50)


@dataclass(frozen=True)
class ScenarioIssue:
    """One problem in a scenario file, pointing at the field (e.g. ``objections[1].at``)."""

    file: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}: {where}{self.message}"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario plus where it was read from."""

    spec: ScenarioFile
    source: str
    user_defined: bool = False

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title


def format_scenario_error(file: str, error: ValidationError) -> list[ScenarioIssue]:
    """Pydantic errors as issues with a readable field path such as ``objections[0].weight``."""
    issues: list[ScenarioIssue] = []
    for item in error.errors():
        loc: tuple[Any, ...] = tuple(item["loc"])
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        issues.append(ScenarioIssue(file=file, field=path or None, message=str(item["msg"])))
    return issues
