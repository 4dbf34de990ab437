"""The import's common path: a whole chunk of rows normalised column by column.

:func:`prepare_rows` gives exactly what :func:`~console.services.intake.prepare.prepare_row` gives
row by row (the differential tests hold the two to identical databases), but each field's value is
normalised once per *distinct* value of its column in the chunk rather than once per row: fraud-type
labels, signal texts, sources, stations, amounts and times repeat down an export.  The same pure
functions do the work, so there is one rule for every field.  Rows the common path does not cover
(no phone column, a value that cannot be remembered) go through ``prepare_row`` itself.

:func:`row_keys` computes the re-import keys of a chunk from the same cleaned columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, TypeVar

from console.services.intake.contentkeys import RowKey, content_sha, digest
from console.services.intake.fields import FIELD_LABELS
from console.services.intake.normalize import (
    clean_text,
    normalise_phones,
    parse_amount,
    parse_duration,
    parse_fraud_type,
    parse_id_number,
    parse_signals,
    parse_time,
)
from console.services.intake.prepare import (
    _SOURCE_CODES,
    _WIDTH,
    Draft,
    Issue,
    Rejection,
    field_reason,
    json_safe,
    prepare_row,
)
from console.services.intake.readers import SourceRow

T = TypeVar("T")
_HASHABLE: Final = frozenset({str, int, float, bool, type(None), dt.datetime, dt.date, dt.time})


def mapped(fn: Callable[[Any], T], values: Sequence[Any]) -> list[T]:
    """``[fn(v) for v in values]`` with ``fn`` called once per distinct value.  Values are told apart
    by type as well (``1``, ``1.0``, ``True`` and ``"1"`` never share a result); values of other
    types are passed to ``fn`` one by one.  Results are shared between equal values, so ``fn`` must
    return immutable results."""
    types = set(map(type, values))
    if types <= {str, type(None)}:
        memo = {value: fn(value) for value in set(values)}
        return [memo[value] for value in values]
    results: list[T] = []
    typed: dict[tuple[type, Any], T] = {}
    for value in values:
        kind = type(value)
        if kind not in _HASHABLE or (kind is float and value != value):  # NaN is not equal to itself
            results.append(fn(value))
            continue
        key = (kind, value)
        found = typed.get(key, typed)
        if found is typed:
            found = typed[key] = fn(value)
        results.append(found)  # type: ignore[arg-type]
    return results


def _cut(name: str) -> Callable[[str], tuple[str, Issue | None]]:
    """A width-limited field's cleaned text, cut to its width, and the warning when cut (as
    ``prepare_row`` does)."""
    limit = _WIDTH[name]
    message = f"{FIELD_LABELS[name]}过长，已截取前 {limit} 个字"

    def cut(text: str) -> tuple[str, Issue | None]:
        if len(text) > limit:
            return text[:limit], Issue(name, message)
        return text, None

    return cut


def _clip(name: str) -> Callable[[Any], tuple[str, Issue | None]]:
    """:func:`_cut` of a cell not yet cleaned."""
    cut = _cut(name)

    def clip(value: Any) -> tuple[str, Issue | None]:
        return cut(clean_text(value))

    return clip


_CUTS: Final = {name: _cut(name) for name in _WIDTH}
_CLIPS: Final = {name: _clip(name) for name in _WIDTH}


def _received(zone: dt.tzinfo, now: dt.datetime) -> Callable[[Any], tuple[dt.datetime, Issue | None]]:
    def received(value: Any) -> tuple[dt.datetime, Issue | None]:
        moment = parse_time(value, zone)
        if moment is not None:
            return moment, None
        shown = clean_text(value)
        message = f"预警时间无法识别（{shown}），按导入时间记录" if shown else "未填写预警时间，按导入时间记录"
        return now, Issue("received_at", message)

    return received


def prepare_rows(rows: Sequence[SourceRow], field_columns: dict[str, str], *, default_source: str,
                 now: dt.datetime, zone: dt.tzinfo,
                 cleaned: dict[str, list[str]] | None = None) -> list[Draft | Rejection]:
    """``[prepare_row(...) for row in rows]``, worked out column by column (undecodable rows excluded
    by the caller).  ``cleaned``: columns of these very rows already passed through ``clean_text``
    (by :func:`row_keys`), by field; the text fields are then not cleaned again."""
    cleaned = cleaned or {}
    if "phone" not in field_columns:
        return [prepare_row(r.number, r.values, field_columns, default_source=default_source, now=now, zone=zone)
                for r in rows]
    count = len(rows)
    nothing: list[Any] = [None] * count

    def column(name: str) -> list[Any]:
        header = field_columns.get(name)
        return nothing if header is None else [r.values.get(header) for r in rows]

    def clipped(name: str) -> list[tuple[str, Issue | None]]:
        if name in cleaned:
            return mapped(_CUTS[name], cleaned[name])
        return mapped(_CLIPS[name], column(name))

    def cleaned_texts(name: str) -> list[str]:
        found = cleaned.get(name)
        return found if found is not None else mapped(clean_text, column(name))

    phones = mapped(normalise_phones, column("phone"))
    received = mapped(_received(zone, now), column("received_at"))
    today = now.astimezone(zone).date()
    ids = mapped(lambda v: parse_id_number(v, today), column("id_number"))
    fraud = mapped(parse_fraud_type, cleaned_texts("fraud_type"))
    amounts = mapped(parse_amount, column("amount"))
    durations = mapped(parse_duration, column("call_duration_s"))
    signal_texts = cleaned_texts("signals")
    signals = mapped(parse_signals, signal_texts)
    external, names, contacts = clipped("external_id"), clipped("name"), clipped("fraud_contact")
    addresses, stations, sources = clipped("address"), clipped("station"), clipped("source")
    notes = cleaned_texts("note")
    default_code = _SOURCE_CODES.get(default_source, default_source)

    results: list[Draft | Rejection] = []
    for i, row in enumerate(rows):
        raw = json_safe(row.values)
        phone = phones[i]
        if phone.primary is None:
            results.append(Rejection(row.number, raw, "phone", field_reason("phone", phone.problem)))
            continue
        issues: list[Issue] = []
        received_at, issue = received[i]
        if issue is not None:
            issues.append(issue)
        id_info = ids[i]
        if id_info.problem:
            issues.append(Issue("id_number", id_info.problem))
        fraud_type, problem = fraud[i]
        if problem:
            issues.append(Issue("fraud_type", problem))
        amount, problem = amounts[i]
        if problem:
            issues.append(Issue("amount", problem))
        duration, problem = durations[i]
        if problem:
            issues.append(Issue("call_duration_s", problem))
        # the width-limited fields warn in prepare_row's order: external id, name, contact, address,
        # station, source
        texts = (external[i], names[i], contacts[i], addresses[i], stations[i], sources[i])
        issues.extend(cut for _text, cut in texts if cut is not None)
        source_text = sources[i][0]
        results.append(Draft(
            number=row.number,
            raw=raw,
            external_id=external[i][0] or None,
            received_at=received_at,
            name=names[i][0],
            phone=phone.primary,
            other_phones=phone.others,
            id_info=id_info,
            fraud_type=fraud_type,
            fraud_contact=contacts[i][0],
            call_duration_s=duration,
            signals=signals[i],
            signals_text=signal_texts[i],
            amount=amount,
            address=addresses[i][0],
            station_hint=stations[i][0],
            source=_SOURCE_CODES.get(source_text, source_text) if source_text else default_code,
            note=notes[i],
            issues=issues,
        ))
    return results


def row_keys(rows: Sequence[SourceRow], columns: dict[str, str],
             cleaned: dict[str, list[str]] | None = None) -> dict[int, RowKey]:
    """``{row.number: row_key(...)}`` of a chunk, each field cleaned once per distinct value.  The
    cleaned columns are left in ``cleaned`` (by field), for :func:`prepare_rows`."""
    ordered = sorted(columns.items())
    by_field = {field: mapped(clean_text, [r.values.get(header) for r in rows]) for field, header in ordered}
    if cleaned is not None:
        cleaned.update(by_field)
    labelled: list[list[str]] = []
    for field, _header in ordered:
        label = f"{field}\x1f"
        labelled.append([label + value for value in by_field[field]])
    external = by_field.get("external_id")
    rows_parts: Iterable[tuple[str, ...]] = zip(*labelled, strict=True) if labelled else [()] * len(rows)
    keys: dict[int, RowKey] = {}
    for i, (row, parts) in enumerate(zip(rows, rows_parts, strict=True)):
        if row.undecodable is not None:
            keys[row.number] = RowKey(row.number, content_sha(row.values, columns, row.undecodable), False)
            continue
        keys[row.number] = RowKey(row.number, digest("\x1e".join(parts)), external is not None and bool(external[i]))
    return keys
