"""Read and validate rehearsal scenarios against the script library.

Scenarios live next to the scripts (``scripts_library/scenarios``) and, for scenarios a trainer
made from a case review, in a user directory.  ``check_scenarios()`` returns every issue (used by
``dissuade scripts check`` and ``dissuade training scenarios``); ``load_scenarios()`` raises
:class:`ScenarioError` when anything is wrong in the shipped set and skips broken user files
only when asked to.

Checked beyond types: fraud type, profile group, objection and key-action codes known to the
library; the script exists, is a dissuasion script and fits the fraud type; every node id named
(objection triggers, person lines, verification steps, expected answers) exists in that script;
every required key action can be obtained in it; every spoken line is Chinese; and no line holds
anything that looks like real personal data (mobile numbers, ID numbers, bank cards).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scripts_library.codes import CHECK_QUESTION_CODES, KEY_ACTION_CODES, OBJECTION_CODES
from scripts_library.loader import ScriptLibrary, safe_yaml
from scripts_library.scenario_schema import (
    DIFFICULTIES,
    STAGES,
    TAGS,
    TEMPERAMENTS,
    Scenario,
    ScenarioFile,
    ScenarioIssue,
    format_scenario_error,
)
from scripts_library.schema import Script
from scripts_library.validator import has_chinese

DEFAULT_SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

_PERSONAL_DATA = (
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "a mobile phone number"),
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "an ID card number"),
    (re.compile(r"(?<!\d)\d{15,19}(?!\d)"), "a bank card number"),
)


class ScenarioError(Exception):
    """Scenarios could not be loaded; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ScenarioIssue]) -> None:
        self.issues = issues
        head = "\n".join(str(issue) for issue in issues[:20])
        super().__init__(f"rehearsal scenarios have {len(issues)} error(s):\n{head}")


@dataclass(frozen=True)
class ScenarioSet:
    """Validated scenarios by id, in file order (shipped first, then user scenarios)."""

    scenarios: Mapping[str, Scenario]

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios.values())

    def __len__(self) -> int:
        return len(self.scenarios)

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self.scenarios

    def get(self, scenario_id: str) -> Scenario:
        return self.scenarios[scenario_id]


def personal_data_in(text: str) -> str | None:
    """What kind of personal data ``text`` seems to contain, or None."""
    for pattern, what in _PERSONAL_DATA:
        if pattern.search(text):
            return what
    return None


def _spoken_texts(spec: ScenarioFile) -> Iterator[tuple[str, str]]:
    """(field path, text) for every line the person says or the trainee reads."""
    yield "opening_line", spec.opening_line
    for key in ("refusal_line", "success_line", "hang_up_line"):
        value = getattr(spec, key)
        if value:
            yield key, value
    for node, text in spec.lines.items():
        yield f"lines.{node}", text
    for index, objection in enumerate(spec.objections):
        yield f"objections[{index}].line", objection.line
        if objection.handled_line:
            yield f"objections[{index}].handled_line", objection.handled_line
        if objection.ignored_line:
            yield f"objections[{index}].ignored_line", objection.ignored_line
    for index, fact in enumerate(spec.facts):
        yield f"facts[{index}].line", fact.line
        if fact.trap_line:
            yield f"facts[{index}].trap_line", fact.trap_line
    for code, text in spec.question_replies.items():
        yield f"question_replies.{code}", text


def _obtainable_actions(script: Script) -> set[str]:
    found: set[str] = set()
    for _ref, node in script.iter_all_nodes():
        found.update(node.grants)
        for response in node.responses:
            found.update(response.grants)
    return found


