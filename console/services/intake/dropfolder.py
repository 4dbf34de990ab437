"""A watched drop folder: every export file put there is imported, then moved, never deleted.

Files that imported (even with rejected rows) move to ``processed/``; files that could not be read
move to ``failed/`` with a ``.原因.txt`` note beside them.  A file still being written (its size or
time changed since the last look) waits for the next scan.  Excel's lock files (``~$…``), hidden
files and partial downloads are ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from console.services.core.context import ServiceContext
from console.services.intake.importer import ImportSummary, import_files
from console.services.intake.readers import UnreadableInput
from db.engine import data_dir

log = logging.getLogger(__name__)

ENV_DROP_DIR = "DISSUADE_DROP_DIR"
PROCESSED = "processed"
FAILED = "failed"
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".txt")


def default_drop_folder() -> Path:
    """``DISSUADE_DROP_DIR`` if set, else ``drop/`` in the user data directory."""
    override = os.environ.get(ENV_DROP_DIR)
    return Path(override).expanduser() if override else data_dir() / "drop"


@dataclass(frozen=True)
class DropResult:
    file_name: str
    moved_to: Path
    summary: ImportSummary | None
    error: str = ""


@dataclass
class DropWatcher:
    """Scans one folder; remembers sizes between scans so half-written files wait."""

    folder: Path
    source: str = ""
    settle: bool = False  # True in the watch loop: import a file only once it stopped changing
    _seen: dict[Path, tuple[int, float]] = field(default_factory=dict)

    def prepare(self) -> None:
        for name in (PROCESSED, FAILED):
            (self.folder / name).mkdir(parents=True, exist_ok=True)

    def candidates(self) -> list[Path]:
        files = []
        for path in sorted(self.folder.iterdir()):
            name = path.name
            if not path.is_file() or name.startswith((".", "~$")) or name.lower().endswith(IGNORED_SUFFIXES):
                continue
            files.append(path)
        return files

    def _settled(self, path: Path) -> bool:
        stat = path.stat()
        signature = (stat.st_size, stat.st_mtime)
        previous = self._seen.get(path)
        self._seen[path] = signature
        return not self.settle or previous == signature

    def scan_once(self, ctx: ServiceContext) -> list[DropResult]:
        self.prepare()
        results = []
        for path in self.candidates():
            if not self._settled(path):
                continue
            results.append(self._import(ctx, path))
            self._seen.pop(path, None)
        return results

    def _import(self, ctx: ServiceContext, path: Path) -> DropResult:
        try:
            summary = import_files(ctx, [path], source=self.source)
        except UnreadableInput as exc:
            target = _move(path, self.folder / FAILED, ctx.now())
            target.with_name(target.name + ".原因.txt").write_text(str(exc) + "\n", encoding="utf-8")
            log.warning("drop folder: %s", exc)
            return DropResult(path.name, target, None, str(exc))
        target = _move(path, self.folder / PROCESSED, ctx.now())
        return DropResult(path.name, target, summary)

    def watch(
        self,
        ctx: ServiceContext,
        *,
        interval_s: float = 5.0,
        should_stop: Callable[[], bool] = lambda: False,
        on_result: Callable[[DropResult], None] = lambda _r: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Scan until ``should_stop()``; a failure on one file never stops the loop."""
        self.settle = True
        while not should_stop():
            try:
                for result in self.scan_once(ctx):
                    on_result(result)
            except Exception:  # noqa: BLE001 - keep watching; the error is logged for the administrator
                log.exception("drop folder scan failed")
            sleep(interval_s)


def _move(path: Path, directory: Path, now: dt.datetime) -> Path:
    """Move without overwriting: a name already taken gets the import time appended."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / path.name
    if target.exists():
        stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
        target = directory / f"{path.stem}.{stamp}{path.suffix}"
        counter = 2
        while target.exists():
            target = directory / f"{path.stem}.{stamp}-{counter}{path.suffix}"
            counter += 1
    shutil.move(str(path), str(target))
    return target
