"""Hostile export files built in place: decompression bombs, giant cells and fields, deep JSON, a FIFO,
old Excel (.xls) and OpenDocument (.ods) sheets claiming huge grids, and CSVs mixing encodings row by
row.  Shared by the hardening tests, the fuzz run and
``bench/bench_bombs.py`` (which measures the importer's peak memory on each)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from bench.fuzz_targets import HEADERS, ROW, _xlsx_bytes

MIB = 1 << 20
OLD_FORMATS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "intake"  # LibreOffice-made templates
_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = b"</sheetData></worksheet>"


def _rewrite_sheet(path: Path, write_sheet: Callable[[zipfile.ZipFile], None]) -> Path:
    """A valid small workbook whose first sheet is replaced by what ``write_sheet`` streams in."""
    template = zipfile.ZipFile(io.BytesIO(_xlsx_bytes([HEADERS, ROW])))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in template.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                write_sheet(out)
            else:
                out.writestr(info, template.read(info))
    return path


def _stream(out: zipfile.ZipFile, blocks: int, block: bytes, head: bytes = _SHEET_HEAD, tail: bytes = _SHEET_TAIL,
            name: str = "xl/worksheets/sheet1.xml") -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 14, 3, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with out.open(info, "w", force_zip64=True) as sheet:
        sheet.write(head)
        for _ in range(blocks):
            sheet.write(block)
        sheet.write(tail)


def xlsx_inflation_bomb(path: Path, inflated_mib: int = 1100) -> Path:
    """~1 MB on disk; its sheet states (and holds) over 1 GB of empty rows."""
    row = b"<row/>"
    block = row * (MIB // len(row))
    return _rewrite_sheet(path, lambda out: _stream(out, inflated_mib, block))


def xlsx_giant_cell(path: Path, cell_mib: int = 64) -> Path:
    """A workbook under the inflation bound whose one cell holds ``cell_mib`` MB of text."""
    head = _SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    tail = b"</t></is></c></row>" + _SHEET_TAIL
    return _rewrite_sheet(path, lambda out: _stream(out, cell_mib, b"A" * MIB, head, tail))


def xlsx_declared_rows(path: Path, rows: int = 183_000_000) -> Path:
    """A tiny workbook whose sheet declares (and starts) a huge range of rows."""
    head = _SHEET_HEAD.replace(b"<sheetData>", f'<dimension ref="A1:J{rows}"/><sheetData>'.encode())
    body = f'<row r="1"><c r="A1" t="inlineStr"><is><t>手机号</t></is></c></row><row r="{rows}"/>'.encode()
    return _rewrite_sheet(path, lambda out: _stream(out, 1, body, head))


def csv_giant_field(path: Path, field_mib: int = 200) -> Path:
    """A header and one row whose note is ``field_mib`` MB of text on one line."""
    with path.open("wb") as handle:
        handle.write((",".join(HEADERS) + "\n").encode())
        handle.write(",".join(ROW[:-1]).encode() + b',"')
        chunk = "很长".encode() * (MIB // 6)
        for _ in range(field_mib):
            handle.write(chunk)
        handle.write(b'"\n')
    return path


def csv_giant_quoted_field(path: Path, field_mib: int = 64) -> Path:
    """A quoted field spread over many short lines (each line within bounds, the field not)."""
    with path.open("wb") as handle:
        handle.write((",".join(HEADERS) + "\n").encode())
        handle.write(",".join(ROW[:-1]).encode() + b',"')
        lines = (b"x" * 1000 + b"\n") * 1000
        for _ in range(field_mib * MIB // len(lines)):
            handle.write(lines)
        handle.write(b'"\n')
    return path


def json_deep(path: Path, depth: int = 100_000) -> Path:
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def json_deep_in_record(path: Path, depth: int = 100_000) -> Path:
    """Valid records, one of whose values nests ``depth`` arrays."""
    record = json.dumps(dict(zip(HEADERS, ROW, strict=True)), ensure_ascii=False)
    path.write_text("[" + record[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}]", encoding="utf-8")
    return path


_ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
             'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
             'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
             'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
             '<office:body><office:spreadsheet><table:table table:name="预警清单"><table:table-row>'
             + "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
                       for h in HEADERS)
             + "</table:table-row>").encode()
_ODS_TAIL = b"</table:table></office:spreadsheet></office:body></office:document-content>"


def _rewrite_content(path: Path, blocks: int, block: bytes) -> Path:
    """The LibreOffice-made ``oldsheets.ods`` with its content replaced by a header row and
    ``blocks`` copies of ``block`` (the mimetype member stays first and stored, as ODS requires)."""
    with zipfile.ZipFile(OLD_FORMATS / "oldsheets.ods") as template, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in template.infolist():
            if info.filename == "content.xml":
                _stream(out, blocks, block, _ODS_HEAD, _ODS_TAIL, name="content.xml")
            else:
                out.writestr(info, template.read(info))
    return path


def ods_inflation_bomb(path: Path, inflated_mib: int = 1100) -> Path:
    """~1 MB on disk; its content.xml states (and holds) over 1 GB of empty rows."""
    row = b"<table:table-row/>"
    return _rewrite_content(path, inflated_mib, row * (MIB // len(row)))


def ods_repeated_grid(path: Path, rows: int = 6000, columns: int = 16000) -> Path:
    """A few kilobytes: one row of ``columns`` repeated cells holding a value, repeated ``rows`` times
    (calamine would expand it into a 96-million-cell grid, 3 GB)."""
    row = (f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
           f'table:number-columns-repeated="{columns}" office:value-type="float" office:value="1">'
           "<text:p>1</text:p></table:table-cell></table:table-row>").encode()
    return _rewrite_content(path, 1, row)


def _patched_xls(path: Path, record: bytes, patch: Callable[[bytearray, int], None], every: bool = False) -> Path:
    """The LibreOffice-made ``oldsheets.xls`` with the last BIFF record of a type (found by its type
    and length bytes), or ``every`` one, patched in place: the compound file around it stays valid."""
    data = bytearray((OLD_FORMATS / "oldsheets.xls").read_bytes())
    offsets = [i for i in range(len(data)) if data.startswith(record, i)]
    for offset in offsets if every else offsets[-1:]:
        patch(data, offset + 4)
    path.write_bytes(bytes(data))
    return path


def xls_declared_rows(path: Path, rows: int = 183_000_000) -> Path:
    """An 8 KB workbook whose sheets' DIMENSIONS records claim ``rows`` rows (calamine reserves
    rows × columns cells from it before reading one: 80 GB here)."""
    def claim(data: bytearray, offset: int) -> None:
        data[offset + 4:offset + 8] = rows.to_bytes(4, "little")

    return _patched_xls(path, b"\x00\x02\x0e\x00", claim, every=True)


def xls_far_corner(path: Path) -> Path:
    """An 8 KB workbook with one text cell moved to IV65536, the last cell of an .xls sheet: calamine
    builds the grid from A1 to there, 16.7 million cells."""
    def move(data: bytearray, offset: int) -> None:
        data[offset:offset + 4] = (0xFFFF).to_bytes(2, "little") + (0xFF).to_bytes(2, "little")

    return _patched_xls(path, b"\xfd\x00\x0a\x00", move)


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


BOMBS: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "xlsx_inflation_1gb": ("bomb.xlsx", xlsx_inflation_bomb),
    "xlsx_cell_64mb": ("cell.xlsx", xlsx_giant_cell),
    "xlsx_declares_183m_rows": ("rows.xlsx", xlsx_declared_rows),
    "csv_field_200mb": ("field.csv", csv_giant_field),
    "csv_quoted_field_64mb": ("quoted.csv", csv_giant_quoted_field),
    "json_nested_100k": ("deep.json", json_deep),
    "json_record_nested_100k": ("deep_record.json", json_deep_in_record),
    "ods_inflation_1gb": ("bomb.ods", ods_inflation_bomb),
    "ods_repeated_grid_96m": ("grid.ods", ods_repeated_grid),
    "xls_declares_183m_rows": ("rows.xls", xls_declared_rows),
    "xls_far_corner_cell": ("corner.xls", xls_far_corner),
    "fifo": ("pipe.csv", fifo),
}


# ---------------------------------------------------------------- mixed encodings

def _csv_line(cells: list[str]) -> str:
    return ",".join(cells) + "\r\n"


def mixed_encoding_csv(path: Path, main: str, other: str, bad: bytes | None = None) -> Path:
    """Rows in ``main`` encoding (UTF-8 with BOM, or GBK), one row in ``other``, and optionally
    one row of bytes in neither (``bad`` replaces that row's name)."""
    rows = [
        ["M-1", "2026-11-20 09:00", "张秀英", "13800138000", "", "冒充公检法", "", "", "", ""],
        ["M-2", "2026-11-20 09:05", "李建国", "13912345678", "", "刷单返利", "", "", "", ""],
        ["M-3", "2026-11-20 09:10", "王芳", "15000150000", "", "杀猪盘", "", "", "", ""],
    ]
    data = b"\xef\xbb\xbf" if main == "utf-8-sig" else b""
    encoding = "utf-8" if main == "utf-8-sig" else main
    data += _csv_line(HEADERS).encode(encoding)
    data += _csv_line(rows[0]).encode(encoding)
    data += _csv_line(rows[1]).encode(other)
    if bad is not None:
        data += _csv_line(["M-4", "2026-11-20 09:20", "\x00", "18612345678", "", "冒充客服", "", "", "", ""]).encode(
            "utf-8").replace(b"\x00", bad)
    data += _csv_line(rows[2]).encode(encoding)
    path.write_bytes(data)
    return path
