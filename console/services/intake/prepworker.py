"""Prepare an import file's chunks in a second process while the importer writes.

Reading and normalising a row costs about as much Python work as matching and writing it, and
Python runs one thread at a time: on a machine with two cores, a large file imports nearly twice as
fast when a worker process reads the file and prepares its rows (re-import keys, drafts, JSON texts,
scores: :func:`~console.services.intake.chunkprep.prepare_chunk`, the very function the importer
uses in-process) while the importing process matches and writes the chunk before.  Everything that
depends on the database (merges, persons, ids) stays in the importing process, in file order.

The worker is ``python -m console.services.intake.prepworker``; it reads one job from its stdin and
writes length-prefixed frames to its stdout: ``opened`` once it has read the header (the importer
reads the file itself when the worker found another file there), blocks of prepared rows as plain
tuples (unpickling dataclasses costs more than building them), then ``end``; a file that turns out unreadable part way
is reported as ``unreadable`` with the reader's own message, at the row where it happened, so the
import fails exactly as it does in-process.  The worker stops when its output pipe closes: an
importer that is killed takes its worker with it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import gc
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final

from console.services.core.triage_settings import TriageSettings
from console.services.intake.chunkprep import PreparedChunk, Preparer, Scored, prepare_chunk
from console.services.intake.contentkeys import RowKey
from console.services.intake.limits import UnreadableInput
from console.services.intake.normalize import IdResult
from console.services.intake.prepare import Draft, Issue, Profile, Rejection, derive_profile
from console.services.intake.readers import SourceRow, open_table
from console.services.triage.scoring import TriageInput, TriageResult, TriageScorer

BLOCK_ROWS: Final = 1000  # rows per frame; the importer's chunks are whole numbers of blocks
MIN_FILE_BYTES: Final = 1 << 20  # smaller files are prepared in-process: a worker's start-up costs more
_PIPE_BYTES: Final = 1 << 20  # a larger pipe lets the worker run a block further ahead
_LENGTH: Final = struct.Struct("<Q")
_FRAMES_AHEAD: Final = 8  # blocks read ahead at most (~1.5 MB each): memory stays bounded

log = logging.getLogger(__name__)


class WorkerLost(RuntimeError):
    """The preparing worker ended without finishing the file (killed, out of memory, a bug)."""


@dataclass(frozen=True)
class PrepJob:
    """What the worker needs: the file and how to read it, and the import's preparation settings."""

    path: str
    fast: bool
    skip: int  # data rows already imported by the batch being resumed
    headers: list[str]  # as the importer read them: the worker checks it reads the same
    field_columns: dict[str, str]  # field -> header, the operator's mapping applied
    default_source: str
    now: dt.datetime
    zone: dt.tzinfo
    keyed: bool
    json_text: bool
    triage: TriageSettings
    today: dt.date
    block_rows: int = BLOCK_ROWS


# ---------------------------------------------------------------- the wire format of a block


def encode_block(chunk: PreparedChunk) -> tuple[Any, ...]:
    """A prepared block as tuples of plain values (see :func:`decode_block`)."""
    rows = [(row.number, row.undecodable) for row in chunk.rows]
    keys = [(k.number, k.content, k.has_external_id) for k in chunk.keys.values()]
    prepared: list[tuple[Any, ...]] = []
    scored = chunk.scored
    for number, item in chunk.prepared.items():
        if isinstance(item, Rejection):
            prepared.append((number, item.raw, item.field, item.reason))
            continue
        i = item.id_info
        ahead = scored.get(number)
        score = None if ahead is None else (ahead.triage.age, ahead.result.score, ahead.result.level,
                                            ahead.result.reasons, ahead.result.deadline_at, ahead.reasons_text)
        prepared.append((
            number, item.raw_text, item.issues_text, item.external_id, item.received_at, item.name, item.phone,
            item.other_phones, (i.number, i.flag, i.birth_date, i.sex, i.problem), item.fraud_type,
            item.fraud_contact, item.call_duration_s, item.signals, item.signals_text,
            None if item.amount is None else str(item.amount), item.address, item.station_hint, item.source,
            item.note, [(issue.field, issue.message) for issue in item.issues], score,
        ))
    return rows, keys, prepared


