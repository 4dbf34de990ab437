"""PostgreSQL least privilege: ``db upgrade`` grants the seat role what a seat needs and no more.

The seat connects to a real server as ``dissuade_seat``: it can log users in (and count their
failures), claim warnings and append audit entries, and is refused when it deletes or rewrites
audit entries, adds users or changes anyone's role or password.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from console.app.bootstrap import Database, open_database
from console.cli import main
from console.services.core import audit
from console.services.queue.claims import claim_next
from console.services.security import auth
from db.models import AuditEvent, User
from db.privileges import DEFAULT_SEAT_ROLE, PrivilegeError, grant_seat_privileges
from tests.queue_helpers import add_warning

pytestmark = pytest.mark.postgres


def _url(database: Database, user: str | None = None) -> str:
    url = database.engine.url
    if user is not None:
        url = url.set(username=user)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def seat(pg_db: Database, capsys: pytest.CaptureFixture[str]) -> Iterator[Database]:
    auth.add_user(pg_db.context(), "op1", "right-password", "operator")
    auth.add_user(pg_db.context(), "adm", "right-password", "admin")
    add_warning(pg_db.context(), fraud_type="fake_shopping")
    assert main(["db", "upgrade", "--db", _url(pg_db)]) == 0
    assert main(["db", "upgrade", "--db", _url(pg_db)]) == 0  # idempotent
    assert "审计表只可查询与追加" in capsys.readouterr().out
    database = open_database(_url(pg_db, DEFAULT_SEAT_ROLE))
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == DEFAULT_SEAT_ROLE
    yield database
    database.dispose()


def _refused(database: Database, statement: object) -> None:
    with pytest.raises(DBAPIError) as caught, database.sessions() as session, session.begin():
        session.execute(statement)  # type: ignore[call-overload]
    assert getattr(caught.value.orig, "sqlstate", "") == "42501", caught.value  # insufficient_privilege


def test_a_seat_works_the_queue_and_logs_in(seat: Database) -> None:
    ctx = seat.context()
    with pytest.raises(auth.LoginFailed):
        auth.authenticate(ctx, "op1", "wrong-password")  # the failure counter is a column it may update
    actor = auth.authenticate(ctx, "op1", "right-password")
    item = claim_next(ctx.as_actor(actor))
    assert item is not None
    assert audit.verify_chain(ctx).ok


def test_a_seat_may_not_touch_the_audit_trail(seat: Database) -> None:
    _refused(seat, delete(AuditEvent))
    _refused(seat, update(AuditEvent).values(login="intruder"))
    _refused(seat, text("TRUNCATE audit_events"))
    with seat.sessions() as session:
        assert session.execute(select(AuditEvent.id)).first() is not None


def test_a_seat_may_not_write_users_or_roles(seat: Database) -> None:
    _refused(seat, update(User).where(User.login == "op1").values(role="admin"))
    _refused(seat, update(User).where(User.login == "op1").values(password_hash="x"))
    _refused(seat, insert(User).values(login="mallory", display_name="m", role="admin", password_hash="x"))
    _refused(seat, delete(User).where(User.login == "adm"))
    with pytest.raises(DBAPIError):
        auth.add_user(seat.context(), "mallory", "long-enough-password", "admin")
    with seat.sessions() as session:
        assert session.execute(select(User.role).where(User.login == "op1")).scalar_one() == "operator"
        assert session.execute(select(User.id).where(User.login == "mallory")).first() is None


def test_a_seat_may_not_migrate_or_grant(seat: Database) -> None:
    _refused(seat, text("CREATE TABLE intruder (x int)"))
    with pytest.raises((PrivilegeError, DBAPIError)):
        grant_seat_privileges(seat.engine, "another_seat")


def test_sqlite_has_no_roles(sqlite_db: Database) -> None:
    assert grant_seat_privileges(sqlite_db.engine) is None
    assert make_url(_url(sqlite_db)).get_backend_name() == "sqlite"
