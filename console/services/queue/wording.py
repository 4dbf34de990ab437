"""How a queue entry's state reads, the same wherever a person sees it: the seat's queue, the duty
supervisor's lists, the printed (exported) queue and `dissuade queue list`.

An agreed callback (约定回拨) is an open item whose ``not_before`` lies ahead, as a failed dial waiting
for its retry is; but it is an appointment the operator made with the person, so it never reads
"待重拨".  It reads "约定回拨 15:00（op01 约定）": the agreed time (its ``deadline_at``; the date too when
it is not today on the centre's clock) and the operator who agreed it, until the grace after the agreed
time has passed and any operator may take it (then it is an open item like any other).
"""

from __future__ import annotations

import datetime as dt

from console.services.core.clock import CentreClock
from console.services.core.vocabulary import AGREED_CALLBACK_LABEL, QUEUE_STATE_LABELS, QueueItemKind
from console.services.queue.store import QueueEntry


def is_agreed_callback(entry: QueueEntry, now: dt.datetime) -> bool:
    """A callback still reserved for the operator who agreed it (its grace has not run out)."""
    return (entry.kind == QueueItemKind.CALLBACK and entry.status == "waiting"
            and entry.not_before is not None and entry.not_before > now)


def agreed_time_text(entry: QueueEntry, now: dt.datetime, clock: CentreClock) -> str:
    """The agreed time: “15:00” today, “12-03 15:00” on another day (centre's clock)."""
    if entry.deadline_at is None:
        return ""
    same_day = clock.local(entry.deadline_at).date() == clock.local(now).date()
    return clock.format(entry.deadline_at, "%H:%M" if same_day else "%m-%d %H:%M")


def agreed_callback_text(entry: QueueEntry, now: dt.datetime, clock: CentreClock) -> str:
    """“约定回拨 15:00（op01 约定）”."""
    when = agreed_time_text(entry, now, clock)
    who = f"（{entry.agreed_by} 约定）" if entry.agreed_by else ""
    return AGREED_CALLBACK_LABEL + (f" {when}" if when else "") + who


def agreed_callback_short(entry: QueueEntry, now: dt.datetime, clock: CentreClock) -> str:
    """“约定 15:00”: the same words in a narrow column (the seat's queue), who agreed it in its holder column."""
    return f"约定 {agreed_time_text(entry, now, clock)}".strip()


def agreed_callback_tip(entry: QueueEntry, now: dt.datetime, clock: CentreClock) -> str:
    """The longer sentence for a tooltip or a detail box: whose appointment, and from when anyone may call."""
    who = entry.agreed_by or "接线员"
    opens = clock.format(entry.not_before, "%m-%d %H:%M") if entry.not_before else ""
    return (f"{who} 与当事人约定在 {agreed_time_text(entry, now, clock)} 回拨（不是拨打失败后的重拨）；"
            f"{opens} 前由 {who} 回拨，之后其他接线员也可领取")


def state_text(entry: QueueEntry, now: dt.datetime, clock: CentreClock) -> str:
    """待领取 / 处理中 / 待重拨, or the agreed callback as :func:`agreed_callback_text` says it."""
    if is_agreed_callback(entry, now):
        return agreed_callback_text(entry, now, clock)
    return QUEUE_STATE_LABELS.get(entry.status, entry.status)
