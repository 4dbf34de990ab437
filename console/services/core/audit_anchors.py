"""The audit chain's head kept outside the database: a signing key and an append-only anchor file.

The chain in ``audit_events`` proves that entries were not changed *relative to each other*, but
anyone who can write the table can delete its tail or rewrite it and recompute every hash with the
public formula.  So each committed head (entry id and hash) is also appended to a file outside the
database, signed with an HMAC whose key lives in a 0600 file that only the owner of the data holds
(``audit.key`` in the data directory, or the file named by ``DISSUADE_AUDIT_KEY``).  Verification
then checks that every signed head is still in the table with the same hash.

On SQLite the console that writes the entries is the owner, so the key is created on first use.
On PostgreSQL the key is created by ``dissuade db upgrade`` on the administrator's machine; seats
without it write no anchors (there the grants and a trigger forbid UPDATE/DELETE on the table).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from db.engine import PRIVATE_FILE_MODE, data_dir, private_dir

ENV_AUDIT_KEY = "DISSUADE_AUDIT_KEY"
KEY_BYTES = 32


@dataclass(frozen=True)
class Anchor:
    """One signed head: entry ``entry_id`` had hash ``entry_hash`` when it was committed."""

    entry_id: int
    entry_hash: str


@dataclass(frozen=True)
class AnchorLog:
    """What the anchor file says about one database; ``forged_lines`` counts lines with a bad MAC."""

    anchors: dict[int, str]
    forged_lines: int
    lines: int

    @property
    def head(self) -> Anchor | None:
        if not self.anchors:
            return None
        last = max(self.anchors)
        return Anchor(last, self.anchors[last])


def key_path() -> Path:
    override = os.environ.get(ENV_AUDIT_KEY)
    return Path(override).expanduser() if override else data_dir() / "audit.key"


_key_cache: dict[Path, tuple[int, bytes | None]] = {}  # path -> (mtime_ns, key): one read per change


def load_key(*, create: bool = False) -> bytes | None:
    """The signing key, or None when this machine does not hold it (created 0600 if ``create``)."""
    path = key_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return _create_key(path) if create else None
    except OSError:
        return None
    cached = _key_cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    key = _read_key(path)
    _key_cache[path] = (stamp, key)
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return key if len(key) >= 16 else None


def _create_key(path: Path) -> bytes | None:
    if not path.parent.exists():
        private_dir(path.parent)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    except FileExistsError:  # another process made it first: use theirs
        return load_key()
    except OSError:
        return None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def database_identity(url: URL) -> str:
    """A stable name for one database (file path, or server and database name), never the password."""
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        place = str(Path(database).resolve()) if database and database != ":memory:" else database
        return f"sqlite:{place}"
    return f"{url.get_backend_name()}:{url.host or 'localhost'}:{url.port or 5432}:{url.database}"


def anchor_path(identity: str) -> Path:
    folder = private_dir(data_dir() / "audit-anchors")
    return folder / f"{hashlib.sha256(identity.encode()).hexdigest()[:20]}.log"


def _mac(key: bytes, identity: str, entry_id: int, entry_hash: str) -> str:
    message = f"{identity}|{entry_id}|{entry_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def append_anchor(key: bytes, identity: str, anchor: Anchor) -> None:
    """Append one signed head (O_APPEND: lines from several processes never mix)."""
    line = f"{anchor.entry_id} {anchor.entry_hash} {_mac(key, identity, anchor.entry_id, anchor.entry_hash)}\n"
    path = anchor_path(identity)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, PRIVATE_FILE_MODE)
    try:
        os.write(fd, line.encode("ascii"))
    finally:
        os.close(fd)


def read_anchors(key: bytes, identity: str) -> AnchorLog:
    path = anchor_path(identity)
    anchors: dict[int, str] = {}
    forged = lines = 0
    with contextlib.suppress(FileNotFoundError):
        for raw in path.read_text(encoding="ascii", errors="replace").splitlines():
            parts = raw.split()
            if not parts:
                continue
            lines += 1
            if len(parts) != 3 or not parts[0].isdigit():
                forged += 1
                continue
            entry_id, entry_hash, mac = int(parts[0]), parts[1], parts[2]
            if not hmac.compare_digest(mac, _mac(key, identity, entry_id, entry_hash)):
                forged += 1
                continue
            anchors[entry_id] = entry_hash
    return AnchorLog(anchors, forged, lines)


def has_anchor_file(identity: str) -> bool:
    path = anchor_path(identity)
    return path.exists() and path.stat().st_size > 0
