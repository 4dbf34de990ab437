"""Importing fixture files: exact accounting, merges, persons, triage, queue items, quarantine, audit."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, PermissionDenied, ServiceContext
from console.services.intake.importer import ImportSummary, import_files
from console.services.intake.quarantine import list_quarantine, retry_quarantined
from console.services.intake.readers import UnreadableInput
from db.models import AuditEvent, ImportBatch, Person, QuarantinedRow, QueueItem, Warning, WarningMerge

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)  # 16:00 Beijing time


def ctx_at(database: Database, now: dt.datetime = NOW) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: now)


def run(database: Database, *names: str, now: dt.datetime = NOW) -> ImportSummary:
    return import_files(ctx_at(database, now), [FIXTURES / n for n in names])


def counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    assert summary.rows == summary.imported + summary.merged + summary.rejected + summary.unchanged
    return summary.rows, summary.imported, summary.merged, summary.rejected


def warnings_by_external_id(database: Database) -> dict[str | None, Warning]:
    with database.sessions() as session:
        return {w.external_id: w for w in session.scalars(select(Warning))}


def test_platform_csv_imports_every_field(database: Database) -> None:
    summary = run(database, "platform_utf8.csv")
    assert counts(summary) == (4, 4, 0, 0)
    assert summary.errors == []
    with database.sessions() as session:
        w = session.scalars(select(Warning).where(Warning.external_id == "YJ-001")).one()
        person = session.get(Person, w.person_id)
        assert person is not None
        assert (person.name, person.phone, person.age_band, person.profile_group, person.sex) == (
            "张秀英", "13800138000", "65+", "elderly", "M")
        assert w.received_at == dt.datetime(2026, 11, 20, 6, 3, tzinfo=dt.UTC)
        assert w.fraud_type == "impersonate_authority"
        assert w.signals == ["screen_sharing", "on_call_now", "large_transfer"]
        assert w.signals_text == "屏幕共享;正在通话;大额转账"
        assert (w.amount, w.call_duration_s, w.fraud_contact) == (Decimal("50000.00"), 620, "02178945612")
        assert (w.station_hint, w.source) == ("城关派出所", "省反诈平台")
        assert w.raw_payload["处置建议"] == "立即劝阻"  # unknown column kept
        assert w.risk_level == "red" and w.risk_score >= 80 and w.risk_reasons
        item = session.scalars(select(QueueItem).where(QueueItem.warning_id == w.id)).one()
        assert (item.kind, item.status, item.priority, item.risk_level) == ("warning", "open", w.risk_score, "red")
        assert item.deadline_at == w.deadline_at
        groups = {p.name: p.profile_group for p in session.scalars(select(Person))}
        assert groups == {"张秀英": "elderly", "李明": "student", "王强": "general", "赵小红": "minor"}
        batch = session.scalars(select(ImportBatch)).one()
        assert (batch.status, batch.rows, batch.imported, batch.merged, batch.rejected) == ("done", 4, 4, 0, 0)
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
        assert audit.details["imported"] == 4 and audit.details["file"] == "platform_utf8.csv"


def test_same_file_twice_changes_nothing(database: Database) -> None:
    assert counts(run(database, "platform_utf8.csv")) == (4, 4, 0, 0)
    with database.sessions() as session:
        before = {w.external_id: (w.risk_score, w.risk_level, w.deadline_at) for w in session.scalars(select(Warning))}
    again = run(database, "platform_utf8.csv")
    assert counts(again) == (4, 0, 0, 0) and again.unchanged == 4
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 4
        assert session.scalar(select(func.count()).select_from(QueueItem)) == 4
        assert session.scalars(select(WarningMerge)).all() == []
        after = {w.external_id: (w.risk_score, w.risk_level, w.deadline_at) for w in session.scalars(select(Warning))}
        assert all(w.repeat_count == 0 for w in session.scalars(select(Warning)))
        batch = session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert batch is not None and (batch.rows, batch.unchanged) == (4, 4)
    assert after == before


def test_same_rows_in_another_file_are_unchanged_but_edited_rows_merge(database: Database, tmp_path: Path) -> None:
    original = (FIXTURES / "platform_utf8.csv").read_bytes()
    assert counts(run(database, "platform_utf8.csv")) == (4, 4, 0, 0)
    copy = tmp_path / "导出副本.csv"  # the same rows with a trailing blank line: another file hash
    copy.write_bytes(original + b"\n")
    assert import_files(ctx_at(database), [copy]).unchanged == 4
    edited = tmp_path / "更新.csv"  # one row's content changed: a real repeat of that warning
    lines = original.decode("utf-8-sig").splitlines()
    lines[1] = lines[1].replace("张", "章", 1) if "张" in lines[1] else lines[1] + "更新"
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_files(ctx_at(database), [edited])
    assert (summary.merged, summary.unchanged) == (1, 3)


def test_gbk_and_bom_exports_read_like_utf8(sqlite_db: Database) -> None:
    summary = run(sqlite_db, "platform_gbk.csv", "platform_bom.csv", "platform_utf8.csv")
    # the same rows in three encodings: read alike, so the second and third copies change nothing
    assert counts(summary) == (12, 4, 0, 0) and summary.unchanged == 8
    w = warnings_by_external_id(sqlite_db)["YJ-002"]
    assert w.fraud_type == "task_rebate" and w.fraud_contact == "wx_abc123"
    assert w.raw_payload["预警编号"] == "YJ-002"  # from the GBK file, decoded
    assert w.repeat_count == 0


def test_xlsx_with_title_rows(sqlite_db: Database) -> None:
    summary = run(sqlite_db, "titled.xlsx")
    assert counts(summary) == (4, 3, 0, 1)
    found = warnings_by_external_id(sqlite_db)
    assert found["X-1"].received_at == dt.datetime(2026, 11, 20, 1, 5, tzinfo=dt.UTC)
    assert found["X-1"].fraud_type == "elderly_health_pension" and found["X-1"].signals == ["remote_control_app"]
    assert found["X-2"].received_at == dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)  # Excel serial 46346.5
    assert found["X-2"].amount == Decimal("50000.00")
    assert found["X-4"].fraud_type == "fake_credit_repair"
    assert [(e.row, e.field) for e in summary.errors] == [(6, "id_number"), (8, "phone")]
    with sqlite_db.sessions() as session:
        phones = {p.phone: (p.id_number_flag, p.birth_date) for p in session.scalars(select(Person))}
    assert phones["13800138001"][0] == ""  # Excel float phone, valid ID
    assert phones["13700137000"] == ("scientific", None)  # ID lost its digits: flagged, not guessed
    assert "075586001234" in phones


def test_json_both_shapes(sqlite_db: Database) -> None:
    assert counts(run(sqlite_db, "array.json")) == (3, 2, 0, 1)
    wrapped = run(sqlite_db, "wrapped.json")  # the same records in the other shape: nothing changes
    assert counts(wrapped) == (3, 0, 0, 0) and wrapped.unchanged == 3
    found = warnings_by_external_id(sqlite_db)
    assert found["J-1"].fraud_type == "fake_investment" and found["J-1"].raw_payload["extra"] == '{"k": 1}'
    assert found["J-3"].fraud_type == "tool_person"
    assert counts(run(sqlite_db, "array.json")) == (3, 0, 0, 0)
    with sqlite_db.sessions() as session:  # the rejected row is quarantined once, not once per import
        assert session.scalar(select(func.count()).select_from(QuarantinedRow)) == 1


def test_messy_phones(sqlite_db: Database) -> None:
    summary = run(sqlite_db, "messy_phones.csv")
    assert counts(summary) == (13, 9, 0, 4)
    with sqlite_db.sessions() as session:
        persons = {p.name: (p.phone, p.other_phones) for p in session.scalars(select(Person))}
    assert persons["测试7"] == ("01065529988", [])
    assert persons["测试8"] == ("13500135000", ["13400134000"])
    assert persons["测试3"][0] == "15000150000"
    assert [e.row for e in summary.errors] == [11, 12, 13, 14]
    assert all(e.field == "phone" for e in summary.errors)
    entries = list_quarantine(ctx_at(sqlite_db))
    assert [(q.row_number, q.raw["手机号"]) for q in entries] == [(11, "12345"), (12, "1.38001E+10"), (13, ""), (14, "无")]


def test_bad_ids_import_with_field_warnings(sqlite_db: Database) -> None:
    summary = run(sqlite_db, "bad_ids.csv")
    assert counts(summary) == (7, 7, 0, 0)
    assert [(e.row, e.field) for e in summary.errors] == [(3, "id_number"), (6, "id_number"), (7, "id_number"),
                                                         (8, "id_number")]
    with sqlite_db.sessions() as session:
        flags = [p.id_number_flag for p in session.scalars(select(Person).order_by(Person.phone))]
        stored = session.scalars(select(Warning).where(Warning.external_id == "ID-2")).one()
    assert flags == ["", "invalid", "", "legacy15", "scientific", "invalid", "invalid"]
    assert stored.field_warnings and "校验位" in stored.field_warnings[0]["message"]


def test_duplicates_merge_by_external_id_and_by_phone_and_type(database: Database) -> None:
    summary = run(database, "duplicates.csv")
    assert counts(summary) == (7, 4, 3, 0)
    with database.sessions() as session:
        reasons = sorted(m.reason for m in session.scalars(select(WarningMerge)))
        d1 = session.scalars(select(Warning).where(Warning.external_id == "D-1")).one()
        others = session.scalars(select(Warning).where(Warning.fraud_type == "other")).all()
    assert reasons == ["external_id", "phone_and_type_24h", "phone_and_type_24h"]
    assert d1.repeat_count == 2 and d1.last_repeat_at == NOW
    assert len(others) == 1 and others[0].repeat_count == 1
    assert any(r["factor"] == "repeat" for r in d1.risk_reasons)


def edited_copy(tmp_path: Path, name: str, note: str) -> Path:
    """The fixture with every row's note changed: the same warnings pushed again with new content."""
    lines = (FIXTURES / name).read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    column = header.index("备注")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[column] = note
    path = tmp_path / f"{note}-{name}"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_repeat_raises_priority_of_an_existing_open_warning(sqlite_db: Database, tmp_path: Path) -> None:
    run(sqlite_db, "platform_utf8.csv")
    with sqlite_db.sessions() as session:
        before = session.scalars(select(QueueItem).join(Warning).where(Warning.external_id == "YJ-003")).one().priority
    import_files(ctx_at(sqlite_db), [edited_copy(tmp_path, "platform_utf8.csv", "再次推送")])
    import_files(ctx_at(sqlite_db), [edited_copy(tmp_path, "platform_utf8.csv", "第三次推送")])
    with sqlite_db.sessions() as session:
        w = session.scalars(select(Warning).where(Warning.external_id == "YJ-003")).one()
        item = session.scalars(select(QueueItem).where(QueueItem.warning_id == w.id)).one()
    assert w.repeat_count == 2 and w.version == 3
    assert item.priority == w.risk_score > before


