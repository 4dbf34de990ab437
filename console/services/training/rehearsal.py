"""Rehearsals: start one against a simulated person, save its steps, score it, show progress over time.

A rehearsal only ever writes the ``rehearsals`` table: no warning, queue item, call attempt or
statistic is touched (tests prove it), and scenarios hold fictional people only.  The run itself
(:class:`scripts_library.simulation.RehearsalRun`) is pure; this module persists it and scores it.

Score (0–100), from the run's log:
- 50 × share of the scenario's required key actions obtained;
- 30 × share of raised objections that were handled (full marks when none was raised);
- 20 for speed: full when the first key action came within :data:`FAST_S`, nothing after
  :data:`SLOW_S` (or when none was obtained);
- minus 10 per skipped verification step and 5 per ignored objection, blaming answer or misread;
- a run that missed a required step or sprang a trap (a hidden fact never asked about) is not a
  success, whatever its points: the outcome says so and the score is capped at 59.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.context import NotFound, PermissionDenied, ServiceContext, ServiceError, allowed
from console.services.core.vocabulary import DISPOSITION_LABELS
from db.engine import data_dir
from db.models import Rehearsal, User
from scripts_library.coaching import StepFeedback
from scripts_library.codes import CHECK_QUESTION_LABELS, KEY_ACTION_LABELS, OBJECTION_LABELS
from scripts_library.loader import ScriptLibrary, load_library
from scripts_library.scenario_loader import ScenarioSet, load_scenarios
from scripts_library.scenario_schema import DIFFICULTIES, STAGES, TEMPERAMENT_LABELS, Scenario
from scripts_library.simulation import RehearsalRun

FAST_S = 120.0
SLOW_S = 600.0
MISSED_GOAL_CAP = 59

OUTCOME_LABELS = {
    "dissuaded": "劝阻成功",
    "hung_up": "对方挂断",
    "refused": "拒绝劝阻",
    "victimized": "已被骗",
    "false_positive": "误报",
    "wrong_person": "非本人",
    "incomplete": "未达成劝阻目标",
    "trapped": "踩中陷阱（隐藏情况没问出来）",
}


def user_scenario_dir() -> Path:
    """Where scenarios made from case reviews are saved (outside the installed program)."""
    return data_dir() / "scenarios"


def scenario_catalogue(library: ScriptLibrary | None = None, user_dir: Path | None = None) -> ScenarioSet:
    """Shipped scenarios (must be valid) plus the user's own (broken user files are skipped)."""
    library = library or load_library()
    shipped = load_scenarios(library)
    extra_dir = user_dir if user_dir is not None else user_scenario_dir()
    user = load_scenarios(library, [], user_dirs=[extra_dir], strict=False)
    merged = dict(shipped.scenarios)
    for scenario in user:
        merged.setdefault(scenario.id, scenario)
    return ScenarioSet(merged)


@dataclass(frozen=True)
class ScenarioInfo:
    id: str
    title: str
    fraud_type: str
    fraud_type_label: str
    profile_group: str
    difficulty: str
    difficulty_label: str
    temperament_label: str
    stage_label: str
    briefing: str
    user_defined: bool


def describe_scenario(scenario: Scenario, library: ScriptLibrary) -> ScenarioInfo:
    spec = scenario.spec
    return ScenarioInfo(
        id=spec.id,
        title=spec.title,
        fraud_type=spec.fraud_type,
        fraud_type_label=library.fraud_type_label(spec.fraud_type),
        profile_group=spec.person.profile_group,
        difficulty=spec.difficulty,
        difficulty_label=DIFFICULTIES.get(spec.difficulty, spec.difficulty),
        temperament_label=TEMPERAMENT_LABELS.get(spec.temperament, spec.temperament),
        stage_label=STAGES.get(spec.stage, spec.stage),
        briefing=spec.briefing,
        user_defined=scenario.user_defined,
    )


def list_scenarios(ctx: ServiceContext, scenarios: ScenarioSet | None = None) -> list[ScenarioInfo]:
    ctx.require("training.run")
    library = load_library()
    catalogue = scenarios or scenario_catalogue(library)
    return [describe_scenario(s, library) for s in catalogue]


@dataclass
class ActiveRehearsal:
    """A rehearsal in progress: its row id and the pure run the UI drives."""

    rehearsal_id: int
    run: RehearsalRun


