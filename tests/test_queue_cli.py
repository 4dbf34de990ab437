"""``dissuade queue next|list --json``: the documented JSON shapes."""

from __future__ import annotations

import json

import pytest

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import SYSTEM
from tests.queue_helpers import add_warning

FIELDS = {"warning_id", "risk_level", "score", "reasons", "fraud_type", "deadline"}


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def test_queue_next_and_list_print_json(database: Database, make_actor, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    ctx = database.context(SYSTEM)
    red, _ = add_warning(ctx, fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), age=70)
    blue, _ = add_warning(ctx, fraud_type="fake_shopping")
    make_actor("op1")
    capsys.readouterr()

    assert main(["queue", "list", "--json", "--db", _url(database)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["warning_id"] for e in listed] == [red, blue]
    assert all(set(e) >= FIELDS for e in listed)

    assert main(["queue", "next", "--operator", "op1", "--json", "--db", _url(database)]) == 0
    item = json.loads(capsys.readouterr().out)
    assert set(item) >= FIELDS
    assert (item["warning_id"], item["risk_level"], item["fraud_type"]) == (red, "red", "impersonate_authority")
    assert item["score"] == sum(r["points"] for r in item["reasons"])
    assert all(set(r) == {"factor", "label", "points"} for r in item["reasons"])

    assert main(["queue", "next", "--operator", "op1", "--json", "--db", _url(database)]) == 0
    assert json.loads(capsys.readouterr().out)["warning_id"] == blue
    assert main(["queue", "next", "--operator", "op1", "--json", "--db", _url(database)]) == 0
    assert json.loads(capsys.readouterr().out) == {"warning_id": None}


def test_queue_next_for_an_unknown_operator_fails(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "next", "--operator", "nobody", "--db", _url(sqlite_db)]) == 1
    assert "不存在" in capsys.readouterr().err
