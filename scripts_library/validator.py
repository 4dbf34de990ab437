"""Semantic checks of a resolved script library.

Pydantic already checked types and field names.  Here we check meaning: node references, reachable
and finishing graphs (no loop without an exit), objection handlers that cover every code and always
return, known codes and variables, and that every spoken line is Chinese text.

Rules about content that a trainer would otherwise catch by reading:
- every dissuasion script reaches the steps that find the person and save the money (a wrong-person
  step offered at the start, stop-payment, after-screen-sharing, leads: codes.REQUIRED_STEP_PURPOSES);
- ``{address_form}`` is never a vocative (use ``{salutation}``, which is empty when unknown);
- a formal script never says 你 to the person, an informal (student) one never says 您;
- no script uses a handler whose text names another fraud type's specifics (``type_markers``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from scripts_library.codes import (
    ADDRESS_REGISTERS,
    CHECK_QUESTION_CODES,
    DISPOSITION_CODES,
    KEY_ACTION_CODES,
    KNOWN_VARIABLES,
    OBJECTION_CODES,
    REQUIRED_STEP_PURPOSES,
    RETURN_TARGET,
    SCRIPT_KINDS,
    STEP_PURPOSES,
)
from scripts_library.schema import COMMON_FILE, Handler, Node, Response, Script, ScriptIssue

if TYPE_CHECKING:
    from scripts_library.loader import ScriptLibrary

_CJK = re.compile(r"[\u4e00-\u9fff]")
_VOCATIVE = re.compile(r"\{address_form\}[，,]")
_QUOTED = re.compile(r"“[^”]*”")
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
        if _VOCATIVE.search(text):
            issues.append(ScriptIssue(
                file, f"'{{address_form}}，' reads '您，' when the name is unknown; use '{{salutation}}': {text!r}", where))
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
    if node.address is not None and node.address not in ADDRESS_REGISTERS:
        issues.append(ScriptIssue(file, f"unknown address '{node.address}' (formal or informal)", where))
    if node.purpose is not None and node.purpose not in STEP_PURPOSES:
        issues.append(ScriptIssue(file, f"unknown step purpose '{node.purpose}'", where))
    for check in node.checks:
        if check not in CHECK_QUESTION_CODES:
            issues.append(ScriptIssue(file, f"unknown checking question '{check}'", where))
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


def _spoken(script: Script) -> Iterable[tuple[str, str, str, str]]:
    """(file, node ref, line, register) for every line the operator says, handlers included."""
    for ref, node in script.iter_all_nodes():
        if ref.startswith("@"):
            file = script.handler_sources.get(ref[1:].split("/")[0], script.source)
        else:
            file = script.node_sources.get(ref, script.source)
        for line in node.lines:
            yield file, ref, line, node.address or script.address


def register_issues(script: Script) -> list[ScriptIssue]:
    """Students hear 你 throughout, everyone else 您; quoted words (“…”) are not addressed to the person."""
    if script.address not in ADDRESS_REGISTERS:
        return [ScriptIssue(script.source, f"unknown address '{script.address}' (formal or informal)")]
    issues: list[ScriptIssue] = []
    for file, ref, line, address in _spoken(script):
        wrong = "你" if address == "formal" else "您"
        if wrong in _QUOTED.sub("", line):
            issues.append(ScriptIssue(
                file, f"{script.id}: says '{wrong}' in a {address} step: {line!r}", ref))
    return issues


def step_issues(script: Script) -> list[ScriptIssue]:
    """The steps that find the person and save the money must be reachable in every dissuasion script."""
    if script.kind != "dissuasion" or script.start not in script.nodes:
        return []
    edges = {node_id: [r.target for r in node.responses if r.target in script.nodes]
             for node_id, node in script.nodes.items()}
    reachable = _reach(script.start, edges)
    issues: list[ScriptIssue] = []
    for purpose in REQUIRED_STEP_PURPOSES:
        if not any(script.nodes[n].purpose == purpose for n in reachable):
            issues.append(ScriptIssue(script.source, f"{script.id}: no reachable step with purpose '{purpose}'"))
    first = script.nodes[script.start]
    if not any(script.nodes[r.target].purpose == "wrong_person" for r in first.responses if r.target in script.nodes):
        issues.append(ScriptIssue(
            script.source, "the start step must offer the wrong-person step (identity first)", script.start))
    return issues


def marker_issues(script: Script, markers: Mapping[str, tuple[str, ...]]) -> list[ScriptIssue]:
    """A handler may only name the specifics of the script's own fraud types."""
    issues: list[ScriptIssue] = []
    own = set(script.fraud_types)
    for code, handler in script.objections.items():
        nodes = [handler.entry_node(), *handler.steps.values()]
        text = "".join(line for node in nodes for line in (*node.lines, node.title))
        for fraud_type, words in markers.items():
            if fraud_type in own:
                continue
            hits = [word for word in words if word in text]
            if hits:
                source = script.handler_sources.get(code, script.source)
                issues.append(ScriptIssue(
                    script.source,
                    f"handler from {source} names {fraud_type} specifics ({'、'.join(hits)}); give "
                    f"{script.id} its own handler",
                    f"@{code}",
                ))
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
    issues += step_issues(script)
    issues += register_issues(script)
    issues += marker_issues(script, library.type_markers)
    return issues


def validate_library(library: ScriptLibrary) -> list[ScriptIssue]:
    """Every issue in a resolved library; an empty list means the library is clean."""
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
    for code in library.type_markers:
        if code not in library.fraud_type_labels:
            issues.append(ScriptIssue(COMMON_FILE, f"type_markers names unknown fraud type '{code}'"))
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