def test_closed_warning_only_records_the_merge(sqlite_db: Database, tmp_path: Path) -> None:
    run(sqlite_db, "platform_utf8.csv")
    with sqlite_db.sessions() as session, session.begin():
        w = session.scalars(select(Warning).where(Warning.external_id == "YJ-003")).one()
        w.status = "closed"
    summary = import_files(ctx_at(sqlite_db), [edited_copy(tmp_path, "platform_utf8.csv", "再次推送")])
    assert counts(summary) == (4, 0, 4, 0)
    w = warnings_by_external_id(sqlite_db)["YJ-003"]
    assert w.repeat_count == 0


def test_blank_lines_are_not_rows_and_bad_times_are_warnings(sqlite_db: Database) -> None:
    summary = run(sqlite_db, "times_blanks.csv")
    assert counts(summary) == (5, 5, 0, 0)
    assert [(e.row, e.field) for e in summary.errors] == [(7, "received_at"), (9, "received_at")]
    found = warnings_by_external_id(sqlite_db)
    assert found["T-1"].received_at == found["T-2"].received_at == dt.datetime(2026, 11, 20, 6, 3, tzinfo=dt.UTC)
    assert found["T-3"].received_at == dt.datetime(2026, 11, 20, 6, 2, 24, tzinfo=dt.UTC)
    assert found["T-4"].received_at == NOW


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "空的"),
        ("no_header.csv", "找不到表头"),
        ("picture.csv", "不是 CSV"),
        ("corrupt.xlsx", "XLSX"),
        ("old.xls", ".xls"),
        ("broken.json", "JSON"),
        ("no_list.json", "预警列表"),
    ],
)
def test_unreadable_files_write_nothing(sqlite_db: Database, name: str, words: str) -> None:
    with pytest.raises(UnreadableInput, match=words):
        import_files(ctx_at(sqlite_db), [FIXTURES / "platform_utf8.csv", FIXTURES / "unreadable" / name])
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Warning)) == 0


