"""Case review (复盘) and script review figures for trainers.

- :func:`list_review_cases`: finished calls whose outcome was refused or victimised, with personal
  data left out entirely (no name, phone, ID or address; only fraud type, profile group, age band,
  script path, objections and key actions);
- :func:`annotate_case`: a trainer's note on one call (a ``case_reviews`` row, audited);
- :func:`case_to_scenario`: turn such a call into a rehearsal scenario YAML with a fictional
  person, validated like the shipped scenarios and saved in the user scenario directory;
- :func:`node_effectiveness`: for each script node, how many connected calls passed through it and
  which share of them ended dissuaded.

Reads production tables; writes only ``case_reviews`` and the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.storage import atomic_write_bytes
from console.services.core.vocabulary import AGE_BAND_LABELS, FRAUD_TYPE_LABELS, PROFILE_GROUP_LABELS
from console.services.training.rehearsal import user_scenario_dir
from db.models import CallAttempt, CaseReview, Person, Warning
from scripts_library.codes import DISPOSITION_LABELS, OBJECTION_LABELS
from scripts_library.loader import ScriptLibrary, load_library
from scripts_library.scenario_loader import parse_scenario_data, validate_scenario
from scripts_library.selection import select_script

REVIEW_DISPOSITIONS = ("refused", "victimized")

# Fictional surnames for generated scenarios: never the real person's.
FICTIONAL_SURNAMES = ("甲", "乙", "丙", "丁", "戊", "己", "庚", "辛")
AGE_FOR_BAND = {"minor": 15, "18-25": 22, "26-40": 33, "41-55": 48, "56-65": 60, "65+": 72, "unknown": 40}

# What a person typically says for each objection (used when a scenario is made from a real call).
OBJECTION_LINES = {
    "doubts_caller": "你们是不是骗子？我凭什么相信你？",
    "already_profited": "我已经赚到钱了，还提过现，怎么会是骗局？",
    "told_to_keep_secret": "对方说了这件事要保密，我不能跟你说。",
    "emotional_bond": "我们是真心的，你们不懂。",
    "sunk_cost": "我已经投了那么多，不继续就全没了。",
    "no_time": "我很忙，没空听你说。",
    "authority_claim": "对方是有证件的，不可能是假的。",
    "hostile": "别管我的事！",
    "hide_from_family": "千万别告诉我家里人。",
    "genuine_need": "我是真的急需这笔钱。",
}


@dataclass(frozen=True)
class ReviewCase:
    """One finished call for review, with no personal data."""

    call_attempt_id: int
    started_on: dt.date
    disposition: str
    disposition_label: str
    fraud_type: str
    fraud_type_label: str
    profile_group: str
    profile_group_label: str
    age_band: str
    age_band_label: str
    script_id: str
    script_path: tuple[str, ...]
    objections: tuple[str, ...]
    key_actions: tuple[str, ...]
    duration_s: int
    reviews: int

    @property
    def objection_labels(self) -> str:
        return "、".join(OBJECTION_LABELS.get(c, c) for c in self.objections) or "无"


def list_review_cases(ctx: ServiceContext, limit: int = 200) -> list[ReviewCase]:
    """Refused / victimised calls, newest first, masked for review."""
    ctx.require("review.cases")
    reviews = (
        select(CaseReview.call_attempt_id, func.count(CaseReview.id).label("n"))
        .group_by(CaseReview.call_attempt_id)
        .subquery()
    )
    query = (
        select(CallAttempt, Warning.fraud_type, Person.profile_group, Person.age_band, reviews.c.n)
        .join(Warning, Warning.id == CallAttempt.warning_id)
        .join(Person, Person.id == Warning.person_id)
        .outerjoin(reviews, reviews.c.call_attempt_id == CallAttempt.id)
        .where(CallAttempt.disposition.in_(REVIEW_DISPOSITIONS))
        .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc())
        .limit(limit)
    )
    cases: list[ReviewCase] = []
    with ctx.sessions() as session:
        for call, fraud_type, profile_group, age_band, n in session.execute(query):
            cases.append(
                ReviewCase(
                    call_attempt_id=call.id,
                    started_on=call.started_at.date(),
                    disposition=call.disposition,
                    disposition_label=DISPOSITION_LABELS.get(call.disposition, call.disposition),
                    fraud_type=fraud_type,
                    fraud_type_label=FRAUD_TYPE_LABELS.get(fraud_type, fraud_type),
                    profile_group=profile_group,
                    profile_group_label=PROFILE_GROUP_LABELS.get(profile_group, profile_group),
                    age_band=age_band,
                    age_band_label=AGE_BAND_LABELS.get(age_band, age_band),
                    script_id=call.script_id,
                    script_path=tuple(call.node_path or ()),
                    objections=tuple(call.objections or ()),
                    key_actions=tuple(call.key_actions or ()),
                    duration_s=call.duration_s,
                    reviews=int(n or 0),
                )
            )
    return cases


def _case(ctx: ServiceContext, call_attempt_id: int) -> ReviewCase:
    for case in list_review_cases(ctx, limit=100000):
        if case.call_attempt_id == call_attempt_id:
            return case
    raise NotFound(f"找不到可复盘的通话：{call_attempt_id}（只能复盘结果为拒绝劝阻或已被骗的通话）")


def annotate_case(ctx: ServiceContext, call_attempt_id: int, annotation: str, scenario_yaml: str = "") -> int:
    """Store a review note; returns the case review id."""
    ctx.require("review.cases")
    if not annotation.strip():
        raise ServiceError("请填写复盘意见")
    _case(ctx, call_attempt_id)
    with ctx.session() as session:
        review = CaseReview(
            call_attempt_id=call_attempt_id,
            reviewer_id=ctx.actor.user_id,
            annotation=annotation.strip(),
            scenario_yaml=scenario_yaml,
            created_at=ctx.now(),
        )
        session.add(review)
        session.flush()
        audit.record(session, ctx.actor, "case_review", object_type="call_attempt", object_id=call_attempt_id,
                     details={"review_id": review.id, "scenario": bool(scenario_yaml)}, at=ctx.now())
        return review.id


@dataclass(frozen=True)
class CaseAnnotation:
    id: int
    reviewer_id: int | None
    annotation: str
    has_scenario: bool
    created_at: dt.datetime


def list_annotations(ctx: ServiceContext, call_attempt_id: int) -> list[CaseAnnotation]:
    ctx.require("review.cases")
    with ctx.sessions() as session:
        rows = session.execute(
            select(CaseReview).where(CaseReview.call_attempt_id == call_attempt_id).order_by(CaseReview.id)
        ).scalars()
        return [CaseAnnotation(r.id, r.reviewer_id, r.annotation, bool(r.scenario_yaml), r.created_at) for r in rows]


def _raised_at(path: tuple[str, ...], script_nodes: set[str]) -> dict[str, str]:
    """For each objection in a call path (``@code`` entries), the main node it was raised at."""
    where: dict[str, str] = {}
    last_main = ""
    for ref in path:
        if ref.startswith("@"):
            code = ref[1:].split("/", 1)[0]
            if last_main and code not in where:
                where[code] = last_main
        elif ref in script_nodes:
            last_main = ref
    return where


def build_case_scenario(case: ReviewCase, library: ScriptLibrary, annotation: str = "") -> dict[str, Any]:
    """The scenario document for a reviewed call: a fictional person in the same situation."""
    if case.script_id in library and library.get(case.script_id).kind == "dissuasion":
        script = library.get(case.script_id)
    else:
        script = select_script(library, case.fraud_type, case.profile_group).script
    if case.fraud_type not in script.fraud_types and not script.fallback:
        script = select_script(library, case.fraud_type, case.profile_group).script
    nodes = set(script.nodes)
    raised_at = _raised_at(case.script_path, nodes)
    objections = [
        {
            "code": code,
            "at": raised_at.get(code, script.start),
            "line": OBJECTION_LINES.get(code, "我不太相信你说的。"),
            "weight": 15,
        }
        for code in dict.fromkeys(case.objections)
        if code in script.objections
    ]
    codes = {o["code"] for o in objections}
    if "hostile" in codes:
        temperament = "hostile"
    elif "emotional_bond" in codes:
        temperament = "emotionally_attached"
    elif "told_to_keep_secret" in codes:
        temperament = "coached_to_deny"
    else:
        temperament = "doubtful"
    victimized = case.disposition == "victimized"
    required = ["stop_transfer", "report_case"] if victimized else ["stop_transfer"]
    grants = {g for _ref, n in script.iter_all_nodes() for g in (*n.grants, *(x for r in n.responses for x in r.grants))}
    required = [code for code in required if code in grants] or ["stop_transfer"]
    verify = [step for step in ("check_activity", "check_money") if step in nodes]
    digest = hashlib.sha256(f"{case.call_attempt_id}".encode()).hexdigest()
    surname = FICTIONAL_SURNAMES[int(digest[:4], 16) % len(FICTIONAL_SURNAMES)]
    fraud_label = library.fraud_type_label(case.fraud_type)
    briefing = (
        f"根据一次{case.disposition_label}的真实通话改编（个人信息已去除）：{fraud_label}，"
        f"{case.profile_group_label}，{case.age_band_label}。"
    )
    if annotation.strip():
        briefing += f"复盘意见：{annotation.strip()}"
    document: dict[str, Any] = {
        "id": f"case_{case.call_attempt_id}",
        "title": f"复盘 · {fraud_label} · {case.disposition_label}的通话",
        "fraud_type": case.fraud_type if case.fraud_type in library.fraud_type_labels else "other",
        "script": script.id,
        "difficulty": "hard",
        "tags": ["from_case_review", *(["already_transferred"] if victimized else [])],
        "stage": "transferred" if victimized else "about_to_transfer",
        "temperament": temperament,
        "briefing": briefing,
        "person": {
            "alias": f"{surname}某",
            "surname": surname,
            "age": AGE_FOR_BAND.get(case.age_band, 40),
            "profile_group": case.profile_group if case.profile_group in library.profile_group_labels else "general",
        },
        "opening_line": "喂？哪位？",
        "required_actions": required,
        "objections": objections,
    }
    if verify and "reveal" in nodes:
        document["verify_before"] = {"reveal": verify}
    if victimized and "check_money" in nodes:
        labels = [r.label for r in script.nodes["check_money"].responses]
        if any("已经转过钱" in label for label in labels):
            document["answers"] = {"check_money": "已经转过钱"}
    return document


@dataclass(frozen=True)
class GeneratedScenario:
    scenario_id: str
    path: Path
    yaml_text: str
    review_id: int


def case_to_scenario(
    ctx: ServiceContext, call_attempt_id: int, annotation: str = "", *, directory: Path | None = None
) -> GeneratedScenario:
    """Generate, validate and save a rehearsal scenario from a reviewed call; records the review."""
    ctx.require("review.cases")
    ctx.require("training.manage")
    case = _case(ctx, call_attempt_id)
    library = load_library()
    document = build_case_scenario(case, library, annotation)
    file_name = f"{document['id']}.yaml"
    spec, issues = parse_scenario_data(file_name, document)
    if spec is not None:
        issues = validate_scenario(file_name, spec, library)
    if issues:
        raise ServiceError("生成的演练场景未通过校验：" + "；".join(str(i) for i in issues[:5]))
    text = "# 由案例复盘生成；人物为虚构，不含真实个人信息。\n" + yaml.safe_dump(
        document, allow_unicode=True, sort_keys=False
    )
    target_dir = directory if directory is not None else user_scenario_dir()
    path = target_dir / file_name
    atomic_write_bytes(path, text.encode("utf-8"))
    review_id = annotate_case(ctx, call_attempt_id, annotation.strip() or "生成演练场景", text)
    return GeneratedScenario(str(document["id"]), path, text, review_id)


@dataclass(frozen=True)
class NodeEffect:
    script_id: str
    node: str
    calls: int
    dissuaded: int

    @property
    def share(self) -> float:
        return self.dissuaded / self.calls if self.calls else 0.0


def node_effectiveness(ctx: ServiceContext, script_id: str | None = None) -> list[NodeEffect]:
    """Per script node: connected calls that passed through it and how many ended dissuaded."""
    ctx.require("stats.view")
    query = select(CallAttempt.script_id, CallAttempt.node_path, CallAttempt.disposition).where(
        CallAttempt.connected.is_(True), CallAttempt.script_id != ""
    )
    if script_id is not None:
        query = query.where(CallAttempt.script_id == script_id)
    calls: dict[tuple[str, str], int] = defaultdict(int)
    dissuaded: dict[tuple[str, str], int] = defaultdict(int)
    with ctx.sessions() as session:
        for sid, path, disposition in session.execute(query):
            for node in dict.fromkeys(path or ()):
                calls[(sid, node)] += 1
                if disposition == "dissuaded":
                    dissuaded[(sid, node)] += 1
    return [NodeEffect(sid, node, n, dissuaded[(sid, node)]) for (sid, node), n in sorted(calls.items())]
