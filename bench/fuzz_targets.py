"""Fuzz targets shared by ``tests/test_fuzz_*.py`` (hypothesis) and ``bench/fuzz_run.py`` (long runs).

Each target takes a ``random.Random`` and a scratch directory, builds one hostile input (random bytes,
or a real file mutated: lines dropped or doubled, bytes flipped, text spliced in, truncated) and feeds
it to the code under test.  A target returns a short outcome label; an *expected* refusal
(:class:`UnreadableInput`, script issues) is an outcome, any other exception is a crash and propagates.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from console.services.intake.limits import InputLimits
from console.services.intake.readers import UnreadableInput, open_table
from scripts_library.loader import COMMON_FILE, DEFAULT_LIBRARY_DIR, read_library
from scripts_library.validator import validate_library

HEADERS = ["预警编号", "预警时间", "姓名", "手机号", "身份证号", "预警类型", "风险特征", "涉案金额", "通话时长", "备注"]
ROW = ["W-1", "2026-11-20 14:03", "张三", "13800138000", "11010519491231002X", "刷单返利", "屏幕共享", "5万", "95", ""]
SPLICES = ["", "\x00", "\ufeff", "：", "- ", ": ", "  ", "\t", "{", "}", "[", "]", "&a", "*a", "!!python/object:os.system",
           "!!binary", "%YAML 1.1", "---", "...", "'", '"', "\\", "\r\n", "𠮷", "=1+1", "1e309", "-.inf", "~", "null",
           "next: nowhere", "id: x", "extends: generic", "nodes: {}", "responses: []", "say: 你好", "\u2028"]
_FIXED_TIME = datetime.datetime(2026, 11, 20, 14, 3, 0)
_SCRIPT_FILES = sorted(p for p in DEFAULT_LIBRARY_DIR.glob("*.yaml") if not p.name.startswith("_"))


def mutate_bytes(rng: random.Random, data: bytes, rounds: int | None = None) -> bytes:
    """A handful of random edits: flip, insert, delete, duplicate a slice, splice text, truncate."""
    buf = bytearray(data)
    for _ in range(rounds if rounds is not None else rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(buf))
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del buf[pos:pos + rng.randint(1, 64)]
        elif op == 3:
            end = min(len(buf), pos + rng.randint(1, 200))
            buf[end:end] = buf[pos:end]
        elif op == 4:
            buf[pos:pos] = rng.choice(SPLICES).encode("utf-8")
        else:
            del buf[pos:]
    return bytes(buf)


def mutate_lines(rng: random.Random, text: str) -> str:
    """Structural edits on a text file: drop, double, swap, re-indent or splice lines."""
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        op = rng.randrange(5)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines[i] = " " * rng.randint(0, 9) + lines[i].lstrip(" ")
        else:
            cut = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:cut] + rng.choice(SPLICES) + lines[i][cut:]
    return "".join(lines)


def random_yaml_value(rng: random.Random, depth: int = 0) -> Any:
    keys = ["id", "title", "fraud_types", "profile_groups", "nodes", "start", "say", "responses", "next", "handlers",
            "objection", "extends", "key_action", "disposition", "signals", "steps", "label", "version", "x"]
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1, 2**70, 1.5, float("inf")])
    if kind in (1, 2, 3):
        return rng.choice([*SPLICES, "start", "generic", "dissuaded", "doubts_caller", "elderly", "fake_loan"])
    if kind == 4:
        return [random_yaml_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(keys): random_yaml_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def script_loader_case(rng: random.Random) -> tuple[str, bytes]:
    """(file name, content): a mutated real script, a mutated common file, or generated YAML."""
    choice = rng.randrange(4)
    if choice == 3:
        return COMMON_FILE, mutate_lines(rng, (DEFAULT_LIBRARY_DIR / COMMON_FILE).read_text(encoding="utf-8")).encode()
    source = rng.choice(_SCRIPT_FILES)
    if choice == 0:
        return source.name, mutate_lines(rng, source.read_text(encoding="utf-8")).encode("utf-8")
    if choice == 1:
        return source.name, mutate_bytes(rng, source.read_bytes())
    document = random_yaml_value(rng)
    if isinstance(document, dict) and rng.random() < 0.5:
        document.setdefault("id", source.stem)
    return source.name, yaml.safe_dump(document, allow_unicode=True).encode("utf-8")


def run_script_loader(rng: random.Random, scratch: Path) -> str:
    """Load a library where one file is hostile: either clean, or a list of issues; never a crash."""
    name, content = script_loader_case(rng)
    library_dir = scratch / "library"
    library_dir.mkdir(parents=True, exist_ok=True)
    for old in library_dir.iterdir():
        old.unlink()
    (library_dir / COMMON_FILE).write_bytes((DEFAULT_LIBRARY_DIR / COMMON_FILE).read_bytes())
    if b"extends" in content:  # the parent it names must be there to resolve against
        for parent in _SCRIPT_FILES:
            if parent.stem.encode() in content and parent.name != name:
                (library_dir / parent.name).write_bytes(parent.read_bytes())
    (library_dir / name).write_bytes(content)
    library, issues = read_library(library_dir)
    issues = issues + validate_library(library)
    for issue in issues:
        str(issue)  # every issue must render as a message
    return "issues" if issues else "clean"


def _csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def _xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:  # a real export cannot hold control characters: the writer refuses them
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    book.properties.created = _FIXED_TIME
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip_times(out.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """The same archive with every entry stamped at one fixed time.

    A saved workbook carries the current time (document properties and zip entries); a mutation at a
    given offset must hit the same byte on every run, or a seed would not reproduce its input.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # the writer stamps "modified" itself at save time
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-20T14:03:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def _random_cell(rng: random.Random) -> Any:
    return rng.choice([None, "", 0, -1, 1.5, 13800138000, "13800138000", "=cmd|'/C calc'!A0", "２０２６年", "5万",
                       "\x00", "\u3000", "张" * rng.randint(1, 300), rng.random(), "2026-02-30", "1.38001E+10"])