def validate_scenario(file: str, spec: ScenarioFile, library: ScriptLibrary) -> list[ScenarioIssue]:
    """Every semantic problem of one parsed scenario."""
    issues: list[ScenarioIssue] = []

    def add(field: str, message: str) -> None:
        issues.append(ScenarioIssue(file, message, field))

    if spec.id != Path(file).stem:
        add("id", f"scenario id '{spec.id}' must match the file name")
    for key in ("title", "briefing"):
        if not has_chinese(getattr(spec, key)):
            add(key, "needs Chinese text")
    if spec.fraud_type not in library.fraud_type_labels:
        add("fraud_type", f"unknown fraud type '{spec.fraud_type}'")
    if spec.person.profile_group not in library.profile_group_labels:
        add("person.profile_group", f"unknown profile group '{spec.person.profile_group}'")
    if spec.person.sex not in (None, "F", "M"):
        add("person.sex", f"must be F or M, not '{spec.person.sex}'")
    for key, allowed in (("temperament", TEMPERAMENTS), ("stage", STAGES), ("difficulty", DIFFICULTIES)):
        value = getattr(spec, key)
        if value not in allowed:
            add(key, f"unknown {key} '{value}' (expected one of {', '.join(allowed)})")
    for index, tag in enumerate(spec.tags):
        if tag not in TAGS:
            add(f"tags[{index}]", f"unknown tag '{tag}'")
    for field, text in _spoken_texts(spec):
        if not text.strip() or not has_chinese(text):
            add(field, f"line has no Chinese text: {text!r}")
        found = personal_data_in(text)
        if found:
            add(field, f"looks like real personal data ({found}); scenarios must be fictional")
    for key in ("alias", "occupation", "app_name"):
        found = personal_data_in(str(getattr(spec.person, key) or ""))
        if found:
            add(f"person.{key}", f"looks like real personal data ({found})")
    for index, code in enumerate(spec.required_actions):
        if code not in KEY_ACTION_CODES:
            add(f"required_actions[{index}]", f"unknown key action '{code}'")
    if not spec.required_actions:
        add("required_actions", "name at least one key action the trainee must obtain")

    if spec.script not in library:
        add("script", f"unknown script '{spec.script}'")
        return issues
    script = library.get(spec.script)
    if script.kind != "dissuasion":
        add("script", f"script '{spec.script}' is not a dissuasion script")
    elif spec.fraud_type not in script.fraud_types and not script.fallback:
        add("script", f"script '{spec.script}' is not made for fraud type '{spec.fraud_type}'")
    nodes = script.nodes
    obtainable = _obtainable_actions(script)
    for index, code in enumerate(spec.required_actions):
        if code in KEY_ACTION_CODES and code not in obtainable:
            add(f"required_actions[{index}]", f"key action '{code}' cannot be obtained in script '{script.id}'")
    for index, objection in enumerate(spec.objections):
        if objection.code not in OBJECTION_CODES:
            add(f"objections[{index}].code", f"unknown objection code '{objection.code}'")
        elif objection.code not in script.objections:
            add(f"objections[{index}].code", f"script '{script.id}' has no handler for '{objection.code}'")
        if objection.at not in nodes:
            add(f"objections[{index}].at", f"unknown node '{objection.at}' in script '{script.id}'")
    codes = [objection.code for objection in spec.objections]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        add("objections", f"objection '{code}' listed twice")
    for node_ref in spec.lines:
        if node_ref.startswith("@"):
            if node_ref[1:] not in script.objections:
                add(f"lines.{node_ref}", f"script '{script.id}' has no handler '{node_ref[1:]}'")
        elif node_ref not in nodes:
            add(f"lines.{node_ref}", f"unknown node '{node_ref}' in script '{script.id}'")
    for node_ref, steps in spec.verify_before.items():
        if node_ref not in nodes:
            add(f"verify_before.{node_ref}", f"unknown node '{node_ref}' in script '{script.id}'")
        for index, step in enumerate(steps):
            if step not in nodes:
                add(f"verify_before.{node_ref}[{index}]", f"unknown node '{step}' in script '{script.id}'")
    answer_sets = [("answers", spec.answers)]
    answer_sets += [(f"facts[{i}].answers", fact.answers) for i, fact in enumerate(spec.facts)]
    for where, answers in answer_sets:
        for node_ref, label in answers.items():
            node = nodes.get(node_ref)
            if node is None:
                add(f"{where}.{node_ref}", f"unknown node '{node_ref}' in script '{script.id}'")
            elif not any(label in response.label for response in node.responses):
                add(f"{where}.{node_ref}", f"no response of node '{node_ref}' matches '{label}'")
    listed_checks = {check for _ref, node in script.iter_all_nodes() for check in node.checks}
    for index, fact in enumerate(spec.facts):
        if fact.question not in CHECK_QUESTION_CODES:
            add(f"facts[{index}].question", f"unknown checking question '{fact.question}'")
        elif fact.question not in listed_checks:
            add(f"facts[{index}].question", f"no step of script '{script.id}' lists the question '{fact.question}'")
        for code in fact.traps:
            if code not in KEY_ACTION_CODES:
                add(f"facts[{index}].traps", f"unknown key action '{code}'")
    for code in spec.question_replies:
        if code not in CHECK_QUESTION_CODES:
            add(f"question_replies.{code}", f"unknown checking question '{code}'")
    for index, objection in enumerate(spec.objections):
        for code in objection.agrees_to:
            if code not in KEY_ACTION_CODES:
                add(f"objections[{index}].agrees_to", f"unknown key action '{code}'")
    for index, step in enumerate(spec.required_steps):
        if step not in nodes:
            add(f"required_steps[{index}]", f"unknown node '{step}' in script '{script.id}'")
    if spec.difficulty == "hard" and not spec.facts and "from_case_review" not in spec.tags:
        add("facts", "a hard scenario needs at least one hidden fact that only the right question reveals")
    return issues