def test_small_chunks_keep_exact_accounting(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    shutil.copy(FIXTURES / "duplicates.csv", path)
    summary = import_files(ctx_at(sqlite_db), [path], chunk_size=2)
    assert counts(summary) == (7, 4, 3, 0)
    with sqlite_db.sessions() as session:
        assert session.scalars(select(ImportBatch)).one().merged == 3


def test_trainer_may_not_import(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    trainer = make_actor("t1", "trainer")
    with pytest.raises(PermissionDenied):
        import_files(ServiceContext(database.sessions, trainer, lambda: NOW), [FIXTURES / "array.json"])


def test_quarantined_row_corrected_and_reimported(sqlite_db: Database) -> None:
    run(sqlite_db, "titled.xlsx")
    (entry,) = list_quarantine(ctx_at(sqlite_db))
    assert (entry.file_name, entry.row_number, entry.field) == ("titled.xlsx", 8, "phone")
    again = retry_quarantined(ctx_at(sqlite_db), entry.id, {"phone": "12"})
    assert again.outcome == "rejected" and "12" in again.reason
    result = retry_quarantined(ctx_at(sqlite_db), entry.id, {"phone": "13322223333"})
    assert result.outcome == "imported" and result.warning_id is not None
    assert list_quarantine(ctx_at(sqlite_db)) == []
    with sqlite_db.sessions() as session:
        w = session.get(Warning, result.warning_id)
        assert w is not None and w.external_id == "X-3" and w.raw_payload["手机号码"] == "13322223333"
        assert session.get(QuarantinedRow, entry.id).status == "resolved"  # type: ignore[union-attr]
