"""The report benchmark runs end to end at a tiny scale and reports every figure."""

from __future__ import annotations

from bench.bench_reports import run


def test_report_benchmark_runs_at_tiny_scale() -> None:
    result = run(scale=0.003, repeat=1)
    assert result["rows"]["calls"] >= 800 and 0 < result["rows"]["day_calls"] <= 10
    for key in ("baseline_s", "stats_month_s", "daily_s", "monthly_s", "font_load_s"):
        assert result[key] > 0, key
    assert result["monthly_vs_baseline"] >= 1
