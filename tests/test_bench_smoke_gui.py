"""Smoke run of the queue-view and start-up benchmarks at tiny size (figures come from make bench)."""

from __future__ import annotations

import pytest

from bench import bench_gui

pytestmark = pytest.mark.gui


def test_queue_view_benchmark_runs(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = bench_gui.bench_queue_view(300)
    assert view["items"] == 300
    assert 0 < view["visible_after_filter"] < 300  # the level filter really removed rows
    assert view["first_paint_ms"] > 0 and view["rss_mb"] > 0
    loaded = bench_gui.bench_list_open(120)
    assert loaded["loaded"] == 120


def test_startup_benchmark_runs() -> None:
    startup = bench_gui.bench_startup(runs=1, warnings=30)
    assert startup["bare_window_s"] > 0 and startup["console_window_s"] > 0
    assert startup["ratio"] == pytest.approx(startup["console_window_s"] / startup["bare_window_s"])
