"""Read a script library directory: parse YAML (safe loader only), apply inheritance, hash versions.

A library directory holds one `_common.yaml` (labels for fraud types, profile groups and signals,
plus default objection handlers) and one script per `*.yaml` file.  A script may `extends:` another
script by id: it inherits its nodes (overriding some by id) and its handlers.  Every script inherits
the common handlers and may override any of them.

`load_library()` parses, resolves and validates, and raises `ScriptLibraryError` when anything is
wrong; `read_library()` returns the issues instead (used by `dissuade scripts check`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scripts_library.schema import (
    COMMON_FILE,
    CommonFile,
    Handler,
    Node,
    Script,
    ScriptFile,
    ScriptIssue,
    format_pydantic_error,
)


def safe_yaml(text: str) -> Any:
    """Parse YAML with a safe loader: libyaml's when PyYAML has it (several times faster)."""
    if yaml.__with_libyaml__:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.load(text, Loader=yaml.SafeLoader)
DEFAULT_LIBRARY_DIR = Path(__file__).resolve().parent / "scripts"


class ScriptLibraryError(Exception):
    """The library could not be loaded; `issues` lists every problem found."""

    def __init__(self, issues: list[ScriptIssue]) -> None:
        self.issues = issues
        head = "\n".join(str(issue) for issue in issues[:20])
        more = f"\n… and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"script library has {len(issues)} error(s):\n{head}{more}")


@dataclass(frozen=True)
class ScriptLibrary:
    """All resolved scripts of one directory plus the shared vocabulary labels."""

    path: Path
    scripts: Mapping[str, Script]
    fraud_type_labels: Mapping[str, str] = field(default_factory=dict)
    profile_group_labels: Mapping[str, str] = field(default_factory=dict)
    signal_labels: Mapping[str, str] = field(default_factory=dict)
    common_objections: Mapping[str, Handler] = field(default_factory=dict)
    type_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Script]:
        return iter(self.scripts.values())

    def __len__(self) -> int:
        return len(self.scripts)

    def __contains__(self, script_id: object) -> bool:
        return script_id in self.scripts

    def get(self, script_id: str) -> Script:
        """The script with this id; KeyError when absent."""
        return self.scripts[script_id]

    def fraud_type_label(self, code: str) -> str:
        return self.fraud_type_labels.get(code, code)

    def profile_group_label(self, code: str) -> str:
        return self.profile_group_labels.get(code, code)


