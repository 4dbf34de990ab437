"""The centre's clock: stored UTC times shown, printed and counted in the centre's time zone.

Timestamps are stored in UTC.  Whatever the PC's own zone is, every view, report and day boundary
uses the zone in the centre settings (``centre.time_zone``, default Asia/Shanghai) through one
:class:`CentreClock`, reached as ``ctx.centre_clock``.  Nothing here reads the process's local zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_FORMAT = "%Y-%m-%d %H:%M"
# How reports name a zone; any other zone is named by its key (e.g. "Asia/Urumqi").
ZONE_LABELS = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "PRC": "北京时间"}


@dataclass(frozen=True)
class CentreClock:
    zone: ZoneInfo

    @property
    def name(self) -> str:
        return self.zone.key

    @property
    def label(self) -> str:
        """The zone as printed on reports: 北京时间 for China Standard Time."""
        return ZONE_LABELS.get(self.zone.key, self.zone.key)

    def local(self, value: dt.datetime) -> dt.datetime:
        """``value`` in the centre's zone; a naive value is taken as UTC (as stored)."""
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(self.zone)

    def format(self, value: dt.datetime | None, fmt: str = DEFAULT_FORMAT) -> str:
        """The local wall time as text; empty for None."""
        return "" if value is None else self.local(value).strftime(fmt)

    def today(self, now: dt.datetime) -> dt.date:
        """The centre's calendar date at ``now``."""
        return self.local(now).date()

    def at(self, day: dt.date, time: dt.time = dt.time()) -> dt.datetime:
        """The UTC instant of a local wall time (local midnight by default)."""
        return dt.datetime.combine(day, time, self.zone).astimezone(dt.UTC)

    def assume_local(self, value: dt.datetime) -> dt.datetime:
        """A naive wall time read as the centre's (an aware one is kept), in UTC."""
        aware = value if value.tzinfo is not None else value.replace(tzinfo=self.zone)
        return aware.astimezone(dt.UTC)

    def utc_bounds(self, date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in UTC for the local dates ``date_from`` .. ``date_to`` (both included)."""
        return self.at(date_from), self.at(date_to + dt.timedelta(days=1))

    def utc_offset(self, at: dt.datetime) -> dt.timedelta:
        """The zone's offset from UTC at the instant ``at``."""
        return self.local(at).utcoffset() or dt.timedelta()


def centre_clock(time_zone: str) -> CentreClock:
    """The clock of a zone by name (zoneinfo keeps one zone object per name)."""
    return CentreClock(ZoneInfo(time_zone))
