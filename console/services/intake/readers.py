"""Read warning exports into rows: CSV (UTF-8, BOM, GBK/GB18030, UTF-16, mixed), XLSX, old Excel
(.xls), OpenDocument (.ods), JSON.

The format is recognised from the content, not only the file name.  The header row is searched for
among the first rows, so a sheet with a title line ("某某县反诈中心预警推送清单") and a date line above
the real header still reads.  Only regular files are opened (a FIFO or a device would block or never
end), and every file is held to :data:`~console.services.intake.limits.INPUT_LIMITS`.  A file that
cannot be read at all raises :class:`UnreadableInput` with a message for the operator; everything
else becomes rows for the importer to judge (a CSV row in no readable encoding comes with its
original bytes, for the quarantine).
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from console.services.intake import calamineread
from console.services.intake.csvread import Decoded, Undecodable, csv_records
from console.services.intake.fields import looks_like_header, map_headers
from console.services.intake.limits import (
    HEADER_SEARCH_ROWS,
    INPUT_LIMITS,
    InputLimits,
    UnreadableInput,
    size_text,
)
from console.services.intake.normalize import clean_text
from console.services.intake.odsguard import ODS_MIMETYPE, check_ods
from console.services.intake.xlsguard import check_xls
from console.services.intake.xlsxguard import ZIP_ERRORS, Extent, check_workbook

__all__ = ["INPUT_LIMITS", "SourceRow", "Table", "UnreadableInput", "open_table"]

JSON_LIST_KEYS = ("data", "rows", "records", "items", "list", "warnings", "result", "results", "预警", "数据")


@dataclass(frozen=True)
class SourceRow:
    """One data row: its number as the operator sees it in the file, and header -> cell value.

    ``undecodable`` holds the original bytes of a CSV row that no encoding reads cleanly (its
    ``values`` are then empty); ``encoding`` names the encoding of a row that differs from the rest
    of the file."""

    number: int
    values: dict[str, Any]
    undecodable: bytes | None = None
    encoding: str = ""


@dataclass
class Table:
    file_name: str
    kind: str  # csv | xlsx | xls | ods | json
    headers: list[str]
    field_columns: dict[str, str]  # field -> header text
    rows: Iterator[SourceRow]
    encoding: str = ""
    rows_estimate: int | None = None  # for progress bars; the real count comes from the import


class _NoHeader(UnreadableInput):
    """A sheet with no header row (or no rows): a workbook's next sheet may still have one.  Other
    refusals (a limit, damage) stop the whole file."""


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
    file_name: str, kind: str, records: Iterator[Sequence[Any]], encoding: str = "", estimate: int | None = None,
    limits: InputLimits = INPUT_LIMITS,
) -> Table:
    """Find the header among the first rows, then yield the rows below it as dicts."""
    skipped = 0
    for number, cells in enumerate(records, start=1):
        if not isinstance(cells, Undecodable) and looks_like_header(cells):
            if len(cells) > limits.max_columns:
                raise _too_many_columns(file_name, limits)
            headers = _header_texts(cells)
            rows = _rows_after(headers, records, number, file_name, limits)
            left = None if estimate is None else max(estimate - number, 0)
            return Table(file_name, kind, headers, _field_columns(headers), rows, encoding, left)
        skipped += 1
        if skipped >= HEADER_SEARCH_ROWS:
            break
    if skipped == 0:
        raise _NoHeader(f"文件“{file_name}”是空的")
    raise _NoHeader(
        f"文件“{file_name}”中找不到表头：前 {HEADER_SEARCH_ROWS} 行里没有一行同时含有“手机号”“姓名”“预警编号”等列名"
    )


def _too_many_columns(file_name: str, limits: InputLimits) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”超过 {limits.max_columns} 列的上限，不像预警表格，已拒绝导入")


def _rows_after(headers: list[str], records: Iterator[Sequence[Any]], header_number: int, file_name: str,
                limits: InputLimits) -> Iterator[SourceRow]:
    width = len(headers)
    last = header_number + limits.max_rows
    for number, cells in enumerate(records, start=header_number + 1):
        if number > last:
            raise UnreadableInput(f"文件“{file_name}”超过 {limits.max_rows} 行的上限，已拒绝导入其余部分（请拆分后再导入）")
        if isinstance(cells, Undecodable):
            yield SourceRow(number, {}, undecodable=cells.raw)
            continue
        if len(cells) > limits.max_columns:
            raise _too_many_columns(file_name, limits)
        values = {headers[i]: cells[i] for i in range(min(width, len(cells)))}
        for extra in range(width, len(cells)):  # cells beyond the header are kept, not lost
            if clean_text(cells[extra]):
                values[f"列{extra + 1}"] = cells[extra]
        if is_blank(values):
            continue
        yield SourceRow(number, values, encoding=cells.encoding if isinstance(cells, Decoded) else "")


# ---------------------------------------------------------------- CSV


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """(text, encoding) of a whole document: BOMs first, then strict UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UnreadableInput(f"文件“{file_name}”声明为 UTF-8，但有内容不是 UTF-8 编码") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableInput(f"文件“{file_name}”的编码无法识别（UTF-16 内容已损坏）") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"文件“{file_name}”的编码无法识别（不是 UTF-8，也不是 GBK/GB18030）") from exc


