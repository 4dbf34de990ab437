"""Which file rows were imported before, so importing them again is a no-op and not a repeat.

A row counts as already imported when the same file (by SHA-256) was imported with that row, or
when an earlier batch imported a row with the same external id and the same content (the mapped
fields, cleaned).  Keys are written in the chunk's own transaction, together with the warnings and
the batch counts, so a crash never leaves a row imported without its key or the reverse.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.intake.bulk import insert_columns
from console.services.intake.contentkeys import RowKey
from console.services.intake.inlist import among
from db.models import ImportedRow


def known_rows(session: Session, file_sha256: str, keys: list[RowKey], batch_id: int) -> set[int]:
    """Numbers of the rows in ``keys`` that an earlier import already took in."""
    if not keys:
        return set()
    dialect = session.get_bind().dialect.name
    found = set(session.connection().scalars(
        select(ImportedRow.row_number).where(ImportedRow.file_sha256 == file_sha256,
                                             among(ImportedRow.row_number, {k.number for k in keys}, dialect))
    ))
    contents = {k.content for k in keys if k.has_external_id and k.number not in found}
    if contents:
        seen = set(session.connection().scalars(
            select(ImportedRow.content_sha).where(among(ImportedRow.content_sha, contents, dialect),
                                                  ImportedRow.batch_id != batch_id)
        ))
        found |= {k.number for k in keys if k.has_external_id and k.content in seen}
    return found


def remember_rows(session: Session, file_sha256: str, batch_id: int, rows: list[tuple[RowKey, str]]) -> None:
    """Store the keys of rows this chunk imported, merged or rejected (``(key, outcome)`` pairs)."""
    if rows:
        insert_columns(session, ImportedRow, {
            "row_number": [key.number for key, _outcome in rows],
            "content_sha": [key.content for key, _outcome in rows],
            "outcome": [outcome for _key, outcome in rows],
        }, {"batch_id": batch_id, "file_sha256": file_sha256})
