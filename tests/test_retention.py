"""Retention: old closed warnings lose free text and identity, keep the coded fields; holds keep all."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import ServiceContext, ServiceError
from console.services.core.paths import RESOURCES
from console.services.core.settings import parse_retention_settings, read_settings_file
from console.services.people import retention
from console.services.telephony.recordings import RecordingFiles
from console.services.voice.audio_cache import VoiceAudioCache
from db.models import (
    AuditEvent,
    CallAttempt,
    CallDraft,
    CallRecording,
    Escalation,
    EscalationTask,
    FollowUp,
    Person,
    QuarantinedRow,
    VoiceCampaign,
    VoiceCampaignItem,
    Warning,
    WarningMerge,
)
from tests.cli_helpers import login_as
from tests.security_data import NOW, add_call, add_person_and_warning, fixed_clock

OLD = NOW - dt.timedelta(days=200)
RECENT = NOW - dt.timedelta(days=10)


def _seed(database: Database, operator_id: int | None) -> dict[str, int]:
    ids: dict[str, int] = {}
    p1, w1 = add_person_and_warning(database, status="closed", closed_at=OLD, outcome="dissuaded")
    add_call(database, w1, "c-1", "no_answer", 0)
    add_call(database, w1, "c-2", "dissuaded", 300)
    _, w2 = add_person_and_warning(database, name="王五", phone="13700002222", status="closed", closed_at=OLD,
                                   legal_hold=True, amount="80000", outcome="victimized")
    add_call(database, w2, "c-3", "victimized", 200)
    _, w3 = add_person_and_warning(database, name="赵六", phone="13600003333", status="closed",
                                   closed_at=RECENT, fraud_type="task_rebate", outcome="dissuaded")
    p4, w4a = add_person_and_warning(database, name="钱七", phone="13500004444", status="closed", closed_at=OLD,
                                     fraud_type="fake_loan", amount="1200.50", outcome="refused")
    _, w4b = add_person_and_warning(database, person_id=p4, fraud_type="fake_loan", status="open")
    add_call(database, w4a, "c-4", "refused", 95)
    with database.sessions() as session, session.begin():
        session.add(FollowUp(warning_id=w1, person_id=p1, due_at=OLD, status="done", notes="家属说已报警13900001111"))
        escalation = Escalation(warning_id=w1, reason="多次未接", summary="老人在银行柜台", result_note="已见面")
        escalation.tasks.append(EscalationTask(kind="stop_payment", details={
            "bank": "工商银行", "account": "6222020202020202123", "amount": "30000", "holder_name": "张三丰"}))
        session.add(escalation)
        session.add(WarningMerge(warning_id=w1, reason="external_id", raw_payload={"手机": "13812345678"}))
        if operator_id is not None:
            session.add(CallDraft(client_uuid="d-1", operator_id=operator_id, warning_id=w1,
                                  payload={"notes": "草稿13812345678"}))
        old_row = QuarantinedRow(file_name="a.csv", row_number=3, raw={"手机": "1381234", "姓名": "孙八"},
                                 reason="号码无效", created_at=OLD)
        new_row = QuarantinedRow(file_name="b.csv", row_number=4, raw={"手机": "1390000", "姓名": "周九"},
                                 reason="号码无效", created_at=RECENT)
        session.add_all([old_row, new_row])
        session.flush()
        ids.update(old_q=old_row.id, new_q=new_row.id, task=escalation.tasks[0].id)
    ids.update(p1=p1, w1=w1, w2=w2, w3=w3, p4=p4, w4a=w4a, w4b=w4b)
    return ids


def _figures(database: Database) -> dict[str, Any]:
    """The aggregates the reports are made of, computed independently of the code under test."""
    with database.sessions() as session:
        def grouped(*cols: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in session.execute(select(*cols, func.count()).group_by(*cols)
                                                      .order_by(*cols)).all()]
        return {
            "by_type": grouped(Warning.fraud_type),
            "by_level": grouped(Warning.risk_level),
            "by_outcome": grouped(Warning.outcome),
            "by_status": grouped(Warning.status),
            "by_profile": grouped(Person.profile_group, Person.age_band, Person.sex),
            "by_disposition": grouped(CallAttempt.disposition),
            "amount": session.execute(select(func.sum(Warning.amount))).scalar_one(),
            "talk": session.execute(select(func.sum(CallAttempt.duration_s))).scalar_one(),
            "received": sorted(str(r) for r in session.execute(select(Warning.received_at)).scalars()),
            "escalations": session.execute(select(func.count()).select_from(Escalation)).scalar_one(),
        }


def _stats_dict(database: Database) -> dict[str, Any] | None:
    if importlib.util.find_spec("console.services.stats.figures") is None:
        return None
    from console.services.stats.figures import compute_stats

    stats = compute_stats(ServiceContext(database.sessions, clock=fixed_clock()), (OLD - dt.timedelta(days=2)).date(),
                          NOW.date()).to_dict()
    stats.pop("generated_at", None)
    return stats


def test_erasure_keeps_statistics_and_removes_identity(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op1", "operator")
    admin = make_actor("root1", "admin")
    ids = _seed(database, operator.user_id)
    figures, stats = _figures(database), _stats_dict(database)

    ctx = ServiceContext(database.sessions, admin, fixed_clock())
    report = retention.apply_retention(ctx, older_than_days=180)

    assert (report.warnings_erased, report.persons_erased, report.held_skipped) == (2, 1, 1)
    assert report.call_attempts_cleared == 3 and report.drafts_deleted == 1 and report.quarantine_rows_cleared == 1
    assert _figures(database) == figures
    assert _stats_dict(database) == stats

    with database.sessions() as session:
        p1 = session.get(Person, ids["p1"])
        w1 = session.get(Warning, ids["w1"])
        assert p1 is not None and w1 is not None
        assert (p1.name, p1.id_number, p1.address, p1.relative_phone, p1.occupation) == ("", "", "", "", "")
        assert p1.phone == f"erased-{p1.id}" and p1.erased_at is not None
        assert (p1.age_band, p1.sex, p1.profile_group) == ("45-54", "M", "general")
        assert (w1.note, w1.fraud_contact, w1.signals_text) == ("", "", "")
        assert set(w1.raw_payload) == {"姓名", "手机", "类型"} and set(w1.raw_payload.values()) == {""}
        assert (w1.fraud_type, w1.risk_level, w1.risk_score, w1.amount) == ("fake_investment", "red", 88,
                                                                            Decimal("50000.00"))
        notes = session.execute(select(CallAttempt.notes, CallAttempt.dialled_number)
                                .where(CallAttempt.warning_id == ids["w1"])).all()
        assert {tuple(n) for n in notes} == {("", "")}
        task = session.get(EscalationTask, ids["task"])
        assert task is not None
        assert task.details == {"bank": "工商银行", "account": "", "amount": "30000", "holder_name": ""}
        assert session.execute(select(FollowUp.notes)).scalar_one() == ""
        assert session.execute(select(WarningMerge.raw_payload)).scalar_one() == {"手机": ""}
        assert session.execute(select(func.count()).select_from(CallDraft)).scalar_one() == 0
        # under legal hold: untouched
        w2 = session.get(Warning, ids["w2"])
        assert w2 is not None and w2.erased_at is None and "13700002222" in w2.note
        assert w2.person.name == "王五"
        # closed recently: untouched
        w3 = session.get(Warning, ids["w3"])
        assert w3 is not None and w3.erased_at is None and w3.person.name == "赵六"
        # the person still has an open warning: the old one is erased, the identity stays
        w4a, p4 = session.get(Warning, ids["w4a"]), session.get(Person, ids["p4"])
        assert w4a is not None and w4a.erased_at is not None
        assert p4 is not None and p4.erased_at is None and p4.name == "钱七"
        old_q, new_q = session.get(QuarantinedRow, ids["old_q"]), session.get(QuarantinedRow, ids["new_q"])
        assert old_q is not None and old_q.raw == {"手机": "", "姓名": ""}
        assert new_q is not None and new_q.raw["姓名"] == "周九"
        entry = session.execute(select(AuditEvent).where(AuditEvent.action == "retention")).scalar_one()
        assert entry.details["warnings_erased"] == 2 and entry.login == "root1"

    again = retention.apply_retention(ctx, older_than_days=180)
    assert again.warnings_erased == 0 and again.persons_erased == 0


def test_dry_run_counts_and_changes_nothing(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(database, None)
    ctx = ServiceContext(database.sessions, make_actor("root1", "admin"), fixed_clock())
    report = retention.apply_retention(ctx, older_than_days=180, dry_run=True)
    assert report.dry_run and report.warnings_erased == 2
    with database.sessions() as session:
        w1 = session.get(Warning, ids["w1"])
        assert w1 is not None and w1.erased_at is None and w1.person.name == "张三丰"
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "retention")).first() is None


def test_legal_hold_is_audited_and_needs_a_reason(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(database, None)
    ctx = ServiceContext(database.sessions, make_actor("root1", "admin"), fixed_clock())
    with pytest.raises(ServiceError, match="事由"):
        retention.set_legal_hold(ctx, ids["w1"], True, "")
    retention.set_legal_hold(ctx, ids["w1"], True, "法院调查令（2026）苏0102协字18号", include_person=True)
    report = retention.apply_retention(ctx, older_than_days=180)
    assert report.held_skipped == 2 and report.warnings_erased == 1
    retention.set_legal_hold(ctx, ids["w2"], False, "诉讼结束")
    with database.sessions() as session:
        holds = session.execute(select(AuditEvent.reason, AuditEvent.details)
                                .where(AuditEvent.action == "legal_hold").order_by(AuditEvent.id)).all()
        p1 = session.get(Person, ids["p1"])
        assert p1 is not None and p1.legal_hold and p1.name == "张三丰"
    assert [(r, d["on"]) for r, d in holds] == [("法院调查令（2026）苏0102协字18号", True), ("诉讼结束", False)]


def test_cli_retention_run_prints_json(database: Database, capsys: pytest.CaptureFixture[str], make_actor,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(database, None)
    make_actor("adm_ret", "admin")
    make_actor("sup_ret", "supervisor")
    url = database.engine.url.render_as_string(hide_password=False)
    assert main(["retention", "run", "--dry-run", "--db", url, *login_as(monkeypatch, "sup_ret")]) == 1
    assert "无权" in capsys.readouterr().err  # a supervisor may not erase anything
    login = login_as(monkeypatch, "adm_ret")
    assert main(["retention", "run", "--older-than-days", "100000", "--json", "--db", url, *login]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["warnings_erased"] == 0 and document["older_than_days"] == 100000
    assert main(["retention", "run", "--dry-run", "--db", url, *login_as(monkeypatch, "adm_ret")]) == 0
    assert "试运行（未修改）" in capsys.readouterr().out


def test_retention_days_come_from_the_settings_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert parse_retention_settings(read_settings_file(RESOURCES / "retention.yaml")).older_than_days == 180
    path = tmp_path / "retention.yaml"
    path.write_text("older_than_days: 30\n", encoding="utf-8")
    assert parse_retention_settings(read_settings_file(path)).older_than_days == 30
    path.write_text("older_than_days: soon\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="older_than_days"):
        parse_retention_settings(read_settings_file(path))


def _aged(path: Path, hours: float = 3) -> Path:
    """Make ``path`` look untouched for ``hours`` (the run leaves files used in the last hour alone)."""
    stamp = time.time() - hours * 3600
    os.utime(path, (stamp, stamp))
    return path


def _private_wav(path: Path, source: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    path.chmod(0o600)
    return path


def test_retention_deletes_the_speech_and_recordings_nobody_may_keep(  # type: ignore[no-untyped-def]
        database: Database, make_actor, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from console.services.core.settings import default_settings
    from console.services.voice import templates

    make_actor("adm_files", "admin")
    ctx = ServiceContext(database.sessions, make_actor("root1", "admin"), fixed_clock())
    settings = default_settings()
    root = tmp_path / "data"
    cache = root / templates.CACHE_FOLDER
    p_old, w_old = add_person_and_warning(database, name="钱七", status="closed", closed_at=OLD, outcome="dissuaded")
    p_live, w_live = add_person_and_warning(database, name="王秀英", phone="13700005555", status="open")
    with database.sessions() as session, session.begin():
        old_person, live_person = session.get(Person, p_old), session.get(Person, p_live)
        assert old_person is not None and live_person is not None
        live_person.sex, live_person.age_band, live_person.profile_group = "F", "65+", "elderly"
        played = templates.message_for_person(settings, "fake_investment", name=old_person.name, sex=old_person.sex,
                                              profile_group=old_person.profile_group, age_band=old_person.age_band)
        coming = templates.message_for_person(settings, "fake_investment", name="王秀英", sex="F",
                                              profile_group="elderly", age_band="65+")
        done = VoiceCampaign(status="finished", levels=["blue"], fraud_types=[], channels=1)
        live = VoiceCampaign(status="paused", levels=["blue"], fraud_types=[], channels=1)
        session.add_all([done, live])
        session.flush()
        session.add_all([
            VoiceCampaignItem(campaign_id=done.id, warning_id=w_old, person_id=p_old, status="done",
                              last_result="listened", message_key=played.key, message_text=played.text),
            VoiceCampaignItem(campaign_id=live.id, warning_id=w_live, person_id=p_live, status="pending"),
        ])
    wait_s = settings.voice.wait_for_key_s
    # real speech, rendered as the campaign loop renders it
    old_speech = _aged(templates.message_audio(settings, played.text, played.audience, cache,
                                               trailing_silence_s=wait_s).path)
    live_speech = _aged(templates.message_audio(settings, coming.text, coming.audience, cache,
                                                trailing_silence_s=wait_s).path)
    assert "钱" in played.text and "王阿姨" in coming.text and old_speech != live_speech
    orphan_speech = _aged(_private_wav(cache / "0123456789abcdef.wav", old_speech))
    in_use_speech = _private_wav(cache / "fedcba9876543210.wav", old_speech)  # used a minute ago on some line
    # recordings: of the erased warning, of a dial with no warning long ago, one no row names, a spool leftover
    erased_call = _private_wav(root / "recordings" / "2026-05" / "a.wav", old_speech)
    no_warning = _private_wav(root / "recordings" / "2026-05" / "b.wav", old_speech)
    kept_call = _private_wav(root / "recordings" / "2026-11" / "c.wav", old_speech)
    unnamed = _aged(_private_wav(root / "recordings" / "2026-05" / "d.wav", old_speech))
    spool = _aged(_private_wav(root / "sip" / "rec" / "dump-20260501-enc.wav", old_speech))
    with database.sessions() as session, session.begin():
        session.add_all([
            CallRecording(call_uuid="r-1", warning_id=w_old, path=str(erased_call), created_at=OLD),
            CallRecording(call_uuid="r-2", warning_id=None, path=str(no_warning), created_at=OLD),
            CallRecording(call_uuid="r-3", warning_id=w_live, path=str(kept_call), created_at=RECENT),
        ])
    kinds = (RecordingFiles(root), VoiceAudioCache(settings, root))
    every = [old_speech, live_speech, orphan_speech, in_use_speech, erased_call, no_warning, kept_call, unnamed, spool]

    dry = retention.apply_retention(ctx, older_than_days=180, dry_run=True, stored_files=kinds)
    assert dry.files_deleted == {"recordings": 3, "voice_cache": 2} and dry.recordings_deleted == 1
    assert all(path.exists() for path in every)

    url = database.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(root))
    assert main(["retention", "run", "--db", url, *login_as(monkeypatch, "adm_files")]) == 0
    out = capsys.readouterr().out
    assert "已清除预警的录音 1 个" in out and "无主或过期的录音文件 3 个" in out and "自动语音提示缓存 2 个" in out

    gone = [old_speech, orphan_speech, erased_call, no_warning, unnamed, spool]
    kept = [live_speech, in_use_speech, kept_call]
    assert [path for path in gone if path.exists()] == []
    assert all(path.exists() and path.stat().st_mode & 0o777 == 0o600 for path in kept)
    with database.sessions() as session:
        purged = dict(session.execute(select(CallRecording.call_uuid, CallRecording.purged_at)).all())
        entry = session.execute(select(AuditEvent).where(AuditEvent.action == "retention")).scalar_one()
    assert purged["r-1"] is not None and purged["r-2"] is not None and purged["r-3"] is None
    assert entry.details["files_deleted"] == {"recordings": 3, "voice_cache": 2}
    assert entry.details["recordings_deleted"] == 1 and entry.login == "adm_files"

    # the campaign ends: the speech it no longer needs goes with the next run, the file in use an hour later
    with database.sessions() as session, session.begin():
        session.execute(update(VoiceCampaign).where(VoiceCampaign.status == "paused").values(status="stopped"))
    again = retention.apply_retention(ctx, older_than_days=180, stored_files=kinds)
    assert again.files_deleted == {"recordings": 0, "voice_cache": 1} and not live_speech.exists()
    assert in_use_speech.exists() and kept_call.exists()
    _aged(in_use_speech)
    last = retention.apply_retention(ctx, older_than_days=180, stored_files=kinds)
    assert last.files_deleted == {"recordings": 0, "voice_cache": 1} and not in_use_speech.exists()
    assert kept_call.exists()
