"""When warnings arrive during a simulated shift, and what each one looks like.

Arrivals follow a rate curve (warnings per hour of the centre's day): the centre's own mean over the
last weeks, its busiest day, or a rate file.  Bursts (a provincial push of a few hundred warnings at
once) come on top.  Each arrival re-uses the triage-relevant facts of a historical warning with a
new phone number and a new ID number of the same birth date and sex, so the real importer and the
real scorer decide its level exactly as they would for a real push.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from console.services.core.context import ServiceError
from console.services.intake.normalize import id_check_digit
from console.services.simulation.history import HistoryProfile, WarningTemplate

BURST_SPREAD_S = 60.0  # a push of N warnings lands within one minute


@dataclass(frozen=True)
class Burst:
    offset_s: float  # seconds after the shift start
    count: int


@dataclass(frozen=True)
class Arrival:
    offset_s: float
    row: dict[str, str]


def parse_burst(text: str, start_local: dt.datetime) -> Burst:
    """``HH:MM:COUNT`` (a clock time of the shift) or ``+MINUTES:COUNT`` (minutes after its start)."""
    try:
        when, count_text = text.rsplit(":", 1)
        count = int(count_text)
        if when.startswith("+"):
            offset = float(when[1:]) * 60
        else:
            hour, minute = (int(x) for x in when.split(":"))
            at = start_local.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if at < start_local:
                at += dt.timedelta(days=1)
            offset = (at - start_local).total_seconds()
    except ValueError as exc:
        raise ServiceError(f"集中推送格式不正确：“{text}”（应为 时:分:条数 或 +分钟:条数，如 20:00:300）") from exc
    if count <= 0 or offset < 0:
        raise ServiceError(f"集中推送的时间和条数必须为正数：“{text}”")
    return Burst(offset, count)


def read_rate_file(path: Path) -> tuple[float, ...]:
    """24 hourly rates from YAML (``hourly_rate: [...]`` or ``{hour: rate}``) or CSV (``hour,rate``)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ServiceError(f"无法读取到达率文件：{path.name}") from exc
    rates = [0.0] * 24
    try:
        if path.suffix.lower() == ".csv":
            for row in csv.reader(io.StringIO(text)):
                if not row or not row[0].strip().isdigit():
                    continue  # header or blank line
                rates[int(row[0]) % 24] = float(row[1])
        else:
            data: Any = yaml.safe_load(text)
            data = data.get("hourly_rate", data) if isinstance(data, dict) else data
            if isinstance(data, list) and len(data) == 24:
                rates = [float(x) for x in data]
            elif isinstance(data, dict):
                for hour, rate in data.items():
                    rates[int(hour) % 24] = float(rate)
            else:
                raise ValueError("shape")
    except (ValueError, IndexError, yaml.YAMLError) as exc:
        raise ServiceError(f"到达率文件格式不正确：{path.name}（需要24个小时的到达率，每小时多少条预警）") from exc
    if any(r < 0 for r in rates) or not any(rates):
        raise ServiceError(f"到达率文件中的到达率必须为非负数且不能全为零：{path.name}")
    return tuple(rates)


def _rate_curve(rates: tuple[float, ...], start_local: dt.datetime, hours: float) -> list[tuple[float, float, float]]:
    """(segment start s, segment end s, rate per second) across the shift, cut at each clock hour."""
    segments: list[tuple[float, float, float]] = []
    total = hours * 3600
    t = 0.0
    while t < total:
        clock = start_local + dt.timedelta(seconds=t)
        to_next_hour = 3600 - (clock.minute * 60 + clock.second + clock.microsecond / 1e6)
        end = min(total, t + to_next_hour)
        segments.append((t, end, rates[clock.hour] / 3600))
        t = end
    return segments


def _times_from_curve(rng: random.Random, segments: list[tuple[float, float, float]], count: int | None) -> list[float]:
    """Exactly ``count`` times drawn from the curve's shape, or a Poisson process when count is None."""
    if count is None:
        times: list[float] = []
        for start, end, rate in segments:
            if rate <= 0:
                continue
            t = start + rng.expovariate(rate)
            while t < end:
                times.append(t)
                t += rng.expovariate(rate)
        return times
    weights = [(end - start) * rate for start, end, rate in segments]
    total = sum(weights)
    if total <= 0:
        raise ServiceError("所选时段的到达率为零，无法生成预警")
    cumulative: list[float] = []
    running = 0.0
    for w in weights:
        running += w
        cumulative.append(running)
    out = []
    for _ in range(count):
        i = min(len(segments) - 1, bisect.bisect_left(cumulative, rng.random() * total))
        start, end, _rate = segments[i]
        out.append(rng.uniform(start, end))
    return sorted(out)


def _new_id_number(template: WarningTemplate, rng: random.Random) -> str:
    """A valid ID number with the template's region, birth date and sex, and a fresh sequence."""
    old = template.id_number
    if len(old) != 18 or not old[:17].isdigit():
        return ""
    sex_digit = int(old[16]) % 2
    sequence = f"{rng.randrange(10, 100)}{rng.randrange(5) * 2 + sex_digit}"
    first17 = old[:14] + sequence
    return first17 + id_check_digit(first17)


def build_arrivals(
    profile: HistoryProfile,
    *,
    start_local: dt.datetime,
    hours: float,
    seed: int,
    mode: str = "history",
    rates: tuple[float, ...] | None = None,
    warnings: int | None = None,
    bursts: tuple[Burst, ...] = (),
    scale: float = 1.0,
) -> list[Arrival]:
    """The arrivals of one shift, sorted by time; the same inputs always give the same list."""
    rng = random.Random(seed)
    if rates is None:
        if mode == "busiest":
            rates = tuple(float(x) for x in profile.busiest_day_hourly)
        elif mode == "history":
            rates = profile.hourly_rate
        else:
            raise ServiceError(f"未知的到达方式：{mode}")
    rates = tuple(r * scale for r in rates)
    times = _times_from_curve(rng, _rate_curve(rates, start_local, hours), warnings)
    for burst in bursts:
        times.extend(burst.offset_s + rng.uniform(0, BURST_SPREAD_S) for _ in range(burst.count))
    times = sorted(t for t in times if t < hours * 3600)
    arrivals = []
    for i, offset in enumerate(times):
        template = rng.choice(profile.templates)
        row = {
            "external_id": f"SIM{seed:04d}-{i + 1:06d}",
            "phone": f"199{seed % 10}{i + 1:07d}",
            "fraud_type": template.fraud_type,
            "signals": template.signals,
            "amount": template.amount,
            "call_duration_s": template.call_duration_s,
            "id_number": _new_id_number(template, rng),
            "source": template.source or "platform",
            "station": template.station,
        }
        arrivals.append(Arrival(offset, row))
    return arrivals
