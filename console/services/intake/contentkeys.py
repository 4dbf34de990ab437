"""The key of a file row's content: what the re-import check compares (see
:mod:`~console.services.intake.rowkeys`, which stores and looks the keys up).  No database here, so
the preparing worker computes keys too."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from console.services.intake.normalize import clean_text


@dataclass(frozen=True)
class RowKey:
    number: int
    content: str
    has_external_id: bool


def content_sha(values: dict[str, Any], columns: dict[str, str], undecodable: bytes | None = None) -> str:
    """A short hash of what a row says: its mapped fields, cleaned (or its bytes, if undecodable)."""
    if undecodable is not None:
        return hashlib.blake2b(b"\x00raw\x00" + undecodable, digest_size=16).hexdigest()
    return digest("\x1e".join(f"{field}\x1f{clean_text(values.get(header))}" for field, header in sorted(columns.items())))


def digest(text: str) -> str:
    """The key of a row's cleaned content, ``field\\x1fvalue`` pairs joined by ``\\x1e``."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def row_key(number: int, values: dict[str, Any], columns: dict[str, str], undecodable: bytes | None) -> RowKey:
    header = columns.get("external_id")
    has_external = header is not None and undecodable is None and bool(clean_text(values.get(header)))
    return RowKey(number, content_sha(values, columns, undecodable), has_external)
