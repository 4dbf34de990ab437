"""Dissuasion script library: YAML content, schema, loader, validator, selection and call engine.

Pure Python; never imports Qt.  Typical use::

    library = load_library()
    selection = select_script(library, "task_rebate", "student", signals)
    session = ScriptSession(selection.script, build_variables(profile))
"""

from scripts_library.engine import ScriptRestoreError, ScriptSession
from scripts_library.loader import ScriptLibrary, ScriptLibraryError, check_library, load_library
from scripts_library.rendering import PersonProfile, build_variables, render_script_text, render_text
from scripts_library.selection import Selection, select_follow_up_script, select_script

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
