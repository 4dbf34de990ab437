"""Two seats editing the same warning: the second save is refused, nothing is silently overwritten."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from console.app.bootstrap import Database
from console.services.calls.warning_edit import CONFLICT_MESSAGE, update_warning
from console.services.core.context import ConflictError, PermissionDenied, ServiceContext, ServiceError
from db.models import AuditEvent, Warning
from tests.cli_helpers import login_as
from tests.security_data import add_person_and_warning, claim, fixed_clock


def _version(database: Database, warning_id: int) -> int:
    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None
        return warning.version


def test_second_seat_with_a_stale_version_gets_a_clear_conflict(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    seat_a = ServiceContext(database.sessions, make_actor("boss", "supervisor"), fixed_clock())
    seat_b = ServiceContext(database.sessions, make_actor("boss2", "supervisor"), fixed_clock())
    _, warning_id = add_person_and_warning(database)
    shown = _version(database, warning_id)  # both seats display this version

    new_version = update_warning(seat_a, warning_id, shown, {"note": "已联系家属", "address": "玄武区某小区"})
    assert new_version == shown + 1
    with pytest.raises(ConflictError, match=CONFLICT_MESSAGE):
        update_warning(seat_b, warning_id, shown, {"note": "对方关机"})

    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None and warning.note == "已联系家属"
        assert warning.person.address == "玄武区某小区"
        edits = session.execute(select(AuditEvent.login, AuditEvent.details)
                                .where(AuditEvent.action == "warning_edit")).all()
    assert [(login, d["fields"]) for login, d in edits] == [("boss", ["address", "note"])]

    # after reloading, seat B saves on top of A's change
    assert update_warning(seat_b, warning_id, new_version, {"note": "已联系家属；对方关机"}) == new_version + 1


def test_person_only_change_still_moves_the_version(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    ctx = ServiceContext(database.sessions, make_actor("boss", "supervisor"), fixed_clock())
    _, warning_id = add_person_and_warning(database)
    version = _version(database, warning_id)
    assert update_warning(ctx, warning_id, version, {"relative_phone": "13900002222"}) == version + 1
    with pytest.raises(ConflictError):
        update_warning(ctx, warning_id, version, {"relative_name": "王二"})


def test_concurrent_transactions_cannot_both_win(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    """A save that read the current version just before another seat committed is refused on write."""
    ctx = ServiceContext(database.sessions, make_actor("boss", "supervisor"), fixed_clock())
    _, warning_id = add_person_and_warning(database)
    version = _version(database, warning_id)
    if database.is_sqlite:
        # BEGIN IMMEDIATE serialises writers on SQLite: the interleaving below cannot happen there.
        update_warning(ctx, warning_id, version, {"note": "A"})
        with pytest.raises(ConflictError):
            update_warning(ctx, warning_id, version, {"note": "B"})
        return

    def other_seat_commits_first(*_args: object) -> None:
        with database.engine.begin() as conn:
            conn.execute(update(Warning).where(Warning.id == warning_id)
                         .values(note="A", version=Warning.version + 1))

    # Our transaction has read version 1 and passed the check; the other seat commits before our flush.
    event.listen(database.sessions, "before_flush", other_seat_commits_first, once=True)
    with pytest.raises(ConflictError, match=CONFLICT_MESSAGE):
        update_warning(ctx, warning_id, version, {"note": "B"})
    with database.sessions() as session:
        saved = session.get(Warning, warning_id)
        assert saved is not None and saved.note == "A" and saved.version == version + 1
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "warning_edit")).first() is None


def test_operator_edits_only_the_warning_he_holds(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    ctx = ServiceContext(database.sessions, operator, fixed_clock())
    _, warning_id = add_person_and_warning(database)
    with pytest.raises(PermissionDenied, match="已领取"):
        update_warning(ctx, warning_id, 1, {"note": "x"})
    claim(database, warning_id, operator.user_id)
    assert update_warning(ctx, warning_id, _version(database, warning_id), {"fraud_type": "fake_loan"}) > 1
    with pytest.raises(ServiceError, match="未知的诈骗类型"):
        update_warning(ctx, warning_id, _version(database, warning_id), {"fraud_type": "space_pirates"})
    with pytest.raises(ServiceError, match="不能在此修改"):
        update_warning(ctx, warning_id, _version(database, warning_id), {"risk_level": "blue"})
    trainer = ServiceContext(database.sessions, make_actor("coach", "trainer"), fixed_clock())
    with pytest.raises(PermissionDenied):
        update_warning(trainer, warning_id, _version(database, warning_id), {"note": "x"})


def test_the_command_line_edit_checks_the_version_and_the_role(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from console.cli import main

    make_actor("boss", "supervisor")
    make_actor("op9", "operator")
    _, warning_id = add_person_and_warning(database)
    shown = _version(database, warning_id)
    url = ["--db", database.engine.url.render_as_string(hide_password=False)]
    assert main(["warning", "edit", str(warning_id), "--set", "note=家属已到场", "--set", "amount=5000",
                 *login_as(monkeypatch, "boss"), *url]) == 0
    assert f"预警 {warning_id} 已修改（备注、涉案金额），当前版本 {shown + 1}" in capsys.readouterr().out
    # a seat that read the warning before that edit is refused, and says why
    assert main(["warning", "edit", str(warning_id), "--set", "note=旧内容", "--version", str(shown),
                 *login_as(monkeypatch, "boss"), *url]) == 3
    assert CONFLICT_MESSAGE in capsys.readouterr().err
    # an operator without the claim may not edit; an unknown field is named
    assert main(["warning", "edit", str(warning_id), "--set", "note=x", *login_as(monkeypatch, "op9"), *url]) == 2
    assert "只能修改本人正在处理" in capsys.readouterr().err
    assert main(["warning", "edit", str(warning_id), "--set", "name=张三", *login_as(monkeypatch, "boss"), *url]) == 2
    assert "这些字段不能在此修改：name" in capsys.readouterr().err
    with database.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None and warning.note == "家属已到场" and warning.version == shown + 1
