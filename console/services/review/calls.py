"""Call quality review (话务质检): pick calls, look at one, score it, and read one's own reviews.

A supervisor (permission ``review.calls``) picks calls of a week — at random, ``sample_per_operator``
per operator, or filtered: refused, victimised, long calls (``long_call_minutes``) — and opens one:
the script path with the nodes' Chinese titles, the notes, the outcome, and the recording when there
is one (playback goes through :func:`console.services.telephony.recordings.open_attempt_recording`,
audited).  Scoring gives each rubric item 0..its points and a comment; the review keeps the rubric as
it stood (labels and maxima), so later changes to the settings do not rewrite old scores.  An
operator (``review.own``) reads their own reviews.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.vocabulary import DISPOSITION_LABELS, FRAUD_TYPE_LABELS, OBJECTION_LABELS
from console.services.telephony.recordings import open_attempt_recording
from db.models import CallAttempt, CallRecording, CallReview, User, Warning

FILTERS = {"random": "每人每周随机抽取", "refused": "拒绝劝阻的通话", "victimized": "已被骗的通话",
           "long": "长通话"}
PERMISSION = "review.calls"


@dataclass(frozen=True)
class Candidate:
    attempt_id: int
    warning_id: int
    operator: str
    started_at: dt.datetime
    duration_s: int
    disposition: str
    disposition_label: str
    reviewed: bool


@dataclass(frozen=True)
class CallForReview:
    attempt_id: int
    warning_id: int
    operator: str
    started_at: dt.datetime
    duration_s: int
    fraud_type_label: str
    disposition_label: str
    script_id: str
    script_path: tuple[str, ...]  # the nodes' Chinese titles, in the order the call went
    objections: tuple[str, ...]
    notes: str
    has_recording: bool


@dataclass(frozen=True)
class Review:
    id: int
    attempt_id: int
    warning_id: int
    operator: str
    reviewer: str
    created_at: dt.datetime
    scores: dict[str, tuple[str, int, int]]  # rubric key -> (label, points, max)
    total: int
    max_total: int
    comment: str

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0


def week_range(ctx: ServiceContext, week_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 to the next Monday 00:00 of the week holding ``week_of``, on the centre clock."""
    monday = week_of - dt.timedelta(days=week_of.weekday())
    clock = ctx.centre_clock
    return clock.at(monday, dt.time(0, 0)), clock.at(monday + dt.timedelta(days=7), dt.time(0, 0))


def pick_calls(ctx: ServiceContext, week_of: dt.date, how: str = "random", *, seed: int | None = None) -> list[Candidate]:
    """The calls to review this week: ``how`` one of :data:`FILTERS` (random: N per operator, not yet reviewed)."""
    ctx.require(PERMISSION)
    if how not in FILTERS:
        raise ServiceError(f"未知的抽检方式“{how}”")
    settings = ctx.settings.supervision
    start, end = week_range(ctx, week_of)
    query = (select(CallAttempt.id, CallAttempt.warning_id, User.login, CallAttempt.started_at, CallAttempt.duration_s,
                    CallAttempt.disposition)
             .join(User, User.id == CallAttempt.operator_id)
             .where(CallAttempt.started_at >= start, CallAttempt.started_at < end, CallAttempt.connected.is_(True))
             .order_by(CallAttempt.started_at, CallAttempt.id))
    if how == "refused":
        query = query.where(CallAttempt.disposition == "refused")
    elif how == "victimized":
        query = query.where(CallAttempt.disposition == "victimized")
    elif how == "long":
        query = query.where(CallAttempt.duration_s >= settings.long_call_minutes * 60)
    with ctx.sessions() as session:
        rows = session.execute(query).all()
        reviewed = set(session.execute(select(CallReview.attempt_id).where(
            CallReview.attempt_id.in_([r[0] for r in rows]))).scalars()) if rows else set()
    found = [Candidate(aid, wid, login, at, dur, disp, DISPOSITION_LABELS.get(disp, disp), aid in reviewed)
             for aid, wid, login, at, dur, disp in rows]
    if how != "random":
        return found
    rng = random.Random(seed if seed is not None else start.toordinal())
    picked: list[Candidate] = []
    for login in sorted({c.operator for c in found}):
        pool = [c for c in found if c.operator == login and not c.reviewed]
        picked += sorted(rng.sample(pool, min(settings.sample_per_operator, len(pool))), key=lambda c: c.started_at)
    return picked


def _titles(script_id: str, path: list[str]) -> tuple[str, ...]:
    """The script path with each node's Chinese title (an unknown node keeps its id)."""
    from scripts_library.loader import ScriptLibraryError, load_library

    try:
        script = load_library().get(script_id) if script_id else None
    except (KeyError, ScriptLibraryError, OSError):
        script = None
    titles = []
    for step in path:
        code = step.split(":", 1)[1] if step.startswith("objection:") else step
        if script is not None and step in script.nodes:
            titles.append(script.nodes[step].title)
        elif script is not None and code in script.objections:
            titles.append("异议：" + (script.objections[code].title or OBJECTION_LABELS.get(code, code)))
        else:
            titles.append(OBJECTION_LABELS.get(code, step))
    return tuple(titles)