@dataclass(frozen=True)
class ScoreCard:
    rehearsal_id: int
    scenario_id: str
    scenario_title: str
    difficulty_label: str
    trainee: str
    started_at: dt.datetime
    finished_at: dt.datetime
    score: int
    outcome: str
    outcome_label: str
    required_actions: tuple[str, ...]
    obtained_actions: tuple[str, ...]
    objections_raised: tuple[str, ...]
    objections_handled: tuple[str, ...]
    time_to_first_key_action_s: float | None
    steps_skipped: tuple[str, ...]
    ignored: int
    blamed: int
    misread: int
    final_resistance: int
    duration_s: float
    path: tuple[str, ...]
    transcript: tuple[tuple[str, str], ...]
    questions_asked: tuple[str, ...] = ()
    facts_revealed: tuple[str, ...] = ()
    facts_missed: tuple[str, ...] = ()
    trapped: tuple[str, ...] = ()
    steps_missing: tuple[str, ...] = ()
    feedback: tuple[StepFeedback, ...] = ()
    step_titles: Mapping[str, str] = field(default_factory=dict)

    def step_labels(self, node_ids: tuple[str, ...]) -> str:
        return "、".join(self.step_titles.get(n, n) for n in node_ids) or "无"

    @property
    def required_obtained(self) -> tuple[str, ...]:
        return tuple(code for code in self.required_actions if code in self.obtained_actions)

    def action_labels(self, codes: tuple[str, ...]) -> str:
        return "、".join(KEY_ACTION_LABELS.get(c, c) for c in codes) or "无"

    def objection_labels(self, codes: tuple[str, ...]) -> str:
        return "、".join(OBJECTION_LABELS.get(c, c) for c in codes) or "无"

    def question_labels(self, codes: tuple[str, ...]) -> str:
        return "；".join(CHECK_QUESTION_LABELS.get(c, c) for c in codes) or "无"


def score_points(run: RehearsalRun) -> int:
    """The 0–100 score of a run (see the module docstring)."""
    required = run.spec.required_actions
    obtained = set(run.session.key_actions)
    actions = sum(1 for code in required if code in obtained) / len(required) if required else 1.0
    raised = run.person.raised
    handled = [code for code in raised if code in run.person.handled]
    objections = len(handled) / len(raised) if raised else 1.0
    first = run.first_key_action_s
    if first is None:
        speed = 0.0
    elif first <= FAST_S:
        speed = 1.0
    else:
        speed = max(0.0, (SLOW_S - first) / (SLOW_S - FAST_S))
    points = 50 * actions + 30 * objections + 20 * speed
    points -= 10 * len(run.skipped)
    points -= 5 * (run.count("ignored") + run.count("blamed") + run.count("misread"))
    if run.trapped or run.steps_missing():
        points = min(points, MISSED_GOAL_CAP)
    return max(0, min(100, round(points)))


def _scorecard(rehearsal_id: int, run: RehearsalRun, trainee: str, finished_at: dt.datetime) -> ScoreCard:
    outcome = run.outcome
    return ScoreCard(
        rehearsal_id=rehearsal_id,
        scenario_id=run.spec.id,
        scenario_title=run.spec.title,
        difficulty_label=DIFFICULTIES.get(run.spec.difficulty, run.spec.difficulty),
        trainee=trainee,
        started_at=run.started_at,
        finished_at=finished_at,
        score=score_points(run),
        outcome=outcome,
        outcome_label=DISPOSITION_LABELS.get(outcome, outcome),
        required_actions=tuple(run.spec.required_actions),
        obtained_actions=tuple(run.session.key_actions),
        objections_raised=tuple(run.person.raised),
        objections_handled=tuple(c for c in run.person.handled if c in run.person.raised),
        time_to_first_key_action_s=run.first_key_action_s,
        steps_skipped=tuple(run.skipped),
        ignored=run.count("ignored"),
        blamed=run.count("blamed"),
        misread=run.count("misread"),
        final_resistance=run.person.resistance,
        duration_s=(finished_at - run.started_at).total_seconds(),
        path=tuple(run.session.path),
        transcript=tuple((speaker, text) for speaker, text in run.transcript),
        questions_asked=tuple(run.person.asked),
        facts_revealed=tuple(run.spec.facts[i].question for i in run.person.revealed),
        facts_missed=tuple(fact.question for fact in run.person.hidden_facts()),
        trapped=tuple(run.trapped),
        steps_missing=tuple(run.steps_missing()),
        feedback=tuple(run.feedback),
        step_titles={node_id: node.title for node_id, node in run.session.script.nodes.items()},
    )


