"""On PostgreSQL another seat's change reaches the window through NOTIFY, without waiting for a poll."""

from __future__ import annotations

import pytest

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.services.demo import generate as demo
from console.services.queue.claims import claim_next
from console.ui.live_updates import QueueChangeListener
from console.ui.main_window import MainWindow
from console.ui.tasks import SyncTaskRunner
from tests.gui_helpers import demo_actor

pytestmark = [pytest.mark.gui, pytest.mark.postgres]


@pytest.fixture
def demo_pg(pg_db: Database) -> Database:
    demo.generate(pg_db.context(SYSTEM), warnings=40, seed=5, open_count=12)
    return pg_db


def _seat(database: Database, login: str):  # type: ignore[no-untyped-def]
    return database.context(demo_actor(database, login, f"seat-{login}"))


def test_listener_reports_a_claim_made_by_another_seat(qtbot, demo_pg: Database) -> None:  # type: ignore[no-untyped-def]
    listener = QueueChangeListener(demo_pg)
    listener.start()
    try:
        with qtbot.waitSignal(listener.queue_changed, timeout=10_000):
            assert claim_next(_seat(demo_pg, "op02")) is not None
    finally:
        listener.stop()
    assert listener.isFinished()


def test_window_shows_another_seats_claim_without_its_poll_timer(qtbot, demo_pg: Database) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(demo_pg, demo_actor(demo_pg, "op01", "seat-1"), runner=SyncTaskRunner())
    qtbot.addWidget(window)
    window.poll_timer.stop()  # only the notification can tell the window now
    window.refresh_queue()
    model = window.queue_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 12)
    assert window.change_listener is not None and window.change_listener.isRunning()
    taken = claim_next(_seat(demo_pg, "op02"))
    assert taken is not None

    def shows_claim() -> bool:
        row = model.row_of_item(taken.item_id)
        return row is not None and model.entry(row).claimed_by == "op02"

    qtbot.waitUntil(shows_claim, timeout=10_000)
    window.close()
    assert window.change_listener.isFinished()
