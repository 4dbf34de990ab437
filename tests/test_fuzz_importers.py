"""Hostile export files never crash the readers or the importer: rows, or a clear 'cannot read'."""

from __future__ import annotations

import io
import random
import struct
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import (
    HEADERS,
    ROW,
    _xlsx_bytes,
    importer_case,
    mixed_case,
    run_bomb,
    run_mixed,
    run_reader,
)
from console.app.bootstrap import Database
from console.services.intake.importer import import_files
from console.services.intake.readers import UnreadableInput, open_table


@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False))
def test_mutated_exports_are_read_or_refused_clearly(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        assert run_reader(rng, Path(scratch)) in ("rows", "empty", "unreadable")


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False))
def test_bombs_are_refused_or_read_within_every_bound(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        assert run_bomb(rng, Path(scratch)) in ("rows", "empty", "unreadable")


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_mixed_encodings_are_never_read_garbled(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        assert run_mixed(rng, Path(scratch)) in ("rows", "empty", "unreadable", "quarantined")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_importing_mixed_encodings_keeps_exact_accounting(sqlite_db: Database, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "mixed.csv"
        path.write_bytes(mixed_case(rng))
        try:
            summary = import_files(sqlite_db.context(), [path])
        except UnreadableInput as exc:
            assert str(exc)
            return
    assert summary.rows == summary.imported + summary.merged + summary.rejected + summary.unchanged


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["a.csv", "a.json", "a.xlsx", "a.txt", "a"]))
def test_random_bytes_under_any_name(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        try:
            table = open_table(path)
            rows = list(table.rows)
        except UnreadableInput as exc:
            assert str(exc).startswith("文件“") or "找不到" in str(exc)
        else:
            assert all(row.number >= 1 for row in rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_importing_mutated_exports_keeps_exact_accounting(sqlite_db: Database, rng: random.Random) -> None:
    name, content = importer_case(rng)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        path.write_bytes(content)
        try:
            summary = import_files(sqlite_db.context(), [path])
        except UnreadableInput as exc:
            assert str(exc)
            return
    assert summary.rows == summary.imported + summary.merged + summary.rejected + summary.unchanged


def _damaged_workbook(damage: str) -> bytes:
    """A valid export whose zip structure is damaged the way the long fuzz run found."""
    data = bytearray(_xlsx_bytes([HEADERS, ROW, ROW]))
    name = b"xl/worksheets/sheet1.xml"
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:  # walk the central directory to the sheet
        central = data.index(b"PK\x01\x02", central + 4)
    local = struct.unpack_from("<I", data, central + 42)[0]
    if damage == "compression":  # a method zipfile does not know, in both headers
        struct.pack_into("<H", data, central + 10, 99)
        struct.pack_into("<H", data, local + 8, 99)
    elif damage == "version":  # needs a newer zip version than any reader supports
        struct.pack_into("<H", data, central + 6, 99)
    elif damage == "encrypted":
        struct.pack_into("<H", data, central + 8, data[central + 8] | 1)
        struct.pack_into("<H", data, local + 6, data[local + 6] | 1)
    elif damage == "truncated-directory":
        del data[central + 20:central + 60]
    return bytes(data)


@pytest.mark.parametrize("damage", ["compression", "version", "encrypted", "truncated-directory"])
def test_damaged_workbooks_are_refused_clearly(damage: str, tmp_path: Path) -> None:
    path = tmp_path / "warnings.xlsx"
    path.write_bytes(_damaged_workbook(damage))
    with pytest.raises(UnreadableInput, match="XLSX|工作表数据已损坏"):
        list(open_table(path).rows)


def test_a_seed_reproduces_the_same_hostile_input() -> None:
    """The long run reports crashes by seed; a workbook's bytes must not depend on the time of day."""
    assert importer_case(random.Random(10042)) == importer_case(random.Random(10042))
    with zipfile.ZipFile(io.BytesIO(_xlsx_bytes([HEADERS, ROW]))) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 20, 14, 3, 0)}
        assert b"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2026-11-20T14:03:00Z" in archive.read("docProps/core.xml")


OLD_FORMATS = Path(__file__).parent / "fixtures" / "intake"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["oldsheets.xls", "oldsheets.ods"]), st.randoms(use_true_random=False),
       st.sampled_from(["flip", "truncate", "zero", "splice"]), st.booleans())
def test_damaged_old_excel_and_opendocument_sheets_are_read_or_refused_clearly(
        name: str, rng: random.Random, damage: str, misnamed: bool) -> None:
    """Bytes of a real .xls / .ods flipped, cut, zeroed or repeated: rows, or one Chinese refusal;
    never a traceback, and never the process brought down by the parser."""
    data = bytearray((OLD_FORMATS / name).read_bytes())
    at = rng.randrange(len(data))
    if damage == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif damage == "truncate":
        del data[at:]
    elif damage == "zero":
        end = min(len(data), at + rng.randint(1, 512))
        data[at:end] = bytes(end - at)
    else:
        piece = data[at:at + rng.randint(1, 64)]
        data[at:at] = piece * rng.randint(1, 4)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ("预警" if misnamed else name)
        path.write_bytes(bytes(data))
        try:
            table = open_table(path)
            rows = list(table.rows)
        except UnreadableInput as exc:
            assert str(exc).startswith("文件“")
        else:
            assert all(row.number >= 1 for row in rows)