def start_rehearsal(
    ctx: ServiceContext,
    scenario_id: str,
    *,
    scenarios: ScenarioSet | None = None,
    library: ScriptLibrary | None = None,
) -> ActiveRehearsal:
    """Open a rehearsal row for the acting user and start the simulated call."""
    ctx.require("training.run")
    library = library or load_library()
    catalogue = scenarios or scenario_catalogue(library)
    if scenario_id not in catalogue:
        raise NotFound(f"找不到演练场景：{scenario_id}")
    scenario = catalogue.get(scenario_id)
    run = RehearsalRun(scenario, library.get(scenario.spec.script), ctx.clock)
    run.start()
    with ctx.session() as session:
        row = Rehearsal(
            trainee_id=ctx.actor.user_id,
            scenario_id=scenario.id,
            script_id=run.session.script.id,
            script_version=run.session.script.version,
            started_at=run.started_at,
            score=0,
            details={"status": "running", "scenario_title": scenario.title, **run.to_record()},
        )
        session.add(row)
        session.flush()
        rehearsal_id = row.id
    return ActiveRehearsal(rehearsal_id, run)


def _own_row(ctx: ServiceContext, session: Session, rehearsal_id: int) -> Rehearsal:
    row = session.get(Rehearsal, rehearsal_id)
    if row is None:
        raise NotFound(f"找不到演练记录：{rehearsal_id}")
    if row.trainee_id != ctx.actor.user_id and not ctx.actor.is_system:
        raise PermissionDenied("只能记录自己的演练")
    if row.finished_at is not None:
        raise ServiceError("这次演练已经结束")
    return row


def record_step(ctx: ServiceContext, active: ActiveRehearsal) -> None:
    """Save the run so far (the steps survive a crash of the window)."""
    ctx.require("training.run")
    with ctx.session() as session:
        row = _own_row(ctx, session, active.rehearsal_id)
        row.details = {"status": "running", "scenario_title": active.run.spec.title, **active.run.to_record()}


def finish_rehearsal(ctx: ServiceContext, active: ActiveRehearsal) -> ScoreCard:
    """End the run, score it and store the score with the full log."""
    ctx.require("training.run")
    run = active.run
    run.finish()
    finished_at = ctx.now()
    card = _scorecard(active.rehearsal_id, run, ctx.actor.display_name or ctx.actor.login, finished_at)
    with ctx.session() as session:
        row = _own_row(ctx, session, active.rehearsal_id)
        row.finished_at = finished_at
        row.score = card.score
        row.details = {
            "status": "finished",
            "scenario_title": run.spec.title,
            **run.to_record(),
            "score": card.score,
            "time_to_first_key_action_s": card.time_to_first_key_action_s,
            "steps_skipped": list(card.steps_skipped),
            "objections_handled": list(card.objections_handled),
        }
    return card


@dataclass(frozen=True)
class ProgressEntry:
    rehearsal_id: int
    trainee_id: int | None
    trainee: str
    scenario_id: str
    scenario_title: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    score: int
    outcome: str
    outcome_label: str
    time_to_first_key_action_s: float | None
    steps_skipped: int


def list_progress(ctx: ServiceContext, trainee_id: int | None = None) -> list[ProgressEntry]:
    """Finished rehearsals, oldest first.  Without ``training.manage`` only the caller's own."""
    ctx.require("training.run")
    if not allowed(ctx.actor, "training.manage"):
        trainee_id = ctx.actor.user_id
    query = (
        select(Rehearsal, User.login, User.display_name)
        .outerjoin(User, User.id == Rehearsal.trainee_id)
        .where(Rehearsal.finished_at.is_not(None))
        .order_by(Rehearsal.started_at, Rehearsal.id)
    )
    if trainee_id is not None:
        query = query.where(Rehearsal.trainee_id == trainee_id)
    entries: list[ProgressEntry] = []
    with ctx.sessions() as session:
        for row, login, display_name in session.execute(query):
            details = row.details or {}
            outcome = str(details.get("outcome", ""))
            first = details.get("time_to_first_key_action_s")
            entries.append(
                ProgressEntry(
                    rehearsal_id=row.id,
                    trainee_id=row.trainee_id,
                    trainee=display_name or login or "",
                    scenario_id=row.scenario_id,
                    scenario_title=str(details.get("scenario_title", row.scenario_id)),
                    started_at=row.started_at,
                    finished_at=row.finished_at,
                    score=row.score,
                    outcome=outcome,
                    outcome_label=DISPOSITION_LABELS.get(outcome, outcome),
                    time_to_first_key_action_s=float(first) if isinstance(first, int | float) else None,
                    steps_skipped=len(details.get("steps_skipped", [])),
                )
            )
    return entries