def decode_block(block: tuple[Any, ...]) -> PreparedChunk:
    """The :class:`PreparedChunk` :func:`encode_block` was given (a draft's ``raw`` travels as its
    JSON text only: the importer writes that text)."""
    rows_in, keys_in, prepared_in = block
    rows = [SourceRow(number, {}, undecodable) for number, undecodable in rows_in]
    keys = {number: RowKey(number, content, external) for number, content, external in keys_in}
    chunk = PreparedChunk(rows, keys)
    prepared, scored = chunk.prepared, chunk.scored
    for item in prepared_in:
        if len(item) == 4:
            prepared[item[0]] = Rejection(*item)
            continue
        (number, raw_text, issues_text, external_id, received_at, name, phone, other_phones, id_parts, fraud_type,
         fraud_contact, duration, signals, signals_text, amount, address, station, source, note, issues,
         score) = item
        amount_value = None if amount is None else Decimal(amount)
        draft = Draft(number, {}, external_id, received_at, name, phone, other_phones, IdResult(*id_parts),
                      fraud_type, fraud_contact, duration, signals, signals_text, amount_value, address, station,
                      source, note, [Issue(f, m) for f, m in issues], raw_text, issues_text)
        prepared[number] = draft
        if score is not None:
            age, points, level, reasons, deadline, reasons_text = score
            triage = TriageInput(fraud_type, signals, amount_value, duration, age, False, False, 0, received_at)
            scored[number] = Scored(triage, TriageResult(points, level, reasons, deadline), reasons_text)
    return chunk


# ---------------------------------------------------------------- frames


