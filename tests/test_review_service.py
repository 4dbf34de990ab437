"""话务质检 on SQLite and PostgreSQL: pick calls, open one (script path in Chinese, notes, outcome,
audited playback of its recording), score the rubric, the operator's own view, the averages."""

from __future__ import annotations

import datetime as dt
import uuid
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied, ServiceContext
from console.services.core.errors import ServiceError
from console.services.review import calls as review
from console.services.review.summary import quality_summary
from console.services.telephony.recordings import RecordingFile, save_recording
from db.models import AuditEvent, CallAttempt, User
from scripts_library.loader import load_library
from tests.board_helpers import NOW, add_item, centre

FULL = {"opening": 10, "identity": 10, "fraud_type": 15, "objections": 20, "key_actions": 20, "tone": 15, "record": 10}


def _call(ctx: ServiceContext, operator: str, at: dt.datetime, disposition: str, *, duration: int = 120,
          script_id: str = "", path: list[str] | None = None, notes: str = "") -> tuple[int, str]:
    warning_id, _item = add_item(ctx)
    with ctx.session() as session:
        user_id = session.execute(select(User.id).where(User.login == operator)).scalar_one()
        call = CallAttempt(client_uuid=str(uuid.uuid4()), warning_id=warning_id, operator_id=user_id, started_at=at,
                           connected=True, duration_s=duration, disposition=disposition, script_id=script_id,
                           node_path=path or [], notes=notes)
        session.add(call)
        session.flush()
        return call.id, call.client_uuid


def _wav(path: Path) -> RecordingFile:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * 2 * 8000)
    return RecordingFile(path, 1.0, 8000)


def test_review_workflow(database: Database, tmp_path: Path) -> None:
    clock, boss, ops = centre(database, "op1", "op2")
    script = next(iter(load_library()))
    nodes = list(script.nodes)[:2]
    monday = NOW - dt.timedelta(days=NOW.weekday())
    calls = {}
    for day, (who, disposition, minutes) in enumerate([("op1", "dissuaded", 3), ("op1", "refused", 12),
                                                       ("op1", "victimized", 4), ("op1", "dissuaded", 2),
                                                       ("op1", "dissuaded", 5), ("op2", "refused", 9)]):
        calls[day] = _call(boss, who, monday + dt.timedelta(hours=day), disposition, duration=minutes * 60,
                           script_id=script.id, path=nodes, notes=f"第{day}通 备注")
    _call(boss, "op2", monday - dt.timedelta(days=2), "refused")  # last week: not picked
    week = NOW.date()
    picked = review.pick_calls(boss, week, "random", seed=7)
    assert sorted(c.operator for c in picked) == ["op1", "op1", "op1", "op2"]  # 3 per operator at most
    assert review.pick_calls(boss, week, "random", seed=7) == picked  # the same draw for the same seed
    assert [c.disposition for c in review.pick_calls(boss, week, "refused")] == ["refused", "refused"]
    assert {c.disposition for c in review.pick_calls(boss, week, "victimized")} == {"victimized"}
    assert sorted(c.duration_s for c in review.pick_calls(boss, week, "long")) == [540, 720]
    with pytest.raises(PermissionDenied):
        review.pick_calls(ops["op1"], week)

    attempt, call_uuid = calls[1]
    detail = review.call_for_review(boss, attempt)
    assert detail.script_path == tuple(script.nodes[n].title for n in nodes)
    assert detail.notes == "第1通 备注" and detail.disposition_label == "拒绝劝阻" and not detail.has_recording
    save_recording(ops["op1"], call_uuid, _wav(tmp_path / "call.wav"), warning_id=detail.warning_id)
    assert review.call_for_review(boss, attempt).has_recording
    assert review.play_recording(boss, attempt).exists()

    with pytest.raises(ServiceError, match="每一项"):
        review.submit_review(boss, attempt, {"opening": 10}, "开场规范")
    with pytest.raises(ServiceError, match="0 到 10"):
        review.submit_review(boss, attempt, {**FULL, "opening": 11}, "开场规范")
    with pytest.raises(ServiceError, match="评语"):
        review.submit_review(boss, attempt, FULL, " ")
    done = review.submit_review(boss, attempt, {**FULL, "objections": 8, "tone": 9}, "异议回应不足，语气偏急")
    assert (done.total, done.max_total, done.operator, done.reviewer) == (82, 100, "op1", "boss")
    review.submit_review(boss, calls[5][0], {**FULL, "objections": 14}, "较好")
    assert attempt not in {c.attempt_id for c in review.pick_calls(boss, week, "random", seed=1)}
    refused = {c.attempt_id: c.reviewed for c in review.pick_calls(boss, week, "refused")}
    assert refused[attempt] is True

    mine = review.my_reviews(ops["op1"])
    assert [(r.total, r.comment) for r in mine] == [(82, "异议回应不足，语气偏急")]
    assert mine[0].scores["objections"] == ("回应异议", 8, 20)
    assert review.my_reviews(ops["op2"])[0].total == 94
    with pytest.raises(PermissionDenied):
        review.submit_review(ops["op2"], attempt, FULL, "自评")

    summary = quality_summary(boss, week - dt.timedelta(days=7), week)
    assert summary.reviews == 2 and summary.average_percent == pytest.approx(88.0)
    assert [(o.operator, o.average_percent, o.lowest_item) for o in summary.operators] == [
        ("op1", 82.0, "回应异议"), ("op2", 94.0, "回应异议")]
    items = {i.label: (i.average_points, i.max_points) for i in summary.items}
    assert items["回应异议"] == (11.0, 20) and items["语气态度"] == (12.0, 15) and len(items) == 7
    with database.sessions() as session:
        actions = session.execute(select(AuditEvent.action, AuditEvent.reason).where(
            AuditEvent.action.in_(["recording_play", "call_review"])).order_by(AuditEvent.id)).all()
    assert [a for a, _ in actions] == ["recording_play", "call_review", "call_review"]
    assert actions[0][1] == "话务质检"
    assert clock.current == NOW


