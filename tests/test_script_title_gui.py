"""Script titles on a laptop screen: a title made of parts ("冒充公检法 · 老年人版 · …") wraps only
between its parts, never inside a word, and a part too long for the line is elided with the whole
title in the tooltip."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM
from console.services.demo import generate as demo
from console.services.security import auth
from console.ui.draft_keeper import DraftKeeper
from console.ui.main_window import MainWindow
from console.ui.part_title import PartTitleLabel, break_title
from console.ui.tasks import SyncTaskRunner
from scripts_library.loader import DEFAULT_LIBRARY_DIR, load_library

pytestmark = pytest.mark.gui

# what a trainer may well write as a title: fraud type · profile · stage · who it is for
STAGE = " · 已转账后的止付与报案阶段 · 家属在场时使用"


def ends_at_a_break(line: str, next_line: str) -> bool:
    return line.endswith(("·", "、", "】", "…")) or next_line.startswith("（")  # "…": an elided part


def assert_reads_well(label: PartTitleLabel) -> None:
    """Every line fits the label and ends at a separator; the lines give back the whole title."""
    lines = label.lines()
    metrics = label.fontMetrics()
    room = label.contentsRect().width()
    for line, following in zip(lines, lines[1:], strict=False):
        assert ends_at_a_break(line, following), lines
    for line in lines:
        assert metrics.horizontalAdvance(line) <= room, (line, room)
    if label.is_elided():
        assert label.title() in label.toolTip()
    else:
        assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", label.title())
    assert label.text() == "\n".join(lines)  # what is painted is what was laid out


def test_a_title_breaks_only_between_its_parts() -> None:
    def advance(text: str) -> int:
        return 10 * len(text)  # a character is 10 px

    title = "冒充电商物流客服 · 老年人版 · 已转账后的止付与报案阶段"
    assert break_title(title, 400, advance) == [title]
    assert break_title(title, 160, advance) == ["冒充电商物流客服 ·", "老年人版 ·", "已转账后的止付与报案阶段"]
    # a part wider than the line stays whole (the label elides it) instead of being cut in the middle
    assert break_title(title, 60, advance) == ["冒充电商物流客服 ·", "老年人版 ·", "已转账后的止付与报案阶段"]
    reason = "虚假网络投资理财 · 网恋引入版（匹配信号：网恋对象介绍、涉及金额大）"
    assert break_title(reason, 140, advance) == ["虚假网络投资理财 ·", "网恋引入版", "（匹配信号：网恋对象介绍、", "涉及金额大）"]
    assert break_title("【应对：已经赚到钱/提过现】说自己已经赚到钱", 150, advance) == [
        "【应对：已经赚到钱/提过现】", "说自己已经赚到钱"]


@pytest.fixture
def long_titled_library(tmp_path: Path) -> Path:
    """The shipped library with a stage added to every script's title."""
    directory = tmp_path / "lib"
    shutil.copytree(DEFAULT_LIBRARY_DIR, directory)
    for path in directory.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^title: (.+)$", lambda m: f"title: {m.group(1)}{STAGE}", text, count=1,
                               flags=re.MULTILINE), encoding="utf-8")
    return directory


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_long_script_title_wraps_at_its_separators_on_a_laptop(qtbot, sqlite_db: Database, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 long_titled_library: Path, size) -> None:
    demo.generate(sqlite_db.context(SYSTEM), warnings=60, seed=5, open_count=10)
    library = load_library(long_titled_library, use_cache=False)
    actor = auth.authenticate(sqlite_db.context(), "op01", demo.DEMO_PASSWORD, "seat-7")
    window = MainWindow(sqlite_db, actor, runner=SyncTaskRunner(), drafts=DraftKeeper(actor, tmp_path),
                        library=library)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    view = window.script_view
    qtbot.waitUntil(lambda: view.session is not None)
    assert (window.width(), window.height()) == size  # the long title did not widen the window
    code = next(c for c in ("already_profited", "authority_claim", "doubts_caller") if c in view.session.script.objections)
    view.raise_objection(code)  # the step title "【应对：…】…" shares the line with the script title
    qtbot.waitUntil(lambda: "【应对" in view.node_title.text())

    title = view.script_title
    assert title.title() == "话术：" + view.session.script.title
    if size[0] == 1366:
        assert len(title.lines()) > 1  # the case this is about: too long for one line at 1366 px
    qtbot.waitUntil(lambda: title.width() > 0)
    for label in (title, view.node_title, view.selection_reason):
        assert_reads_well(label)
    # the title is on screen in full, not clipped by its neighbours or the window
    top_left = title.mapTo(window, QPoint(0, 0))
    assert window.rect().contains(QRect(top_left, title.size()))
    assert title.visibleRegion().boundingRect().size() == title.size()
    assert title.geometry().right() < view.node_title.geometry().left()


def test_a_part_too_long_for_the_line_is_elided_with_the_whole_title_as_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    reason = "冒充公检法及政府机关 · 老年人版（匹配信号：正在通话、屏幕共享）"
    label = PartTitleLabel()
    qtbot.addWidget(label)
    label.set_title("话术：冒充公检法及政府机关 · 老年人版", reason)
    label.setFixedWidth(label.sizeHint().width())
    label.show()
    qtbot.waitExposed(label)
    assert label.lines() == ["话术：冒充公检法及政府机关 · 老年人版"] and not label.is_elided()
    assert label.toolTip() == reason  # one whole line: the tooltip only says why
    label.setFixedWidth(label.fontMetrics().horizontalAdvance("话术：冒充公检法及政府机关") - 10)
    qtbot.waitUntil(label.is_elided)  # narrower than its first part: elided, never cut mid-word
    first, second = label.lines()
    assert first.endswith("…") and first.startswith("话术：冒充") and second == "老年人版"
    assert label.toolTip().splitlines() == ["话术：冒充公检法及政府机关 · 老年人版", reason]
    assert_reads_well(label)