def _write_frame(out: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def _read_exact(source: IO[bytes], size: int) -> bytes | None:
    parts: list[bytes] = []
    left = size
    while left:
        part = source.read(left)
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _read_frame_bytes(source: IO[bytes]) -> bytes | None:
    """The next frame's pickled message, or None at the end of the pipe."""
    head = _read_exact(source, _LENGTH.size)
    if head is None:
        return None
    (size,) = _LENGTH.unpack(head)
    return _read_exact(source, size)


# ---------------------------------------------------------------- the worker process


def run_job(job: PrepJob, out: IO[bytes]) -> None:
    """Read the job's file and write its prepared blocks to ``out`` (the worker's whole work)."""
    try:
        table = open_table(Path(job.path), fast=job.fast)
    except UnreadableInput:
        _write_frame(out, ("opened", False))  # the importer opened it: it reads the file itself
        return
    if table.headers != job.headers:  # the file was replaced since the importer opened it
        _write_frame(out, ("opened", False))
        return
    _write_frame(out, ("opened", True))
    today = job.today

    @functools.cache
    def profile(birth_date: dt.date | None) -> Profile:  # PersonIndex.profile, without the database
        return derive_profile(birth_date, today)

    preparer = Preparer(job.default_source, job.now, job.zone, job.keyed, job.json_text,
                        TriageScorer(job.triage, job.now), profile)
    rows = islice(table.rows, job.skip, None) if job.skip else table.rows
    try:
        while block := list(islice(rows, job.block_rows)):
            prepared = prepare_chunk(block, job.field_columns, preparer)
            _write_frame(out, ("block", encode_block(prepared)))
    except UnreadableInput as exc:
        _write_frame(out, ("unreadable", str(exc)))
        return
    _write_frame(out, ("end", _peak_rss_kib()))


def _peak_rss_kib() -> int:
    """This process's peak resident memory (``VmHWM``, which starts afresh at ``exec``), 0 if unknown."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    """The worker's entry point: a job on stdin, frames on stdout, nothing else on stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() must not corrupt the frames
    gc.disable()  # a short-lived process that makes almost no reference cycles
    try:
        job = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by the importer that started us
        run_job(job, out)
    except BrokenPipeError:
        return 0  # the importer went away: nothing left to do
    except Exception as exc:  # noqa: BLE001 - reported to the importer, which logs and fails the batch
        with contextlib.suppress(OSError):
            _write_frame(out, ("failed", type(exc).__name__))
        return 1
    finally:
        with contextlib.suppress(OSError):
            out.close()
    return 0


# ---------------------------------------------------------------- the importer's side


class PrepWorker:
    """A running worker for one file, seen by the importer as an iterator of prepared chunks."""

    def __init__(self, job: PrepJob) -> None:
        root = str(Path(__file__).resolve().parents[3])  # the directory that holds the console package
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "console.services.intake.prepworker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._out = self._process.stdout
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._out.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=_FRAMES_AHEAD)
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None
        try:
            pickle.dump(job, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.close()
        except OSError as exc:
            self.close()
            raise WorkerLost("the preparing worker did not take its job") from exc
        # Frames are drained from the pipe as the worker writes them, so it never waits for the
        # importer to finish a chunk (reading a pipe releases the GIL).
        self._reader = threading.Thread(target=self._drain, name="import-prepare-reader", daemon=True)
        self._reader.start()
        self._ended = False
        self.peak_rss_kib = 0  # the worker's own peak, reported when it finishes the file

    def _drain(self) -> None:
        try:
            while not self._stopping.is_set():
                frame = _read_frame_bytes(self._out)
                self._put(frame)
                if frame is None:
                    return
        except (OSError, ValueError):  # the pipe was closed under us: close() is stopping the worker
            self._put(None)

    def _put(self, frame: bytes | None) -> None:
        while not self._stopping.is_set():
            try:
                self._frames.put(frame, timeout=0.2)
                return
            except queue.Full:
                continue

    def _next_message(self) -> tuple[Any, ...] | None:
        frame = self._frames.get()
        if frame is None:
            return None
        message = pickle.loads(frame)  # noqa: S301 - our own worker, over our own pipe
        assert isinstance(message, tuple)
        return message

    def opened(self) -> bool:
        """Whether the worker read the file the importer opened (the same headers) and goes on to
        prepare it; False: the worker has stopped and the importer reads the file itself."""
        message = self._next_message()
        return message is not None and message[0] == "opened" and bool(message[1])

    def chunks(self, rows_wanted: Callable[[], int]) -> Iterator[PreparedChunk]:
        """Prepared chunks of about ``rows_wanted()`` rows each (whole blocks), in file order."""
        pending: PreparedChunk | None = None
        while not self._ended:
            message = self._next_message()
            if message is None:
                code = self._process.wait()
                raise WorkerLost(f"the preparing worker ended with exit code {code}")
            kind = message[0]
            if kind == "block":
                block = decode_block(message[1])
                if pending is None:
                    pending = block
                else:
                    pending.extend(block)
                if len(pending.rows) >= rows_wanted():
                    yield pending
                    pending = None
                continue
            if kind == "end":
                self._ended = True
                self.peak_rss_kib = int(message[1]) if len(message) > 1 else 0
                break
            if pending is not None:  # what was read before the failure is written first, as in-process
                yield pending
                pending = None
            if kind == "unreadable":
                raise UnreadableInput(str(message[1]))
            raise WorkerLost(f"the preparing worker failed: {message[1]}")
        if pending is not None:
            yield pending

    def close(self) -> None:
        """Stop the worker (if it is still running), reap it and its pipe reader."""
        self._stopping.set()
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=10)  # the pipe ends with the worker: the reader returns
        with contextlib.suppress(OSError):
            self._out.close()


def worth_a_worker(path: Path) -> bool:
    """Whether a file is large enough for a preparing worker to pay for its start-up."""
    try:
        return path.stat().st_size >= MIN_FILE_BYTES
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