def _count_lines(handle: IO[bytes]) -> int:
    lines, last = 0, b""
    while block := handle.read(1 << 20):
        lines += block.count(b"\n")
        last = block
    handle.seek(0)
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def read_csv(handle: IO[bytes], file_name: str, limits: InputLimits = INPUT_LIMITS) -> Table:
    """A CSV table streamed from ``handle`` (closed when its rows end or fail)."""
    lines = _count_lines(handle)
    if lines > limits.max_rows + HEADER_SEARCH_ROWS:
        raise UnreadableInput(f"文件“{file_name}”有 {lines} 行，超过 {limits.max_rows} 行的上限，已拒绝导入（请拆分后再导入）")
    records, encoding = csv_records(handle, file_name, limits)
    table = _tabular(file_name, "csv", _closing_handle(records, handle), encoding, lines, limits)
    return table


def _closing_handle(records: Iterator[Sequence[Any]], handle: IO[bytes]) -> Iterator[Sequence[Any]]:
    try:
        yield from records
    finally:
        handle.close()


# ---------------------------------------------------------------- XLSX


def read_xlsx(path: Path, file_name: str, limits: InputLimits = INPUT_LIMITS, *, fast: bool = True) -> Table:
    """An XLSX table: read by python-calamine when the workbook's grid is small enough (``fast``),
    streamed by openpyxl otherwise."""
    extent = check_workbook(path, file_name, limits)
    if fast and calamineread.suits(extent):
        return _read_with_calamine(path, file_name, "xlsx", limits, extent)
    return _read_xlsx_streamed(path, file_name, limits)


def read_xls(handle: IO[bytes], path: Path, file_name: str, limits: InputLimits = INPUT_LIMITS) -> Table:
    """An old Excel (.xls) table, read by python-calamine once :func:`check_xls` has measured it
    (``handle`` is read whole and closed)."""
    with handle:
        handle.seek(0)
        data = handle.read(limits.max_xls_bytes + 1)
    if len(data) > limits.max_xls_bytes:
        raise UnreadableInput(
            f"文件“{file_name}”超过 {size_text(limits.max_xls_bytes)}，旧版 Excel（.xls）文件只能整体读入，已拒绝导入"
            "（请拆分，或另存为 .xlsx 或 CSV 后再导入）"
        )
    extent = check_xls(data, file_name, limits, calamineread.MAX_GRID_CELLS)
    del data
    return _read_with_calamine(path, file_name, "xls", limits, extent)


def read_ods(path: Path, file_name: str, limits: InputLimits = INPUT_LIMITS) -> Table:
    """An OpenDocument (.ods) table, read by python-calamine once :func:`check_ods` has measured it."""
    extent = check_ods(path, file_name, limits, calamineread.MAX_GRID_CELLS)
    return _read_with_calamine(path, file_name, "ods", limits, extent)


def _read_with_calamine(path: Path, file_name: str, kind: str, limits: InputLimits, extent: Extent) -> Table:
    """The first sheet that has a header, read by calamine (every sheet of an .xls is parsed on opening)."""
    workbook = calamineread.open_sheets(path, file_name, kind)
    last_error: UnreadableInput | None = None
    try:
        for index in range(len(workbook.sheet_names)):
            records = calamineread.sheet_records(workbook, index, file_name, limits)
            try:
                return _tabular(file_name, kind, records, estimate=extent.rows or None, limits=limits)
            except _NoHeader as exc:
                last_error = exc
    finally:
        workbook.close()  # the sheet read holds its rows itself
    raise last_error or UnreadableInput(f"文件“{file_name}”中没有工作表")


