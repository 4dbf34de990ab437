"""Read warning exports into rows: CSV (UTF-8, BOM, GBK/GB18030, UTF-16), XLSX, JSON.

The format is recognised from the content, not only the file name.  The header row is searched for
among the first rows, so a sheet with a title line ("某某县反诈中心预警推送清单") and a date line above
the real header still reads.  A file that cannot be read at all raises :class:`UnreadableInput`
with a message for the operator; everything else becomes rows for the importer to judge.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from console.services.intake.fields import looks_like_header, map_headers
from console.services.intake.normalize import clean_text

HEADER_SEARCH_ROWS = 30
JSON_LIST_KEYS = ("data", "rows", "records", "items", "list", "warnings", "result", "results", "预警", "数据")


class UnreadableInput(Exception):
    """The file as a whole cannot be read (message in Chinese, for stderr and dialogs)."""


@dataclass(frozen=True)
class SourceRow:
    """One data row: its number as the operator sees it in the file, and header -> cell value."""

    number: int
    values: dict[str, Any]


@dataclass
class Table:
    file_name: str
    kind: str  # csv | xlsx | json
    headers: list[str]
    field_columns: dict[str, str]  # field -> header text
    rows: Iterator[SourceRow]
    encoding: str = ""
    rows_estimate: int | None = None  # for progress bars; the real count comes from the import


def is_blank(values: dict[str, Any] | Sequence[Any]) -> bool:
    cells = values.values() if isinstance(values, dict) else values
    return all(clean_text(v) == "" for v in cells)


def _header_texts(cells: Sequence[Any]) -> list[str]:
    """Header cells as unique text; empty headers get a column name so no cell is dropped."""
    headers: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        text = clean_text(cell) or f"列{index + 1}"
        name, n = text, 2
        while name in seen:
            name, n = f"{text}_{n}", n + 1
        seen.add(name)
        headers.append(name)
    return headers


def _field_columns(headers: list[str]) -> dict[str, str]:
    return {field: headers[index] for field, index in map_headers(headers).items()}


def _tabular(
    file_name: str, kind: str, records: Iterator[Sequence[Any]], encoding: str = "", estimate: int | None = None
) -> Table:
    """Find the header among the first rows, then yield the rows below it as dicts."""
    skipped = 0
    for number, cells in enumerate(records, start=1):
        if looks_like_header(cells):
            headers = _header_texts(cells)
            rows = _rows_after(headers, records, number)
            left = None if estimate is None else max(estimate - number, 0)
            return Table(file_name, kind, headers, _field_columns(headers), rows, encoding, left)
        skipped += 1
        if skipped >= HEADER_SEARCH_ROWS:
            break
    if skipped == 0:
        raise UnreadableInput(f"文件“{file_name}”是空的")
    raise UnreadableInput(
        f"文件“{file_name}”中找不到表头：前 {HEADER_SEARCH_ROWS} 行里没有一行同时含有“手机号”“姓名”“预警编号”等列名"
    )


def _rows_after(headers: list[str], records: Iterator[Sequence[Any]], header_number: int) -> Iterator[SourceRow]:
    width = len(headers)
    for number, cells in enumerate(records, start=header_number + 1):
        values = {headers[i]: cells[i] for i in range(min(width, len(cells)))}
        for extra in range(width, len(cells)):  # cells beyond the header are kept, not lost
            if clean_text(cells[extra]):
                values[f"列{extra + 1}"] = cells[extra]
        if is_blank(values):
            continue
        yield SourceRow(number, values)


# ---------------------------------------------------------------- CSV


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"文件“{file_name}”的编码无法识别（不是 UTF-8，也不是 GBK/GB18030）") from exc


def _sniff_delimiter(text: str) -> str:
    sample = text[:8192].splitlines()[:HEADER_SEARCH_ROWS] or [""]
    best, best_count = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        count = max(line.count(delimiter) for line in sample)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def read_csv_bytes(data: bytes, file_name: str) -> Table:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableInput(f"文件“{file_name}”不是 CSV、XLSX 或 JSON 文件（含有二进制内容）")
    text, encoding = decode_text(data, file_name)
    if "\x00" in text:
        raise UnreadableInput(f"文件“{file_name}”不是文本表格（含有二进制内容），请导出为 CSV、XLSX 或 JSON")
    if not text.strip():
        raise UnreadableInput(f"文件“{file_name}”是空的")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    return _tabular(file_name, "csv", iter(reader), encoding, text.count("\n") + 1)


# ---------------------------------------------------------------- XLSX


def read_xlsx(path: Path, file_name: str) -> Table:
    import openpyxl  # imported here: only XLSX imports pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException, zlib.error, EOFError,
            NotImplementedError, RuntimeError, ElementTree.ParseError) as exc:
        # NotImplementedError / RuntimeError: zipfile on unknown compression, versions or encryption
        raise UnreadableInput(f"文件“{file_name}”不是有效的 XLSX 工作簿（文件损坏或格式不符）") from exc
    last_error: UnreadableInput | None = None
    for sheet in workbook.worksheets:
        try:
            rows = sheet.iter_rows(values_only=True)
            return _tabular(file_name, "xlsx", _closing(rows, workbook, file_name), estimate=sheet.max_row)
        except UnreadableInput as exc:
            last_error = exc
    workbook.close()
    raise last_error or UnreadableInput(f"文件“{file_name}”中没有工作表")


def _closing(rows: Iterator[Sequence[Any]], workbook: Any, file_name: str) -> Iterator[Sequence[Any]]:
    try:
        yield from rows
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, RuntimeError,
            ElementTree.ParseError) as exc:
        # sheets are decompressed lazily: a damaged archive can surface only in the middle of the rows
        raise UnreadableInput(f"文件“{file_name}”的工作表数据已损坏，无法继续读取") from exc
    finally:
        workbook.close()


# ---------------------------------------------------------------- JSON


def _find_records(document: Any, depth: int = 0) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if not isinstance(document, dict) or depth > 2:
        return None
    keys = sorted(document, key=lambda k: str(k).lower() not in JSON_LIST_KEYS)
    for key in keys:
        value = document[key]
        if isinstance(value, list) and (not value or any(isinstance(v, dict) for v in value)):
            return value
    for key in keys:
        found = _find_records(document[key], depth + 1) if isinstance(document[key], dict) else None
        if found is not None:
            return found
    return None


def read_json_bytes(data: bytes, file_name: str) -> Table:
    text, encoding = decode_text(data, file_name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"文件“{file_name}”不是有效的 JSON（第 {exc.lineno} 行附近有错误）") from exc
    records = _find_records(document)
    if records is None:
        raise UnreadableInput(f"文件“{file_name}”中找不到预警列表：应为对象数组，或在某个键下放对象数组")
    headers: list[str] = []
    for record in records:
        if isinstance(record, dict):
            headers.extend(str(k) for k in record if str(k) not in headers)
    if records and not any(looks_like_header(list(r)) for r in records if isinstance(r, dict)):
        raise UnreadableInput(f"文件“{file_name}”中的对象没有可识别的字段（如“手机号”“姓名”“预警编号”）")
    return Table(file_name, "json", headers, _field_columns(headers), _json_rows(records), encoding, len(records))


def _json_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _json_rows(records: list[Any]) -> Iterator[SourceRow]:
    for number, record in enumerate(records, start=1):
        if isinstance(record, dict):
            values = {str(k): _json_value(v) for k, v in record.items()}
        else:
            values = {"值": _json_value(record)}
        if is_blank(values):
            continue
        yield SourceRow(number, values)


# ---------------------------------------------------------------- dispatch


def open_table(path: Path) -> Table:
    """Open one export file, whatever its format; raises :class:`UnreadableInput`."""
    file_name = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError as exc:
        raise UnreadableInput(f"找不到文件“{path}”") from exc
    except OSError as exc:
        raise UnreadableInput(f"无法打开文件“{path}”：{exc.strerror or exc}") from exc
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(path, file_name)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableInput(f"文件“{file_name}”是旧版 Excel（.xls）格式，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    if head.startswith(b"%PDF") or path.suffix.lower() in (".docx", ".pdf", ".zip", ".xls"):
        raise UnreadableInput(f"文件“{file_name}”不是 CSV、XLSX 或 JSON 文件")
    if path.suffix.lower() == ".xlsx":
        raise UnreadableInput(f"文件“{file_name}”不是有效的 XLSX 工作簿（文件损坏或格式不符）")
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableInput(f"文件“{file_name}”是空的")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".json" or stripped[:1] in (b"[", b"{"):
        return read_json_bytes(data, file_name)
    return read_csv_bytes(data, file_name)
