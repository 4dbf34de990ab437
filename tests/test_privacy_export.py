"""CSV/XLSX export: opens in Excel (BOM), formulas neutralised, masked by default, audited, no half files."""

from __future__ import annotations

import csv
import errno
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core import storage
from console.services.core.clock import centre_clock
from console.services.core.context import PermissionDenied, ServiceError
from console.services.people.export import Table, csv_bytes, export_table, xlsx_bytes
from db.models import AuditEvent

HEADERS = ["姓名", "电话", "备注", "金额"]
ROWS = [
    ["张三丰", "13812345678", "=HYPERLINK(\"http://evil\",\"点我\")", Decimal("-500.00")],
    ["李四", "13900001111", "+1+cmd|' /C calc'!A0", 12],
    ["王五", "13700002222", "@SUM(A1:A2)", None],
    ["赵六", "13600003333", "\t=1+1", 0],
    ["钱七", "13500004444", "-2+3", 1],
]
TABLE = Table(HEADERS, ROWS, pii_columns={0: "name", 1: "phone"}, title="预警清单")


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_is_masked_neutralised_and_audited(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_actor("boss", "supervisor")
    result = export_table(database.context(supervisor), tmp_path / "list.csv", TABLE)
    assert result.rows == 5 and result.masked
    rows = _read_csv(tmp_path / "list.csv")
    assert rows[0] == HEADERS
    assert rows[1][:2] == ["张**", "138****5678"]
    assert [r[2] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\",\"点我\")", "'+1+cmd|' /C calc'!A0",
                                        "'@SUM(A1:A2)", "'\t=1+1", "'-2+3"]
    assert rows[1][3] == "-500.00"  # a number stays a number
    with database.sessions() as session:
        entry = session.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert entry.login == "boss" and entry.details["rows"] == 5 and entry.details["masked"] is True
    assert entry.details["file"] == "list.csv"


def test_xlsx_stores_formula_like_text_as_text(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = make_actor("root1", "admin")
    export_table(database.context(admin), tmp_path / "list.xlsx", TABLE)
    sheet = openpyxl.load_workbook(tmp_path / "list.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == HEADERS
    note = sheet["C2"]
    assert note.value == "=HYPERLINK(\"http://evil\",\"点我\")" and note.data_type == "s"
    assert all(sheet.cell(row=r, column=3).data_type == "s" for r in range(2, 7))
    assert sheet["A2"].value == "张**" and sheet["B3"].value == "139****1111"
    assert sheet["D2"].value == -500 and sheet["D2"].data_type == "n"


def test_clear_export_needs_the_role_and_a_reason(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_actor("boss", "supervisor")
    ctx = database.context(supervisor)
    with pytest.raises(ServiceError, match="事由"):
        export_table(ctx, tmp_path / "clear.csv", TABLE, unmasked=True)
    export_table(ctx, tmp_path / "clear.csv", TABLE, unmasked=True, reason="法院调取")
    assert _read_csv(tmp_path / "clear.csv")[1][:2] == ["张三丰", "13812345678"]
    with pytest.raises(ServiceError, match="不支持的导出格式"):
        export_table(ctx, tmp_path / "list.pdf", TABLE)


def test_operator_cannot_export(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        export_table(database.context(make_actor("op1", "operator")), tmp_path / "x.xlsx", TABLE)


def test_full_disk_gives_a_clear_message_and_leaves_no_half_file(
        database: Database, make_actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_actor("boss", "supervisor")
    out = tmp_path / "exports"
    out.mkdir()
    target = out / "list.csv"
    target.write_bytes(b"previous export")

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", no_space)
    with pytest.raises(ServiceError, match="磁盘空间已满"):
        export_table(database.context(supervisor), target, TABLE)
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in out.iterdir()) == ["list.csv"]
    with database.sessions() as session:
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_writers_accept_unusual_cells() -> None:
    data = csv_bytes(["a"], [["\r\n=cmd"], [True], [""]], centre_clock("Asia/Shanghai"))
    assert data.decode("utf-8-sig").splitlines()[1].startswith("\"'")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(["a"], [["=1"], [None]], centre_clock("Asia/Shanghai"), "名单[1]:?")))
    assert book.active is not None and book.active.title == "名单_1___"
