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


TARGETS: dict[str, Callable[[random.Random, Path], str]] = {
    "script_loader": run_script_loader,
    "importer_readers": run_reader,
}
