"""Per-step feedback for a rehearsal: what a model operator would have done at each move, and why.

Before every trainee move the run asks :func:`model_move` for the model answer at that moment (from
the session, the simulated person and the scenario) and stores it beside what the trainee did, so the
score sheet can show, step by step, "you chose X; a model answer is Y, because Z".  The order of the
rules is the order a trainer teaches: answer what the person just raised; put the checking questions
that still hide something; inside a handler, ask for a commitment only when the person is ready (or
has just offered it); otherwise record the answer the person really gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts_library.codes import OBJECTION_LABELS, RETURN_TARGET, check_question_text
from scripts_library.engine import ScriptSession
from scripts_library.scenario_schema import ScenarioFile
from scripts_library.simulated_person import AGREE_AT, SimulatedPerson

BAD_LABEL_WORDS = ("不是本人", "确实没有", "都不答应", "不肯", "不愿", "仍然", "还是", "暂时")


@dataclass(frozen=True)
class Advice:
    """A model move: ``key`` identifies it (``choose:2``, ``objection:doubts_caller``, ``ask:money_moved``)."""

    key: str
    label: str
    why: str


@dataclass(frozen=True)
class StepFeedback:
    """One trainee move next to the model answer at that moment."""

    t: float
    ref: str
    step_title: str
    chosen: str
    model: str
    why: str
    matched: bool

    def as_dict(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "ref": self.ref, "step_title": self.step_title, "chosen": self.chosen,
                "model": self.model, "why": self.why, "matched": self.matched}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepFeedback:
        return cls(float(data.get("t", 0.0)), str(data.get("ref", "")), str(data.get("step_title", "")),
                   str(data.get("chosen", "")), str(data.get("model", "")), str(data.get("why", "")),
                   bool(data.get("matched", False)))


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hidden_check(session: ScriptSession, person: SimulatedPerson) -> str | None:
    hidden = {fact.question for fact in person.hidden_facts()}
    return next((q for q in session.checks if q in hidden and q not in person.asked), None)


def _handler_answer(session: ScriptSession, person: SimulatedPerson) -> Advice:
    responses = session.current_node.responses
    if person.committed:
        for index, response in enumerate(responses):
            if response.grants and set(response.grants) <= person.committed:
                return Advice(f"choose:{index}", response.label, "对方刚刚亲口答应了，马上把这句话落实下来。")
    if person.resistance <= AGREE_AT:
        index = max(range(len(responses)), key=lambda i: (len(responses[i].grants), -i))
        return Advice(f"choose:{index}", responses[index].label, "对方的情绪已经缓和，这时候争取关键动作最容易成功。")
    index = min(range(len(responses)), key=lambda i: (len(responses[i].grants), i))
    return Advice(f"choose:{index}", responses[index].label, "对方还没准备好表态，先别逼，回到话题上继续建立信任。")


def model_move(session: ScriptSession, person: SimulatedPerson, spec: ScenarioFile) -> Advice:
    """The move a model operator would make now."""
    in_handler = session.position.handler is not None
    if not in_handler and person.pending:
        code = person.pending[0]
        objection = person.objection(code)
        said = f"“{_short(objection.line)}”" if objection else OBJECTION_LABELS.get(code, code)
        title = session.script.objections[code].title or OBJECTION_LABELS.get(code, code)
        return Advice(f"objection:{code}", f"处理异议：{title}",
                      f"对方刚说了{said}，先回应这一点再往下走；不回应，对方只会更抵触。")
    if in_handler:
        return _handler_answer(session, person)
    question = _hidden_check(session, person)
    if question is not None:
        return Advice(f"ask:{question}", f"追问：{check_question_text(question, session.script.address)}",
                      "这一步列出的核查问题还没问；对方不会主动说，只有问到才会讲出实情。")
    responses = session.current_node.responses
    answer = person.answer_at(session.current_ref)
    if answer is not None:
        index = next(i for i, r in enumerate(responses) if answer in r.label)
        return Advice(f"choose:{index}", responses[index].label, f"对方说的是“{answer}”，按对方的真实回答走。")

    def value(index: int) -> tuple[int, int]:
        response = responses[index]
        gained = len(response.grants)
        if response.target != RETURN_TARGET:
            gained += len(session.script.nodes[response.target].grants)
        bad = any(word in response.label for word in BAD_LABEL_WORDS)
        if response.grants and person.resistance > AGREE_AT:
            return -50, -index
        return (-100 if bad else 0) + gained, -index

    index = max(range(len(responses)), key=value)
    return Advice(f"choose:{index}", responses[index].label, "顺着对方的情况往关键动作推进。")
