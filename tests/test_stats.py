"""compute_stats: the definitions on hand-made data (local days, late, percentiles, scripts) and the
CLI JSON equal to the service on a seeded county, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import pytest

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import PermissionDenied
from console.services.demo import generate as demo
from console.services.stats.figures import compute_stats
from tests.cli_helpers import login_as
from tests.stats_helpers import TODAY, add_call, add_warning, db_url, fixed_ctx, local, seed_demo

YESTERDAY = TODAY - dt.timedelta(days=1)


def _scenario(database: Database) -> None:
    ctx = fixed_ctx(database)
    w1 = add_warning(ctx, received=local(TODAY, 9), level="red", deadline_min=10, first_contact=local(TODAY, 9, 5),
                     outcome="dissuaded", amount=50000, profile_group="elderly")
    add_call(ctx, w1, local(TODAY, 9, 2), "no_answer", connected=False, duration=0)
    add_call(ctx, w1, local(TODAY, 9, 5), "dissuaded", script_id="s1", objections=["doubts_caller"], protected=50000)
    w2 = add_warning(ctx, received=local(TODAY, 10), level="orange", deadline_min=30,
                     first_contact=local(TODAY, 11), outcome="refused", fraud_type="fake_loan",
                     profile_group="student")
    add_call(ctx, w2, local(TODAY, 11), "refused", script_id="s1", objections=["doubts_caller", "no_time"])
    # received 23:30 the evening before (15:30 UTC): belongs to yesterday; its call at 00:10 belongs to today
    w3 = add_warning(ctx, received=local(YESTERDAY, 23, 30), level="yellow", deadline_min=60)
    add_call(ctx, w3, local(TODAY, 0, 10), "no_answer", connected=False, duration=0)
    # deadline still ahead of "now" (18:00): waiting, not late
    add_warning(ctx, received=local(TODAY, 17, 50), level="blue", deadline_min=120)


def test_figures_follow_the_stated_definitions(database: Database) -> None:
    _scenario(database)
    stats = compute_stats(fixed_ctx(database), TODAY, TODAY)
    t = stats.totals
    assert (t.warnings_received, t.contacted, t.dissuaded, t.refused, t.pending) == (3, 2, 1, 1, 1)
    assert t.late == 1 and [i.minutes_late for i in stats.late_items] == [30]
    assert t.success_rate == 0.5
    assert (t.calls, t.connected_calls) == (4, 2)
    assert t.amount_protected == 50000.0 and t.amount_at_risk == 50000.0
    overall = stats.response_times.overall
    assert (overall.count, overall.median_s, overall.p90_s, overall.within_share) == (2, 1950.0, 3270.0, 0.5)
    assert stats.load_by_hour[0] == 1 and stats.load_by_hour[9] == 2 and stats.load_by_hour[11] == 1
    assert sum(stats.load_by_hour) == 4
    red = next(r for r in stats.by_level if r.key == "red")
    assert (red.received, red.dissuaded, red.success_rate) == (1, 1, 1.0)
    scripts = {(s.script_id, s.profile_group): s for s in stats.scripts}
    elderly, student = scripts[("s1", "elderly")], scripts[("s1", "student")]
    assert (elderly.attempts, elderly.dissuaded, elderly.success_rate) == (1, 1, 1.0)
    assert student.objections == {"doubts_caller": 1, "no_time": 1} and student.success_rate == 0.0
    assert [(h.objection, h.calls, h.dissuaded) for h in elderly.handlers] == [("doubts_caller", 1, 1)]

    previous = compute_stats(fixed_ctx(database), YESTERDAY, YESTERDAY).totals
    assert (previous.warnings_received, previous.late, previous.pending, previous.calls) == (1, 1, 1, 0)
    both = compute_stats(fixed_ctx(database), YESTERDAY, TODAY)
    assert [(d.day, d.received, d.calls) for d in both.daily] == [
        (YESTERDAY.isoformat(), 1, 0), (TODAY.isoformat(), 3, 4)]


def test_stats_need_the_stats_permission(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = make_actor("op_stats", "operator")
    with pytest.raises(PermissionDenied):
        compute_stats(fixed_ctx(database, operator), TODAY, TODAY)
    trainer = make_actor("tr_stats", "trainer")
    assert compute_stats(fixed_ctx(database, trainer), TODAY, TODAY).totals.warnings_received == 0


def test_cli_json_equals_compute_stats_on_a_seeded_county(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_demo(database, warnings=300)
    start, end = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1)
    expected = compute_stats(fixed_ctx(database), start, end).to_dict()
    assert expected["totals"]["warnings_received"] > 200 and expected["totals"]["calls"] > 200
    assert expected["scripts"] and expected["escalation_stations"]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["stats", "--from", start.isoformat(), "--to", end.isoformat(), "--json", "--db", db_url(database),
                     *login_as(monkeypatch, "zhiban", demo.DEMO_PASSWORD)])
    assert code == 0
    printed = json.loads(out.getvalue())
    printed.pop("generated_at")
    expected.pop("generated_at")
    assert printed == json.loads(json.dumps(expected, default=str))
