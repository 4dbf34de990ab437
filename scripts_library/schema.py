"""Typed schema of the script library: what a YAML script file may contain, and the resolved form.

Raw files are parsed with pydantic (structure and types).  Meaning (codes, references, graph shape)
is checked by validator.py so that every problem comes back as a `ScriptIssue` that names the file
and the node, e.g. ``task_rebate.yaml: node 'reveal': unknown target 'clos'``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scripts_library.codes import RETURN_TARGET

COMMON_FILE = "_common.yaml"  # the shared base every script extends (handlers, markers, fallbacks)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Response(_Frozen):
    """One thing the person may answer; the operator picks it to move on."""

    label: str
    target: str
    grants: tuple[str, ...] = ()
    note: str = ""


class Node(_Frozen):
    """One step of a call: lines to say, then responses leading to other nodes (or an end)."""

    title: str = ""
    lines: tuple[str, ...] = ()
    hint: str = ""
    responses: tuple[Response, ...] = ()
    grants: tuple[str, ...] = ()
    end: bool = False
    disposition: str | None = None
    purpose: str | None = None  # see codes.STEP_PURPOSES
    checks: tuple[str, ...] = ()  # checking questions that belong to this step (codes.CHECK_QUESTION_CODES)
    # a step spoken to someone else keeps its own register (a parent answering a student's phone: 您)
    address: str | None = None


def _default_return() -> tuple[Response, ...]:
    return (Response(label="回到刚才的话题", target=RETURN_TARGET),)


class Handler(_Frozen):
    """An objection handler: a small sub-routine entered from any node; `return` goes back there."""

    title: str = ""
    lines: tuple[str, ...] = ()
    hint: str = ""
    responses: tuple[Response, ...] = Field(default_factory=_default_return)
    grants: tuple[str, ...] = ()
    steps: dict[str, Node] = Field(default_factory=dict)

    def entry_node(self) -> Node:
        """The handler's first step seen as an ordinary node."""
        return Node(
            title=self.title, lines=self.lines, hint=self.hint, responses=self.responses, grants=self.grants
        )

    def step(self, step_id: str | None) -> Node:
        return self.entry_node() if step_id is None else self.steps[step_id]


class ScriptFile(_Frozen):
    """A script as written in one YAML file (before inheritance is applied)."""

    id: str
    title: str
    kind: str = "dissuasion"
    extends: str | None = None
    fraud_types: tuple[str, ...] | None = None
    profile_groups: tuple[str, ...] = ()
    profile_label: str | None = None
    signals: tuple[str, ...] = ()
    priority: int = 0
    fallback: bool = False
    description: str = ""
    address: str | None = None  # formal (您) or informal (你); inherited, default formal
    start: str | None = None
    nodes: dict[str, Node] = Field(default_factory=dict)
    objections: dict[str, Handler] = Field(default_factory=dict)


class CommonFile(_Frozen):
    """The shared file (`_common.yaml`): vocabulary labels and default objection handlers."""

    kind: str = "common"
    fraud_types: dict[str, str] = Field(default_factory=dict)
    profile_groups: dict[str, str] = Field(default_factory=dict)
    signals: dict[str, str] = Field(default_factory=dict)
    # fraud type -> words that only belong to that type's story; a handler naming them may not be
    # used by a script of another type (validator rule).
    type_markers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    objections: dict[str, Handler] = Field(default_factory=dict)


@dataclass(frozen=True)
class ScriptIssue:
    """One problem found in the library, pointing at a file and, when known, a node."""

    file: str
    message: str
    node: str | None = None

    def __str__(self) -> str:
        where = f"node '{self.node}': " if self.node else ""
        return f"{self.file}: {where}{self.message}"


@dataclass(frozen=True)
class Script:
    """A resolved script: inheritance applied, common handlers merged in, version computed."""

    id: str
    title: str
    kind: str
    fraud_types: tuple[str, ...]
    profile_groups: tuple[str, ...]
    profile_label: str | None
    signals: tuple[str, ...]
    priority: int
    fallback: bool
    description: str
    start: str
    nodes: Mapping[str, Node]
    objections: Mapping[str, Handler]
    # code -> where the handler comes from ("_common.yaml" or a script file name)
    handler_sources: Mapping[str, str]
    # node id -> file that defined it (a variant may inherit nodes from its parent script)
    node_sources: Mapping[str, str]
    version: str
    source: str
    lineage: tuple[str, ...] = field(default=())
    address: str = "formal"

    def nodes_with_purpose(self, purpose: str) -> list[str]:
        return [node_id for node_id, node in self.nodes.items() if node.purpose == purpose]

    @property
    def is_general(self) -> bool:
        """True when the script is not tied to any profile group."""
        return not self.profile_groups

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def iter_all_nodes(self) -> Iterator[tuple[str, Node]]:
        """Main nodes, then every handler step, with display references like `@code` / `@code/step`."""
        yield from self.nodes.items()
        for code, handler in self.objections.items():
            yield f"@{code}", handler.entry_node()
            for step_id, step in handler.steps.items():
                yield f"@{code}/{step_id}", step


def format_pydantic_error(file: str, error: ValidationError) -> list[ScriptIssue]:
    """Turn a pydantic error into issues that name the node or handler concerned."""
    issues: list[ScriptIssue] = []
    for item in error.errors():
        loc: tuple[Any, ...] = tuple(item["loc"])
        node: str | None = None
        rest = loc
        if len(loc) >= 2 and loc[0] == "nodes":
            node, rest = str(loc[1]), loc[2:]
        elif len(loc) >= 2 and loc[0] == "objections":
            node, rest = f"@{loc[1]}", loc[2:]
            if len(rest) >= 2 and rest[0] == "steps":
                node, rest = f"{node}/{rest[1]}", rest[2:]
        field_path = ".".join(str(part) for part in rest)
        prefix = f"{field_path}: " if field_path else ""
        issues.append(ScriptIssue(file=file, node=node, message=f"{prefix}{item['msg']}"))
    return issues
