"""``dissuade queue next|list --json``: the documented JSON shapes."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import SYSTEM
from db.models import AuditEvent, QueueItem
from tests.cli_helpers import login_as
from tests.queue_helpers import add_warning

FIELDS = {"warning_id", "risk_level", "score", "reasons", "fraud_type", "deadline"}


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def test_queue_next_and_list_print_json(database: Database, make_actor, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = database.context(SYSTEM)
    red, _ = add_warning(ctx, fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), age=70)
    blue, _ = add_warning(ctx, fraud_type="fake_shopping")
    make_actor("op1")
    capsys.readouterr()

    assert main(["queue", "list", "--json", "--db", _url(database), *login_as(monkeypatch, "op1")]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["warning_id"] for e in listed] == [red, blue]
    assert all(set(e) >= FIELDS for e in listed)

    assert main(["queue", "next", "--operator", "op1", "--json", "--db", _url(database), *_password(monkeypatch)]) == 0
    item = json.loads(capsys.readouterr().out)
    assert set(item) >= FIELDS
    assert (item["warning_id"], item["risk_level"], item["fraud_type"]) == (red, "red", "impersonate_authority")
    assert item["score"] == sum(r["points"] for r in item["reasons"])
    assert all(set(r) == {"factor", "label", "points"} for r in item["reasons"])

    assert main(["queue", "next", "--operator", "op1", "--json", "--db", _url(database), *_password(monkeypatch)]) == 0
    assert json.loads(capsys.readouterr().out)["warning_id"] == blue
    assert main(["queue", "next", "--operator", "op1", "--json", "--db", _url(database), *_password(monkeypatch)]) == 0
    assert json.loads(capsys.readouterr().out) == {"warning_id": None}


def _password(monkeypatch: pytest.MonkeyPatch, password: str = "secret-pass") -> list[str]:
    return login_as(monkeypatch, "", password)[2:]  # --operator names the user; only the password is piped


def test_queue_next_for_an_unknown_operator_fails(sqlite_db: Database, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["queue", "next", "--operator", "nobody", "--db", _url(sqlite_db), *_password(monkeypatch)]) == 1
    assert "用户名或密码错误" in capsys.readouterr().err


def test_queue_next_claims_for_nobody_without_their_password(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    add_warning(database.context(SYSTEM), fraud_type="fake_shopping")
    make_actor("op02")
    url = _url(database)
    assert main(["queue", "next", "--operator", "op02", "--json", "--db", url, *_password(monkeypatch, "guess")]) == 1
    assert "用户名或密码错误" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # piped, and no --password-stdin: refused, nothing asked
    assert main(["queue", "next", "--operator", "op02", "--json", "--db", url]) == 1
    assert "需要登录" in capsys.readouterr().err
    with database.sessions() as session:
        claimed = session.execute(select(QueueItem).where(QueueItem.claimed_by.is_not(None))).scalars().all()
    assert claimed == []
    assert main(["queue", "next", "--operator", "op02", "--json", "--db", url, *_password(monkeypatch)]) == 0
    assert json.loads(capsys.readouterr().out)["warning_id"] is not None
    with database.sessions() as session:
        channels = session.execute(select(AuditEvent.action, AuditEvent.channel, AuditEvent.login)
                                   .where(AuditEvent.login == "op02")).all()
    assert ("login", "cli", "op02") in [tuple(c) for c in channels]
    assert all(channel == "cli" for _, channel, _ in channels)


def test_queue_callback_and_search_from_the_command_line(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    warning_id, _ = add_warning(database.context(SYSTEM), name="钱多多", queue=False)
    make_actor("op1")
    capsys.readouterr()
    url = _url(database)
    assert main(["queue", "callback", "--warning", str(warning_id), "--at", "+45", "--json", "--db", url,
                 *login_as(monkeypatch, "op1")]) == 0
    agreed = json.loads(capsys.readouterr().out)
    assert agreed["warning_id"] == warning_id and agreed["operator"] == "op1"
    with database.sessions() as session:
        item = session.get(QueueItem, agreed["item_id"])
        assert item is not None and item.kind == "callback" and item.deadline_at.isoformat() == agreed["due_at"]
    assert main(["queue", "callback", "--warning", str(warning_id), "--at", "三点", "--db", url,
                 *login_as(monkeypatch, "op1")]) == 1
    assert "无法识别回拨时间" in capsys.readouterr().err

    assert main(["search", "钱多多", "--json", "--db", url, *login_as(monkeypatch, "op1")]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["key"] == "name" and [hit["warning_id"] for hit in found["hits"]] == [warning_id]
    assert found["hits"][0]["name"] == "钱**" and found["hits"][0]["queue"] == "waiting"
    with database.sessions() as session:
        audited = session.execute(select(AuditEvent).where(AuditEvent.action == "search")).scalars().all()
    assert [(entry.login, entry.channel, entry.details["key"]) for entry in audited] == [("op1", "cli", "name")]
