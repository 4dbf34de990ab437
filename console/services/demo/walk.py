"""Demo calls walked through the real scripts with the real engine, so each call's record tells its story.

:func:`walk_call` plays one connected call on a :class:`~scripts_library.engine.ScriptSession`: it
follows the script's responses along a shortest route to the end node whose disposition is the
call's outcome (a dissuaded call ends at the script's 劝阻成功 close, a refusal at its refusal close),
raises on the way the objections a person of that fraud type typically raises (:data:`OBJECTIONS`)
and works through the script's own handler for each; a call the person hung up on stops part way.
The record is what the workstation saves (script id and version, node path, objections, key actions).
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

from scripts_library.engine import ScriptSession
from scripts_library.schema import Script

RETURN = "return"
# The objections people warned of each fraud type raise most, with weights; anything else: DEFAULT_OBJECTIONS.
OBJECTIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "task_rebate": (("already_profited", 5), ("sunk_cost", 4), ("doubts_caller", 3), ("no_time", 2)),
    "fake_investment": (("already_profited", 5), ("sunk_cost", 3), ("authority_claim", 2), ("doubts_caller", 2)),
    "fake_loan": (("genuine_need", 5), ("doubts_caller", 3), ("no_time", 2)),
    "fake_customer_service": (("authority_claim", 5), ("doubts_caller", 4), ("no_time", 2)),
    "romance_investment": (("emotional_bond", 5), ("hide_from_family", 3), ("already_profited", 2)),
    "impersonate_authority": (("authority_claim", 5), ("told_to_keep_secret", 4), ("doubts_caller", 3)),
    "fake_credit_repair": (("genuine_need", 4), ("authority_claim", 3), ("doubts_caller", 3)),
    "fake_shopping": (("doubts_caller", 4), ("no_time", 3), ("sunk_cost", 2)),
    "game_trading": (("doubts_caller", 3), ("hide_from_family", 3), ("genuine_need", 2)),
    "impersonate_leader": (("authority_claim", 5), ("no_time", 3), ("told_to_keep_secret", 2)),
    "elderly_health_pension": (("emotional_bond", 4), ("genuine_need", 3), ("doubts_caller", 3)),
    "impersonate_military_purchase": (("genuine_need", 4), ("doubts_caller", 3), ("no_time", 2)),
    "tool_person": (("genuine_need", 4), ("hostile", 3), ("doubts_caller", 2)),
}
DEFAULT_OBJECTIONS = (("doubts_caller", 3), ("no_time", 2), ("hostile", 1))
OBJECTION_CHANCE = {"dissuaded": 0.45, "refused": 0.9, "victimized": 0.5}  # chance of one objection per call
MAX_HANDLER_STEPS = 8


def route_to(script: Script, start: str, disposition: str) -> list[int] | None:
    """Response indexes leading from main node ``start`` to an end node with ``disposition`` (shortest)."""
    seen = {start}
    queue: deque[tuple[str, list[int]]] = deque([(start, [])])
    while queue:
        node_id, choices = queue.popleft()
        node = script.nodes[node_id]
        if node.end:
            if node.disposition == disposition:
                return choices
            continue
        for index, response in enumerate(node.responses):
            if response.target != RETURN and response.target in script.nodes and response.target not in seen:
                seen.add(response.target)
                queue.append((response.target, [*choices, index]))
    return None


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    roll = rng.random() * sum(w for _, w in weighted)
    for code, weight in weighted:
        roll -= weight
        if roll <= 0:
            return code
    return weighted[-1][0]


def _handle(session: ScriptSession, code: str) -> None:
    """Raise ``code`` and follow its handler until it returns to the main script."""
    session.raise_objection(code)
    for _ in range(MAX_HANDLER_STEPS):
        if session.current_objection is None:
            return
        responses = session.responses
        back = next((r for r in responses if r.target == RETURN), None)
        session.choose((back or responses[0]).index)
    while session.current_objection is not None and session.back():  # a handler that never returns: undo it
        pass


def walk_call(rng: random.Random, script: Script, variables: dict[str, str], fraud_type: str,
              disposition: str) -> dict[str, Any]:
    """The record of one connected call with outcome ``disposition`` (``hung_up``: stops part way)."""
    session = ScriptSession(script, variables)
    target = "dissuaded" if disposition == "hung_up" else disposition
    found = route_to(script, script.start, target)
    route = found or []
    if disposition == "hung_up":
        route = route[: rng.randint(0, max(0, len(route) - 2))]  # never reaches a close
    wanted = OBJECTIONS.get(fraud_type, DEFAULT_OBJECTIONS)
    available = tuple((code, weight) for code, weight in wanted if code in script.objections)
    objection_at = -1
    if available and rng.random() < OBJECTION_CHANCE.get(disposition, 0.3) and route:
        objection_at = rng.randrange(len(route))
    for step, index in enumerate(route):
        if step == objection_at:
            _handle(session, _pick(rng, available))
        session.choose(index)
    record = session.to_record()
    if found is not None and disposition != "hung_up" and session.suggested_disposition != disposition:
        raise AssertionError(f"demo walk of {script.id} ended at {session.current_ref}, not {disposition}")
    return record
