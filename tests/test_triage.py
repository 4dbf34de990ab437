"""Risk triage: scores add up from explained factors, levels follow the configured thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from console.services.core.settings import default_settings, read_settings_file
from console.services.core.triage_settings import TriageSettingsError, parse_triage_settings
from console.services.triage.scoring import (
    DEFAULT_SETTINGS_PATH,
    TriageInput,
    TriageScorer,
    score_warning,
)

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


def _input(**overrides: object) -> TriageInput:
    values: dict[str, object] = dict(fraud_type="task_rebate", signals=(), amount=None, call_duration_s=None, age=30,
                                     previous_victim=False, dissuaded_before=False, repeat_count=0, received_at=T0)
    values.update(overrides)
    return TriageInput(**values)  # type: ignore[arg-type]


def test_every_point_is_explained_in_chinese() -> None:
    settings = default_settings().triage
    result = score_warning(
        _input(fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now"), amount=Decimal("80000"),
               call_duration_s=1900, age=72, previous_victim=True, repeat_count=1),
        settings, T0,
    )
    assert sum(int(r["points"]) for r in result.reasons) == result.score  # type: ignore[call-overload]
    labels = " ".join(str(r["label"]) for r in result.reasons)
    for text in ("冒充公检法", "屏幕共享", "正在通话", "8万元", "31分钟", "65岁以上", "曾经被骗", "重复预警1次"):
        assert text in labels
    points = [r["points"] for r in result.reasons]
    assert points == sorted(points, reverse=True)  # type: ignore[type-var]


def test_levels_and_deadlines_follow_thresholds() -> None:
    settings = default_settings().triage
    low = score_warning(_input(fraud_type="fake_shopping"), settings, T0)
    assert (low.level, low.deadline_at - T0) == ("blue", dt.timedelta(minutes=120))
    live = score_warning(_input(fraud_type="impersonate_authority", signals=("screen_sharing",)), settings, T0)
    assert live.score == 45 and live.level == "orange" and live.deadline_at - T0 == dt.timedelta(minutes=10)
    elderly = score_warning(_input(fraud_type="impersonate_authority", signals=("screen_sharing", "transfer_pending"),
                                   age=70), settings, T0)
    assert elderly.level == "red" and elderly.deadline_at - T0 == dt.timedelta(minutes=3)


def test_signals_are_capped_and_unknown_ones_ignored() -> None:
    settings = default_settings().triage
    result = score_warning(
        _input(signals=("screen_sharing", "on_call_now", "transfer_pending", "cash_withdrawal", "no_such_signal")),
        settings, T0,
    )
    signal_points = sum(int(r["points"]) for r in result.reasons if str(r["factor"]).startswith("signal:"))  # type: ignore[call-overload]
    assert signal_points == settings.signal_cap
    assert any("上限" in str(r["label"]) for r in result.reasons)


def test_waiting_past_the_deadline_raises_the_score() -> None:
    settings = default_settings().triage
    on_time = score_warning(_input(), settings, T0)
    late = score_warning(_input(), settings, T0 + dt.timedelta(minutes=120 + 10))
    assert late.score == on_time.score + 10
    assert any(r["factor"] == "overdue" and "10分钟" in str(r["label"]) for r in late.reasons)


def test_score_never_exceeds_100_and_the_cut_is_shown() -> None:
    settings = default_settings().triage
    result = score_warning(
        _input(fraud_type="impersonate_authority", signals=("screen_sharing", "on_call_now", "transfer_pending"),
               amount=Decimal("500000"), call_duration_s=7200, age=80, previous_victim=True, dissuaded_before=True,
               repeat_count=5),
        settings, T0 + dt.timedelta(hours=2),
    )
    assert result.score == 100
    assert result.reasons[-1]["factor"] == "cap" and int(result.reasons[-1]["points"]) < 0  # type: ignore[call-overload]


def test_weights_come_from_the_settings_file(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    data["fraud_type_severity"]["task_rebate"] = 70
    data["deadline_minutes"]["red"] = 5
    path = tmp_path / "triage.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = score_warning(_input(), parse_triage_settings(read_settings_file(path)), T0)
    assert (result.score, result.level, result.deadline_at - T0) == (70, "red", dt.timedelta(minutes=5))


def test_a_broken_settings_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "triage.yaml"
    path.write_text("signal_cap: 10\n", encoding="utf-8")
    with pytest.raises(TriageSettingsError, match="缺少"):
        parse_triage_settings(read_settings_file(path))



_FRAUD_TYPES = st.sampled_from(["impersonate_authority", "task_rebate", "fake_loan", "other", "no_such_type", ""])
_SIGNALS = st.lists(st.sampled_from(["screen_sharing", "on_call_now", "transfer_pending", "cash_withdrawal",
                                     "large_transfer", "visited_fraud_site", "no_such_signal"]), max_size=6)
_INPUTS = st.builds(
    TriageInput,
    fraud_type=_FRAUD_TYPES,
    signals=_SIGNALS.map(tuple),
    amount=st.none() | st.decimals(min_value=-10, max_value=10**9, places=2, allow_nan=False),
    call_duration_s=st.none() | st.integers(min_value=-5, max_value=10_000),
    age=st.none() | st.integers(min_value=-3, max_value=110),
    previous_victim=st.booleans(),
    dissuaded_before=st.booleans(),
    repeat_count=st.integers(min_value=-1, max_value=6),
    received_at=st.integers(min_value=-3 * 24 * 3600, max_value=3600).map(lambda s: T0 + dt.timedelta(seconds=s)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_INPUTS, min_size=1, max_size=8), st.sampled_from([0, 1, 3]))
def test_bulk_scorer_gives_exactly_the_results_of_score_warning(inputs: list[TriageInput], overdue: int) -> None:
    data = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    data["overdue"]["points_per_minute"] = overdue
    settings_ = parse_triage_settings(data)
    scorer = TriageScorer(settings_, T0)
    for data_in in inputs * 2:  # the second round is answered from what the scorer remembered
        expected = score_warning(data_in, settings_, T0)
        got = scorer.score(data_in)
        assert (got.score, got.level, got.reasons, got.deadline_at) == (
            expected.score, expected.level, expected.reasons, expected.deadline_at)
        assert [r["factor"] for r in got.reasons] == [r["factor"] for r in expected.reasons]
