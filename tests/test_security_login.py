"""Logins under attack: parallel wrong passwords, unknown logins, demo salts, a lost database."""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.demo import generate as demo
from console.services.security import auth, session_policy
from db.models import AuditEvent, User

ROOT = Path(__file__).resolve().parent.parent
POLICY = session_policy.SecurityPolicy(max_failed_logins=5, lockout_minutes=15)


def _hammer(database: Database, threads: int, tries: int) -> list[str]:
    """``threads`` seats each trying ``tries`` wrong passwords at once; the refusals they saw."""
    ctx = database.context()
    start = threading.Barrier(threads)
    answers: list[str] = []
    lock = threading.Lock()

    def attack() -> None:
        start.wait()
        for _ in range(tries):
            try:
                auth.authenticate(ctx, "target", "wrong-password", policy=POLICY)
            except auth.LoginFailed as exc:
                with lock:
                    answers.append(str(exc))

    workers = [threading.Thread(target=attack) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def _checked(answers: list[str]) -> int:
    """Attempts whose password was actually checked (the others were refused as locked)."""
    return sum(1 for a in answers if "账户已锁定，请" not in a)


def test_ten_seats_three_wrong_passwords_each_lock_the_account(database: Database) -> None:
    auth.add_user(database.context(), "target", "right-password", "operator")
    answers = _hammer(database, threads=10, tries=3)
    assert len(answers) == 30
    assert _checked(answers) == POLICY.max_failed_logins
    with pytest.raises(auth.LoginFailed, match="账户已锁定"):
        auth.authenticate(database.context(), "target", "right-password", policy=POLICY)
    with database.sessions() as session:
        user = session.execute(select(User).where(User.login == "target")).scalar_one()
        assert user.locked_until is not None


def test_eight_seats_twenty_five_tries_never_check_more_than_the_limit(database: Database) -> None:
    auth.add_user(database.context(), "target", "right-password", "operator")
    answers = _hammer(database, threads=8, tries=25)
    assert len(answers) == 200
    assert _checked(answers) <= POLICY.max_failed_logins
    assert sum(1 for a in answers if "连续 5 次密码错误" in a) == 1


def _median_login_time(database: Database, login: str, rounds: int = 5) -> float:
    ctx = database.context()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(ctx, login, "wrong-password", policy=session_policy.SecurityPolicy(
                max_failed_logins=1000))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_login_answers_as_slowly_as_a_known_one(sqlite_db: Database) -> None:
    auth.add_user(sqlite_db.context(), "known", "right-password", "operator")
    _median_login_time(sqlite_db, "nobody", rounds=1)  # the dummy hash is made once per process
    known = _median_login_time(sqlite_db, "known")
    unknown = _median_login_time(sqlite_db, "nobody")
    assert unknown > known * 0.5, (known, unknown)


def test_demo_users_get_their_own_salts(sqlite_db: Database) -> None:
    demo.generate(sqlite_db.context(), warnings=5, seed=1)
    with sqlite_db.sessions() as session:
        hashes = list(session.execute(select(User.password_hash)).scalars())
    assert len(hashes) == len(demo.STAFF) == len(set(hashes))
    salts = {h.split("$")[4] for h in hashes}  # $argon2id$v=19$m=…,t=…,p=…$SALT$HASH
    assert len(salts) == len(hashes)


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("url", ["postgresql://seat@127.0.0.1:9/centre", "/proc/no-such-dir/console.sqlite3"])
def test_the_cli_on_a_lost_database_prints_one_chinese_line(url: str) -> None:
    result = _cli("queue", "list", "--db", url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and "Traceback" not in result.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])


def test_the_audit_trail_names_the_channel_of_each_login(sqlite_db: Database) -> None:
    auth.add_user(sqlite_db.context(), "op1", "right-password", "operator")
    gui = auth.authenticate(sqlite_db.context(), "op1", "right-password")  # the console's login dialog
    cli = auth.authenticate(sqlite_db.context(), "op1", "right-password", channel="cli")
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(sqlite_db.context(), "op1", "wrong-password", channel="cli")
    assert (gui.channel, cli.channel) == ("gui", "cli")
    with sqlite_db.sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.channel).order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [("user_add", ""), ("login", "gui"), ("login", "cli"), ("login_failed", "cli")]
