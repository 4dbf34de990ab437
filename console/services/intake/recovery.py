"""Find imports whose process died (kill -9, power cut) and let a re-import of the file resume them.

Every running batch names its process (host, pid and the process's start time) and records when it
last committed a chunk.  A batch still ``running`` whose process no longer exists on this host, or
(for another host) that has not committed for :data:`STALE_AFTER`, is marked ``interrupted`` and
audited.  Chunks commit with the batch counts, so an interrupted batch holds exactly its first
``rows`` rows; importing the same file again continues from the next one.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from console.services.core import audit
from console.services.core.context import ServiceContext
from db.models import ImportBatch

STALE_AFTER = dt.timedelta(minutes=15)


def _start_ticks(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


@lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname()[:80]


def worker_id() -> str:
    """This process as a batch records it: host:pid:start."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid) or ''}"


def worker_alive(worker: str, heartbeat: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the process named ``worker`` may still be importing.  On this host the process table
    answers; for another host (or no ``/proc``) only a recent heartbeat keeps a batch alive."""
    parts = worker.rsplit(":", 2)
    if len(parts) == 3 and parts[0] == _host() and Path("/proc/self/stat").exists():
        pid, start = parts[1], parts[2]
        return pid.isdigit() and _start_ticks(int(pid)) == start
    return heartbeat is not None and now - heartbeat < STALE_AFTER


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def recover_interrupted(ctx: ServiceContext) -> list[int]:
    """Mark running batches whose process died as interrupted (audited); returns their ids."""
    now = wall_clock()
    found: list[int] = []
    with ctx.session() as session:
        running = session.execute(
            select(ImportBatch.id, ImportBatch.worker, ImportBatch.heartbeat_at, ImportBatch.started_at,
                   ImportBatch.rows, ImportBatch.file_name).where(ImportBatch.status == "running")
        ).all()
        for batch in running:
            if worker_alive(batch.worker, batch.heartbeat_at or batch.started_at, now):
                continue
            reason = (f"导入进程意外终止，已导入前 {batch.rows} 行；"
                      f"重新导入同一文件将从第 {batch.rows + 1} 行继续，已导入的行不会重复计算")
            done = session.execute(
                update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "running",
                                          ImportBatch.worker == batch.worker)
                .values(status="interrupted", error=reason, finished_at=ctx.now())
            )
            if getattr(done, "rowcount", 0) != 1:
                continue  # another seat recovered it first
            audit.record(session, ctx.actor, "import_interrupted", object_type="import_batch", object_id=batch.id,
                         reason=reason, details={"file": batch.file_name, "rows": batch.rows,
                                                 "status": "interrupted", "worker": batch.worker},
                         at=ctx.now())
            found.append(batch.id)
    return found


def resumable(session: Session, file_sha256: str) -> int | None:
    """The latest interrupted batch of this file, if any."""
    if not file_sha256:
        return None
    return session.scalar(
        select(ImportBatch.id).where(ImportBatch.status == "interrupted", ImportBatch.file_sha256 == file_sha256)
        .order_by(ImportBatch.id.desc()).limit(1)
    )
