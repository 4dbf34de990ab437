"""Hostile input cannot take the machine down, and mixed encodings are never stored garbled."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.bench_bombs import add_importer, run_import
from bench.bombs import BOMBS, mixed_encoding_csv
from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.dropfolder import DropWatcher
from console.services.intake.importer import import_files
from console.services.intake.limits import InputLimits
from console.services.intake.readers import UnreadableInput, open_table
from db.models import AuditEvent, ImportBatch, Person, QuarantinedRow, Warning

NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
PEAK_BOUND_MIB = 200  # the console's own footprint is about 85 MB; a bomb may not add more than that again
EXPECTED = {
    "xlsx_inflation_1gb": "解压后有",
    "xlsx_cell_64mb": "有一格超过",
    "xlsx_declares_183m_rows": "声明有 183000000 行",
    "csv_field_200mb": "第 2 行超过",
    "csv_quoted_field_64mb": "有一格超过",
    "json_nested_100k": "嵌套超过",
    "json_record_nested_100k": "嵌套超过",
    "ods_inflation_1gb": "解压后有",
    "ods_repeated_grid_96m": "占 96016000 个单元格",
    "xls_declares_183m_rows": "声明有 183000000 行",
    "xls_far_corner_cell": "个单元格，超过一次可读取的",
    "fifo": "不是普通文件",
}


def ctx(database: Database) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: NOW)


def url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_bomb_is_refused_as_a_failed_audited_batch(case: str, sqlite_db: Database, tmp_path: Path) -> None:
    file_name, build = BOMBS[case]
    path = build(tmp_path / file_name)
    with pytest.raises(UnreadableInput, match=EXPECTED[case]):
        import_files(ctx(sqlite_db), [path])
    with sqlite_db.sessions() as session:
        (batch,) = session.scalars(select(ImportBatch)).all()
        assert batch.status == "failed" and EXPECTED[case] in batch.error and batch.finished_at is not None
        entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
        assert entry.object_id == str(batch.id) and entry.details["status"] == "failed"
        assert session.scalars(select(Warning)).all() == []


@pytest.mark.parametrize("case", ["xlsx_inflation_1gb", "csv_field_200mb", "json_nested_100k", "fifo",
                                  "ods_inflation_1gb", "ods_repeated_grid_96m", "xls_declares_183m_rows"])
def test_bomb_exits_2_with_one_chinese_line_and_bounded_memory(case: str, sqlite_db: Database, tmp_path: Path) -> None:
    file_name, build = BOMBS[case]
    add_importer(url(sqlite_db))
    result = run_import(build(tmp_path / file_name), url(sqlite_db), timeout_s=90)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and EXPECTED[case] in lines[0]
    assert "Traceback" not in result.stderr
    assert result.peak_mib < PEAK_BOUND_MIB, f"{case}: peak {result.peak_mib:.0f} MB"


def test_rows_columns_and_lines_are_bounded(tmp_path: Path) -> None:
    small = InputLimits(max_rows=5, max_columns=12, max_line_bytes=400, max_file_bytes=4096)
    header = "预警编号,姓名,手机号\n"
    many = tmp_path / "many.csv"
    many.write_text(header + "".join(f"W-{i},张三,13800138000\n" for i in range(40)), encoding="utf-8")
    with pytest.raises(UnreadableInput, match="超过 5 行的上限"):
        list(open_table(many, small).rows)
    wide = tmp_path / "wide.csv"
    wide.write_text(header + "W-1,张三,13800138000" + ",x" * 20 + "\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="超过 12 列的上限"):
        list(open_table(wide, small).rows)
    big = tmp_path / "big.csv"
    big.write_text(header + "W-1,张三,13800138000," + "备" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="超过 4 KB 的上限"):
        open_table(big, small)


def test_a_bomb_in_the_drop_folder_moves_to_failed_with_its_reason(sqlite_db: Database, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    file_name, build = BOMBS["xlsx_inflation_1gb"]
    build(drop / file_name)
    (result,) = DropWatcher(drop).scan_once(ctx(sqlite_db))
    assert result.summary is None and "解压后有" in result.error
    assert "解压后有" in (drop / "failed" / f"{file_name}.原因.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------- mixed encodings


def names_and_payloads(database: Database) -> tuple[set[str], list[dict[str, object]]]:
    with database.sessions() as session:
        names = {p.name for p in session.scalars(select(Person))}
        payloads = [w.raw_payload for w in session.scalars(select(Warning))]
    return names, payloads


@pytest.mark.parametrize(("main", "other"), [("utf-8-sig", "gbk"), ("gbk", "utf-8"), ("utf-8", "gb18030")])
def test_a_row_in_another_encoding_is_read_in_its_own(main: str, other: str, sqlite_db: Database,
                                                      tmp_path: Path) -> None:
    path = mixed_encoding_csv(tmp_path / "mixed.csv", main, other)
    summary = import_files(ctx(sqlite_db), [path])
    assert (summary.imported, summary.rejected) == (3, 0)
    names, payloads = names_and_payloads(sqlite_db)
    assert names == {"张秀英", "李建国", "王芳"}
    assert {p["姓名"] for p in payloads} == names
    noted = [e for e in summary.errors if e.field == "encoding"]
    assert [e.row for e in noted] == [3] and "编码" in noted[0].message


@pytest.mark.parametrize("main", ["utf-8-sig", "gbk"])
def test_a_row_in_no_encoding_is_quarantined_with_its_bytes(main: str, sqlite_db: Database, tmp_path: Path) -> None:
    bad = b"\xe9\x80\x41\xff\xfe"  # neither UTF-8 nor GBK
    path = mixed_encoding_csv(tmp_path / "mixed.csv", main, "gbk" if main != "gbk" else "utf-8", bad=bad)
    summary = import_files(ctx(sqlite_db), [path])
    assert (summary.imported, summary.rejected) == (3, 1)
    names, payloads = names_and_payloads(sqlite_db)
    assert names == {"张秀英", "李建国", "王芳"}
    assert not any("\ufffd" in str(p) for p in payloads)
    with sqlite_db.sessions() as session:
        (row,) = session.scalars(select(QuarantinedRow)).all()
    original = base64.b64decode(str(row.raw["原始字节(base64)"]))
    assert bad in original and original.startswith(b"M-4,") and row.field == "encoding"
    assert "\ufffd" not in str(row.raw)


def test_whole_gbk_file_with_a_bom_claiming_utf8_keeps_good_rows(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bom_gbk.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "预警编号,姓名,手机号\r\nB-1,赵敏,13800138000\r\n".encode("gbk"))
    summary = import_files(ctx(sqlite_db), [path])
    assert summary.imported == 1
    assert names_and_payloads(sqlite_db)[0] == {"赵敏"}


def test_huge_numbers_in_cells_are_row_problems_not_a_crash(sqlite_db: Database, tmp_path: Path) -> None:
    """Hypothesis found a 40-digit duration cell stopping the import with SQLite's integer overflow."""
    source = tmp_path / "巨大数字.csv"
    nines = "9" * 40
    source.write_text("预警编号,手机号,预警类型,通话时长,涉案金额\n"
                      f"H-1,13912345678,冒充客服,{nines},{nines}\n"
                      f"H-2,13912345679,冒充客服,99999999999999999999:00:00,5000\n", encoding="utf-8")
    summary = import_files(sqlite_db.context(), [source])
    assert summary.rows == 2 and summary.rows == summary.imported + summary.merged + summary.rejected
    fields = {e.field for e in summary.errors}
    assert "call_duration_s" in fields