def test_quality_report_pdf_and_the_period_report_section(sqlite_db: Database, tmp_path: Path) -> None:
    from console.services.reports.period import build_period_report
    from console.services.reports.quality import build_quality_report
    from tests.stats_helpers import pdftotext

    _clock, boss, _ops = centre(sqlite_db, "op1", "op2")
    for who, objections in (("op1", 6), ("op1", 12), ("op2", 18)):
        attempt, _uuid = _call(boss, who, NOW - dt.timedelta(hours=1), "refused")
        review.submit_review(boss, attempt, {**FULL, "objections": objections}, f"{who} 回应异议需加强")
    day = NOW.date()
    result = build_quality_report(boss, day, day, tmp_path / "quality.pdf", xlsx=tmp_path / "quality.xlsx")
    text = pdftotext(result.path)
    assert "话务质检报告" in text and "质检通话3通" in text
    assert "op1" in text and "89.0%" in text and "op2" in text and "98.0%" in text  # (86 + 92) / 2, 98
    assert "回应异议" in text and "12.0" in text and "60.0%" in text  # (6 + 12 + 18) / 3 of 20
    assert result.xlsx_path is not None and result.xlsx_path.exists()
    period = build_period_report(boss, day, day, tmp_path / "period.pdf")
    assert "话务质检" in pdftotext(period.path) and "平均得分率92.0%" in pdftotext(period.path)


def test_script_report_over_the_calls_reviewed_well(database: Database, tmp_path: Path) -> None:
    from console.services.reports.script_effectiveness import build_scripts_report
    from console.services.stats.scripts import reviewed_script_rows
    from tests.stats_helpers import pdftotext

    _clock, boss, _ops = centre(database, "op1")
    script = next(iter(load_library()))
    good, _ = _call(boss, "op1", NOW - dt.timedelta(hours=3), "dissuaded", script_id=script.id)
    poor, _ = _call(boss, "op1", NOW - dt.timedelta(hours=2), "refused", script_id=script.id)
    _call(boss, "op1", NOW - dt.timedelta(hours=1), "refused", script_id=script.id)  # never reviewed
    review.submit_review(boss, good, FULL, "规范")
    review.submit_review(boss, poor, {key: points // 3 for key, points in FULL.items()}, "未核实本人")
    day = boss.centre_clock.local(NOW).date()
    rows = reviewed_script_rows(boss, day, day, 80)
    assert [(r.script_id, r.attempts, r.dissuaded, r.decided) for r in rows] == [(script.id, 1, 1, 1)]
    assert sum(r.attempts for r in reviewed_script_rows(boss, day, day, 0)) == 2  # reviewed ones only
    with pytest.raises(ServiceError, match="0 到 100"):
        reviewed_script_rows(boss, day, day, 120)
    result = build_scripts_report(boss, day, day, tmp_path / "s.pdf", min_quality=80)
    assert "得分率不低于80%的通话（共1通）" in "".join(pdftotext(result.path).split())