def _parse(path: Path) -> tuple[ScenarioFile | None, list[ScenarioIssue]]:
    try:
        data = safe_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, [ScenarioIssue(path.name, "file is not valid UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return None, [ScenarioIssue(path.name, f"invalid YAML{where}: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, dict):
        return None, [ScenarioIssue(path.name, "top level must be a mapping")]
    return parse_scenario_data(path.name, data)


def parse_scenario_data(file: str, data: Mapping[str, Any]) -> tuple[ScenarioFile | None, list[ScenarioIssue]]:
    try:
        return ScenarioFile.model_validate(dict(data)), []
    except ValidationError as exc:
        return None, format_scenario_error(file, exc)


def scenario_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in [*directory.glob("*.yaml"), *directory.glob("*.yml")] if not p.name.startswith("_"))


def check_scenarios(
    library: ScriptLibrary, directories: Sequence[Path | str] | None = None, *, user_dirs: Iterable[Path | str] = ()
) -> tuple[ScenarioSet, list[ScenarioIssue]]:
    """Parse and validate every scenario; returns the valid ones and every issue met."""
    shipped = [Path(d) for d in directories] if directories is not None else [DEFAULT_SCENARIO_DIR]
    sources = [(d, False) for d in shipped] + [(Path(d), True) for d in user_dirs]
    scenarios: dict[str, Scenario] = {}
    issues: list[ScenarioIssue] = []
    for directory, user_defined in sources:
        if not user_defined and not directory.is_dir():
            issues.append(ScenarioIssue(str(directory), "not a directory"))
            continue
        for path in scenario_files(directory):
            spec, problems = _parse(path)
            if spec is not None:
                problems += validate_scenario(path.name, spec, library)
                if spec.id in scenarios:
                    problems.append(ScenarioIssue(path.name, f"duplicate scenario id (also in {scenarios[spec.id].source})", "id"))
            issues += problems
            if spec is not None and not problems:
                scenarios[spec.id] = Scenario(spec, path.name, user_defined)
    return ScenarioSet(scenarios), issues


def load_scenarios(
    library: ScriptLibrary,
    directories: Sequence[Path | str] | None = None,
    *,
    user_dirs: Iterable[Path | str] = (),
    strict: bool = True,
) -> ScenarioSet:
    """Valid scenarios; with ``strict`` any issue raises :class:`ScenarioError`."""
    scenario_set, issues = check_scenarios(library, directories, user_dirs=user_dirs)
    if issues and strict:
        raise ScenarioError(issues)
    return scenario_set