def _read_yaml(path: Path, issues: list[ScriptIssue]) -> tuple[bytes, dict[str, Any]] | None:
    raw = path.read_bytes()
    try:
        data = safe_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        issues.append(ScriptIssue(path.name, "file is not valid UTF-8"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        issues.append(ScriptIssue(path.name, f"invalid YAML{where}: {getattr(exc, 'problem', exc)}"))
        return None
    if not isinstance(data, dict):
        issues.append(ScriptIssue(path.name, "top level must be a mapping"))
        return None
    return raw, data


def _informal_text(text: str) -> str:
    return text.replace("您", "你")


def _informal_node(node: Node) -> Node:
    """The same step spoken with 你: lines and answer labels (students are never addressed 您)."""
    if node.address == "formal":
        return node
    responses = tuple(r.model_copy(update={"label": _informal_text(r.label)}) for r in node.responses)
    return node.model_copy(update={"lines": tuple(_informal_text(x) for x in node.lines), "responses": responses})


def _informal_handler(handler: Handler) -> Handler:
    entry = _informal_node(handler.entry_node())
    steps = {step_id: _informal_node(step) for step_id, step in handler.steps.items()}
    return handler.model_copy(update={"lines": entry.lines, "responses": entry.responses, "steps": steps})


def _merge_nodes(base: Mapping[str, Node], override: Mapping[str, Node]) -> dict[str, Node]:
    merged = dict(base)
    merged.update(override)  # dict.update keeps base order for overridden keys, appends new ones
    return merged


def _resolve(
    files: dict[str, tuple[str, bytes, ScriptFile]],
    common: CommonFile,
    common_raw: bytes,
    issues: list[ScriptIssue],
) -> dict[str, Script]:
    resolved: dict[str, Script] = {}
    for script_id, (file_name, _raw, spec) in files.items():
        chain: list[tuple[str, bytes, ScriptFile]] = []
        current: str | None = script_id
        seen: set[str] = set()
        broken = False
        while current is not None:
            if current in seen:
                issues.append(ScriptIssue(file_name, f"inheritance cycle through '{current}'"))
                broken = True
                break
            if current not in files:
                issues.append(ScriptIssue(file_name, f"extends unknown script '{current}'"))
                broken = True
                break
            seen.add(current)
            chain.append(files[current])
            current = files[current][2].extends
        if broken:
            continue
        chain.reverse()  # root first
        nodes: dict[str, Node] = {}
        handlers: dict[str, Handler] = dict(common.objections)
        sources: dict[str, str] = {code: COMMON_FILE for code in common.objections}
        node_sources: dict[str, str] = {}
        start: str | None = None
        address = "formal"
        fraud_types: tuple[str, ...] = ()
        digest = hashlib.sha256(common_raw)
        for ancestor_file, ancestor_raw, ancestor in chain:
            digest.update(b"\0" + ancestor_raw)
            nodes = _merge_nodes(nodes, ancestor.nodes)
            node_sources.update({node_id: ancestor_file for node_id in ancestor.nodes})
            handlers.update(ancestor.objections)
            sources.update({code: ancestor_file for code in ancestor.objections})
            start = ancestor.start or start
            address = ancestor.address or address
            if ancestor.fraud_types is not None:
                fraud_types = ancestor.fraud_types
        if start is None:
            issues.append(ScriptIssue(file_name, "no start node given (field 'start')"))
            continue
        if address == "informal":
            nodes = {node_id: _informal_node(node) for node_id, node in nodes.items()}
            handlers = {code: _informal_handler(handler) for code, handler in handlers.items()}
        resolved[script_id] = Script(
            id=spec.id,
            title=spec.title,
            kind=spec.kind,
            fraud_types=fraud_types,
            profile_groups=spec.profile_groups,
            profile_label=spec.profile_label,
            signals=spec.signals,
            priority=spec.priority,
            fallback=spec.fallback,
            description=spec.description,
            start=start,
            nodes=nodes,
            objections=handlers,
            handler_sources=sources,
            node_sources=node_sources,
            version=digest.hexdigest()[:12],
            source=file_name,
            lineage=tuple(item[0] for item in chain),
            address=address,
        )
    return resolved


def read_library(path: str | Path | None = None) -> tuple[ScriptLibrary, list[ScriptIssue]]:
    """Parse and resolve a library directory without validating the graphs.

    Returns the scripts that could be resolved and the structural issues met on the way.
    """
    directory = Path(path) if path is not None else DEFAULT_LIBRARY_DIR
    issues: list[ScriptIssue] = []
    if not directory.is_dir():
        issues.append(ScriptIssue(str(directory), "not a directory"))
        return ScriptLibrary(path=directory, scripts={}), issues
    common = CommonFile()
    common_raw = b""
    common_path = directory / COMMON_FILE
    if common_path.is_file():
        loaded = _read_yaml(common_path, issues)
        if loaded is not None:
            common_raw = loaded[0]
            try:
                common = CommonFile.model_validate(loaded[1])
            except ValidationError as exc:
                issues.extend(format_pydantic_error(COMMON_FILE, exc))
    else:
        issues.append(ScriptIssue(COMMON_FILE, "missing: the library needs a common file"))

    files: dict[str, tuple[str, bytes, ScriptFile]] = {}
    for file_path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        if file_path.name.startswith("_"):
            continue
        loaded = _read_yaml(file_path, issues)
        if loaded is None:
            continue
        try:
            spec = ScriptFile.model_validate(loaded[1])
        except ValidationError as exc:
            issues.extend(format_pydantic_error(file_path.name, exc))
            continue
        if spec.id != file_path.stem:
            issues.append(ScriptIssue(file_path.name, f"script id '{spec.id}' must match the file name"))
        if spec.id in files:
            issues.append(ScriptIssue(file_path.name, f"duplicate script id '{spec.id}' (also in {files[spec.id][0]})"))
            continue
        files[spec.id] = (file_path.name, loaded[0], spec)

    scripts = _resolve(files, common, common_raw, issues)
    library = ScriptLibrary(
        path=directory,
        scripts=scripts,
        fraud_type_labels=common.fraud_types,
        profile_group_labels=common.profile_groups,
        signal_labels=common.signals,
        common_objections=common.objections,
        type_markers=common.type_markers,
    )
    return library, issues


def check_library(path: str | Path | None = None) -> tuple[ScriptLibrary, list[ScriptIssue]]:
    """Read and fully validate a library; returns it with every issue found (empty when clean)."""
    from scripts_library.validator import validate_library

    library, issues = read_library(path)
    issues.extend(validate_library(library))
    return library, issues


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], ScriptLibrary]] = {}


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    stats = []
    for file_path in sorted(directory.glob("*.y*ml")):
        stat = file_path.stat()
        stats.append((file_path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(stats)


def load_library(path: str | Path | None = None, *, use_cache: bool = True) -> ScriptLibrary:
    """Load and validate a library (default: the shipped one); raises ScriptLibraryError on any issue.

    Results are cached per directory and reused while no file changed (name, mtime, size), so callers
    may call this freely; the returned objects are immutable.
    """
    directory = (Path(path) if path is not None else DEFAULT_LIBRARY_DIR).resolve()
    key = str(directory)
    fingerprint = _fingerprint(directory) if directory.is_dir() else ()
    if use_cache:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] == fingerprint:
            return hit[1]
    library, issues = check_library(directory)
    if issues:
        raise ScriptLibraryError(issues)
    with _cache_lock:
        _cache[key] = (fingerprint, library)
    return library
