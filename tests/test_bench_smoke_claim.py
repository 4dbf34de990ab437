"""The claim benchmark runs end to end at a tiny scale and reports no double claims."""

from __future__ import annotations

import pytest

from bench.bench_claim import run


@pytest.mark.postgres
def test_claim_benchmark_smoke_run() -> None:
    results = run(0.0001, threads=4, log=lambda _message: None)
    assert results["open_items"] == 100
    by_backend = {r["backend"]: r for r in results["runs"]}
    assert set(by_backend) == {"sqlite", "postgresql"}
    for figures in by_backend.values():
        assert figures["claims"] > 0 and figures["double_claims"] == 0
        assert 0 < figures["median_ms"] <= figures["p99_ms"]
    assert by_backend["postgresql"]["errors"] == []
