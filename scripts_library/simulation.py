"""The simulated person of a rehearsal and the run that ties them to a script session.

Pure Python.  :class:`RehearsalRun` wraps a :class:`ScriptSession`: the trainee's moves (choose a
response, open an objection handler, step back, mark a key action) go through the run, and the
:class:`SimulatedPerson` reacts.  Rules, in the order they apply to a move:

* resistance starts from the temperament (0–100);
* the person raises each scripted objection when the call reaches its node; opening the handler
  for a raised objection *handles* it (resistance − weight, less 5 for each time it was ignored
  first: an answer in time counts more); pre-empting an objection the person would raise later
  counts as handled at half weight; opening another handler while an objection is waiting is the
  wrong answer (+8, "that's not what I said"); a handler for something the person never worries
  about costs a little (+5);
* carrying on while an objection is unanswered ignores it (+10 each time, the person repeats it);
* picking an answer the person did not give (scenario ``answers``) is refused (+5: "you are not
  listening"); the person restates it once more, and at the third wrong pick hangs up, so a wrong
  answer never loops;
* when the person just committed to something while an objection was answered (``agrees_to``:
  "行，我自己打110"), the matching answer is accepted whatever the resistance;
* checking questions (:meth:`RehearsalRun.ask`) reveal hidden facts (scenario ``facts``), which
  change the person's answers; a question the current step does not list, and that hides
  nothing, costs +2; obtaining a key action that a still-hidden fact turns into harm (telling the
  relative who is part of the scam) springs a trap and the call cannot count as a success;
* reaching a node before its verification steps (scenario ``verify_before``) skips them (+15 each);
* a response the script marks as blaming (``note`` containing "blame" or "责备") costs +20;
* a response that obtains key actions is accepted only while resistance ≤ :data:`AGREE_AT`;
  otherwise the person refuses and the move does not happen (+5);
* each new step reached calmly (nothing unanswered, nothing skipped) lowers resistance a little
  (−3): an orderly conversation builds trust;
* at :data:`HANG_UP_AT` the person hangs up; when every required action is obtained, every required
  step reached and resistance is low the person is persuaded.

Every move is logged with its time from the injectable clock, so the score (time to the first key
action, objections handled, steps skipped) is computed from the log alone.
"""

from __future__ import annotations

from typing import Any

from scripts_library.coaching import StepFeedback, model_move
from scripts_library.codes import CHECK_QUESTION_LABELS, RETURN_TARGET, check_question_text
from scripts_library.engine import ScriptSession
from scripts_library.rendering import build_variables
from scripts_library.scenario_schema import Scenario
from scripts_library.schema import Script
from scripts_library.simulated_person import (
    AGREE_AT,
    BLAME_LINE,
    BLAME_PENALTY,
    DEFAULT_HANG_UP,
    DEFAULT_REFUSAL,
    DEFAULT_SUCCESS,
    DEFAULT_TRAP_LINE,
    GIVE_UP_LINE,
    HANDLED_LINE,
    HANG_UP_AT,
    IGNORED_LINE,
    IGNORED_PENALTY,
    IRRELEVANT_LINE,
    IRRELEVANT_PENALTY,
    LATE_ANSWER_DISCOUNT,
    MISREAD_LIMIT,
    MISREAD_LINE,
    MISREAD_PENALTY,
    MONEY_GONE_REPLY,
    MONEY_GONE_STAGES,
    NEEDLESS_QUESTION_PENALTY,
    NOTHING_TO_HIDE_LINE,
    PLAIN_REPLIES,
    PREEMPTED_LINE,
    PROGRESS_RELIEF,
    PUSH_PENALTY,
    RESTATE_LINE,
    SKIPPED_LINE,
    SKIPPED_PENALTY,
    WARN_AT,
    WARNING_LINE,
    WRONG_HANDLER_LINE,
    WRONG_HANDLER_PENALTY,
    Clock,
    LoggedEvent,
    PersonLine,
    Reaction,
    SimulatedPerson,
    is_blaming,
    scenario_profile,
)

