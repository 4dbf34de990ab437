"""Shift simulator: a shift run through the real services on a copy, figures that behave as a centre expects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import ServiceError
from console.services.demo.generate import DEMO_PASSWORD
from console.services.reports.shift_plan import build_shift_plan_pdf
from console.services.simulation.runner import ShiftResult, ShiftScenario, compare_scenarios, simulate_shift
from db.models import CallAttempt, QueueItem, Warning
from tests.cli_helpers import login_as
from tests.conftest import make_sqlite_database
from tests.stats_helpers import db_url, fixed_ctx, pdftotext, seed_demo


@pytest.fixture(scope="module")
def county(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = make_sqlite_database(sqlite_template, tmp_path_factory.mktemp("county"))
    seed_demo(db, warnings=300, seed=11)
    yield db
    db.dispose()


def _run(db: Database, **kwargs: object) -> ShiftResult:
    scenario = ShiftScenario(**{"seats": 3, "hours": 2.0, "warnings": 40, "seed": 5, **kwargs})  # type: ignore[arg-type]
    return simulate_shift(fixed_ctx(db), scenario)


def _late_share(result: ShiftResult) -> float:
    total = sum(f.warnings for f in result.levels.values())
    on_time = sum((f.within_deadline or 0.0) * f.warnings for f in result.levels.values())
    return 1 - on_time / total


def test_with_no_seat_every_warning_is_late(county: Database) -> None:
    result = _run(county, seats=0)
    assert result.warnings == 40
    assert result.calls == 0
    for fig in result.levels.values():
        assert fig.dialled == 0
        assert fig.within_deadline in (0.0, None)
    assert result.max_backlog == 40  # nobody takes anything: everything that arrived still waits at the end


def test_with_ample_seats_every_red_is_dialled_within_its_deadline(county: Database) -> None:
    result = _run(county, seats=15)
    red = result.levels["red"]
    assert red.warnings > 0
    assert red.within_deadline == 1.0
    assert red.first_dial_max_s is not None and red.deadline_s is not None
    assert red.first_dial_max_s <= red.deadline_s
    assert 0 < result.utilisation < 0.5


def test_doubling_the_arrivals_never_improves_lateness(county: Database) -> None:
    single = _run(county, seats=2, warnings=30)
    double = _run(county, seats=2, warnings=60)
    assert _late_share(double) >= _late_share(single)
    assert double.max_backlog >= single.max_backlog


def test_more_seats_never_make_reds_later(county: Database) -> None:
    few, many = compare_scenarios(fixed_ctx(county), [ShiftScenario(seats=1, hours=2, warnings=40, seed=5),
                                                      ShiftScenario(seats=5, hours=2, warnings=40, seed=5)])
    assert few.warnings == many.warnings == 40  # the same arrivals for both
    assert (many.levels["red"].within_deadline or 0) >= (few.levels["red"].within_deadline or 0)
    assert many.max_backlog <= few.max_backlog


def test_the_same_seed_gives_the_same_shift(county: Database) -> None:
    first = _run(county).as_json()
    second = _run(county).as_json()
    first.pop("wall_seconds")
    second.pop("wall_seconds")
    assert first == second
    other = _run(county, seed=6).as_json()
    other.pop("wall_seconds")
    assert other != first


def test_the_centre_database_is_only_read(county: Database) -> None:
    def counts() -> tuple[int, int, int]:
        with county.sessions() as session:
            return (session.execute(select(func.count()).select_from(Warning)).scalar_one(),
                    session.execute(select(func.count()).select_from(CallAttempt)).scalar_one(),
                    session.execute(select(func.count()).select_from(QueueItem)
                                    .where(QueueItem.status == "open")).scalar_one())

    before = counts()
    result = _run(county, seats=2)
    assert result.calls > 0
    assert counts() == before


def test_a_provincial_push_shows_in_the_backlog(county: Database) -> None:
    quiet = _run(county, seats=2, warnings=10)
    pushed = _run(county, seats=2, warnings=10, bursts=("+30:80",))
    assert pushed.warnings == 90
    assert pushed.max_backlog >= 60
    assert pushed.max_backlog > quiet.max_backlog


def test_a_rate_file_sets_the_arrivals(county: Database, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("hour,rate\n" + "".join(f"{h},{30 if h in (18, 19) else 0}\n" for h in range(24)),
                     encoding="utf-8")
    # The county's fixed clock is 18:00 in Shanghai: a two-hour shift covers exactly the two busy hours.
    result = _run(county, seats=4, warnings=None, arrivals=str(rates))
    assert 30 <= result.warnings <= 90  # a Poisson process around 60
    bad = tmp_path / "bad.yaml"
    bad.write_text("hourly_rate: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="到达率文件格式不正确"):
        _run(county, arrivals=str(bad), warnings=None)


def test_escalations_reach_the_stations_of_the_history(county: Database) -> None:
    result = _run(county, seats=3, warnings=60, hours=3.0)
    assert sum(result.escalations_by_station.values()) > 0
    assert all("派出所" in name for name in result.escalations_by_station)


def test_cli_prints_the_contract_json(county: Database, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url = db_url(county)
    code = main(["simulate", "shift", "--seats", "2", "--hours", "1", "--warnings", "15", "--seed", "3",
                 "--json", "--db", url, *login_as(monkeypatch, "zhiban", DEMO_PASSWORD)])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["seats"] == 2 and document["warnings"] == 15
    assert set(document["levels"]["red"]) >= {"first_dial_p50_s", "first_dial_p90_s", "within_deadline"}
    assert 0 <= document["utilisation"] <= 1
    assert isinstance(document["max_backlog"], int)


def test_cli_acts_only_for_a_user_who_may_see_the_figures(county: Database, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    url = db_url(county)
    assert main(["simulate", "shift", "--seats", "1", "--hours", "1", "--db", url,
                 *login_as(monkeypatch, "op01", DEMO_PASSWORD)]) == 1
    assert "无权" in capsys.readouterr().err


def test_cli_refuses_bad_input_in_chinese(county: Database, capsys: pytest.CaptureFixture[str]) -> None:
    url = db_url(county)
    assert main(["simulate", "shift", "--seats", "2", "--arrivals", "/nonexistent.csv", "--db", url]) == 2
    assert "找不到到达率文件" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulate", "shift", "--seats", "x", "--db", url])
    assert "席位数" in capsys.readouterr().err


def test_the_duty_plan_pdf_compares_the_scenarios(county: Database, tmp_path: Path) -> None:
    results = compare_scenarios(fixed_ctx(county), [ShiftScenario(seats=1, hours=1, warnings=20, seed=2),
                                                    ShiftScenario(seats=3, hours=1, warnings=20, seed=2)])
    out = tmp_path / "plan.pdf"
    report = build_shift_plan_pdf(fixed_ctx(county), results, out)
    assert report.pages >= 1
    text = pdftotext(out)
    for expected in ("排班测算", "方案对比", "1席", "3席", "红色时限内", "统计口径"):
        assert expected in text


@pytest.mark.parametrize("seed", [5, 6])
def test_the_claim_order_setting_changes_the_shift_in_the_expected_direction(county: Database, seed: int) -> None:
    """The shift runs the real claim: deadline-first serves the longest waiting first (a shorter tail),
    score-first takes the fresh, high-scoring item first (a shorter median, more within the deadline)."""
    deadline, score = compare_scenarios(fixed_ctx(county), [
        ShiftScenario(seats=1, hours=2, warnings=40, seed=seed, policy="deadline"),
        ShiftScenario(seats=1, hours=2, warnings=40, seed=seed, policy="score")])
    assert (deadline.policy, score.policy) == ("deadline", "score")
    assert deadline.as_json()["levels"] != score.as_json()["levels"]
    late, fresh = deadline.levels["orange"], score.levels["orange"]
    assert fresh.first_dial_p50_s is not None and late.first_dial_p50_s is not None
    assert fresh.first_dial_p50_s < late.first_dial_p50_s
    assert (fresh.within_deadline or 0) >= (late.within_deadline or 0)
    assert (late.first_dial_max_s or 0) <= (fresh.first_dial_max_s or 0)
