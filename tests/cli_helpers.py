"""Running ``dissuade`` subcommands in-process as a user who logs in with ``--password-stdin``."""

from __future__ import annotations

import io

import pytest

PASSWORD = "secret-pass"  # the password of users made by tests.conftest.actor_for


def login_as(monkeypatch: pytest.MonkeyPatch, login: str, password: str = PASSWORD, *more_lines: str) -> list[str]:
    """Arguments that log ``login`` in; the password (and ``more_lines``) wait on standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in (password, *more_lines))))
    return ["--as", login, "--password-stdin"]
