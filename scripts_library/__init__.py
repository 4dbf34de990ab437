"""Dissuasion script library: YAML content, schema, loader, validator, selection and call engine.

Pure Python; never imports Qt.  Typical use::

    library = load_library()
    selection = select_script(library, "task_rebate", "student", signals)
    session = ScriptSession(selection.script, build_variables(profile))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scripts_library.engine import ScriptRestoreError, ScriptSession
    from scripts_library.loader import ScriptLibrary, ScriptLibraryError, check_library, load_library
    from scripts_library.rendering import PersonProfile, build_variables, render_script_text, render_text
    from scripts_library.selection import Selection, select_follow_up_script, select_script

# Loaded on first use: ``scripts_library.codes`` (imported by the vocabulary everywhere) must not
# pull in the schema, pydantic and PyYAML with it.
_HOMES = {
    "ScriptRestoreError": "engine", "ScriptSession": "engine",
    "ScriptLibrary": "loader", "ScriptLibraryError": "loader", "check_library": "loader", "load_library": "loader",
    "PersonProfile": "rendering", "build_variables": "rendering", "render_script_text": "rendering",
    "render_text": "rendering",
    "Selection": "selection", "select_follow_up_script": "selection", "select_script": "selection",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scripts_library' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"scripts_library.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "PersonProfile",
    "ScriptLibrary",
    "ScriptLibraryError",
    "ScriptRestoreError",
    "ScriptSession",
    "Selection",
    "build_variables",
    "check_library",
    "load_library",
    "render_script_text",
    "render_text",
    "select_follow_up_script",
    "select_script",
]
