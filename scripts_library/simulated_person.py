"""The simulated person of a rehearsal: tuning constants, the lines they say, and their state.

Pure data and small helpers; the rules that move resistance live in simulation.py, the model answers
in coaching.py.  Kept apart so both can read the person's state without importing each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts_library.rendering import PersonProfile
from scripts_library.scenario_schema import Scenario, ScenarioFact, ScenarioObjection
from scripts_library.schema import Response

AGREE_AT = 45
HANG_UP_AT = 100
WARN_AT = 85
IGNORED_PENALTY = 10
MISREAD_PENALTY = 5
SKIPPED_PENALTY = 15
BLAME_PENALTY = 20
PUSH_PENALTY = 5
IRRELEVANT_PENALTY = 5
PROGRESS_RELIEF = 3
WRONG_HANDLER_PENALTY = 8
LATE_ANSWER_DISCOUNT = 5
NEEDLESS_QUESTION_PENALTY = 2
MISREAD_LIMIT = 3
BLAME_MARKERS = ("blame", "责备")

Clock = Callable[[], dt.datetime]

DEFAULT_REFUSAL = "这个我现在不能答应你。"
DEFAULT_SUCCESS = "好吧，我听你们的，先不转了，谢谢你们。"
DEFAULT_HANG_UP = "别再打来了！（对方挂断了电话）"
WARNING_LINE = "你再这样说，我就挂电话了。"
MISREAD_LINE = "我刚才不是这么说的，你有没有在听？"
SKIPPED_LINE = "你什么情况都没问清楚，就让我照你说的做？"
BLAME_LINE = "你这是在怪我吗？我已经够难受了。"
IRRELEVANT_LINE = "你说的这些跟我有什么关系？"
HANDLED_LINE = "嗯……你这么说，好像也有道理。"
PREEMPTED_LINE = "这一点你说得对，我本来也在犹豫。"
IGNORED_LINE = "你还没回答我刚才的问题。"
WRONG_HANDLER_LINE = "我说的不是这个。"
RESTATE_LINE = "我再说一遍："
GIVE_UP_LINE = "算了，你根本没在听我说话。（对方挂断了电话）"
NOTHING_TO_HIDE_LINE = "没有啊。"
# what a person with nothing to hide says to each checking question (a scenario may override them)
PLAIN_REPLIES = {
    "still_on_call": "没有，就在跟你说话。",
    "screen_share": "没有开。",
    "money_moved": "还没转呢。",
    "codes_given": "没有，验证码我没给过别人。",
    "loans_taken": "没有借过。",
    "account_holder": "用的是我自己的卡。",
    "phone_user": "就是我自己在用。",
    "who_introduced": "没人介绍，是我自己在网上看到的。",
    "where_now": "在家呢。",
}
MONEY_GONE_REPLY = "钱已经转过去了。"
MONEY_GONE_STAGES = ("transferred", "repeated_losses")
DEFAULT_TRAP_LINE = "好，那我这就去跟他说。"

MOOD_LINES = {
    "low": "嗯，你说，我听着。",
    "mid": "你接着说吧，我还没想好。",
    "high": "我不太相信你说的这些。",
    "hostile": "你到底想干什么？我很忙。",
}


@dataclass(frozen=True)
class PersonLine:
    """One thing the person says (or an event the trainee should notice, e.g. hanging up)."""

    text: str
    kind: str = "say"  # say | objection | refusal | hang_up | success


@dataclass(frozen=True)
class Reaction:
    """The outcome of one trainee move."""

    accepted: bool
    lines: tuple[PersonLine, ...]
    resistance: int
    ended: bool


@dataclass
class LoggedEvent:
    """One entry of the rehearsal log (stored as JSON in the rehearsal's details)."""

    t: float  # seconds since the start
    kind: str  # start | choose | objection | back | mark | unmark | refused | misread | ignored |
    # skipped | blamed | handled | preempted | irrelevant | raised | hang_up | persuaded | end
    ref: str = ""
    detail: str = ""
    resistance: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "kind": self.kind, "ref": self.ref, "detail": self.detail,
                "resistance": self.resistance}


def is_blaming(response: Response) -> bool:
    note = response.note.lower()
    return any(marker in note for marker in BLAME_MARKERS)


def scenario_profile(scenario: Scenario) -> PersonProfile:
    person = scenario.spec.person
    return PersonProfile(
        surname=person.surname or None,
        sex=person.sex,
        age=person.age,
        profile_group=person.profile_group,
        amount=person.amount,
        app_name=person.app_name,
    )


@dataclass
class SimulatedPerson:
    """The person's state: resistance and what they have said about their objections."""

    scenario: Scenario
    resistance: int = 0
    raised: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    said_nodes: set[str] = field(default_factory=set)
    warned: bool = False
    revealed: list[int] = field(default_factory=list)  # indexes into scenario facts
    asked: list[str] = field(default_factory=list)
    misreads: dict[str, int] = field(default_factory=dict)
    committed: set[str] = field(default_factory=set)  # actions the person just said yes to

    def __post_init__(self) -> None:
        if not self.resistance:
            self.resistance = self.scenario.spec.start_resistance

    def objection(self, code: str) -> ScenarioObjection | None:
        return next((o for o in self.scenario.spec.objections if o.code == code), None)

    def answer_at(self, ref: str) -> str | None:
        """What the person really answers at a step, given the facts revealed so far."""
        answer = self.scenario.spec.answers.get(ref)
        for index in self.revealed:
            answer = self.scenario.spec.facts[index].answers.get(ref, answer)
        return answer

    def hidden_facts(self) -> list[ScenarioFact]:
        return [f for i, f in enumerate(self.scenario.spec.facts) if i not in self.revealed]

    def adjust(self, delta: int) -> None:
        self.resistance = max(0, min(HANG_UP_AT, self.resistance + delta))

    def mood_line(self) -> str:
        if self.scenario.spec.temperament == "hostile" and self.resistance >= 60:
            return MOOD_LINES["hostile"]
        if self.resistance <= 35:
            return MOOD_LINES["low"]
        return MOOD_LINES["mid"] if self.resistance < 60 else MOOD_LINES["high"]
