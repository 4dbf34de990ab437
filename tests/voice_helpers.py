"""Helpers for the automated voice-warning tests: a centre clock set to a chosen time that runs on in
real time, contexts with short waits, warnings for given phone numbers, and an envelope correlation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import wave
from array import array
from pathlib import Path
from zoneinfo import ZoneInfo

from console.app.bootstrap import Database
from console.services.core.context import Actor, ServiceContext
from console.services.core.settings import default_settings
from db.models import Person
from tests.queue_helpers import add_warning

CENTRE = ZoneInfo("Asia/Shanghai")


class RunningClock:
    """Starts at ``start`` and moves on with the wall clock (calls take real time)."""

    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self.origin = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.origin)


def centre_time(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=CENTRE).astimezone(dt.UTC)


def voice_context(db: Database, actor: Actor, *, at: dt.datetime, **voice: object) -> ServiceContext:
    base = default_settings()
    options: dict[str, object] = {"wait_for_key_s": 2.0, "ring_timeout_s": 3.0, **voice}
    settings = dataclasses.replace(base, voice=dataclasses.replace(base.voice, **options))  # type: ignore[arg-type]
    return dataclasses.replace(db.context(actor), settings=settings, clock=RunningClock(at))


def warning_for(ctx: ServiceContext, phone: str, **options: object) -> int:
    """A scored, queued warning whose person has ``phone``."""
    warning_id, _item = add_warning(ctx, **options)  # type: ignore[arg-type]
    with ctx.session() as session:
        from db.models import Warning

        warning = session.get(Warning, warning_id)
        assert warning is not None
        person = session.get(Person, warning.person_id)
        assert person is not None
        person.phone = phone
    return warning_id


def envelope(path: Path, frame_s: float = 0.05) -> list[float]:
    """Mean absolute amplitude per ``frame_s`` of a 16-bit WAV (first channel)."""
    with wave.open(str(path), "rb") as wav:
        channels, rate = wav.getnchannels(), wav.getframerate()
        samples = array("h")
        samples.frombytes(wav.readframes(wav.getnframes()))
    mono = samples[::channels]
    size = max(int(rate * frame_s), 1)
    return [sum(abs(v) for v in mono[i:i + size]) / size for i in range(0, len(mono) - size + 1, size)]


def _pearson(a: list[float], b: list[float]) -> float:
    n = len(a)
    mean_a, mean_b = sum(a) / n, sum(b) / n
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    return cov / (var_a * var_b) ** 0.5 if var_a and var_b else 0.0


def best_correlation(sent: list[float], heard: list[float], window: int,
                     lags: range = range(40)) -> tuple[float, int]:  # noqa: B008 - an immutable range
    """The highest correlation of the first ``window`` frames of ``sent`` with ``heard`` shifted by a lag."""
    best = (-1.0, 0)
    reference = sent[:window]
    for lag in lags:
        part = heard[lag:lag + window]
        if len(part) < window:
            break
        best = max(best, (_pearson(reference, part), lag))
    return best
