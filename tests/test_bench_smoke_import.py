"""The import benchmark runs end to end at a tiny size and reports consistent figures."""

from __future__ import annotations

from bench.bench_import import run


def test_import_benchmark_smoke() -> None:
    result = run(300, xlsx=True)
    for kind in ("csv", "xlsx"):
        figures = result[kind]
        assert figures["rows"] == figures["imported"] + figures["merged"] + figures["rejected"] == 300
        assert figures["merged"] > 0 and figures["rejected"] > 0 and figures["rows_per_s"] > 0
    assert result["csv"]["imported"] == result["xlsx"]["imported"]
    assert result["plain_rows_per_s"] > 0 and result["ratio_vs_plain"] > 0
    # the replay asserts it wrote what the import wrote; the SQL alone is cheaper than the whole import
    assert 0 < result["sql_alone_s"] < result["csv"]["seconds"]
    # a file this small is prepared in-process: the in-process figure is the same path
    assert not result["csv"]["prepared_in_worker"] and not result["csv_in_process"]["prepared_in_worker"]
    assert result["csv_in_process"]["imported"] == result["csv"]["imported"] and result["worker_speedup"] > 0
