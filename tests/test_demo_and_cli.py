"""The demo county and the foundation subcommands (db upgrade, user add, demo)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database, open_database
from console.cli import main
from console.services.core.context import SYSTEM, PermissionDenied, ServiceContext
from console.services.demo import generate as demo
from console.services.security import auth
from db.models import CallAttempt, Escalation, FollowUp, Person, QueueItem, Station, User, Warning
from tests.cli_helpers import login_as

NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)


def fixed(database: Database) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: NOW)


def test_demo_builds_a_plausible_county(database: Database) -> None:
    summary = demo.generate(fixed(database), warnings=300, seed=3)
    with database.sessions() as s:
        assert s.execute(select(func.count()).select_from(Station)).scalar_one() == summary.stations >= 8
        roles = Counter(s.execute(select(User.role)).scalars())
        assert roles["operator"] >= 3 and roles["supervisor"] >= 1 and roles["trainer"] >= 1
        warnings = s.execute(select(Warning)).scalars().all()
        assert len(warnings) == 300
        types = Counter(w.fraud_type for w in warnings)
        assert types.most_common(1)[0][0] == "task_rebate"  # the largest category, as nationally
        assert {w.risk_level for w in warnings} >= {"red", "orange", "yellow", "blue"}
        assert all(w.received_at <= NOW for w in warnings)
        open_items = s.execute(select(QueueItem).where(QueueItem.status == "open")).scalars().all()
        assert len(open_items) == summary.open_warnings > 0
        assert s.execute(select(func.count()).select_from(CallAttempt)).scalar_one() == summary.calls > 300 - 20
        assert s.execute(select(func.count()).select_from(Escalation)).scalar_one() == summary.escalations > 0
        assert s.execute(select(func.count()).select_from(FollowUp)).scalar_one() == summary.follow_ups > 0
        persons = s.execute(select(Person)).scalars().all()
        women = sum(1 for p in persons if p.sex == "F")
        assert 0.5 < women / len(persons) < 0.75
        for person in persons[:50]:
            assert len(person.phone) == 11 and person.phone.startswith("1")
            assert len(person.id_number) == 18
            assert demo.id_checksum(person.id_number[:17]) == person.id_number[17]
        dissuaded = sum(1 for w in warnings if w.outcome == "dissuaded")
        assert dissuaded / (300 - summary.open_warnings) > 0.55


def test_demo_is_deterministic_for_a_seed(sqlite_template: Path, tmp_path: Path) -> None:
    def fingerprint(directory: Path) -> list[tuple[str, str, int]]:
        directory.mkdir()
        from tests.conftest import make_sqlite_database

        db = make_sqlite_database(sqlite_template, directory)
        demo.generate(fixed(db), warnings=80, seed=11)
        with db.sessions() as s:
            rows = s.execute(select(Person.name, Warning.fraud_type, Warning.risk_score)
                             .join(Person, Warning.person_id == Person.id).order_by(Warning.id)).all()
        db.dispose()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    assert fingerprint(tmp_path / "a") == fingerprint(tmp_path / "b")


def test_demo_requires_an_admin(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op9", "operator")
    with pytest.raises(PermissionDenied):
        demo.generate(database.context(operator), warnings=5)


def test_cli_db_upgrade_user_add_and_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "升级" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["user", "add", "wang", "--role", "supervisor", "--db", url]) == 1
    assert "第一个用户必须是管理员" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("boss-password\n"))
    assert main(["user", "add", "boss", "--role", "admin", "--db", url]) == 0  # the first admin: no login
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["user", "add", "mallory", "--role", "admin", "--db", url]) == 1  # now an admin must log in
    assert "需要登录" in capsys.readouterr().err
    login = login_as(monkeypatch, "boss", "boss-password", "a-long-password")
    assert main(["user", "add", "wang", "--role", "supervisor", "--db", url, *login]) == 0
    db = open_database(url)
    actor = auth.authenticate(db.context(), "wang", "a-long-password")
    assert actor.role == "supervisor"
    assert main(["user", "add", "li", "--role", "operator", "--db", url,
                 *login_as(monkeypatch, "wang", "a-long-password", "another-password")]) == 1
    assert "无权" in capsys.readouterr().err  # a supervisor does not manage users
    assert main(["user", "add", "li", "--role", "operator", "--db", url,
                 *login_as(monkeypatch, "boss", "boss-password", "short")]) == 1
    assert "密码至少" in capsys.readouterr().err
    assert auth.get_user(db.context(), "mallory") is None and auth.get_user(db.context(), "li") is None
    assert main(["demo", "--warnings", "40", "--seed", "2", "--db", url, *login_as(monkeypatch, "boss", "boss-password")]) == 0
    with db.sessions() as s:
        assert s.execute(select(func.count()).select_from(Warning)).scalar_one() == 40


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "env.sqlite3"
    monkeypatch.setenv("DISSUADE_DB", f"sqlite:///{target}")
    db = open_database()
    assert db.description == f"SQLite {target}"
    assert target.exists()


def test_gui_demo_start_fills_an_empty_database_once(tmp_path: Path) -> None:
    from console.ui.app import prepare_database

    url = f"sqlite:///{tmp_path / 'demo-start.sqlite3'}"
    database = prepare_database(url, demo_on_empty=True)
    with database.sessions() as session:
        warnings = session.scalar(select(func.count()).select_from(Warning))
    assert warnings and warnings > 0
    database.dispose()
    again = prepare_database(url, demo_on_empty=True)  # not empty any more: nothing is added
    with again.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == warnings
    again.dispose()
