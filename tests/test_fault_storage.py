"""A read-only database or a full disk: a clear message, the typed call kept, no traceback."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from console.app.bootstrap import Database
from console.services.calls import drafts
from console.services.calls.drafts import StorageError
from console.services.calls.log import CallLog
from console.services.core.context import ServiceContext
from console.services.core.storage import DISK_FULL, READ_ONLY, describe_storage_error
from db.engine import make_engine, make_session_factory
from db.models import CallAttempt
from tests.security_data import NOW, add_person_and_warning, fixed_clock


def _call(warning_id: int, client_uuid: str) -> CallLog:
    return CallLog(client_uuid=client_uuid, warning_id=warning_id, queue_item_id=None, started_at=NOW,
                   ended_at=NOW + dt.timedelta(minutes=2), connected=True, disposition="dissuaded",
                   notes="对方已停止转账" * 400)


def _read_only_database(database: Database) -> Database:
    """The same database reopened so that every write is refused by the server or the SQLite library."""
    url = database.engine.url.render_as_string(hide_password=False)
    if database.is_sqlite:
        engine = make_engine(url)
        event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA query_only = ON"))
    else:
        engine = make_engine(url, connect_args={"connect_timeout": 5,
                                                "options": "-c default_transaction_read_only=on"})
    return Database(engine, make_session_factory(engine), False)


def _submit_and_expect(ctx: ServiceContext, warning_id: int, tmp_path: Path, message: str) -> str:
    draft = drafts.new_draft(ctx.actor.login, warning_id, None, NOW)
    draft.fields = {"notes": "对方已停止转账", "disposition": "dissuaded"}
    drafts.save_draft(draft, root=tmp_path / "drafts")
    with pytest.raises(StorageError) as caught:
        drafts.submit_call(ctx, _call(warning_id, draft.client_uuid), outbox=tmp_path / "outbox",
                           drafts=tmp_path / "drafts")
    assert str(caught.value) == message
    kept = drafts.load_drafts(ctx.actor.login, root=tmp_path / "drafts")
    assert [d.fields["notes"] for d in kept] == ["对方已停止转账"]  # nothing typed is lost
    assert drafts.pending_calls(root=tmp_path / "outbox") == []  # not retried blindly in a loop
    return draft.client_uuid


def test_read_only_database_gives_a_clear_message(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    _, warning_id = add_person_and_warning(database)
    read_only = _read_only_database(database)
    try:
        ctx = ServiceContext(read_only.sessions, operator, fixed_clock())
        _submit_and_expect(ctx, warning_id, tmp_path, READ_ONLY)
    finally:
        read_only.dispose()
    with database.sessions() as session:
        assert session.execute(select(func.count()).select_from(CallAttempt)).scalar_one() == 0


def test_full_sqlite_database_gives_a_clear_message_and_recovers(sqlite_db: Database, tmp_path: Path) -> None:
    from tests.conftest import actor_for

    operator = actor_for(sqlite_db, "op1", "operator")
    _, warning_id = add_person_and_warning(sqlite_db)
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    # Pages freed by migrations that drop an index would take new rows without growing the file:
    # compact it first, so that a file that may not grow is really full.
    compact = sqlite3.connect(str(sqlite_db.engine.url.database), isolation_level=None)
    compact.execute("VACUUM")
    compact.close()
    engine = make_engine(url)

    def cap_size(conn: Any, _record: Any) -> None:
        # The file may not grow any more (SQLite never caps below the current size): exactly what
        # SQLite reports when the disk is full.
        conn.execute("PRAGMA max_page_count = 1")

    event.listen(engine, "connect", cap_size)
    full = Database(engine, make_session_factory(engine), False)
    ctx = ServiceContext(full.sessions, operator, fixed_clock())
    try:
        client_uuid = _submit_and_expect(ctx, warning_id, tmp_path, DISK_FULL)
    finally:
        full.dispose()
    # space freed: the kept draft becomes a call, once
    ctx = ServiceContext(sqlite_db.sessions, operator, fixed_clock())
    result = drafts.submit_call(ctx, _call(warning_id, client_uuid), outbox=tmp_path / "outbox",
                                drafts=tmp_path / "drafts")
    assert result.status == "saved"
    assert drafts.load_drafts("op1", root=tmp_path / "drafts") == []


def test_unknown_errors_still_get_a_sentence() -> None:
    assert describe_storage_error(OSError(30, "Read-only file system")) == READ_ONLY
    assert describe_storage_error(RuntimeError("boom")).startswith("保存失败（RuntimeError）")
    assert "uuid" not in describe_storage_error(ValueError(str(uuid.uuid4())))