def _read_xlsx_streamed(path: Path, file_name: str, limits: InputLimits) -> Table:
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
        declared_rows, declared_columns = _declared_size(sheet)
        if declared_rows > limits.max_rows + HEADER_SEARCH_ROWS or declared_columns > limits.max_columns:
            workbook.close()
            raise UnreadableInput(
                f"文件“{file_name}”的工作表声明有 {declared_rows} 行 {declared_columns} 列，"
                f"超过 {limits.max_rows} 行或 {limits.max_columns} 列的上限，已拒绝导入"
            )
        rows = _checked(sheet.iter_rows(values_only=True), file_name, limits)
        try:
            table = _tabular(file_name, "xlsx", rows, estimate=declared_rows or None, limits=limits)
        except _NoHeader as exc:
            last_error = exc  # the next sheet is read from the same open workbook
            continue
        except BaseException:
            workbook.close()
            raise
        table.rows = _closing(table.rows, workbook)
        return table
    workbook.close()
    raise last_error or UnreadableInput(f"文件“{file_name}”中没有工作表")


def _declared_size(sheet: Any) -> tuple[int, int]:
    """Rows and columns a sheet declares in its dimension element (0 when it declares none)."""
    try:
        return int(sheet.max_row or 0), int(sheet.max_column or 0)
    except (TypeError, ValueError):
        return 0, 0


def _checked(rows: Iterator[Sequence[Any]], file_name: str, limits: InputLimits) -> Iterator[Sequence[Any]]:
    longest = limits.max_cell_chars
    try:
        for row in rows:
            if any(type(v) is str and len(v) > longest for v in row):
                raise UnreadableInput(f"文件“{file_name}”中有一格超过 {longest} 个字符，已拒绝导入")
            yield row
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, RuntimeError,
            ElementTree.ParseError) as exc:
        # sheets are decompressed lazily: a damaged archive can surface only in the middle of the rows
        raise UnreadableInput(f"文件“{file_name}”的工作表数据已损坏，无法继续读取") from exc


def _closing(rows: Iterator[SourceRow], workbook: Any) -> Iterator[SourceRow]:
    """The rows of the sheet that had the header; the workbook closes when they end or fail."""
    try:
        yield from rows
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


