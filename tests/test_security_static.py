"""Source checks: no SQL assembled from strings, YAML only through the safe loader."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("console", "db", "scripts_library")
SQL_CALLS = {"text", "exec_driver_sql", "execute", "executemany", "executescript"}


def _sources() -> list[tuple[Path, ast.AST]]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found.append((path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_built_string(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        # Interpolating a module constant (UPPER_CASE name, e.g. a LISTEN channel) carries no input.
        return any(isinstance(v, ast.FormattedValue)
                   and not (isinstance(v.value, ast.Name) and v.value.id.isupper()) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):  # "… " + x, "… %s" % x
        return any(isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, str))
                   for side in (node.left, node.right))
    return isinstance(node, ast.Call) and _name(node.func) == "format"


def test_no_sql_is_built_from_strings() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func) in SQL_CALLS and node.args
        and _is_built_string(node.args[0])
    ]
    assert offenders == []


def test_yaml_is_only_loaded_safely() -> None:
    offenders = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "yaml" and node.func.attr in (
                    "load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"):
                loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
                if not (isinstance(loader, ast.Attribute) and "Safe" in loader.attr):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_checks_catch_what_they_look_for() -> None:
    bad_sql = ast.parse('session.execute(text(f"SELECT * FROM t WHERE id = {x}"))').body[0]
    assert isinstance(bad_sql, ast.Expr) and isinstance(bad_sql.value, ast.Call)
    inner = bad_sql.value.args[0]
    assert isinstance(inner, ast.Call) and _is_built_string(inner.args[0])
    for source in ('"SELECT * FROM t WHERE id = " + x', '"DELETE FROM %s" % table', '"SELECT {}".format(x)'):
        assert _is_built_string(ast.parse(source, mode="eval").body)
    assert not _is_built_string(ast.parse('"SELECT pg_advisory_xact_lock(:key)"', mode="eval").body)
