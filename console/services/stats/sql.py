"""Portable SQL pieces for the statistics: local dates and hours, seconds between two timestamps.

The centre counts days in Asia/Shanghai.  Timestamps are stored in UTC (naive text on SQLite,
``timestamptz`` on PostgreSQL), so grouping by local day or hour is done in SQL with the zone's
offset (SQLite) or the zone itself (PostgreSQL).  Also the small pure helpers the statistics share:
the local-date range to UTC bounds, percentiles, rates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Text, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

TZ_NAME = "Asia/Shanghai"
LOCAL_TZ = ZoneInfo(TZ_NAME)


def utc_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC for the local dates ``date_from`` .. ``date_to`` (both included)."""
    start = dt.datetime.combine(date_from, dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    return start, end


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(LOCAL_TZ).date()


def _sqlite_offset(at: dt.datetime) -> str:
    offset = LOCAL_TZ.utcoffset(at.replace(tzinfo=None)) or dt.timedelta()
    return f"{int(offset.total_seconds()) // 60:+d} minutes"


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """``later - earlier`` in seconds, as a float expression."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def hours_since(dialect: str, column: Any, origin: dt.datetime) -> ColumnElement[Any]:
    """Whole hours from ``origin`` (a local midnight) to a UTC timestamp column: ``// 24`` is the local
    day index and ``% 24`` the local hour, as the centre's zone keeps one offset all year (no DST)."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column - origin) / 3600.0), Integer)
    return cast((func.julianday(column) - func.julianday(literal(origin.replace(tzinfo=None).isoformat(" ")))) * 24.0,
                Integer)


def local_day(dialect: str, column: Any, at: dt.datetime) -> ColumnElement[Any]:
    """The local date of a UTC timestamp column as 'YYYY-MM-DD' text."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(TZ_NAME, column), "YYYY-MM-DD")
    return cast(func.date(column, literal(_sqlite_offset(at))), Text)


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