def importer_case(rng: random.Random) -> tuple[str, bytes]:
    """(file name, content): random bytes, or a valid CSV / JSON / XLSX export mutated."""
    rows = [HEADERS] + [[_random_cell(rng) if rng.random() < 0.3 else v for v in ROW]
                        for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.2:
        rows.insert(0, ["某某县反诈中心预警推送清单"])
    kind = rng.randrange(8)
    if kind == 0:
        return rng.choice(["a.csv", "b.json", "c.xlsx", "d.txt"]), bytes(rng.randrange(256)
                                                                       for _ in range(rng.randint(0, 400)))
    if kind in (1, 2):
        data = _csv_bytes(rows, rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
        return "warnings.csv", data if kind == 1 else mutate_bytes(rng, data)
    if kind in (3, 4):
        records: Any = [dict(zip(HEADERS, r, strict=False)) for r in rows[1:]]
        if rng.random() < 0.5:
            records = {rng.choice(["data", "rows", "结果", "x"]): records}
        data = json.dumps(records, ensure_ascii=rng.random() < 0.5, default=str).encode("utf-8")
        return "warnings.json", data if kind == 3 else mutate_bytes(rng, data)
    data = _xlsx_bytes(rows)
    if kind == 5:
        return "warnings.xlsx", data
    return rng.choice(["warnings.xlsx", "warnings.csv"]), mutate_bytes(rng, data, rounds=rng.randint(1, 3))


def run_reader(rng: random.Random, scratch: Path) -> str:
    """Open a hostile export and read every row: rows, or a clear 'cannot read'; never a crash."""
    name, content = importer_case(rng)
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / name
    path.write_bytes(content)
    try:
        table = open_table(path)
        count = sum(1 for _ in table.rows)
    except UnreadableInput as exc:
        assert str(exc), "an unreadable file must say why"
        return "unreadable"
    finally:
        path.unlink()
    return "rows" if count else "empty"


# ---------------------------------------------------------------- bombs, at a small scale

SMALL_LIMITS = InputLimits(max_file_bytes=256 * 1024, max_json_bytes=64 * 1024, max_rows=50, max_columns=30,
                           max_cell_chars=512, max_line_bytes=4096, max_xlsx_inflated=1 << 20, max_xlsx_members=40,
                           max_shared_strings_bytes=64 * 1024, max_json_depth=8)


def _sheet_xml(rows: list[bytes], dimension: str = "") -> bytes:
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    return head + b"<sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


def _with_sheet(sheet: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx_bytes([HEADERS, ROW]))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    return out.getvalue()


def _inline_row(number: int, cells: list[str]) -> bytes:
    body = "".join(f'<c r="{chr(65 + i % 26)}{number}" t="inlineStr"><is><t>{c}</t></is></c>'
                   for i, c in enumerate(cells))
    return f'<row r="{number}">{body}</row>'.encode()


def bomb_case(rng: random.Random) -> tuple[str, bytes]:
    """A file near or over one of :data:`SMALL_LIMITS`: rows, columns, cell, line, depth, inflation."""
    limits = SMALL_LIMITS
    around = lambda bound: max(1, bound + rng.randint(-3, 3) * max(1, bound // 8))  # noqa: E731
    kind = rng.randrange(9)
    if kind == 0:  # CSV rows
        return "rows.csv", _csv_bytes([HEADERS] + [ROW] * around(limits.max_rows), "utf-8")
    if kind == 1:  # CSV columns
        return "wide.csv", _csv_bytes([HEADERS + ["x"] * around(limits.max_columns)] + [ROW], "utf-8")
    if kind == 2:  # CSV giant field, quoted over lines or on one line
        text = ("很" * around(limits.max_cell_chars)) if rng.random() < 0.5 else ("x" * 60 + "\n") * around(12)
        return "field.csv", _csv_bytes([HEADERS, ROW[:-1] + [text]], "utf-8")
    if kind == 3:  # JSON depth
        depth = around(limits.max_json_depth)
        return "deep.json", ("[" * depth + "]" * depth).encode()
    if kind == 4:  # JSON value length and record count
        records = [dict(zip(HEADERS, ROW, strict=True)) for _ in range(around(limits.max_rows))]
        records[0]["备注"] = "长" * around(limits.max_cell_chars)
        return "long.json", json.dumps(records, ensure_ascii=False).encode()
    if kind == 5:  # XLSX inflation
        sheet = _sheet_xml([b"<row/>" * around(limits.max_xlsx_inflated // 6)])
        return "inflate.xlsx", _with_sheet(sheet)
    if kind == 6:  # XLSX giant cell
        return "cell.xlsx", _with_sheet(_sheet_xml([_inline_row(1, HEADERS), _inline_row(2, ["A" * around(
            limits.max_cell_bytes)])]))
    if kind == 7:  # XLSX rows without a dimension, or a dimension that lies
        rows = [_inline_row(1, HEADERS)] + [_inline_row(n, list(ROW)) for n in range(2, around(limits.max_rows) + 2)]
        dimension = rng.choice(["", f"A1:J{rng.randint(1, 10**9)}", "A1:ZZZ9"])
        return "rows.xlsx", _with_sheet(_sheet_xml(rows, dimension))
    row = [_inline_row(1, HEADERS), f'<row r="{rng.randint(3, 10**8)}"/>'.encode()]  # a far-away empty row
    return "sparse.xlsx", _with_sheet(_sheet_xml(row))


def run_bomb(rng: random.Random, scratch: Path) -> str:
    """A bomb is refused clearly or read within every bound; never a crash, never past a limit."""
    name, content = bomb_case(rng)
    if rng.random() < 0.3:
        content = mutate_bytes(rng, content, rounds=rng.randint(1, 2))
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / name
    path.write_bytes(content)
    limits = SMALL_LIMITS
    try:
        table = open_table(path, limits)
        assert len(table.headers) <= limits.max_columns
        count = 0
        for row in table.rows:
            count += 1
            assert len(row.values) <= limits.max_columns + 1
            assert all(len(str(v)) <= limits.max_cell_chars for v in row.values.values() if isinstance(v, str))
        assert count <= limits.max_rows
    except UnreadableInput as exc:
        assert str(exc), "an unreadable file must say why"
        return "unreadable"
    finally:
        path.unlink()
    return "rows" if count else "empty"


# ---------------------------------------------------------------- mixed encodings

_LINE_ENCODINGS = ["utf-8", "utf-8", "gbk", "gb18030", "latin-1", "raw"]


def mixed_case(rng: random.Random) -> bytes:
    """A CSV whose lines are each in a random encoding (or random bytes), sometimes with a BOM."""
    rows = [HEADERS] + [[_random_cell(rng) if rng.random() < 0.2 else v for v in ROW] for _ in range(rng.randint(1, 8))]
    data = b"\xef\xbb\xbf" if rng.random() < 0.4 else b""
    for row in rows:
        line = ",".join("" if c is None else str(c).replace(",", " ").replace("\n", " ") for c in row) + "\r\n"
        encoding = rng.choice(_LINE_ENCODINGS) if row is not HEADERS else rng.choice(["utf-8", "gbk"])
        if encoding == "raw":
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 60))).replace(b"\n", b"") + b"\r\n"
        else:
            data += line.encode(encoding, errors="replace")
    return mutate_bytes(rng, data, rounds=1) if rng.random() < 0.2 else data


def run_mixed(rng: random.Random, scratch: Path) -> str:
    """Rows of a mixed-encoding CSV are decoded cleanly or handed on with their bytes, never garbled."""
    content = mixed_case(rng)
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / "mixed.csv"
    path.write_bytes(content)
    try:
        table = open_table(path)
        rows = list(table.rows)
    except UnreadableInput as exc:
        assert str(exc), "an unreadable file must say why"
        return "unreadable"
    finally:
        path.unlink()
    for row in rows:
        if row.undecodable is not None:
            assert row.undecodable and row.values == {}
            assert row.undecodable in content.replace(b"\xef\xbb\xbf", b"", 1)
        elif "\ufffd".encode() not in content:
            assert not any("\ufffd" in str(v) for v in row.values.values()), row
    return "quarantined" if any(r.undecodable is not None for r in rows) else ("rows" if rows else "empty")


TARGETS: dict[str, Callable[[random.Random, Path], str]] = {
    "script_loader": run_script_loader,
    "importer_readers": run_reader,
    "importer_bombs": run_bomb,
    "importer_mixed_encodings": run_mixed,
}
