"""Helpers shared by the training tests: a fake clock and an ideal trainee that plays a run well."""

from __future__ import annotations

import datetime as dt

from scripts_library.codes import RETURN_TARGET
from scripts_library.simulation import AGREE_AT, RehearsalRun


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def best_response(run: RehearsalRun) -> int:
    """The response a good trainee picks: the person's actual answer, else the one obtaining most."""
    session = run.session
    responses = session.current_node.responses
    expected = run.person.answer_at(session.current_ref) if session.position.handler is None else None
    if expected is not None:
        return next(i for i, r in enumerate(responses) if expected in r.label)
    in_handler = session.position.handler is not None
    committed = run.person.committed
    if in_handler and committed:  # the person just said yes to something: write down their words
        agreed = [i for i, r in enumerate(responses) if r.grants and set(r.grants) <= committed]
        if agreed:
            return agreed[0]
    if in_handler:
        ready = run.person.resistance <= AGREE_AT
        ranked = sorted(range(len(responses)), key=lambda i: (len(responses[i].grants) if ready else -len(responses[i].grants), -i))
        return ranked[-1]

    def value(index: int) -> tuple[int, int]:
        response = responses[index]
        target_grants = 0
        if response.target != RETURN_TARGET and not in_handler:
            target_grants = len(session.script.nodes[response.target].grants)
        # never walk into "not me" / "denies" / "refuses" branches when the person is talking to us
        if response.grants and run.person.resistance > AGREE_AT:
            return -50, -index  # the person would refuse: keep talking instead
        bad = any(word in response.label for word in ("不是本人", "确实没有", "都不答应", "不肯", "不愿", "仍然", "还是"))
        return (-100 if bad else 0) + len(response.grants) + target_grants, -index

    return max(range(len(responses)), key=value)


def missing_action_handler(run: RehearsalRun) -> str | None:
    """An objection handler that can still obtain a required action, once the person is ready."""
    session = run.session
    if session.position.handler is not None or run.person.resistance > AGREE_AT:
        return None
    missing = set(run.spec.required_actions) - set(session.key_actions)
    if not missing or session.current_ref not in ("reveal", "ask_actions"):
        return None
    for code, handler in session.script.objections.items():
        if code not in run.person.handled:
            continue  # re-open only what the person already talked about
        if any(missing & set(r.grants) for r in handler.responses):
            return code
    return None


def unasked_check(run: RehearsalRun) -> str | None:
    """A checking question the current step lists and the trainee has not put yet."""
    if run.session.position.handler is not None:
        return None
    return next((q for q in run.session.checks if q not in run.person.asked), None)


def play_well(run: RehearsalRun, clock: StepClock, step_s: float = 10.0, max_moves: int = 80) -> None:
    """Handle every objection as soon as it is raised, put the checking questions each step lists,
    and walk towards the key actions."""
    moves = 0
    while not run.ended and moves < max_moves:
        moves += 1
        clock.advance(step_s)
        if run.session.position.handler is None and run.person.pending:
            run.raise_objection(run.person.pending[0])
            continue
        question = unasked_check(run)
        if question is not None:
            run.ask(question)
            continue
        handler = missing_action_handler(run)
        if handler is not None:
            run.raise_objection(handler)
            continue
        run.choose(best_response(run))


def play_mechanically(run: RehearsalRun, clock: StepClock, step_s: float = 10.0, max_moves: int = 80) -> None:
    """The shortcut a trainee learns from easy rehearsals: answer the pending objection, then pick
    the answer the person gave (else the response that obtains the most).  No checking questions."""
    moves = 0
    while not run.ended and moves < max_moves:
        moves += 1
        clock.advance(step_s)
        session = run.session
        if session.position.handler is None and run.person.pending:
            run.raise_objection(run.person.pending[0])
            continue
        responses = session.current_node.responses
        said = run.person.answer_at(session.current_ref) if session.position.handler is None else None
        if said is not None:
            run.choose(next(i for i, r in enumerate(responses) if said in r.label))
            continue
        run.choose(max(range(len(responses)), key=lambda i: (len(responses[i].grants), -i)))
