"""Old Excel (.xls) and OpenDocument (.ods) exports read like the same sheet saved as XLSX.

``oldsheets.xls`` and ``oldsheets.ods`` are ``oldsheets.xlsx`` converted by LibreOffice (see
tests/fixtures/intake/make_fixtures.py): a notes sheet without a header, then a title line, Chinese
headers, phones stored as numbers, ID numbers as text and one as a number, date and date-time cells,
an empty row, and a summary sheet after the data.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake import calamineread
from console.services.intake.dropfolder import DropWatcher
from console.services.intake.importer import import_files
from console.services.intake.limits import InputLimits
from console.services.intake.readers import UnreadableInput, open_table
from db.models import Person, Warning

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
UNREADABLE = FIXTURES / "unreadable"
NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def read(path: Path, **options: Any) -> tuple[str, list[str], dict[str, str], list[tuple[int, dict[str, Any]]]]:
    table = open_table(path, **options)
    return table.kind, table.headers, table.field_columns, [(row.number, row.values) for row in table.rows]


@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_old_formats_give_the_rows_of_the_same_sheet_as_xlsx(suffix: str) -> None:
    kind, headers, fields, rows = read(FIXTURES / f"oldsheets.{suffix}")
    assert kind == suffix
    assert (headers, fields, rows) == read(FIXTURES / "oldsheets.xlsx")[1:]
    assert (headers, fields, rows) == read(FIXTURES / "oldsheets.xlsx", fast=False)[1:]  # openpyxl agrees too
    assert [number for number, _values in rows] == [5, 6, 8, 9]  # the notes sheet is passed over, the empty row 7 skipped
    first, second, _third, fourth = (values for _number, values in rows)
    assert first["手机号码"] == 13800138001 and first["身份证号码"] == "320102195003151230"
    assert first["预警时间"] == dt.datetime(2026, 11, 20, 9, 5) and first["预警日期"] == dt.datetime(2026, 11, 20)
    assert second["身份证号码"] == "11010520060501224X" and second["涉案金额"] == 1234.5
    assert fourth["身份证号码"] == 3.20102195003151e17  # stored as a number: the digits are already lost, as in XLSX
    assert fields["phone"] == "手机号码" and fields["id_number"] == "身份证号码"


@pytest.mark.parametrize(("source", "name"), [("oldsheets.xls", "预警.dat"), ("oldsheets.xls", "预警.xlsx"),
                                              ("oldsheets.ods", "预警.xlsx"), ("oldsheets.ods", "预警")])
def test_the_format_comes_from_the_content_not_the_name(source: str, name: str, tmp_path: Path) -> None:
    misnamed = tmp_path / name
    shutil.copyfile(FIXTURES / source, misnamed)
    assert read(misnamed)[1:] == read(FIXTURES / source)[1:]


@pytest.mark.parametrize(("name", "words"), [
    ("locked.xls", "设有打开密码"),
    ("truncated.xls", "不是有效的 Excel 97-2003（.xls）工作簿"),
    ("truncated.ods", "不是有效的 OpenDocument（.ods）表格"),
    ("old.xls", "不是有效的 Excel 97-2003（.xls）工作簿"),
])
def test_damaged_or_locked_old_formats_are_refused_in_chinese(name: str, words: str) -> None:
    with pytest.raises(UnreadableInput, match=words):
        list(open_table(UNREADABLE / name).rows)


def test_calamine_itself_refuses_a_locked_workbook_with_the_same_words() -> None:
    """The reader's own guard sees the encryption record first; calamine's refusal says the same."""
    with pytest.raises(UnreadableInput, match="设有打开密码"):
        calamineread.open_sheets(UNREADABLE / "locked.xls", "locked.xls", "xls")


def test_an_encrypted_xlsx_or_ods_is_named_as_encrypted(tmp_path: Path) -> None:
    """Excel saves a password-protected XLSX as a compound file with EncryptionInfo; an encrypted ODS
    says so in its manifest."""
    import zipfile

    ods = tmp_path / "密码.ods"
    with zipfile.ZipFile(FIXTURES / "oldsheets.ods") as template, zipfile.ZipFile(ods, "w") as out:
        for info in template.infolist():
            data = template.read(info)
            if info.filename == "META-INF/manifest.xml":
                data = data.replace(b"</manifest:manifest>", b"<manifest:encryption-data/></manifest:manifest>")
            out.writestr(info, data)
    with pytest.raises(UnreadableInput, match="设有打开密码"):
        open_table(ods)


def test_a_web_page_saved_as_xls_is_named_for_what_it_is(tmp_path: Path) -> None:
    page = tmp_path / "平台导出.xls"
    page.write_text("<html><body><table><tr><td>手机号</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="其实是网页"):
        open_table(page)


def test_a_tab_separated_text_saved_as_xls_is_read_as_the_text_it_is(tmp_path: Path) -> None:
    text = tmp_path / "平台导出.xls"
    text.write_text("预警编号\t姓名\t手机号\nA-1\t张三\t13800138000\n", encoding="gbk")
    kind, _headers, _fields, rows = read(text)
    assert kind == "csv" and rows == [(2, {"预警编号": "A-1", "姓名": "张三", "手机号": "13800138000"})]


@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_rows_cells_and_size_of_old_formats_are_bounded(suffix: str) -> None:
    path = FIXTURES / f"oldsheets.{suffix}"
    with pytest.raises(UnreadableInput, match="超过 2 行的上限"):
        list(open_table(path, InputLimits(max_rows=2)).rows)
    with pytest.raises(UnreadableInput, match="超过 8 列的上限"):  # a limit stops the file: no next sheet is tried
        list(open_table(path, InputLimits(max_columns=8)).rows)
    with pytest.raises(UnreadableInput, match="有一格超过 10 个字符"):
        list(open_table(path, InputLimits(max_cell_chars=10)).rows)
    with pytest.raises(UnreadableInput, match="超过 4 KB"):
        open_table(path, InputLimits(max_file_bytes=4096, max_xls_bytes=4096))


def ctx(database: Database) -> ServiceContext:
    return ServiceContext(database.sessions, SYSTEM, lambda: NOW)


def test_importing_an_old_format_stores_the_people_and_warnings_of_the_xlsx(sqlite_db: Database) -> None:
    summary = import_files(ctx(sqlite_db), [FIXTURES / "oldsheets.xls"])
    assert (summary.rows, summary.rows) == (4, summary.imported + summary.merged + summary.rejected)
    with sqlite_db.sessions() as session:
        phones = {p.phone for p in session.scalars(select(Person))}
        ids = {p.id_number for p in session.scalars(select(Person))}
        external = {w.external_id for w in session.scalars(select(Warning))}
    assert {"13800138001", "13700137000", "15000150001"} <= phones  # phones stored as numbers read as phones
    assert {"320102195003151230", "11010520060501224X"} <= ids
    assert external <= {"O-1", "O-2", "O-3", "O-4"} and {"O-1", "O-2", "O-3"} <= external


def test_the_drop_folder_imports_old_formats(sqlite_db: Database, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for suffix in ("xls", "ods"):
        shutil.copyfile(FIXTURES / f"oldsheets.{suffix}", drop / f"推送.{suffix}")
    shutil.copyfile(UNREADABLE / "locked.xls", drop / "加密.xls")
    results = {r.file_name: r for r in DropWatcher(drop).scan_once(ctx(sqlite_db))}
    assert set(results) == {"推送.xls", "推送.ods", "加密.xls"}
    summaries = [results[name].summary for name in ("推送.ods", "推送.xls")]  # imported in this order
    assert [(s.imported, s.unchanged) for s in summaries if s is not None] == [(4, 0), (0, 4)]  # the same rows again
    assert results["加密.xls"].summary is None and "设有打开密码" in results["加密.xls"].error
    assert (drop / "processed" / "推送.ods").exists() and (drop / "failed" / "加密.xls.原因.txt").exists()
