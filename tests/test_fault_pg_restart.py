"""PostgreSQL stops or restarts during a shift: the seat keeps the call, reconnects, writes it once."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from console.app.bootstrap import Database
from console.services.calls import drafts
from console.services.calls.log import CallLog
from console.services.core.context import SYSTEM, ServiceContext
from console.services.core.storage import CONNECTION_LOST, describe_storage_error, is_connection_error
from console.services.queue.claims import claim_next
from db.engine import make_engine, make_session_factory
from db.models import CallAttempt
from tests.conftest import actor_for
from tests.pgserver import PgServer
from tests.queue_helpers import FakeClock, add_warning
from tests.security_data import NOW, add_person_and_warning, fixed_clock

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_back_up(pg_server: PgServer) -> Iterator[PgServer]:
    """Whatever the test does to the server, it is running again afterwards (other tests share it)."""
    yield pg_server
    with contextlib.suppress(subprocess.CalledProcessError):  # already running
        pg_server.start()


def _call(warning_id: int, disposition: str = "no_answer") -> CallLog:
    return CallLog(client_uuid=str(uuid.uuid4()), warning_id=warning_id, queue_item_id=None, started_at=NOW,
                   ended_at=NOW + dt.timedelta(minutes=3), connected=disposition == "dissuaded",
                   disposition=disposition, notes="对方称在银行排队", key_actions=["stop_transfer"])


def _attempts(database: Database, client_uuid: str | None = None) -> int:
    with database.sessions() as session:
        query = select(func.count()).select_from(CallAttempt)
        if client_uuid:
            query = query.where(CallAttempt.client_uuid == client_uuid)
        return int(session.execute(query).scalar_one())


def test_server_restart_under_a_running_service_is_invisible(pg_db: Database, server_back_up: PgServer,
                                                             tmp_path: Path) -> None:
    ctx = ServiceContext(pg_db.sessions, actor_for(pg_db, "op1", "operator"), fixed_clock())
    _, warning_id = add_person_and_warning(pg_db)
    first = drafts.submit_call(ctx, _call(warning_id), outbox=tmp_path)
    assert first.status == "saved"

    server_back_up.restart()  # every pooled connection is now dead

    second = drafts.submit_call(ctx, _call(warning_id, "dissuaded"), outbox=tmp_path)
    assert second.status == "saved"  # pre-ping noticed the dead connection and reconnected
    assert _attempts(pg_db) == 2


def test_outage_keeps_the_call_and_writes_it_exactly_once(pg_db: Database, server_back_up: PgServer,
                                                          tmp_path: Path) -> None:
    operator = actor_for(pg_db, "op1", "operator")
    ctx = ServiceContext(pg_db.sessions, operator, fixed_clock())
    _, warning_id = add_person_and_warning(pg_db)
    draft = drafts.new_draft("op1", warning_id, None, NOW)
    draft.fields = {"notes": "对方称在银行排队"}
    drafts.save_draft(draft, root=tmp_path / "drafts")
    call = _call(warning_id)
    call.client_uuid = draft.client_uuid

    server_back_up.stop()
    result = drafts.submit_call(ctx, call, outbox=tmp_path / "outbox", drafts=tmp_path / "drafts")
    assert result.status == "pending" and result.message == CONNECTION_LOST
    assert "数据库连接中断" in result.message
    assert [p.client_uuid for p in drafts.pending_calls("op1", root=tmp_path / "outbox")] == [call.client_uuid]
    assert drafts.flush_outbox(ctx, outbox=tmp_path / "outbox") == 0  # still down: kept, not lost
    assert len(drafts.load_drafts("op1", root=tmp_path / "drafts")) == 1

    server_back_up.start()
    assert drafts.flush_outbox(ctx, outbox=tmp_path / "outbox", drafts=tmp_path / "drafts") == 1
    assert drafts.flush_outbox(ctx, outbox=tmp_path / "outbox", drafts=tmp_path / "drafts") == 0
    assert _attempts(pg_db, call.client_uuid) == 1
    assert drafts.pending_calls(root=tmp_path / "outbox") == []
    assert drafts.load_drafts("op1", root=tmp_path / "drafts") == []


def test_commit_whose_answer_was_lost_is_not_written_twice(pg_db: Database, tmp_path: Path) -> None:
    """The server committed but the seat never heard back: the retry from the outbox is a no-op."""
    ctx = ServiceContext(pg_db.sessions, actor_for(pg_db, "op1", "operator"), fixed_clock())
    _, warning_id = add_person_and_warning(pg_db)
    call = _call(warning_id, "dissuaded")
    assert drafts.submit_call(ctx, call, outbox=tmp_path).status == "saved"
    # the seat crashed before removing its outbox entry: put it back as it was
    drafts._write(tmp_path / f"{call.client_uuid}.json", drafts._log_to_document(call, ctx.actor))
    assert drafts.flush_outbox(ctx, outbox=tmp_path) == 1
    assert _attempts(pg_db, call.client_uuid) == 1


def test_system_flush_writes_each_call_as_its_operator(pg_db: Database, server_back_up: PgServer,
                                                       tmp_path: Path) -> None:
    op1 = actor_for(pg_db, "op1", "operator")
    op2 = actor_for(pg_db, "op2", "operator")
    _, warning_id = add_person_and_warning(pg_db)
    server_back_up.stop()
    for actor in (op1, op2):
        ctx = ServiceContext(pg_db.sessions, actor, fixed_clock())
        assert drafts.submit_call(ctx, _call(warning_id), outbox=tmp_path).status == "pending"
    server_back_up.start()
    op1_ctx = ServiceContext(pg_db.sessions, op1, fixed_clock())
    assert drafts.flush_outbox(op1_ctx, outbox=tmp_path) == 1  # only op1's own call
    assert drafts.flush_outbox(pg_db.context(), outbox=tmp_path) == 1
    with pg_db.sessions() as session:
        operators = sorted(session.execute(select(CallAttempt.operator_id)).scalars())
    assert operators == sorted([op1.user_id, op2.user_id])


def test_connection_error_is_described_in_words(pg_db: Database, server_back_up: PgServer) -> None:
    server_back_up.stop()
    try:
        with pg_db.sessions() as session:
            session.execute(select(func.count()).select_from(CallAttempt))
    except Exception as exc:  # what the GUI receives from a worker
        assert describe_storage_error(exc) == CONNECTION_LOST
    else:
        pytest.fail("the query should fail while the server is down")


def test_claims_go_on_after_a_server_restart(pg_db: Database, server_back_up: PgServer) -> None:
    ctx = ServiceContext(pg_db.sessions, actor_for(pg_db, "op1", "operator"), FakeClock())
    first, _ = add_warning(ctx.as_actor(SYSTEM), amount=Decimal(90_000))
    second, _ = add_warning(ctx.as_actor(SYSTEM))
    taken = claim_next(ctx)
    assert taken is not None and taken.warning_id == first

    server_back_up.restart()  # the seat's pooled connection is dead now

    again = claim_next(ctx)
    assert again is not None and again.warning_id == second and again.status == "claimed"
    assert again.deadline_at is not None and again.deadline_at.tzinfo == dt.UTC


def test_a_connection_lost_in_the_middle_of_a_claim_is_reported_and_not_reused(
    pg_db: Database, pg_server: PgServer
) -> None:
    """The claim runs straight on the driver connection; when that connection dies under it, the seat
    gets the same error as from any other statement (so the window says the connection dropped), and
    the pool drops the dead connection instead of handing it out again."""
    engine = make_engine(str(pg_db.engine.url.render_as_string(hide_password=False)), pool_pre_ping=False,
                         pool_size=1, max_overflow=0)
    try:
        ctx = ServiceContext(make_session_factory(engine), actor_for(pg_db, "op1", "operator"), FakeClock())
        for _ in range(3):
            add_warning(ctx.as_actor(SYSTEM))
        assert claim_next(ctx) is not None  # the seat's one connection is now in the pool
        with engine.connect() as connection:
            seat_backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with pg_db.engine.connect() as admin:
            admin.exec_driver_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": seat_backend})
        with pytest.raises(DBAPIError) as lost:
            claim_next(ctx)
        assert lost.value.connection_invalidated
        assert is_connection_error(lost.value) and describe_storage_error(lost.value) == CONNECTION_LOST
        retried = claim_next(ctx)  # a fresh connection: the claim the operator retries goes through
        assert retried is not None and retried.status == "claimed"
    finally:
        engine.dispose()
