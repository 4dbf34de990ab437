"""Table cells that know both how they print and what number they are.

A report table holds these instead of pre-formatted text: ``str(cell)`` is what the PDF prints
(the formats below, so a test can format a figure and find exactly that text in the PDF), while
the spreadsheet gets :attr:`value` as a real number with :attr:`number_format` (percent, money,
minutes).  A share whose denominator is below
:data:`~console.services.stats.definitions.MIN_SAMPLE` prints as "1/3".
"""

from __future__ import annotations

from dataclasses import dataclass

from console.services.stats.definitions import MIN_SAMPLE


def fmt_int(value: int | float | None) -> str:
    return "—" if value is None else f"{int(value):,}"


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def fmt_share(part: int, whole: int) -> str:
    """A share: "85.1%", or "1/3" when the denominator is too small for a percentage; "—" for 0/0."""
    if not whole:
        return "—"
    if whole < MIN_SAMPLE:
        return f"{part}/{whole}"
    return fmt_rate(part / whole)


def fmt_minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} 分钟"


def fmt_money(value: float | None) -> str:
    return "—" if value is None else f"¥{value:,.2f}"


def fmt_lateness(seconds: int | None) -> str:
    """"3分05秒" / "48秒": a lateness of under a minute still shows."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes}分{secs:02d}秒" if minutes else f"{secs}秒"


class Cell:
    """Base: ``str()`` prints, ``value`` / ``number_format`` go to the spreadsheet."""

    number_format = "General"

    @property
    def value(self) -> float | int | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Count(Cell):
    count: int | None
    number_format = "#,##0"

    def __str__(self) -> str:
        return fmt_int(self.count)

    @property
    def value(self) -> int | None:
        return self.count


@dataclass(frozen=True)
class Share(Cell):
    part: int
    whole: int
    number_format = "0.0%"

    def __str__(self) -> str:
        return fmt_share(self.part, self.whole)

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Money(Cell):
    amount: float | None
    number_format = "¥#,##0.00"

    def __str__(self) -> str:
        return fmt_money(self.amount)

    @property
    def value(self) -> float | None:
        return self.amount


@dataclass(frozen=True)
class Minutes(Cell):
    """A duration printed in minutes (one decimal); the spreadsheet holds minutes."""

    seconds: float | None
    number_format = '0.0" 分钟"'

    def __str__(self) -> str:
        return fmt_minutes(self.seconds)

    @property
    def value(self) -> float | None:
        return None if self.seconds is None else round(self.seconds / 60, 2)


@dataclass(frozen=True)
class Lateness(Cell):
    """How late, to the second; the spreadsheet holds seconds."""

    seconds: int | None
    number_format = '0" 秒"'

    def __str__(self) -> str:
        return fmt_lateness(self.seconds)

    @property
    def value(self) -> int | None:
        return self.seconds
