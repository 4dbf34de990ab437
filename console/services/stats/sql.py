"""Portable SQL pieces for the statistics: local dates and hours, seconds between two timestamps.

The centre counts days in its own time zone (``ctx.centre_clock``, from the centre settings).
Timestamps are stored in UTC (naive text on SQLite, ``timestamptz`` on PostgreSQL), so grouping by
local day or hour is done in SQL with the zone's offset (SQLite) or the zone itself (PostgreSQL).
Also the small pure helpers the statistics share: percentiles, rates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Text, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from console.services.core.clock import CentreClock


def _sqlite_offset(clock: CentreClock, at: dt.datetime) -> str:
    offset = clock.utc_offset(at)
    return f"{int(offset.total_seconds()) // 60:+d} minutes"


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """``later - earlier`` in seconds, as a float expression."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def hours_since(dialect: str, column: Any, origin: dt.datetime) -> ColumnElement[Any]:
    """Whole hours from ``origin`` (a local midnight) to a UTC timestamp column: ``// 24`` is the local
    day index and ``% 24`` the local hour while the zone keeps one offset over the range (Asia/Shanghai
has no daylight saving time; in a zone that has, a range across the change is off by that hour)."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column - origin) / 3600.0), Integer)
    return cast((func.julianday(column) - func.julianday(literal(origin.replace(tzinfo=None).isoformat(" ")))) * 24.0,
                Integer)


def local_day(dialect: str, column: Any, at: dt.datetime, clock: CentreClock) -> ColumnElement[Any]:
    """The centre's local date of a UTC timestamp column as 'YYYY-MM-DD' text."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(clock.name, column), "YYYY-MM-DD")
    return cast(func.date(column, literal(_sqlite_offset(clock, at))), Text)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile (q in 0..1) of already sorted values; None when empty."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    pos = (len(values) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(values) - 1)
    return float(values[low] + (values[high] - values[low]) * (pos - low))


def rate(part: int, whole: int) -> float | None:
    """A share rounded to four decimals (0.1234 = 12.34 %); None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def round_opt(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
