"""The operator's main window: the queue and “我的处理中” on the left, the warning, the call and its
outcome in the centre.

The window only arranges panels and routes signals; every database round trip goes through the
task runner so a slow server shows a busy indicator instead of freezing the window.  F2, a row
switch, 我的处理中, lock, logout and quit pass the call guard (console/ui/call_guard.py) first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QStatusBar, QToolBar, QWidget

from console.app.bootstrap import Database
from console.services.calls import drafts
from console.services.calls.workstation import CallState, WarningDetail
from console.services.core.context import ROLE_LABELS, Actor, ServiceContext, ServiceError, allowed
from console.services.core.storage import describe_storage_error
from console.services.core.vocabulary import RISK_LEVEL_LABELS, RISK_LEVEL_ORDER, QueueItemStatus
from console.services.queue import claims as queue
from console.services.queue import mine
from console.services.security.session_policy import IdleTimer
from console.services.telephony import agents
from console.services.telephony.settings import TelephonySettings, load_telephony_settings
from console.ui.agent_state import PAUSE_KEY, AgentStateKeeper
from console.ui.call_guard import CallGuard, refuse_during_call
from console.ui.draft_keeper import DraftEntry, DraftKeeper
from console.ui.errors import error_text
from console.ui.find_actions import FindActions
from console.ui.held_items import HeldItems
from console.ui.idle_lock import IdleLockGuard, LockDialog
from console.ui.inbound_calls import InboundCalls
from console.ui.live_updates import QueueChangeListener
from console.ui.my_items_panel import MyItemsPanel
from console.ui.phone_line import PhoneLine
from console.ui.queue_panel import QueuePanel
from console.ui.tasks import Change, TaskRunner
from console.ui.tool_windows import ToolWindowHost
from console.ui.workstation_view import WorkstationView
from scripts_library import ScriptLibrary

POLL_MS = 2000


class MainWindow(ToolWindowHost):
    logout_requested = Signal()  # the operator logged out: the application asks the next login

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner | None = None,
                 parent: QWidget | None = None, *,
                 drafts: DraftKeeper | None = None, library: ScriptLibrary | None = None,
                 idle_timer: IdleTimer | None = None, telephony: TelephonySettings | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self.ctx: ServiceContext = database.context(actor)
        self.runner = runner or TaskRunner(self)
        self._seen_version: int | None = None
        self._refreshing = False
        self._queue_stale = False
        self._flushing = False
        self.setWindowTitle(self.tr("预警劝阻工作台 — {name}（{role}）").format(
            name=actor.display_name or actor.login, role=ROLE_LABELS.get(actor.role, actor.role)))
        available = self.screen().availableGeometry()
        self.resize(min(1600, available.width()), min(960, available.height()))

        self.settings = self.ctx.settings.workstation
        self.can_work = queue_allowed(self.actor)
        self.sees_people = allowed(actor, "people.view")  # trainers get no personal data
        self.drafts = drafts or DraftKeeper(actor)

        self.queue_panel = QueuePanel(self.ctx.now, centre_clock=self.ctx.centre_clock)
        self.my_items = MyItemsPanel(self.ctx.now, self.ctx.centre_clock)
        self.phone = self._build_phone(telephony)
        self.workstation = WorkstationView(self.ctx, self.runner, self.settings, self.drafts, library,
                                           phone=self.phone)
        self.warning_panel = self.workstation.warning_panel
        self.call_panel = self.workstation.call_panel
        self.outcome_panel = self.workstation.outcome_panel
        self.script_view = self.workstation.script_view
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.queue_panel)
        left.addWidget(self.my_items)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        left.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.workstation)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([400, 1200] if self.width() < 1500 else [480, 1120])
        splitter.setChildrenCollapsible(False)
        self.held = HeldItems(self.ctx, self.runner, self.workstation, self.drafts, self.my_items, self)
        self.guard = CallGuard(self.workstation, self)
        self._leaving = False
        self._tool_windows: dict[str, QWidget] = {}
        self.sees_queue = self.sees_people and (self.can_work or allowed(actor, "queue.manage"))
        self.logged_out = False
        if self.sees_people:
            self.setCentralWidget(splitter)
        else:
            # Trainers work on rehearsals and masked case reviews only: the training window is their desk.
            from console.ui.training import TrainingWindow

            training = TrainingWindow(database, actor, self.runner)
            training.setWindowFlags(Qt.WindowType.Widget)
            self.setCentralWidget(training)
            self.training_view = training
            splitter.setParent(self)
            splitter.hide()

        self.agent = AgentStateKeeper(self.ctx, self.runner, self)
        self.inbound = InboundCalls(self.ctx, self.runner, self.phone, self.workstation, self) \
            if self.phone is not None else None
        self.queue_panel.next_requested.connect(self.claim_next)
        self.queue_panel.entry_selected.connect(self._entry_selected)
        self.my_items.item_chosen.connect(self._held_item_chosen)
        self.runner.data_changed.connect(self._data_changed)
        self.workstation.escalation_requested.connect(self.open_escalation)

        self._build_actions()
        self.find_actions = FindActions(self)  # Ctrl+F find, Ctrl+B callback, take a named item
        self._build_status_bar()
        self._wire_agent_state()
        self._build_idle_lock(idle_timer)

        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.check_for_changes)
        self.poll_timer.start()
        self.change_listener: QueueChangeListener | None = None
        if not database.is_sqlite:  # other seats' changes arrive at once through NOTIFY
            self.change_listener = QueueChangeListener(database, self)
            self.change_listener.queue_changed.connect(self.check_for_changes)
            self.change_listener.start()
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self.queue_panel.model.tick)
        self.tick_timer.timeout.connect(self.my_items.tick)
        self.tick_timer.timeout.connect(self.warning_panel.tick)
        self.tick_timer.start()
        if self.sees_people:
            self.refresh_queue()
            if self.can_work:
                self.reopen_drafts()

    # -- actions -------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.next_action = self._action(self.tr("下一条"), "F2", self.claim_next, self.tr("领取并打开最紧急的一条"))
        self.refresh_action = self._action(self.tr("刷新队列"), "F5", self.refresh_queue)
        self.release_action = self._action(self.tr("退回队列"), "F8", self.workstation.release,
                                           self.tr("把当前条目退回队列"))
        self.escape_action = self._action(self.tr("回到话术 / 挂断"), "Esc",
                                          self.workstation.hang_up_or_focus_script)
        self.help_action = self._action(self.tr("快捷键帮助"), "F1", self.show_help)
        self.quit_action = self._action(self.tr("退出"), "Ctrl+Q", self.request_quit)
        self.logout_action = self._action(self.tr("注销（换人登录）"), "Ctrl+Shift+L", self.request_logout)

        work = self.menuBar().addMenu(self.tr("工作(&W)"))
        for action in (self.next_action, self.refresh_action, self.release_action):
            work.addAction(action)
        self.export_action: QAction | None = None
        if allowed(self.actor, "export.data") and self.sees_people:
            self.export_action = self._action(self.tr("导出队列…"), "Ctrl+Shift+S", self.export_queue,
                                              self.tr("把当前队列导出为 CSV 或 XLSX（个人信息脱敏，记入审计）"))
            work.addAction(self.export_action)
        work.addSeparator()
        work.addAction(self.logout_action)
        work.addAction(self.quit_action)
        self.work_menu = work
        self._build_tool_window_actions()
        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        help_menu.addAction(self.help_action)
        self.about_action = QAction(self.tr("关于预警劝阻工作台"), self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

        toolbar = QToolBar(self.tr("工具栏"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.next_action, self.refresh_action, self.release_action, self.help_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

        self.next_action.setEnabled(self.can_work)
        self.release_action.setEnabled(self.can_work)
        if not self.can_work:  # the keys still answer: a role that takes no warnings is told so
            self.no_work_actions = [self._action(action.text(), key, lambda _c=False, t=action.text(): self._denied(t))
                                    for action, key in ((self.next_action, "F2"), (self.release_action, "F8"))]
        self.queue_panel.next_button.setEnabled(self.can_work)
        if not self.sees_people:
            for action in (self.next_action, self.refresh_action, self.release_action):
                action.setVisible(False)

    def _build_idle_lock(self, timer: IdleTimer | None) -> None:
        self.idle_guard = IdleLockGuard(timer or IdleTimer.from_policy(self.ctx.settings.security), self)
        self.idle_guard.locked.connect(self.lock_screen)
        self.lock_action = self._action(self.tr("锁定屏幕"), "Ctrl+L", self.request_lock)
        self.work_menu.insertAction(self.quit_action, self.lock_action)

    def request_lock(self) -> None:
        """Ctrl+L: refused during a live call; otherwise the draft is written and the screen locks."""
        if self.workstation.in_live_call:
            refuse_during_call(self, self.tr("锁定屏幕"))
            return
        self.idle_guard.lock_now()

    def lock_screen(self) -> None:
        """Hide everything personal until the same user unlocks; the call in hand stays, its draft on disk.

        The idle lock waits while a call is live: an operator talking does not touch the keyboard."""
        if self.workstation.in_live_call:
            self.idle_guard.unlocked()
            return
        self.workstation.keep_draft()
        central = self.centralWidget()
        if central is not None:
            central.hide()
        dialog = LockDialog(self.ctx, self)
        self.lock_dialog = dialog

        def unlocked() -> None:
            if central is not None:
                central.show()
            self.idle_guard.unlocked()

        dialog.accepted.connect(unlocked)
        dialog.open()

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.setStatusBar(bar)
        centre = self.ctx.settings.centre
        self.user_label = QLabel(self.tr("{centre}　席位 {seat}　{name}（{login}，{role}）").format(
            centre=centre.unit_name or self.tr("反诈中心"), seat=self.actor.seat or centre.seat_name or "-",
            name=self.actor.display_name or self.actor.login, login=self.actor.login,
            role=ROLE_LABELS.get(self.actor.role, self.actor.role)))
        self.connection_label = QLabel(self.tr("数据库已连接"))
        self.connection_label.setToolTip(self.database.description)  # the path is for the about box, not the bar
        self.depth_label = QLabel()
        self.busy_label = QLabel()
        self.phone_status_label = QLabel(self.tr("软电话：{account}").format(account=self.phone.settings.account)
                                         if self.phone is not None else self.tr("手动拨号（未配置软电话）"))
        if self.telephony_problem:
            self.phone_status_label.setText(self.tr("电话配置有误，改为手动拨号：") + self.telephony_problem)
        for widget in (self.user_label, self.phone_status_label, self.connection_label, self.depth_label):
            bar.addPermanentWidget(widget)
        bar.addWidget(self.busy_label)
        # A bound method, not a lambda: Qt drops the connection when this window is destroyed, while a
        # runner passed in from outside may live on.
        self.runner.busy_changed.connect(self._show_busy)

    def _show_busy(self, busy: bool) -> None:
        self.busy_label.setText(self.tr("正在处理…") if busy else "")

    def _build_phone(self, telephony: TelephonySettings | None) -> PhoneLine | None:
        """The seat's SIP line when telephony is configured and this user makes calls; None: manual dialling."""
        self.telephony_problem = ""
        if not (self.can_work and allowed(self.actor, "call.log") and self.sees_people):
            return None
        try:
            telephony = telephony or load_telephony_settings()
        except ServiceError as exc:
            self.telephony_problem = str(exc)
            return None
        if not telephony.configured:
            return None
        phone = PhoneLine(telephony, self.database.data_dir, self)
        phone.start()
        return phone

    def _wire_agent_state(self) -> None:
        self.agent_label = QLabel()
        self.statusBar().addPermanentWidget(self.agent_label)
        self.agent.state_changed.connect(self.agent_label.setText)
        if not (self.can_work and allowed(self.actor, "call.log") and self.sees_people):
            return
        self.pause_action = self._action(self.tr("小休 / 就绪"), PAUSE_KEY, lambda: self.agent.toggle_pause(self),
                                         self.tr("小休期间不分配新预警；再按一次恢复就绪"))
        self.call_panel.call_started.connect(self.agent.call_started)
        self.call_panel.call_ended.connect(self.agent.call_ended)
        self.workstation.item_closed.connect(self.agent.item_closed)
        self.agent.item_in_hand = self._item_in_hand
        self.agent.start()

    def _item_in_hand(self) -> int | None:
        state = self.workstation.state
        return state.queue_item_id if state is not None and self.workstation.holds_claim else None

    # -- leaving the seat ------------------------------------------------------------------
    def _leave_seat(self, what: str) -> bool:
        """Ask what the call guard asks; give the held items back only when the operator ticked it."""
        current = [self.workstation.state.queue_item_id] if self.workstation.holds_claim and \
            self.workstation.state is not None and self.workstation.state.queue_item_id else []
        held = sorted(set(self.my_items.held_ids()) | {i for i in current if i is not None})
        leave = self.guard.check(what, leaving_seat=True, held=len(held) if self.can_work else 0)
        if not leave.proceed:
            return False
        if leave.release_held and held:
            self.held.release_all(held)
            self.runner.wait_all()
        self._leaving = True
        return True

    def request_quit(self) -> None:
        if self._leave_seat(self.tr("退出")):
            self.close()

    def request_logout(self) -> None:
        if self._leave_seat(self.tr("注销")):
            self.logged_out = True
            self.close()
            self.logout_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window system's close button asks like Ctrl+Q; a close from the program (shutdown) keeps
        # every draft on disk without asking.
        if event.spontaneous() and not self._leaving and not self._leave_seat(self.tr("退出")):
            event.ignore()
            return
        self.held.stop()
        self.poll_timer.stop()  # a logged-out window asks nothing more of the database
        if self.phone is not None:
            self.phone.shutdown()
        if self.agent.timer.isActive():
            self.agent.stop()
        if self.change_listener is not None:
            self.change_listener.stop()
        super().closeEvent(event)

    # -- live queue ----------------------------------------------------------------------
    def check_for_changes(self) -> None:
        if self._refreshing or not self.sees_queue:
            return
        ctx = self.ctx
        self.runner.run(lambda: queue.queue_version(ctx), self._version_checked, self._connection_failed)

    def _version_checked(self, version: int) -> None:
        self.connection_label.setText(self.tr("数据库已连接"))
        self.connection_label.setStyleSheet("")
        if version != self._seen_version:
            self.refresh_queue()
        self.flush_outbox()

    def flush_outbox(self) -> None:
        """Write calls kept locally while the server was unreachable, once it answers again."""
        if self._flushing or not self.can_work or not drafts.pending_calls(self.actor.login):
            return
        self._flushing = True
        ctx = self.ctx

        def flushed(count: int) -> None:
            self._flushing = False
            if count:
                self.statusBar().showMessage(self.tr("已补写 {n} 条暂存的通话记录").format(n=count), 10000)

        def failed(exc: BaseException) -> None:
            self._flushing = False
            self._connection_failed(exc)

        self.runner.run(lambda: drafts.flush_outbox(ctx), flushed, failed, changes=Change.CALLS)

    def _data_changed(self, kind: str) -> None:
        """The one broadcast: anything but training can change the queue this window shows."""
        if kind != Change.TRAINING and self.sees_people:
            self.refresh_queue()

    def refresh_queue(self) -> None:
        if not self.sees_queue:  # a trainer's desk asks nothing of the operators' queue
            return
        if self._refreshing:
            self._queue_stale = True  # read again once the read in flight is in
            return
        self._refreshing = True
        self._queue_stale = False
        ctx = self.ctx

        can_work = self.can_work

        def load() -> tuple[int, list[Any], list[Any]]:
            version = queue.queue_version(ctx)
            return version, queue.list_open(ctx), (mine.my_items(ctx) if can_work else [])

        self.runner.run(load, self._queue_loaded, self._queue_failed)

    def _queue_loaded(self, result: tuple[int, list[Any], list[Any]]) -> None:
        self._refreshing = False
        self._seen_version, entries, held = result
        self.queue_panel.set_entries(entries)
        self.held.show(held)
        counts = {level: 0 for level in RISK_LEVEL_ORDER}
        for entry in entries:
            if entry.status == QueueItemStatus.OPEN:
                counts[entry.risk_level] = counts.get(entry.risk_level, 0) + 1
        self.depth_label.setText(self.tr("待领取：") + " ".join(
            f"{RISK_LEVEL_LABELS[level]}{counts[level]}" for level in RISK_LEVEL_ORDER))
        if self._queue_stale:
            self.refresh_queue()

    def _queue_failed(self, exc: BaseException) -> None:
        self._refreshing = False
        self._connection_failed(exc)

    def _connection_failed(self, exc: BaseException) -> None:
        self.connection_label.setText(self.tr("连接异常：") + describe_storage_error(exc))
        self.connection_label.setStyleSheet("color: #cf222e; font-weight: bold;")

    def leave_item(self, what: str) -> tuple[bool, int | None]:
        """The call guard for F2, a row switch and 我的处理中; returns (go on, an untouched claim to give back)."""
        workstation = self.workstation
        if not workstation.busy_with_claim:
            return True, None
        untouched = not workstation.in_live_call and not workstation.has_unsaved
        if not self.guard.check(what).proceed:
            return False, None
        if untouched and workstation.state is not None:
            item_id = workstation.state.queue_item_id if workstation.holds_claim else None
            workstation.discard_current(release=False)
            return True, item_id
        return True, None

    def take_instead(self, what: str, take: Callable[[], Any], reason: str,
                     on_taken: Callable[[Any, int | None], None], on_failure: Callable[[BaseException], None]) -> bool:
        """Leave the item in hand (the call guard asks first) and take another one off the GUI thread.

        An untouched claim left behind goes back to the queue once ``take`` has run: claimed first,
        so the untouched item is not handed straight back.  ``on_taken`` gets the entry taken (None:
        nothing to take) and the id given back (None: there was none).  F2 and taking a named item (a
        search, a queue row) both come here.  Returns False when the guard kept the item in hand."""
        proceed, untouched = self.leave_item(what)
        if not proceed:
            return False
        ctx = self.ctx

        def work() -> Any:
            entry = take()
            if untouched is not None:
                queue.release(ctx, untouched, reason)
            return entry

        self.runner.run(work, lambda entry: on_taken(entry, untouched), on_failure, changes=Change.QUEUE)
        return True

    def claim_next(self) -> None:
        if not self.can_work:
            return
        if self.agent.paused:
            self.statusBar().showMessage(self.tr("正在小休，不分配新的预警；按 F12 恢复就绪"), 8000)
            return
        ctx = self.ctx
        self.next_action.setEnabled(False)  # before the guard's question: F2 again does not claim twice
        if not self.take_instead(self.tr("领取下一条"), lambda: agents.claim_next_for_agent(ctx), "未处理，领取下一条",
                                 self._claimed, self._claim_failed):
            self.next_action.setEnabled(True)

    def _claimed(self, entry: Any, released: int | None = None) -> None:
        self.next_action.setEnabled(True)
        if entry is None:
            self.statusBar().showMessage(self.tr("队列中暂无可领取的条目"), 5000)
            return
        self.workstation.open_claimed(entry)
        self.queue_panel.select_item(entry.item_id)
        self.my_items.set_current(entry.item_id)
        if released is not None:
            self.statusBar().showMessage(self.tr("上一条未作任何处理，已退回队列"), 5000)

    def _entry_selected(self, entry: Any) -> None:
        current = self.workstation.entry
        if self.workstation.busy_with_claim and (entry is None or (current is not None
                                                                   and entry.item_id == current.item_id)):
            return
        proceed, untouched = self.leave_item(self.tr("查看其他条目"))
        if not proceed:
            if current is not None:
                self.queue_panel.select_item(current.item_id)  # the row of the call in hand stays selected
            return
        if untouched is not None:
            self.held.release_all([untouched])
        self.my_items.set_current(None)
        self.workstation.browse(entry)

    def _held_item_chosen(self, entry: Any) -> None:
        """我的处理中: reopen one of this operator's items with its draft (the guard asks first)."""
        current = self.workstation.entry
        if current is not None and entry.item_id == current.item_id:
            return
        proceed, untouched = self.leave_item(self.tr("打开其他条目"))
        if not proceed:
            return
        if untouched is not None:
            self.held.release_all([untouched])
        self.held.open(entry)

    # -- drafts --------------------------------------------------------------------------
    def reopen_drafts(self) -> None:
        """After a crash: reopen the call this operator was in, with everything typed."""
        states = self.drafts.load_all()
        if not states:
            return
        state = states[0]
        ctx = self.ctx

        def load() -> tuple[Any, bool]:
            held = False
            if state.queue_item_id is not None:
                try:
                    queue.renew_lease(ctx, state.queue_item_id)
                    held = True
                except ServiceError:
                    held = False
            entries = [e for e in queue.my_claims(ctx) if e.item_id == state.queue_item_id]
            return (entries[0] if entries else None), held

        self.runner.run(load, lambda result: self._draft_ready(state, *result), self._connection_failed)

    def _draft_ready(self, state: CallState, entry: Any, held: bool) -> None:
        if entry is None:
            entry = DraftEntry.from_state(state)
        self.workstation.open_claimed(entry, state, holds_claim=held)
        self.my_items.set_current(entry.item_id)
        self.statusBar().showMessage(self.tr("已恢复未保存的通话草稿"), 10000)
        if held:
            self.queue_panel.select_item(entry.item_id)

    # -- escalation ----------------------------------------------------------------------
    def open_escalation(self, detail: WarningDetail) -> None:
        from console.ui.escalation_dialog import EscalationDialog

        dialog = EscalationDialog(self.ctx, self.runner, detail.warning_id, parent=self, person_id=detail.person_id)
        if dialog.exec():
            self.workstation.escalation_done()

    def _claim_failed(self, exc: BaseException) -> None:
        self.next_action.setEnabled(True)
        QMessageBox.warning(self, self.tr("领取失败"), error_text(exc))


def queue_allowed(actor: Actor) -> bool:
    return allowed(actor, "queue.work")