def _check_nesting(document: Any, file_name: str, limits: InputLimits) -> None:
    """Depth and string length of a parsed document, walked without recursion."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > limits.max_cell_chars:
                raise UnreadableInput(f"文件“{file_name}”中有一个值超过 {limits.max_cell_chars} 个字符，已拒绝导入")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > limits.max_json_depth:
            raise _too_deep(file_name, limits)
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict) and len(value) > limits.max_columns:
            raise _too_many_columns(file_name, limits)
        stack.extend((item, depth + 1) for item in items if isinstance(item, str | dict | list))
        if isinstance(value, dict):
            stack.extend((key, depth + 1) for key in value if isinstance(key, str) and len(key) > 64)


def _too_deep(file_name: str, limits: InputLimits) -> UnreadableInput:
    return UnreadableInput(f"文件“{file_name}”的 JSON 嵌套超过 {limits.max_json_depth} 层，不像预警列表，已拒绝导入")


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def _json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit``, checked before parsing (the parser
    recurses once per level).  Strings are blanked, then the innermost bracket pairs are removed
    ``limit`` times: whatever is left nests deeper (or does not balance, which the parser reports)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    for _ in range(limit):
        brackets, removed = _INNERMOST.subn("", brackets)
        if not brackets or not removed:
            return False
    return brackets.count("[") == brackets.count("]") and brackets.count("{") == brackets.count("}")


def read_json_bytes(data: bytes, file_name: str, limits: InputLimits = INPUT_LIMITS) -> Table:
    if len(data) > limits.max_json_bytes:
        raise UnreadableInput(
            f"JSON 文件“{file_name}”有 {size_text(len(data))}，超过 {size_text(limits.max_json_bytes)} 的上限，已拒绝导入"
        )
    text, encoding = decode_text(data, file_name)
    if _json_depth_exceeds(text, limits.max_json_depth):
        raise _too_deep(file_name, limits)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"文件“{file_name}”不是有效的 JSON（第 {exc.lineno} 行附近有错误）") from exc
    except RecursionError as exc:
        raise _too_deep(file_name, limits) from exc
    _check_nesting(document, file_name, limits)
    records = _find_records(document)
    if records is None:
        raise UnreadableInput(f"文件“{file_name}”中找不到预警列表：应为对象数组，或在某个键下放对象数组")
    if len(records) > limits.max_rows:
        raise UnreadableInput(f"文件“{file_name}”有 {len(records)} 条记录，超过 {limits.max_rows} 条的上限，已拒绝导入")
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


def _open_regular(path: Path, file_name: str, limits: InputLimits) -> IO[bytes]:
    """Open ``path`` for reading only if it is a regular file within the size limit.  The type is
    checked before opening (opening a FIFO blocks until a writer comes) and again on the open file."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise UnreadableInput(f"找不到文件“{path}”") from exc
    except OSError as exc:
        raise UnreadableInput(f"无法打开文件“{path}”：{exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = "文件夹" if stat.S_ISDIR(info.st_mode) else "管道、设备或套接字"
        raise UnreadableInput(f"“{file_name}”是{kind}，不是普通文件，不能导入")
    if info.st_size > limits.max_file_bytes:
        raise UnreadableInput(
            f"文件“{file_name}”有 {size_text(info.st_size)}，超过 {size_text(limits.max_file_bytes)} 的上限，"
            "已拒绝导入（请拆分后再导入）"
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise UnreadableInput(f"无法打开文件“{path}”：{exc.strerror or exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
        os.close(fd)
        raise UnreadableInput(f"“{file_name}”不是普通文件，不能导入")
    return os.fdopen(fd, "rb")


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def open_table(path: Path, limits: InputLimits = INPUT_LIMITS, *, fast: bool = True) -> Table:
    """Open one export file, whatever its format; raises :class:`UnreadableInput`.  ``fast=False``
    reads XLSX with openpyxl only (the reference reader of the differential tests)."""
    file_name = path.name
    handle = _open_regular(path, file_name, limits)
    try:
        return _dispatch(path, file_name, handle, limits, fast)
    except BaseException:
        handle.close()
        raise


def _dispatch(path: Path, file_name: str, handle: IO[bytes], limits: InputLimits, fast: bool) -> Table:
    head = handle.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        handle.close()
        kind = _zip_kind(path, suffix)
        if kind == "ods":
            return read_ods(path, file_name, limits)
        if kind == "odf":
            raise UnreadableInput(f"文件“{file_name}”是 OpenDocument 文字或演示文稿，不是表格")
        return read_xlsx(path, file_name, limits, fast=fast)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return read_xls(handle, path, file_name, limits)
    if head.startswith(b"%PDF") or suffix in (".docx", ".pdf", ".zip"):
        raise UnreadableInput(f"文件“{file_name}”不是 CSV、XLSX、XLS、ODS 或 JSON 文件")
    if suffix in (".xlsx", ".ods"):
        kind = calamineread.FORMAT_NAMES[suffix[1:]]
        raise UnreadableInput(f"文件“{file_name}”不是有效的 {kind}（文件损坏或格式不符）")
    first = head + handle.read(4096)
    handle.seek(0)
    stripped = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == ".xls" and stripped[:1] == b"<":
        # platforms often save a web page or an Excel 2003 XML sheet under the .xls name
        raise UnreadableInput(f"文件“{file_name}”其实是网页（HTML）或 XML 格式，不是真正的 Excel 文件："
                              "请在 Excel 中打开后另存为 .xlsx 或 CSV 再导入")
    if not stripped and not _has_content(handle):
        raise UnreadableInput(f"文件“{file_name}”是空的")
    if suffix == ".json" or stripped[:1] in (b"[", b"{"):
        data = handle.read(limits.max_json_bytes + 1)
        handle.close()
        return read_json_bytes(data, file_name, limits)
    return read_csv(handle, file_name, limits)  # a text export named .xls is read as the CSV it is


def _zip_kind(path: Path, suffix: str) -> str:
    """ods, odf (another OpenDocument file) or xlsx, from the archive's members; a damaged archive
    goes by its name, so the refusal names the format the operator expects."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                mimetype = archive.read("mimetype").strip()
                if mimetype == ODS_MIMETYPE:
                    return "ods"
                if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                    return "odf"
            if "[Content_Types].xml" in names:
                return "xlsx"
    except ZIP_ERRORS:
        pass
    return "ods" if suffix == ".ods" else "xlsx"


def _has_content(handle: IO[bytes]) -> bool:
    """Whether anything but whitespace follows (the first block was blank)."""
    while block := handle.read(1 << 20):
        if block.strip(b"\xef\xbb\xbf \t\r\n\x0b\x0c"):
            handle.seek(0)
            return True
    handle.seek(0)
    return False
