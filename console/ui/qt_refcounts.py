"""A guard against a reference-count leak in PySide6 6.12 on the ``None``, ``True`` and ``False`` singletons.

Measured on this platform (PySide6 6.12.0, CPython 3.11): every ``QCoreApplication.processEvents()``
call drops one reference to ``None`` that it never took, and every ``QEventLoop.exec()`` (so every
modal dialog and every ``exec`` of a message box) drops two.  ``None`` starts a process with a few
thousand references, so after a few thousand such calls its count reaches zero and the interpreter
aborts ("deallocating None") or crashes in whatever thread touches it next — in a long shift that is
a console that dies in the middle of a call.  The ``bool`` singletons show the same fault at
interpreter exit.

In CPython 3.11 these singletons are ordinary reference-counted objects, so holding a large number
of extra references keeps their counts far from zero: a million references to ``None`` (8 MB of list
slots) covers a million leaked references, far beyond a day of dialogs.  ``tests/test_qt_refcounts.py``
measures the leak and checks the reserve; the reserve is never freed, not even at
interpreter exit, where the leaked references would otherwise surface.

The reserve did not make 6.12.0 safe: a full test run still crashed once in the collector, in the
middle of a background job (other objects' counts go wrong too, it seems).  pyproject.toml therefore
keeps PySide6 below 6.12 (6.8.3 to 6.11.3 drop no reference: measured); the reserve stays as a
second line for a machine that has 6.12 anyway.  Remove this module once no supported PySide6 leaks.
"""

from __future__ import annotations

import ctypes
from typing import Final

NONE_RESERVE: Final = 1_000_000
BOOL_RESERVE: Final = 100_000

_reserve: Final[list[bool | None]] = [None] * NONE_RESERVE + [True] * BOOL_RESERVE + [False] * BOOL_RESERVE
# One reference the interpreter never gives back: the list survives interpreter shutdown, so the
# references it holds still cover what PySide6 dropped while the process ran (else the abort only moves
# to exit).
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_reserve))


def reserve_size() -> int:
    """How many extra references this module holds (None, True and False together)."""
    return len(_reserve)
