"""Voice-lane benchmark: automated calls per minute on loopback with two lines, against one line as
the baseline of the same run.  The far end is SIPp answering every number and hanging up after
``--listen`` seconds (a person who listens to the start of the message); the messages are the real
spoken warnings, synthesised once and then cached.

``python -m bench.bench_voice [--calls N] [--listen S]`` prints the table and writes
``bench/results/voice.json``.  Needs baresip and SIPp (``make run`` installs them).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import print_table, write_result
from console.app.bootstrap import open_database
from console.services.core.context import SYSTEM
from console.services.security import auth
from console.services.telephony.baresip import free_port
from console.services.telephony.settings import load_telephony_settings
from console.services.voice import campaign as lane
from tests.queue_helpers import add_warning
from tests.sip.phones import SippPhone

DAYTIME = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai: outside the quiet hours


def _run(directory: Path, channels: int, calls: int, listen_s: float) -> dict[str, float]:
    database = open_database(f"sqlite:///{directory}/bench-{channels}-{calls}.sqlite3")
    try:
        system = database.context(SYSTEM)
        supervisor = auth.add_user(system, "zb", "bench-pass-1", "supervisor").actor("bench")
        for _ in range(calls):
            add_warning(system)
        start_clock = time.monotonic()
        voice = dataclasses.replace(database.settings.voice, channels=channels, max_calls_per_person_per_day=calls)
        ctx = dataclasses.replace(database.context(supervisor), settings=dataclasses.replace(database.settings, voice=voice),
                                  clock=lambda: DAYTIME + dt.timedelta(seconds=time.monotonic() - start_clock))
        campaign_id = lane.start_campaign(ctx)
        with SippPhone(directory / f"sipp{channels}-{calls}", "answer_hangup", calls=calls, pause_ms=int(listen_s * 1000)) as far:
            settings = dataclasses.replace(load_telephony_settings(), dial=far.dial_template(),
                                           account=f"sip:voice@127.0.0.1:{free_port(pair=True)}")
            started = time.perf_counter()
            report = lane.run_campaign(ctx, campaign_id, lane.VoiceLines(settings, directory / "d"))
            elapsed = time.perf_counter() - started
        return {"calls": report.calls, "seconds": round(elapsed, 1), "calls_per_minute": round(report.calls / elapsed * 60, 1)}
    finally:
        database.dispose()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--listen", type=float, default=5.0, help="seconds the far end listens before hanging up")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bv-", dir="/tmp") as tmp:
        directory = Path(tmp)
        _run(directory, 2, 1, 1.0)  # warm-up: synthesise and cache the message
        one = _run(directory, 1, args.calls, args.listen)
        two = _run(directory, 2, args.calls, args.listen)
    document = {"calls": args.calls, "listen_s": args.listen, "one_line": one, "two_lines": two,
                "ratio_two_to_one": round(two["calls_per_minute"] / one["calls_per_minute"], 2)}
    print_table("voice lane on loopback", [
        ("one line (baseline)", f"{one['calls_per_minute']} calls/min ({one['calls']} calls in {one['seconds']} s)"),
        ("two lines", f"{two['calls_per_minute']} calls/min ({two['calls']} calls in {two['seconds']} s)"),
        ("ratio", f"{document['ratio_two_to_one']}× the one-line rate"),
    ])
    write_result("voice", document)
    return document


if __name__ == "__main__":
    main()