def call_for_review(ctx: ServiceContext, attempt_id: int) -> CallForReview:
    ctx.require(PERMISSION)
    with ctx.sessions() as session:
        row = session.execute(select(CallAttempt, Warning.fraud_type, User.login)
                              .join(Warning, Warning.id == CallAttempt.warning_id)
                              .outerjoin(User, User.id == CallAttempt.operator_id)
                              .where(CallAttempt.id == attempt_id)).first()
        if row is None:
            raise NotFound(f"通话记录 {attempt_id} 不存在")
        call, fraud_type, login = row
        recorded = session.execute(select(CallRecording.path).where(
            CallRecording.attempt_id == attempt_id, CallRecording.purged_at.is_(None))).scalars().all()
    return CallForReview(call.id, call.warning_id, login or "—", call.started_at, call.duration_s,
                         FRAUD_TYPE_LABELS.get(fraud_type, fraud_type),
                         DISPOSITION_LABELS.get(call.disposition, call.disposition), call.script_id,
                         _titles(call.script_id, list(call.node_path or [])),
                         tuple(OBJECTION_LABELS.get(o, o) for o in call.objections or []), call.notes or "",
                         any(Path(p).exists() for p in recorded))


def play_recording(ctx: ServiceContext, attempt_id: int) -> Path:
    """The call's recording for the reviewer to play (audited as playback, reason 话务质检)."""
    ctx.require(PERMISSION)
    return open_attempt_recording(ctx, attempt_id, "话务质检")


def submit_review(ctx: ServiceContext, attempt_id: int, scores: dict[str, int], comment: str) -> Review:
    """Score one call on every rubric item (0..points) with a comment; audited."""
    ctx.require(PERMISSION)
    rubric = ctx.settings.supervision.rubric
    missing = [item.label for item in rubric if item.key not in scores]
    if missing:
        raise ServiceError("请为每一项评分：" + "、".join(missing))
    unknown = sorted(set(scores) - {item.key for item in rubric})
    if unknown:
        raise ServiceError("未知的评分项：" + "、".join(unknown))
    kept: dict[str, dict[str, object]] = {}
    for item in rubric:
        points = scores[item.key]
        if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= item.points:
            raise ServiceError(f"“{item.label}”的得分应在 0 到 {item.points} 之间")
        kept[item.key] = {"label": item.label, "points": points, "max": item.points}
    text = comment.strip()
    if not text:
        raise ServiceError("请填写质检评语")
    now = ctx.now()
    with ctx.session() as session:
        call = session.get(CallAttempt, attempt_id)
        if call is None:
            raise NotFound(f"通话记录 {attempt_id} 不存在")
        if call.operator_id is not None and call.operator_id == ctx.actor.user_id:
            raise ServiceError("不能评审自己的通话")
        review = CallReview(attempt_id=call.id, operator_id=call.operator_id, reviewer_id=ctx.actor.user_id,
                            scores=kept, total=sum(scores.values()), max_total=sum(i.points for i in rubric),
                            comment=text, created_at=now)
        session.add(review)
        session.flush()
        audit.record(session, ctx.actor, "call_review", object_type="call_attempt", object_id=call.id,
                     details={"warning_id": call.warning_id, "total": review.total, "max": review.max_total}, at=now)
        review_id = review.id
    return _reviews(ctx, CallReview.id == review_id)[0]


def _reviews(ctx: ServiceContext, *conditions: object) -> list[Review]:
    from sqlalchemy.orm import aliased

    operator, reviewer = aliased(User), aliased(User)
    with ctx.sessions() as session:
        rows = session.execute(
            select(CallReview, CallAttempt.warning_id, operator.login, reviewer.login)
            .join(CallAttempt, CallAttempt.id == CallReview.attempt_id)
            .outerjoin(operator, operator.id == CallReview.operator_id)
            .outerjoin(reviewer, reviewer.id == CallReview.reviewer_id)
            .where(*conditions).order_by(CallReview.created_at.desc(), CallReview.id.desc())).all()  # type: ignore[arg-type]
    return [Review(r.id, r.attempt_id, wid, op or "—", rv or "—", r.created_at,
                   {k: (str(v["label"]), int(v["points"]), int(v["max"])) for k, v in (r.scores or {}).items()},
                   r.total, r.max_total, r.comment) for r, wid, op, rv in rows]


def reviews_between(ctx: ServiceContext, start: dt.datetime, end: dt.datetime) -> list[Review]:
    ctx.require(PERMISSION)
    return _reviews(ctx, CallReview.created_at >= start, CallReview.created_at < end)


def my_reviews(ctx: ServiceContext) -> list[Review]:
    """The acting operator's reviews, newest first."""
    ctx.require("review.own")
    if ctx.actor.user_id is None:
        return []
    return _reviews(ctx, CallReview.operator_id == ctx.actor.user_id)
