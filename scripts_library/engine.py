"""Walking a script during a call: the current node, responses, objection sub-routines, back, record.

`ScriptSession` is pure Python and knows nothing about fraud types.  Objection handlers work like
sub-routine calls: `raise_objection(code)` pushes the current position and jumps into the handler;
a response whose target is ``return`` pops it and the call continues where it was.  Every step is
kept in a history so `back()` can undo it (including stepping back out of a handler), and the
session can be written to a plain dict (`to_record()`) and rebuilt from it (`restore()`), which is
how a draft survives a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scripts_library.codes import KEY_ACTION_CODES, OBJECTION_LABELS, RETURN_TARGET
from scripts_library.loader import ScriptLibrary
from scripts_library.rendering import build_variables, informal_variables, render_text
from scripts_library.schema import Node, Script

RECORD_FORMAT = 1


class ScriptRestoreError(ValueError):
    """A record cannot be replayed on the script (unknown script, or events that no longer fit)."""


@dataclass(frozen=True)
class Position:
    """Where the call is: a main node, or a step of an objection handler ("" = its first step)."""

    node: str
    handler: str | None = None

    @property
    def ref(self) -> str:
        if self.handler is None:
            return self.node
        return f"@{self.handler}" if self.node == "" else f"@{self.handler}/{self.node}"


@dataclass(frozen=True)
class ResponseOption:
    index: int
    label: str
    target: str  # a node id, or "return"
    grants: tuple[str, ...]


@dataclass(frozen=True)
class ObjectionOption:
    code: str
    label: str
    title: str


@dataclass(frozen=True)
class _Step:
    action: str  # "start", "choose:N" or "objection:CODE"
    position: Position
    stack: tuple[Position, ...]  # where each open handler returns to, innermost last
    grants: tuple[str, ...]
    objection: str | None = None


class ScriptSession:
    """One walk through one script; all state changes go through choose / raise_objection / back."""

    def __init__(self, script: Script, variables: Mapping[str, str] | None = None) -> None:
        self.script = script
        self.variables: dict[str, str] = dict(variables) if variables is not None else build_variables()
        if script.address == "informal":
            self.variables = informal_variables(self.variables)
        start = Position(script.start)
        self._history: list[_Step] = [_Step("start", start, (), self._node_at(start).grants)]
        self._manual_actions: list[str] = []

    # ---- reading the state -------------------------------------------------------------------
    def _node_at(self, position: Position) -> Node:
        if position.handler is None:
            return self.script.nodes[position.node]
        return self.script.objections[position.handler].step(position.node or None)

    @property
    def position(self) -> Position:
        return self._history[-1].position

    @property
    def current_ref(self) -> str:
        """Reference of the current node: `node_id`, `@code` or `@code/step`."""
        return self.position.ref

    @property
    def current_node(self) -> Node:
        return self._node_at(self.position)

    @property
    def current_objection(self) -> str | None:
        """The objection being handled right now, if any."""
        return self.position.handler

    @property
    def return_stack(self) -> tuple[Position, ...]:
        return self._history[-1].stack

    @property
    def title(self) -> str:
        return self.current_node.title

    @property
    def lines(self) -> list[str]:
        """The current node's lines with the person's variables filled in."""
        return [render_text(line, self.variables) for line in self.current_node.lines]

    @property
    def hint(self) -> str:
        return self.current_node.hint

    @property
    def purpose(self) -> str | None:
        """What the current step is for (e.g. ``stop_payment``): the console opens the matching form."""
        return self.current_node.purpose

    @property
    def checks(self) -> tuple[str, ...]:
        """Checking questions that belong to the current step."""
        return self.current_node.checks

    @property
    def responses(self) -> list[ResponseOption]:
        return [
            ResponseOption(i, render_text(r.label, self.variables), r.target, r.grants)
            for i, r in enumerate(self.current_node.responses)
        ]

    @property
    def objection_options(self) -> list[ObjectionOption]:
        """Every objection handler; all are available at any moment."""
        return [
            ObjectionOption(code, OBJECTION_LABELS.get(code, code), handler.title)
            for code, handler in self.script.objections.items()
        ]

    @property
    def finished(self) -> bool:
        return self.position.handler is None and self.current_node.end

    @property
    def suggested_disposition(self) -> str | None:
        return self.current_node.disposition if self.finished else None

    @property
    def path(self) -> list[str]:
        return [step.position.ref for step in self._history]

    @property
    def objections(self) -> list[str]:
        return [step.objection for step in self._history if step.objection is not None]

    @property
    def key_actions(self) -> list[str]:
        """Key actions obtained so far, in the order first obtained."""
        seen: dict[str, None] = {}
        for step in self._history:
            seen.update(dict.fromkeys(step.grants))
        seen.update(dict.fromkeys(self._manual_actions))
        return list(seen)

    @property
    def can_go_back(self) -> bool:
        return len(self._history) > 1

    # ---- changing the state ------------------------------------------------------------------
    def choose(self, response_index: int) -> None:
        """Follow one of the current responses; `return` leaves the current objection handler."""
        responses = self.current_node.responses
        if not 0 <= response_index < len(responses):
            raise IndexError(f"no response {response_index} at '{self.current_ref}' ({len(responses)} available)")
        response = responses[response_index]
        step = self._history[-1]
        if response.target == RETURN_TARGET:
            if not step.stack:
                raise ValueError(f"'{self.current_ref}' tries to return outside an objection handler")
            target, stack = step.stack[-1], step.stack[:-1]
            grants = response.grants  # back where we were: the node's own grants were already counted
        else:
            target = Position(response.target, step.position.handler)
            stack = step.stack
            grants = response.grants + self._node_at(target).grants
        self._history.append(_Step(f"choose:{response_index}", target, stack, grants))

    def raise_objection(self, code: str) -> None:
        """Jump into the handler for `code`; its `return` comes back to the current node."""
        handler = self.script.objections.get(code)
        if handler is None:
            raise KeyError(f"script '{self.script.id}' has no handler for objection '{code}'")
        step = self._history[-1]
        self._history.append(
            _Step(f"objection:{code}", Position("", code), (*step.stack, step.position), handler.grants, code)
        )

    def back(self) -> bool:
        """Undo the last step (a choice, an objection or a return); False at the start."""
        if len(self._history) <= 1:
            return False
        self._history.pop()
        return True

    def mark_key_action(self, code: str) -> None:
        """Record a key action the person agreed to outside the scripted responses."""
        if code not in KEY_ACTION_CODES:
            raise ValueError(f"unknown key action '{code}'")
        if code not in self._manual_actions:
            self._manual_actions.append(code)

    def unmark_key_action(self, code: str) -> None:
        if code in self._manual_actions:
            self._manual_actions.remove(code)

    # ---- persistence -------------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """A plain, JSON-friendly dict for the call log (and for drafts)."""
        return {
            "script_id": self.script.id,
            "script_version": self.script.version,
            "path": self.path,
            "objections": self.objections,
            "key_actions": self.key_actions,
            "suggested_disposition": self.suggested_disposition,
            "finished": self.finished,
            "events": [step.action for step in self._history[1:]],
            "manual_key_actions": list(self._manual_actions),
            "format": RECORD_FORMAT,
        }

    @classmethod
    def restore(
        cls, library: ScriptLibrary, record: Mapping[str, Any], variables: Mapping[str, str] | None = None
    ) -> ScriptSession:
        """Rebuild a session from `to_record()` output by replaying its events."""
        script_id = record.get("script_id")
        if not isinstance(script_id, str) or script_id not in library:
            raise ScriptRestoreError(f"unknown script {script_id!r}")
        session = cls(library.get(script_id), variables)
        for event in record.get("events", []):
            kind, _sep, value = str(event).partition(":")
            try:
                if kind == "choose":
                    session.choose(int(value))
                elif kind == "objection":
                    session.raise_objection(value)
                else:
                    raise ValueError(f"unknown event {event!r}")
            except (IndexError, KeyError, ValueError) as exc:
                raise ScriptRestoreError(f"cannot replay event {event!r} on '{script_id}': {exc}") from exc
        for code in record.get("manual_key_actions", []):
            if code in KEY_ACTION_CODES:
                session.mark_key_action(code)
        expected_path = record.get("path")
        if expected_path is not None and list(expected_path) != session.path:
            raise ScriptRestoreError(f"replayed path differs from the record for '{script_id}'")
        return session
