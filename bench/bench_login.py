"""Login timing and lockout under parallel attack (SQLite; ``--postgres URL`` for a server).

Prints the median time of a wrong password for a known login and for an unknown one (equal by
design: an unknown login checks a dummy hash), against the baseline of the same run that answers an
unknown login with the database lookup alone, as the console did before; then how many passwords
parallel attackers got checked before the lock, against the policy's limit.

    python -m bench.bench_login [--rounds 7] [--postgres URL]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select

from bench.common import median
from console.app.bootstrap import Database, open_database
from console.services.security import auth, session_policy
from db.models import User

POLICY = session_policy.SecurityPolicy(max_failed_logins=5, lockout_minutes=15)
LENIENT = session_policy.SecurityPolicy(max_failed_logins=10_000)


def _wrong_login_ms(database: Database, login: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with contextlib.suppress(auth.LoginFailed):
            auth.authenticate(database.context(), login, "wrong-password", policy=LENIENT)
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def _lookup_only_ms(database: Database, login: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with database.sessions() as session:
            session.execute(select(User).where(User.login == login)).scalar_one_or_none()
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def _attack(database: Database, login: str, threads: int, tries: int) -> int:
    checked = 0
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run() -> None:
        nonlocal checked
        barrier.wait()
        for _ in range(tries):
            try:
                auth.authenticate(database.context(), login, "wrong-password", policy=POLICY)
            except auth.LoginFailed as exc:
                if "账户已锁定，请" not in str(exc):
                    with lock:
                        checked += 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return checked


def run(database: Database, rounds: int) -> None:
    ctx = database.context()
    auth.add_user(ctx, "known", "right-password", "operator")
    _wrong_login_ms(database, "warm-up", 1)
    known = _wrong_login_ms(database, "known", rounds)
    unknown = _wrong_login_ms(database, "nobody", rounds)
    baseline = _lookup_only_ms(database, "nobody", rounds)
    print(f"wrong password, known login:   {known:8.1f} ms (median of {rounds})")
    print(f"wrong password, unknown login: {unknown:8.1f} ms   ratio unknown/known {unknown / known:5.2f}")
    print(f"baseline, lookup only:         {baseline:8.1f} ms   ratio baseline/known {baseline / known:5.3f}")
    for index, (threads, tries) in enumerate(((10, 3), (8, 25))):
        login = f"target{index}"
        auth.add_user(ctx, login, "right-password", "operator")
        checked = _attack(database, login, threads, tries)
        print(f"{threads} threads x {tries} wrong passwords: {checked} checked before the lock "
              f"(limit {POLICY.max_failed_logins})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL of an empty, migrated database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-login-") as tmp:
        database = open_database(args.postgres or f"sqlite:///{Path(tmp) / 'login.sqlite3'}")
        try:
            run(database, args.rounds)
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
