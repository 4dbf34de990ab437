"""Personal data at rest: the data directory is 0700, the database, drafts, outbox and exports 0600,
and a second OS user (``nobody``) cannot read any of them."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from console.app.bootstrap import open_database
from console.services.calls import drafts
from console.services.core.context import SYSTEM
from console.services.people.export import Table, export_table
from console.services.reports.daily import build_daily_report
from db.engine import data_dir

NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_place() -> Iterator[Path]:
    """A world-traversable folder (0755) such as a home directory, so only our own modes protect."""
    place = Path(tempfile.mkdtemp(prefix="dissuade-modes-"))
    place.chmod(0o755)
    yield place
    shutil.rmtree(place, ignore_errors=True)


def test_data_directory_is_private_and_an_old_0755_one_is_tightened(open_place: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = open_place / "fresh" / "data"
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(fresh))
    assert data_dir() == fresh and _mode(fresh) == 0o700
    assert _mode(fresh.parent) == 0o700  # created by us as well
    old = open_place / "old"
    old.mkdir(mode=0o755)
    old.chmod(0o755)
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(old))
    assert _mode(data_dir()) == 0o700


def test_sqlite_database_and_its_wal_and_shm_are_0600(open_place: Path) -> None:
    path = open_place / "console.sqlite3"
    db = open_database(f"sqlite:///{path}")
    try:
        with db.engine.begin() as conn:  # a write keeps -wal and -shm on disk while connected
            conn.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            conn.execute(text("INSERT INTO probe VALUES (1)"))
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        db.dispose()


def test_an_old_world_readable_database_is_tightened_on_open(open_place: Path) -> None:
    path = open_place / "old.sqlite3"
    db = open_database(f"sqlite:///{path}")
    db.dispose()
    path.chmod(0o644)
    db = open_database(f"sqlite:///{path}")
    db.dispose()
    assert _mode(path) == 0o600


def test_drafts_outbox_exports_and_reports_are_0600(sqlite_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "fresh-drafts"
    draft = drafts.new_draft("op1", 7, None, NOW)
    drafts.save_draft(draft, root=root, now=NOW)
    (saved,) = list(root.rglob("*.json"))
    assert _mode(saved) == 0o600 and _mode(saved.parent) == 0o700 and _mode(root) == 0o700
    exported = export_table(sqlite_db.context(SYSTEM), tmp_path / "out" / "list.xlsx",
                            Table(headers=["姓名", "电话"], rows=[["张三", "13912345678"]], title="名单",
                                  pii_columns={0: "name", 1: "phone"}))
    assert _mode(Path(exported.path)) == 0o600
    report = build_daily_report(sqlite_db.context(SYSTEM), NOW.date(), tmp_path / "daily.pdf")
    assert _mode(Path(report.path)) == 0o600


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root to switch user")
def test_a_second_os_user_cannot_read_the_database_or_the_data_directory(open_place: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = open_place / "data"
    monkeypatch.setenv("DISSUADE_DATA_DIR", str(folder))
    db = open_database(f"sqlite:///{data_dir() / 'dissuade.sqlite3'}")
    db.dispose()
    loose = open_place / "elsewhere.sqlite3"  # even a database outside the data directory
    open_database(f"sqlite:///{loose}").dispose()
    for target in (folder / "dissuade.sqlite3", loose):
        probe = subprocess.run(["runuser", "-u", "nobody", "--", "head", "-c", "16", str(target)],
                               capture_output=True, text=True, timeout=30)
        assert probe.returncode != 0 and "Permission denied" in probe.stderr, target
    listing = subprocess.run(["runuser", "-u", "nobody", "--", "ls", str(folder)], capture_output=True, text=True,
                             timeout=30)
    assert listing.returncode != 0 and "Permission denied" in listing.stderr
    # the control: the same user can read a file we did not protect
    control = open_place / "public.txt"
    control.write_text("x")
    control.chmod(0o644)
    assert subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(control)], capture_output=True,
                          timeout=30).returncode == 0