# re-exported for callers that know the run only (the GUI shows resistance against HANG_UP_AT)
__all__ = ["AGREE_AT", "BLAME_PENALTY", "HANG_UP_AT", "IGNORED_PENALTY", "NEEDLESS_QUESTION_PENALTY", "PROGRESS_RELIEF",
           "SKIPPED_PENALTY", "WRONG_HANDLER_PENALTY", "PersonLine", "Reaction", "RehearsalRun", "SimulatedPerson"]


class RehearsalRun:
    """One rehearsal: a script session driven by the trainee, a simulated person reacting."""

    def __init__(self, scenario: Scenario, script: Script, clock: Clock) -> None:
        self.scenario = scenario
        self.spec = scenario.spec
        self.clock = clock
        self.session = ScriptSession(script, build_variables(scenario_profile(scenario)))
        self.person = SimulatedPerson(scenario)
        self.started_at = clock()
        self.log: list[LoggedEvent] = []
        self.transcript: list[tuple[str, str]] = []  # (speaker: trainee|person, text)
        self.visited: set[str] = {script.start}
        self.skipped: list[str] = []
        self.trapped: list[str] = []
        self.feedback: list[StepFeedback] = []
        self.hung_up = False
        self.persuaded = False
        self.ended = False
        self.opening: tuple[PersonLine, ...] = ()

    # ---- starting ----------------------------------------------------------------------------
    def start(self) -> Reaction:
        """The person picks up: their opening line, then any objection due at the first node."""
        self._log("start", self.session.current_ref)
        lines = [self._say(PersonLine(self.spec.opening_line))]
        lines += self._arrive()
        self.opening = tuple(lines)
        return self._reaction(True, lines)

    # ---- helpers -----------------------------------------------------------------------------
    def _elapsed(self) -> float:
        return (self.clock() - self.started_at).total_seconds()

    def _log(self, kind: str, ref: str = "", detail: str = "") -> None:
        self.log.append(LoggedEvent(self._elapsed(), kind, ref, detail, self.person.resistance))

    def _say(self, line: PersonLine) -> PersonLine:
        self.transcript.append(("person", line.text))
        return line

    def _coach(self, key: str, chosen: str) -> None:
        """Keep the trainee's move beside the model answer at this moment (computed before the move)."""
        advice = model_move(self.session, self.person, self.spec)
        kind, _sep, value = key.partition(":")
        # putting a checking question the step lists is always sound, unless an objection is waiting
        sound_check = kind == "ask" and value in self.session.checks and not self.person.pending
        matched = advice.key == key or (sound_check and not advice.key.startswith("ask:"))
        self.feedback.append(StepFeedback(self._elapsed(), self.session.current_ref, self.session.title,
                                          chosen, advice.label, advice.why, matched))

    def _reaction(self, accepted: bool, lines: list[PersonLine]) -> Reaction:
        return Reaction(accepted, tuple(lines), self.person.resistance, self.ended)

    def _note_key_actions(self, before: set[str], lines: list[PersonLine] | None = None) -> None:
        gained = [code for code in self.session.key_actions if code not in before]
        for code in gained:
            self._log("key_action", self.session.current_ref, code)
            for fact in self.person.hidden_facts():
                if code in fact.traps and code not in self.trapped:
                    self.trapped.append(code)
                    self._log("trap", self.session.current_ref, code)
                    if lines is not None:
                        lines.append(self._say(PersonLine(fact.trap_line or DEFAULT_TRAP_LINE)))

    @property
    def first_key_action_s(self) -> float | None:
        """Time of the first key action that still stands (one undone by ``back`` does not count)."""
        kept = set(self.session.key_actions)
        return next((e.t for e in self.log if e.kind == "key_action" and e.detail in kept), None)

    def steps_missing(self) -> list[str]:
        """Required steps the call has not reached yet."""
        return [step for step in self.spec.required_steps if step not in self.visited]

    def succeeded(self) -> bool:
        """Every required action obtained, every required step reached, no trap sprung."""
        return (set(self.spec.required_actions) <= set(self.session.key_actions)
                and not self.steps_missing() and not self.trapped)

    def _check_end(self, lines: list[PersonLine]) -> None:
        person = self.person
        if person.resistance >= HANG_UP_AT:
            self.hung_up = True
            self.ended = True
            self._log("hang_up", self.session.current_ref)
            lines.append(self._say(PersonLine(self.spec.hang_up_line or DEFAULT_HANG_UP, "hang_up")))
            return
        if person.resistance >= WARN_AT and not person.warned:
            person.warned = True
            lines.append(self._say(PersonLine(WARNING_LINE)))
        if not self.persuaded and self.succeeded() and person.resistance <= AGREE_AT and not person.pending:
            self.persuaded = True
            self._log("persuaded", self.session.current_ref)
            lines.append(self._say(PersonLine(self.spec.success_line or DEFAULT_SUCCESS, "success")))
        if self.session.finished:
            self.ended = True
            self._log("end", self.session.current_ref, self.session.suggested_disposition or "")

    def _arrive(self) -> list[PersonLine]:
        """The person's reaction on reaching a main node: skipped checks, a line, due objections."""
        lines: list[PersonLine] = []
        position = self.session.position
        if position.handler is not None:
            ref = self.session.current_ref
            if ref in self.spec.lines and ref not in self.person.said_nodes:
                self.person.said_nodes.add(ref)
                lines.append(self._say(PersonLine(self.spec.lines[ref])))
            return lines
        node = position.node
        missing = [s for s in self.spec.verify_before.get(node, ()) if s not in self.visited and s not in self.skipped]
        if node not in self.visited and not self.person.pending and not missing:
            self.person.adjust(-PROGRESS_RELIEF)  # a calm, orderly conversation slowly builds trust
        self.visited.add(node)
        for step in missing:
            self.skipped.append(step)
            self.person.adjust(SKIPPED_PENALTY)
            self._log("skipped", node, step)
        if missing:
            lines.append(self._say(PersonLine(SKIPPED_LINE)))
        if node in self.spec.lines and node not in self.person.said_nodes:
            self.person.said_nodes.add(node)
            lines.append(self._say(PersonLine(self.spec.lines[node])))
        for objection in self.spec.objections:
            if objection.at == node and objection.code not in self.person.raised and objection.code not in self.person.handled:
                self.person.raised.append(objection.code)
                self.person.pending.append(objection.code)
                self._log("raised", node, objection.code)
                lines.append(self._say(PersonLine(objection.line, "objection")))
        if not lines and not self.session.finished:
            lines.append(self._say(PersonLine(self.person.mood_line())))
        return lines

    # ---- the trainee's moves -----------------------------------------------------------------
    def choose(self, index: int) -> Reaction:
        """The trainee follows response ``index`` of the current node."""
        if self.ended:
            return self._reaction(False, [])
        node = self.session.current_node
        if not 0 <= index < len(node.responses):
            raise IndexError(f"no response {index} at '{self.session.current_ref}'")
        response = node.responses[index]
        ref = self.session.current_ref
        self._coach(f"choose:{index}", response.label)
        self.transcript.append(("trainee", " ".join(self.session.lines)))
        self.transcript.append(("answer", response.label))
        lines: list[PersonLine] = []
        person = self.person
        committed, person.committed = person.committed, set()
        expected = person.answer_at(ref) if self.session.position.handler is None else None
        if expected is not None and expected not in response.label:
            return self._misread(ref, response.label, expected)
        if self.session.position.handler is None and person.pending:
            for code in person.pending:
                person.ignored[code] = person.ignored.get(code, 0) + 1
                person.adjust(IGNORED_PENALTY)
                self._log("ignored", ref, code)
                objection = person.objection(code)
                repeat = objection.ignored_line if objection and objection.ignored_line else IGNORED_LINE
                lines.append(self._say(PersonLine(repeat, "objection")))
        if is_blaming(response):
            person.adjust(BLAME_PENALTY)
            self._log("blamed", ref, response.label)
            lines.append(self._say(PersonLine(BLAME_LINE)))
        grants = set(response.grants)
        if response.target != RETURN_TARGET:
            target_handler = self.session.position.handler
            target = (self.session.script.objections[target_handler].step(response.target)
                      if target_handler else self.session.script.nodes[response.target])
            grants |= set(target.grants)
        new_grants = grants - set(self.session.key_actions)
        if new_grants and person.resistance > AGREE_AT and not new_grants <= committed:
            person.adjust(PUSH_PENALTY)
            self._log("refused", ref, ",".join(sorted(new_grants)))
            lines.append(self._say(PersonLine(self.spec.refusal_line or DEFAULT_REFUSAL, "refusal")))
            self._check_end(lines)
            return self._reaction(False, lines)
        before = set(self.session.key_actions)
        self.session.choose(index)
        self._log("choose", self.session.current_ref, str(index))
        self._note_key_actions(before, lines)
        if not self.hung_up:
            lines += self._arrive()
        self._check_end(lines)
        return self._reaction(True, lines)

    def _misread(self, ref: str, label: str, expected: str) -> Reaction:
        """The trainee recorded an answer the person did not give: said once, restated, then given up."""
        person = self.person
        person.misreads[ref] = person.misreads.get(ref, 0) + 1
        person.adjust(MISREAD_PENALTY)
        self._log("misread", ref, label)
        lines: list[PersonLine] = []
        count = person.misreads[ref]
        if count >= MISREAD_LIMIT:
            self.hung_up = True
            self.ended = True
            self._log("hang_up", ref, "misread")
            lines.append(self._say(PersonLine(GIVE_UP_LINE, "hang_up")))
            return self._reaction(False, lines)
        text = f"{MISREAD_LINE}我说的是：{expected}。" if count == 1 else f"{RESTATE_LINE}{expected}。"
        lines.append(self._say(PersonLine(text, "refusal")))
        self._check_end(lines)
        return self._reaction(False, lines)

    def ask(self, question: str) -> Reaction:
        """The trainee puts a checking question; a hidden fact behind it comes out."""
        if self.ended:
            return self._reaction(False, [])
        if question not in CHECK_QUESTION_LABELS:
            raise KeyError(question)
        person = self.person
        ref = self.session.current_ref
        spoken = check_question_text(question, self.session.script.address)
        self._coach(f"ask:{question}", f"追问：{spoken}")
        self.transcript.append(("trainee", spoken))
        lines: list[PersonLine] = []
        first_time = question not in person.asked
        if first_time:
            person.asked.append(question)
        facts = [(i, f) for i, f in enumerate(self.spec.facts) if f.question == question and i not in person.revealed]
        if facts:
            for index, fact in facts:
                person.revealed.append(index)
                person.adjust(-fact.relief)
                self._log("revealed", ref, question)
                lines.append(self._say(PersonLine(fact.line)))
        else:
            if question not in self.session.checks or not first_time:
                person.adjust(NEEDLESS_QUESTION_PENALTY)
            self._log("asked", ref, question)
            lines.append(self._say(PersonLine(self._plain_reply(question))))
        self._check_end(lines)
        return self._reaction(True, lines)

    def _plain_reply(self, question: str) -> str:
        if question in self.spec.question_replies:
            return self.spec.question_replies[question]
        if question == "money_moved" and self.spec.stage in MONEY_GONE_STAGES:
            return MONEY_GONE_REPLY
        return PLAIN_REPLIES.get(question, NOTHING_TO_HIDE_LINE)

    def raise_objection(self, code: str) -> Reaction:
        """The trainee opens the handler for ``code`` (answering, or pre-empting, an objection)."""
        if self.ended:
            return self._reaction(False, [])
        person = self.person
        handler = self.session.script.objections.get(code)
        if handler is None:
            raise KeyError(code)
        self._coach(f"objection:{code}", f"处理异议：{handler.title or code}")
        lines: list[PersonLine] = []
        before = set(self.session.key_actions)
        waiting = list(person.pending)
        self.session.raise_objection(code)
        self.transcript.append(("trainee", " ".join(self.session.lines) or handler.title or code))
        person.committed = set()
        scripted = person.objection(code)
        if code in person.pending:
            person.pending.remove(code)
            person.handled.append(code)
            weight = scripted.weight if scripted else 15
            late = person.ignored.get(code, 0) * LATE_ANSWER_DISCOUNT
            person.adjust(-max(weight // 3, weight - late))
            self._log("handled", self.session.current_ref, code)
            text = scripted.handled_line if scripted and scripted.handled_line else HANDLED_LINE
            lines.append(self._say(PersonLine(text)))
            if scripted is not None:
                person.committed = set(scripted.agrees_to)
        elif waiting:
            person.adjust(WRONG_HANDLER_PENALTY)
            self._log("wrong_handler", self.session.current_ref, code)
            lines.append(self._say(PersonLine(WRONG_HANDLER_LINE)))
        elif scripted is not None and code not in person.handled and code not in person.raised:
            person.handled.append(code)
            person.adjust(-(scripted.weight // 2))
            self._log("preempted", self.session.current_ref, code)
            lines.append(self._say(PersonLine(PREEMPTED_LINE)))
        elif scripted is None:
            person.adjust(IRRELEVANT_PENALTY)
            self._log("irrelevant", self.session.current_ref, code)
            lines.append(self._say(PersonLine(IRRELEVANT_LINE)))
        else:
            self._log("objection", self.session.current_ref, code)
        self._note_key_actions(before)
        lines += self._arrive()
        self._check_end(lines)
        return self._reaction(True, lines)

    def back(self) -> Reaction:
        """Step the script back; what the person heard cannot be unsaid, so resistance stays."""
        if self.ended or not self.session.back():
            return self._reaction(False, [])
        self._log("back", self.session.current_ref)
        return self._reaction(True, [])

    def mark_key_action(self, code: str) -> Reaction:
        """The trainee records a key action obtained outside the scripted responses."""
        if self.ended or code in self.session.key_actions:
            return self._reaction(False, [])
        lines: list[PersonLine] = []
        if self.person.resistance > AGREE_AT:
            self.person.adjust(PUSH_PENALTY)
            self._log("refused", self.session.current_ref, code)
            lines.append(self._say(PersonLine(self.spec.refusal_line or DEFAULT_REFUSAL, "refusal")))
            self._check_end(lines)
            return self._reaction(False, lines)
        before = set(self.session.key_actions)
        self.session.mark_key_action(code)
        self._log("mark", self.session.current_ref, code)
        self._note_key_actions(before, lines)
        self._check_end(lines)
        return self._reaction(True, lines)

    def finish(self) -> None:
        """The trainee ends the rehearsal (also fine after the person hung up)."""
        if not self.ended:
            self.ended = True
            self._log("end", self.session.current_ref, "trainee")

    # ---- results -----------------------------------------------------------------------------
    @property
    def outcome(self) -> str:
        """dissuaded, hung_up, or the script's disposition / refused."""
        if self.hung_up:
            return "hung_up"
        if self.trapped:
            return "trapped"
        if self.persuaded or self.succeeded():
            return "dissuaded"
        disposition = self.session.suggested_disposition
        if disposition == "dissuaded":
            return "incomplete"  # the script was walked to its end, but the scenario's goal was missed
        return disposition or "refused"

    def count(self, kind: str) -> int:
        return sum(1 for event in self.log if event.kind == kind)

    def elapsed_s(self) -> float:
        return self.log[-1].t if self.log else 0.0

    def to_record(self) -> dict[str, Any]:
        """Everything needed to score and replay the rehearsal, JSON-friendly."""
        return {
            "scenario_id": self.spec.id,
            "session": self.session.to_record(),
            "events": [event.as_dict() for event in self.log],
            "transcript": [list(item) for item in self.transcript],
            "resistance": self.person.resistance,
            "raised": list(self.person.raised),
            "handled": list(self.person.handled),
            "ignored": dict(self.person.ignored),
            "skipped": list(self.skipped),
            "asked": list(self.person.asked),
            "revealed": [self.spec.facts[i].question for i in self.person.revealed],
            "trapped": list(self.trapped),
            "steps_missing": self.steps_missing(),
            "first_key_action_s": self.first_key_action_s,
            "feedback": [item.as_dict() for item in self.feedback],
            "outcome": self.outcome,
            "ended": self.ended,
        }
