"""The automated voice-warning lane: which warnings enter it, and the loop that calls them.

:func:`start_campaign` puts the open blue / yellow warnings named by the ``voice`` settings (level
and fraud type) into a new campaign; red and orange are refused, they stay with the operators.
:func:`run_campaign` calls the campaign's due items on ``channels`` lines at once
(:class:`VoiceLines`: one SIP engine per line), between calls it rereads the campaign's status from
the database, so a pause or a stop given in the supervisor's view or on the command line holds every
loop (a stop also hangs up the calls in progress).  Before each dial it keeps the quiet hours (centre
time, nothing is dialled), the per-person daily limit (the item waits for the next day) and the
retry ladder (busy, no answer: a later try, ``max_attempts`` in all).  A run returns when nothing is
due, when the campaign is paused or stopped, or in the quiet hours; calling it again goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import queue
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.levels import effective_level_sql
from console.services.core.settings import VOICE_LEVELS_ALLOWED
from console.services.core.vocabulary import (
    FRAUD_TYPE_LABELS,
    RISK_LEVEL_LABELS,
    VoiceCampaignStatus,
    VoiceItemStatus,
    VoiceResult,
    WarningStatus,
)
from console.services.telephony.baresip import BaresipEngine, free_port, listen_address
from console.services.telephony.dialer import CallControl
from console.services.telephony.engine import EngineError, TelephonyEngine
from console.services.telephony.recordings import RECORDINGS_FOLDER
from console.services.telephony.settings import TelephonySettings, load_telephony_settings
from console.services.voice import templates
from console.services.voice.call import automated_calls_today, play_warning, record_outcome
from db.engine import data_dir
from db.models import Person, VoiceCampaign, VoiceCampaignItem, Warning

LIVE_CAMPAIGN = (VoiceCampaignStatus.RUNNING, VoiceCampaignStatus.PAUSED)
RETRYABLE = {VoiceResult.BUSY: "busy", VoiceResult.NO_ANSWER: "no_answer", VoiceResult.UNREACHABLE: "unreachable",
             VoiceResult.FAILED: "failed"}
POLL_S = 0.5
STALE_CALL = dt.timedelta(minutes=15)  # far longer than any automated call


def _require(ctx: ServiceContext) -> None:
    ctx.require("queue.manage")


def check_levels(levels: tuple[str, ...]) -> tuple[str, ...]:
    refused = [level for level in levels if level not in VOICE_LEVELS_ALLOWED]
    if refused:
        names = "、".join(f"{RISK_LEVEL_LABELS.get(level, level)}色" for level in refused)
        raise ServiceError(f"{names}预警不能只由自动语音提示处理，必须由民警人工劝阻")
    if not levels:
        raise ServiceError("请至少选择一个预警等级（蓝、黄）")
    return levels


def start_campaign(ctx: ServiceContext, *, levels: tuple[str, ...] | None = None,
                   fraud_types: tuple[str, ...] | None = None, limit: int | None = None,
                   channels: int | None = None) -> int:
    """A new campaign over the open warnings of ``levels`` (default: the settings) not yet in a live one."""
    _require(ctx)
    voice = ctx.settings.voice
    chosen = check_levels(tuple(levels) if levels is not None else voice.levels)
    types = tuple(fraud_types) if fraud_types is not None else voice.fraud_types
    unknown = [code for code in types if code not in FRAUD_TYPE_LABELS]
    if unknown:
        raise ServiceError(f"未知的诈骗类型：{'、'.join(unknown)}")
    if limit is not None and limit <= 0:
        raise ServiceError("--limit 应为正整数")
    now = ctx.now()
    with ctx.session() as session:
        in_live = (select(VoiceCampaignItem.warning_id).join(VoiceCampaign)
                   .where(VoiceCampaign.status.in_(LIVE_CAMPAIGN)))
        query = (select(Warning.id, Warning.person_id).join(Person, Person.id == Warning.person_id)
                 .where(Warning.status != WarningStatus.CLOSED, Warning.erased_at.is_(None), Person.phone != "",
                        effective_level_sql().in_(chosen), Warning.id.not_in(in_live))
                 .order_by(Warning.received_at, Warning.id))
        if types:
            query = query.where(Warning.fraud_type.in_(types))
        if limit is not None:
            query = query.limit(limit)
        rows = session.execute(query).all()
        campaign = VoiceCampaign(status=VoiceCampaignStatus.RUNNING, levels=list(chosen), fraud_types=list(types),
                                 channels=channels or voice.channels, created_by=ctx.actor.user_id, created_at=now)
        session.add(campaign)
        session.flush()
        session.add_all(VoiceCampaignItem(campaign_id=campaign.id, warning_id=warning_id, person_id=person_id,
                                          status=VoiceItemStatus.PENDING, updated_at=now)
                        for warning_id, person_id in rows)
        audit.record(session, ctx.actor, "voice_campaign_start", object_type="voice_campaign",
                     object_id=campaign.id, reason="自动语音提示",
                     details={"levels": list(chosen), "fraud_types": list(types), "warnings": len(rows),
                              "channels": campaign.channels}, at=now)
        return campaign.id


def set_campaign_status(ctx: ServiceContext, campaign_id: int, status: str) -> None:
    """Pause, resume (running) or stop a campaign; every loop running it obeys between calls."""
    _require(ctx)
    moves = {VoiceCampaignStatus.PAUSED: {VoiceCampaignStatus.RUNNING},
             VoiceCampaignStatus.RUNNING: {VoiceCampaignStatus.PAUSED},
             VoiceCampaignStatus.STOPPED: set(LIVE_CAMPAIGN)}
    if status not in moves:
        raise ServiceError(f"未知的活动状态：{status}")
    with ctx.session() as session:
        campaign = session.get(VoiceCampaign, campaign_id, with_for_update=True)
        if campaign is None:
            raise NotFound(f"语音提示活动 {campaign_id} 不存在")
        if campaign.status == status:
            return
        if campaign.status not in moves[VoiceCampaignStatus(status)]:
            raise ServiceError("该语音提示活动已结束，不能再更改")
        campaign.status = status
        if status == VoiceCampaignStatus.STOPPED:
            campaign.finished_at = ctx.now()
        audit.record(session, ctx.actor, f"voice_campaign_{status}", object_type="voice_campaign",
                     object_id=campaign_id, reason="自动语音提示", at=ctx.now())


def set_campaign_channels(ctx: ServiceContext, campaign_id: int, channels: int) -> None:
    _require(ctx)
    if channels <= 0:
        raise ServiceError("并发线路数应为正整数")
    with ctx.session() as session:
        session.execute(update(VoiceCampaign).where(VoiceCampaign.id == campaign_id).values(channels=channels))


# ---- lines ----------------------------------------------------------------------------------------
EngineFactory = Callable[[int], TelephonyEngine]


class VoiceLines:
    """The lines automated calls go out on: ``count`` engines, each carrying one call at a time."""

    def __init__(self, settings: TelephonySettings, data_root: Path, *, factory: EngineFactory | None = None,
                 recordings_dir: Path | None = None) -> None:
        if not settings.configured:
            raise ServiceError("未配置软电话（telephony.yaml 的 account 和 dial）：无法自动外呼")
        self.settings = settings
        self.data_root = data_root
        self.cache_dir = data_root / templates.CACHE_FOLDER
        self.recordings_dir = recordings_dir if recordings_dir is not None else data_root / RECORDINGS_FOLDER
        self.factory = factory or self._baresip_line
        self.engines: list[TelephonyEngine] = []

    def _baresip_line(self, index: int) -> TelephonyEngine:
        """Line ``index``: the seat's account on a free port of the seat's address (the seat's own
        engine may hold its usual port for the workstation and inbound calls)."""
        host, _port = listen_address(self.settings)
        listen = f"{host}:{free_port(pair=True, host='127.0.0.1' if host == '0.0.0.0' else host)}"  # noqa: S104
        return BaresipEngine(dataclasses.replace(self.settings, listen=listen), self.data_root / f"vl{index}")

    @contextlib.contextmanager
    def opened(self, count: int) -> Iterator[queue.Queue[TelephonyEngine]]:
        """Start ``count`` engines; yields the queue of free ones; stops them all afterwards."""
        free: queue.Queue[TelephonyEngine] = queue.Queue()
        started: list[TelephonyEngine] = []
        try:
            for index in range(count):
                engine = self.factory(index)
                engine.start()
                started.append(engine)
                free.put(engine)
            self.engines = started
            yield free
        finally:
            for engine in started:
                with contextlib.suppress(EngineError):
                    engine.stop()
            self.engines = []


def default_lines() -> VoiceLines:
    """The lines of this seat: the telephony settings and the user data directory."""
    return VoiceLines(load_telephony_settings(), data_dir())


# ---- the loop -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunReport:
    campaign_id: int
    calls: int
    stopped_by: str  # done | idle (next try later) | paused | stopped | quiet_hours
    seconds: float
    next_at: dt.datetime | None = None


@dataclass(frozen=True)
class _Due:
    item_id: int
    warning_id: int
    phone: str
    message: templates.VoiceMessage


def _status(ctx: ServiceContext, campaign_id: int) -> tuple[str, int]:
    with ctx.sessions() as session:
        campaign = session.get(VoiceCampaign, campaign_id)
        if campaign is None:
            raise NotFound(f"语音提示活动 {campaign_id} 不存在")
        return campaign.status, campaign.channels


def _next_day_start(ctx: ServiceContext) -> dt.datetime:
    clock = ctx.centre_clock
    return clock.at(clock.today(ctx.now()) + dt.timedelta(days=1), ctx.settings.voice.quiet_end)


def _take_due(ctx: ServiceContext, campaign_id: int) -> _Due | None | dt.datetime:
    """Mark the next due item as calling; None when nothing is left, else the time of the next try."""
    voice, now = ctx.settings.voice, ctx.now()
    with ctx.session() as session:
        rows = session.execute(
            select(VoiceCampaignItem, Warning, Person).join(Warning, Warning.id == VoiceCampaignItem.warning_id)
            .join(Person, Person.id == VoiceCampaignItem.person_id)
            .where(VoiceCampaignItem.campaign_id == campaign_id, VoiceCampaignItem.status == VoiceItemStatus.PENDING)
            .order_by(VoiceCampaignItem.next_at.is_not(None), VoiceCampaignItem.next_at, VoiceCampaignItem.id)
        ).all()
        later: dt.datetime | None = None
        for item, warning, person in rows:
            if item.next_at is not None and item.next_at > now:
                later = item.next_at if later is None else min(later, item.next_at)
                continue
            if warning.status == WarningStatus.CLOSED or warning.erased_at is not None:
                item.status, item.updated_at = VoiceItemStatus.DONE, now  # an operator finished it meanwhile
                continue
            calling = session.execute(select(func.count()).select_from(VoiceCampaignItem).where(
                VoiceCampaignItem.person_id == person.id, VoiceCampaignItem.status == VoiceItemStatus.CALLING)
            ).scalar_one()
            if calling:  # another line is calling this person right now (a second warning of theirs)
                soon = now + dt.timedelta(minutes=1)
                later = soon if later is None else min(later, soon)
                continue
            if automated_calls_today(session, ctx, person.id) >= voice.max_calls_per_person_per_day:
                item.next_at, item.updated_at = _next_day_start(ctx), now
                later = item.next_at if later is None else min(later, item.next_at)
                continue
            item.status, item.updated_at = VoiceItemStatus.CALLING, now
            return _Due(item.id, warning.id, person.phone, templates.message_for_person(
                ctx.settings, warning.fraud_type, name=person.name, sex=person.sex,
                profile_group=person.profile_group, age_band=person.age_band))
        return later


def _call_one(ctx: ServiceContext, lines: VoiceLines, engine: TelephonyEngine, due: _Due,
              control: CallControl) -> None:
    voice, settings = ctx.settings.voice, ctx.settings
    message = due.message
    audio = templates.message_audio(settings, message.text, message.audience, lines.cache_dir,
                                    trailing_silence_s=voice.wait_for_key_s)
    confirm = templates.message_audio(settings, templates.shipped_templates().confirm, message.audience,
                                      lines.cache_dir, trailing_silence_s=templates.CONFIRM_SILENCE_S)
    longest = (audio.speech_s + voice.wait_for_key_s) * (voice.max_replays + 1) + confirm.speech_s + 10
    call = play_warning(engine, lines.settings, lines.settings.dial_uri(due.phone), audio.path, confirm.path,
                        ring_timeout=voice.ring_timeout_s, max_talk_s=longest, max_replays=voice.max_replays,
                        recordings_dir=lines.recordings_dir, control=control, clock=ctx.clock)
    recorded = record_outcome(ctx, due.warning_id, due.phone, call, call_uuid=str(uuid.uuid4()),
                              message_key=message.key, played=message.text)
    result, now = call.voice_result, ctx.now()
    with ctx.session() as session:
        item = session.get(VoiceCampaignItem, due.item_id, with_for_update=True)
        if item is None:
            return
        item.attempts += 1
        item.last_result, item.call_attempt_id, item.updated_at = result.value, recorded.attempt_id, now
        item.message_key, item.message_text = message.key, message.text
        item.listened_s = max(item.listened_s, call.listened_s)
        item.replays += call.replays
        item.callback_item_id = recorded.callback_item_id or item.callback_item_id
        if result in RETRYABLE:
            if item.attempts >= voice.max_attempts:
                item.status, item.next_at = VoiceItemStatus.GIVEN_UP, None
            else:
                minutes = voice.retry_minutes.get(RETRYABLE[result], 30)
                item.status, item.next_at = VoiceItemStatus.PENDING, now + dt.timedelta(minutes=minutes)
        else:
            item.status, item.next_at = VoiceItemStatus.DONE, None


def _release(ctx: ServiceContext, item_id: int) -> None:
    """An item whose call could not be placed goes back to pending (counted as a failed try)."""
    with ctx.session() as session:
        item = session.get(VoiceCampaignItem, item_id)
        if item is not None and item.status == VoiceItemStatus.CALLING:
            item.status, item.last_result = VoiceItemStatus.PENDING, VoiceResult.FAILED.value
            item.next_at = ctx.now() + dt.timedelta(minutes=ctx.settings.voice.retry_minutes.get("failed", 30))


def _recover_stale(ctx: ServiceContext, campaign_id: int) -> None:
    """Items left "calling" by a loop that died (a closed console, a crash) go back to pending."""
    with ctx.session() as session:
        session.execute(update(VoiceCampaignItem).where(
            VoiceCampaignItem.campaign_id == campaign_id, VoiceCampaignItem.status == VoiceItemStatus.CALLING,
            VoiceCampaignItem.updated_at < ctx.now() - STALE_CALL).values(status=VoiceItemStatus.PENDING))


def _finish(ctx: ServiceContext, campaign_id: int) -> None:
    with ctx.session() as session:
        campaign = session.get(VoiceCampaign, campaign_id, with_for_update=True)
        if campaign is not None and campaign.status == VoiceCampaignStatus.RUNNING:
            campaign.status, campaign.finished_at = VoiceCampaignStatus.FINISHED, ctx.now()


def run_campaign(ctx: ServiceContext, campaign_id: int, lines: VoiceLines, *,
                 on_progress: Callable[[], None] | None = None) -> RunReport:
    """Call the campaign's due items until nothing is due, it is paused or stopped, or quiet hours begin."""
    _require(ctx)
    status, channels = _status(ctx, campaign_id)
    if status != VoiceCampaignStatus.RUNNING:
        return RunReport(campaign_id, 0, str(status), 0.0)
    _recover_stale(ctx, campaign_id)
    started, calls, stopped_by, later = ctx.now(), 0, "done", None
    running: dict[Future[None], tuple[int, CallControl, TelephonyEngine]] = {}
    with lines.opened(channels) as free, ThreadPoolExecutor(channels, thread_name_prefix="voice-line") as pool:
        while True:
            status, _ = _status(ctx, campaign_id)
            if status == VoiceCampaignStatus.STOPPED:
                for _item, control, _engine in running.values():
                    control.hang_up()
            can_dial = status == VoiceCampaignStatus.RUNNING
            if can_dial and ctx.settings.voice.quiet_at(ctx.centre_clock.local(ctx.now()).time()):
                can_dial, stopped_by = False, "quiet_hours"
            while can_dial and not free.empty():
                taken = _take_due(ctx, campaign_id)
                if not isinstance(taken, _Due):
                    later = taken
                    break
                engine, control = free.get(), CallControl()
                running[pool.submit(_call_one, ctx, lines, engine, taken, control)] = (taken.item_id, control, engine)
            if not running:
                if status != VoiceCampaignStatus.RUNNING:
                    stopped_by = str(status)
                elif stopped_by != "quiet_hours":
                    stopped_by = "idle" if later is not None else "done"
                break
            finished, _ = wait(list(running), timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in finished:
                item_id, _control, engine = running.pop(future)
                free.put(engine)
                calls += 1
                if future.exception() is not None:
                    _release(ctx, item_id)
                    if not isinstance(future.exception(), ServiceError | EngineError):
                        raise future.exception()  # type: ignore[misc]
                if on_progress is not None:
                    on_progress()
    if stopped_by == "done":
        _finish(ctx, campaign_id)
    return RunReport(campaign_id, calls, stopped_by, (ctx.now() - started).total_seconds(), later)

