"""Hostile export files never crash the readers or the importer: rows, or a clear 'cannot read'."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import importer_case, run_reader
from console.bootstrap import Database
from console.services.intake.importer import import_files
from console.services.intake.readers import UnreadableInput, open_table


@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False))
def test_mutated_exports_are_read_or_refused_clearly(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        assert run_reader(rng, Path(scratch)) in ("rows", "empty", "unreadable")


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
    assert summary.rows == summary.imported + summary.merged + summary.rejected


@pytest.mark.parametrize("seed", [10042, 12106, 16243, 19328])
def test_damaged_workbooks_found_by_the_long_run_are_refused_clearly(seed: int, tmp_path: Path) -> None:
    """Archives with an unknown compression method, zip version or a truncated directory."""
    assert run_reader(random.Random(seed), tmp_path) == "unreadable"
