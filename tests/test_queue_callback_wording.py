"""An agreed callback (约定回拨) is an appointment, not a failed dial: until its grace has passed it reads
“约定回拨 09:30（op1 约定）” in the seat's queue, the supervisor's board, the exported queue list and
`dissuade queue list`, never “待重拨”; after the grace it is an open item like any other."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.app.bootstrap import Database
from console.cli import main
from console.services.calls.callbacks import agree_callback
from console.services.core.context import SYSTEM, Actor, ServiceContext
from console.services.queue.claims import claim_next, list_open
from console.services.queue.wording import state_text
from console.services.reports.queue_list import export_queue
from console.ui.queue_model import QueueTableModel
from console.ui.supervisor import SupervisorBoard
from console.ui.tasks import SyncTaskRunner
from tests.cli_helpers import login_as
from tests.conftest import actor_for
from tests.queue_helpers import T0, FakeClock, add_warning

AGREED = T0 + dt.timedelta(minutes=30)  # 09:30 UTC: 17:30 on the centre's clock (Asia/Shanghai)
EXPECTED = "约定回拨 17:30（op1 约定）"


def _ctx(database: Database, actor: Actor, clock: FakeClock) -> ServiceContext:
    return replace(database.context(actor), clock=clock)


def _agreed(database: Database, make_actor, clock: FakeClock) -> tuple[int, ServiceContext]:  # type: ignore[no-untyped-def]
    warning_id, _ = add_warning(_ctx(database, SYSTEM, clock), fraud_type="fake_shopping", name="钱多多", queue=False)
    callback = agree_callback(_ctx(database, make_actor("op1"), clock), warning_id, AGREED)
    return callback.item_id, _ctx(database, make_actor("zhiban", "supervisor"), clock)


def test_the_queue_and_the_exported_list_name_the_appointment_and_who_made_it(  # type: ignore[no-untyped-def]
        database: Database, make_actor, tmp_path: Path) -> None:
    clock = FakeClock()
    item_id, supervisor = _agreed(database, make_actor, clock)
    entry = next(e for e in list_open(supervisor) if e.item_id == item_id)
    assert entry.agreed_by == "op1" and entry.status == "waiting"
    assert state_text(entry, clock(), supervisor.centre_clock) == EXPECTED

    export_queue(supervisor, tmp_path / "queue.csv")
    with (tmp_path / "queue.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    state = rows[0].index("状态")
    row = next(r for r in rows[1:] if "钱**" in r)
    assert row[state] == EXPECTED and "重拨" not in ",".join(row)

    clock.advance(minutes=35)  # agreed time passed, still within op1's grace: op1's appointment, now late
    export_queue(supervisor, tmp_path / "late.csv")
    with (tmp_path / "late.csv").open(encoding="utf-8-sig") as handle:
        late = next(r for r in csv.reader(handle) if "钱**" in r)
    assert late[state] == EXPECTED + "（超时）"

    clock.advance(minutes=10)  # the grace has run out: anyone's, an open item like any other
    entry = next(e for e in list_open(supervisor) if e.item_id == item_id)
    assert state_text(entry, clock(), supervisor.centre_clock) == "待领取"
    taken = claim_next(_ctx(database, make_actor("op2"), clock))  # the claim (one statement on PostgreSQL)
    assert taken is not None and taken.item_id == item_id and taken.agreed_by == "op1"


def test_the_command_line_queue_list_says_agreed_callback(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    warning_id, _ = add_warning(database.context(SYSTEM), name="钱多多", queue=False)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    agree_callback(database.context(make_actor("op1")), warning_id, now + dt.timedelta(minutes=45))
    make_actor("op2")
    capsys.readouterr()
    url = database.engine.url.render_as_string(hide_password=False)
    assert main(["queue", "list", "--db", url, *login_as(monkeypatch, "op2")]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "钱**" in line)
    assert "约定回拨 " in line and "（op1 约定）" in line and "重拨" not in line.replace("约定回拨", "")


@pytest.mark.gui
def test_the_seat_queue_and_the_supervisor_board_show_the_agreed_callback(  # type: ignore[no-untyped-def]
        qtbot, sqlite_db: Database) -> None:
    clock = FakeClock()
    def make_actor(login: str, role: str = "operator") -> Actor:
        return actor_for(sqlite_db, login, role)

    item_id, supervisor = _agreed(sqlite_db, make_actor, clock)
    other = _ctx(sqlite_db, make_actor("op2"), clock)

    model = QueueTableModel(clock, centre_clock=other.centre_clock)  # what op2's queue panel shows
    model.set_rows(list_open(other))
    row = next(r for r in range(model.rowCount())
               if model.index(r, 0).data(QueueTableModel.ItemIdRole) == item_id)
    kind = model.index(row, QueueTableModel.COLUMNS.index("kind"))
    assert kind.data(Qt.ItemDataRole.DisplayRole) == "约定 17:30"  # not "重拨 17:40（40 分后）"
    holder = model.index(row, QueueTableModel.COLUMNS.index("holder"))
    assert holder.data(Qt.ItemDataRole.DisplayRole) == "op1 约定"
    tip = kind.data(Qt.ItemDataRole.ToolTipRole)
    assert "op1 与当事人约定在 17:30 回拨" in tip and "11-21 17:40 前由 op1 回拨" in tip

    board = SupervisorBoard(supervisor, None, SyncTaskRunner(), auto_refresh=False)
    qtbot.addWidget(board)
    with qtbot.waitSignal(board.snapshot_applied):
        board.refresh()
    level = next(e for e in list_open(supervisor) if e.item_id == item_id).risk_level
    qtbot.mouseClick(board.tile_buttons[level], Qt.MouseButton.LeftButton)
    items = board.overdue_model
    rows = [r for r in range(items.rowCount()) if items.rows[r].item_id == item_id]
    assert rows, "the callback is among its level's items"
    status = items.HEADERS.index("状态")
    assert items.index(rows[0], status).data() == EXPECTED
