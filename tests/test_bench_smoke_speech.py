"""The speech benchmark runs end to end and reports every figure."""

from __future__ import annotations

from bench.bench_speech import run


def test_speech_benchmark_reports_both_audiences_and_the_old_baseline() -> None:
    result = run()
    assert result["hanzi"] > 100
    for key in ("general", "elderly", "baseline"):
        assert result[key]["seconds"] > 10 and result[key]["per_100_hanzi_s"] > 0, key
    assert result["elderly_vs_general"] > 1.2
    assert result["elderly_vs_baseline"] < 1  # the old English-reading voice was slower still
