"""Semantic checks of a resolved script library.

Pydantic already checked types and field names.  Here we check meaning: node references, reachable
and finishing graphs (no loop without an exit), objection handlers that cover every code and always
return, known codes and variables, and that every spoken line is Chinese text.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from scripts_library.codes import (
    DISPOSITION_CODES,
    KEY_ACTION_CODES,
    KNOWN_VARIABLES,
    OBJECTION_CODES,
    RETURN_TARGET,
    SCRIPT_KINDS,
)
from scripts_library.schema import Handler, Node, Response, Script, ScriptIssue

if TYPE_CHECKING:
    from scripts_library.loader import ScriptLibrary

_CJK = re.compile(r"[\u4e00-\u9fff]")
_FORMATTER = string.Formatter()


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def placeholders(text: str) -> list[str]:
    """Names used as `{name}` in a line; raises ValueError on broken braces."""
    return [name for _lit, name, _spec, _conv in _FORMATTER.parse(text) if name is not None]


def _text_issues(file: str, where: str, texts: Iterable[str], what: str) -> list[ScriptIssue]:
    issues: list[ScriptIssue] = []
    for text in texts:
        if not text.strip() or not has_chinese(text):
            issues.append(ScriptIssue(file, f"{what} has no Chinese text: {text!r}", where))
            continue
        try:
            names = placeholders(text)
        except ValueError as exc:
            issues.append(ScriptIssue(file, f"broken placeholder in {what} ({exc}): {text!r}", where))
            continue
        for name in names:
            if name not in KNOWN_VARIABLES:
                issues.append(ScriptIssue(file, f"undefined variable '{{{name}}}' in {what}", where))
    return issues


def _codes_issues(file: str, where: str, grants: Iterable[str]) -> list[ScriptIssue]:
    return [
        ScriptIssue(file, f"unknown key action '{code}'", where)
        for code in grants
        if code not in KEY_ACTION_CODES
    ]


def _node_content_issues(file: str, where: str, node: Node, in_handler: bool) -> list[ScriptIssue]:
    issues: list[ScriptIssue] = []
    if not node.lines:
        issues.append(ScriptIssue(file, "no lines to say (missing Chinese text)", where))
    issues += _text_issues(file, where, node.lines, "line")
    issues += _text_issues(file, where, [r.label for r in node.responses], "response label")
    issues += _codes_issues(file, where, node.grants)
    for response in node.responses:
        issues += _codes_issues(file, where, response.grants)
    if in_handler and (node.end or node.disposition):
        issues.append(ScriptIssue(file, "a handler step cannot end the call; use target 'return'", where))
    elif node.end:
        if node.disposition is None:
            issues.append(ScriptIssue(file, "end node needs a suggested disposition", where))
        elif node.disposition not in DISPOSITION_CODES:
            issues.append(ScriptIssue(file, f"unknown disposition '{node.disposition}'", where))
        if node.responses:
            issues.append(ScriptIssue(file, "end node cannot have responses", where))
    else:
        if node.disposition is not None:
            issues.append(ScriptIssue(file, "disposition is only allowed on end nodes", where))
        if not node.responses and not in_handler:
            issues.append(ScriptIssue(file, "no responses and not an end node (dead end)", where))
    return issues


def _reach(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _graph_issues(
    file_of: Callable[[str], str],
    nodes: Mapping[str, Node],
    start: str,
    is_exit: Callable[[Node], bool],
    name_of: Callable[[str], str],
    exit_word: str,
) -> list[ScriptIssue]:
    """Unreachable nodes, nodes that cannot reach an exit, and loops with no exit."""
    edges = {
        node_id: [r.target for r in node.responses if r.target in nodes] for node_id, node in nodes.items()
    }
    issues: list[ScriptIssue] = []
    reachable = _reach(start, edges)
    for node_id in nodes:
        if node_id not in reachable:
            issues.append(ScriptIssue(file_of(node_id), "unreachable from the start", name_of(node_id)))
    reverse: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for node_id, targets in edges.items():
        for target in targets:
            reverse[target].append(node_id)
    finishing: set[str] = set()
    for node_id, node in nodes.items():
        if is_exit(node) and node_id not in finishing:
            finishing |= _reach(node_id, reverse)
    dead = [node_id for node_id in nodes if node_id not in finishing]
    dead_edges = {node_id: [t for t in edges[node_id] if t not in finishing] for node_id in dead}
    reach_dead = {node_id: _reach(node_id, dead_edges) for node_id in dead}
    reported: set[str] = set()
    for node_id in dead:
        if node_id in reported:
            continue
        loop = [m for m in dead if m in reach_dead[node_id] and node_id in reach_dead[m]]
        if len(loop) > 1 or node_id in dead_edges[node_id]:
            reported.update(loop)
            cycle = " → ".join(name_of(m) for m in [*loop, loop[0]])
            issues.append(ScriptIssue(file_of(node_id), f"loop with no exit: {cycle}", name_of(node_id)))
        else:
            issues.append(ScriptIssue(file_of(node_id), f"cannot reach {exit_word}", name_of(node_id)))
    return issues


def _target_issues(file: str, where: str, responses: Iterable[Response], valid: set[str]) -> list[ScriptIssue]:
    return [
        ScriptIssue(file, f"unknown target '{r.target}'", where) for r in responses if r.target not in valid
    ]


def validate_handler(file: str, code: str, handler: Handler) -> list[ScriptIssue]:
    """Checks one objection handler: text, codes, targets, and that every step can return."""
    issues: list[ScriptIssue] = []
    if code not in OBJECTION_CODES:
        issues.append(ScriptIssue(file, f"unknown objection code '{code}'", f"@{code}"))
    steps: dict[str, Node] = {"": handler.entry_node(), **handler.steps}

    def name_of(step_id: str) -> str:
        return f"@{code}" if step_id == "" else f"@{code}/{step_id}"

    valid = {*handler.steps, RETURN_TARGET}
    for step_id, node in steps.items():
        issues += _node_content_issues(file, name_of(step_id), node, in_handler=True)
        issues += _target_issues(file, name_of(step_id), node.responses, valid)
    issues += _graph_issues(
        lambda _s: file,
        steps,
        "",
        lambda node: any(r.target == RETURN_TARGET for r in node.responses),
        name_of,
        "'return' (the handler never gives the call back)",
    )
    return issues


def validate_script(script: Script, library: ScriptLibrary) -> list[ScriptIssue]:
    """All checks for one resolved script."""
    file = script.source
    issues: list[ScriptIssue] = []
    if script.kind not in SCRIPT_KINDS:
        issues.append(ScriptIssue(file, f"unknown kind '{script.kind}' (expected one of {', '.join(SCRIPT_KINDS)})"))
    if not has_chinese(script.title):
        issues.append(ScriptIssue(file, f"title has no Chinese text: {script.title!r}"))
    for code in script.fraud_types:
        if code not in library.fraud_type_labels:
            issues.append(ScriptIssue(file, f"unknown fraud type '{code}' (declare it in _common.yaml)"))
    for code in script.profile_groups:
        if code not in library.profile_group_labels:
            issues.append(ScriptIssue(file, f"unknown profile group '{code}' (declare it in _common.yaml)"))
    for code in script.signals:
        if code not in library.signal_labels:
            issues.append(ScriptIssue(file, f"unknown signal '{code}' (declare it in _common.yaml)"))
    if script.kind == "dissuasion" and not script.fraud_types and not script.fallback:
        issues.append(ScriptIssue(file, "a dissuasion script needs fraud_types (or fallback: true)"))
    if script.start not in script.nodes:
        issues.append(ScriptIssue(file, f"unknown start node '{script.start}'"))
        return issues

    def file_of(node_id: str) -> str:
        return script.node_sources.get(node_id, file)

    valid = set(script.nodes)
    for node_id, node in script.nodes.items():
        issues += _node_content_issues(file_of(node_id), node_id, node, in_handler=False)
        issues += _target_issues(file_of(node_id), node_id, node.responses, valid)
    issues += _graph_issues(file_of, script.nodes, script.start, lambda n: n.end, str, "an end node")
    for code in OBJECTION_CODES:
        if code not in script.objections:
            issues.append(ScriptIssue(file, f"objection '{code}' not handled (add it here or in _common.yaml)"))
    for code, handler in script.objections.items():
        source = script.handler_sources.get(code, file)
        if source != "_common.yaml":  # common handlers are checked once, by validate_library
            issues += validate_handler(source, code, handler)
    return issues


def validate_library(library: ScriptLibrary) -> list[ScriptIssue]:
    """Every issue in a resolved library; an empty list means the library is clean."""
    from scripts_library.loader import COMMON_FILE

    issues: list[ScriptIssue] = []
    for code, handler in library.common_objections.items():
        issues += validate_handler(COMMON_FILE, code, handler)
    for script in library:
        issues += validate_script(script, library)
    fallbacks = [s.id for s in library if s.fallback]
    if not fallbacks:
        issues.append(ScriptIssue(COMMON_FILE, "no generic fallback script (a script with fallback: true)"))
    elif len(fallbacks) > 1:
        issues.append(ScriptIssue(COMMON_FILE, f"more than one fallback script: {', '.join(fallbacks)}"))
    for code in library.fraud_type_labels:
        if not any(code in s.fraud_types and s.kind == "dissuasion" for s in library):
            issues.append(ScriptIssue(COMMON_FILE, f"fraud type '{code}' has no script"))
    unique: list[ScriptIssue] = []
    seen: set[ScriptIssue] = set()
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            unique.append(issue)
    return unique
