"""Rehearsal service: scoring, progress, production tables untouched; case review and node figures."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied
from console.services.pdf.training_sheet import build_training_sheet
from console.services.training import rehearsal as training
from console.services.training import review as training_review
from db.models import AuditEvent, CallAttempt, CaseReview, FollowUp, Person, QueueItem, Rehearsal, Warning
from scripts_library.loader import load_library
from scripts_library.scenario_loader import load_scenarios
from tests.training_helpers import StepClock, play_well

PRODUCTION_TABLES = (Person, Warning, QueueItem, CallAttempt, FollowUp)


def seed_production(database: Database) -> list[int]:
    """A few fictional warnings with refused / victimised / dissuaded calls; returns call ids."""
    start = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    ids: list[int] = []
    with database.sessions() as session, session.begin():
        person = Person(name="测试人", phone="10000000001", sex="F", age_band="65+", profile_group="elderly")
        session.add(person)
        session.flush()
        calls = [
            ("refused", ["opening", "@doubts_caller", "opening", "check_activity", "@hostile", "check_activity",
                         "check_money", "reveal", "ask_actions", "close_refused"], ["doubts_caller", "hostile"]),
            ("victimized", ["opening", "check_activity", "check_money", "victim_help", "close_victimized"], []),
            ("dissuaded", ["opening", "check_activity", "check_money", "reveal", "ask_actions", "close_dissuaded"], []),
        ]
        for index, (disposition, path, objections) in enumerate(calls):
            warning = Warning(person_id=person.id, received_at=start, fraud_type="impersonate_authority")
            session.add(warning)
            session.flush()
            session.add(QueueItem(warning_id=warning.id, status="done"))
            call = CallAttempt(
                client_uuid=str(uuid.uuid4()), warning_id=warning.id, dialled_number="10000000001",
                started_at=start + dt.timedelta(minutes=index), connected=True, duration_s=300,
                disposition=disposition, script_id="impersonate_authority_elderly", node_path=path,
                objections=objections, key_actions=["stop_transfer"] if disposition == "dissuaded" else [],
            )
            session.add(call)
            session.flush()
            ids.append(call.id)
    return ids


def production_fingerprint(database: Database) -> tuple[dict[str, int], str]:
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    with database.sessions() as session:
        for model in PRODUCTION_TABLES:
            table = model.__table__
            counts[table.name] = session.execute(select(func.count()).select_from(table)).scalar_one()
            for row in session.execute(select(table).order_by(table.c.id)):
                digest.update(repr(tuple(row)).encode())
    return counts, digest.hexdigest()


def test_full_rehearsal_is_scored_and_stored(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    trainee = make_actor("trainee1", "operator")
    clock = StepClock()
    ctx = replace(database.context(trainee), clock=clock)
    active = training.start_rehearsal(ctx, "hard_you_are_the_scammer")
    play_well(active.run, clock, step_s=15)
    training.record_step(ctx, active)
    card = training.finish_rehearsal(ctx, active)
    assert card.outcome == "dissuaded"
    assert set(card.required_obtained) == {"stop_transfer", "call_110_to_verify"}
    assert card.objections_raised == ("doubts_caller", "hostile")  # money gone: no "reveal" step any more
    assert card.facts_revealed == ("codes_given",) and card.steps_missing == ()
    assert set(card.objections_handled) == set(card.objections_raised)
    assert card.steps_skipped == ()
    assert card.time_to_first_key_action_s is not None and card.time_to_first_key_action_s > 0
    assert card.score >= 80
    with database.sessions() as session:
        row = session.get(Rehearsal, active.rehearsal_id)
        assert row is not None and row.finished_at is not None
        assert row.score == card.score
        assert row.trainee_id == trainee.user_id
        assert row.details["outcome"] == "dissuaded"
        assert row.details["transcript"][0][0] == "person"


def test_careless_rehearsal_scores_lower(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    clock = StepClock()
    ctx = replace(database.context(make_actor("careless", "operator")), clock=clock)
    active = training.start_rehearsal(ctx, "tool_person_student_card")
    run = active.run
    clock.advance(30)
    run.choose(0)
    run.choose(0)
    run.choose(1)  # skips the money check
    clock.advance(400)
    run.raise_objection("genuine_need")  # pre-empts the objection
    run.choose(0)
    card = training.finish_rehearsal(ctx, active)
    assert card.steps_skipped == ("check_money",)
    assert card.score < 80


def test_rehearsal_leaves_production_tables_untouched(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    seed_production(database)
    before = production_fingerprint(database)
    clock = StepClock()
    ctx = replace(database.context(make_actor("trainee2", "operator")), clock=clock)
    for scenario_id in ("impersonate_authority_elderly_safe_account", "hard_romance_emotional"):
        active = training.start_rehearsal(ctx, scenario_id)
        play_well(active.run, clock)
        training.record_step(ctx, active)
        training.finish_rehearsal(ctx, active)
    assert production_fingerprint(database) == before
    with database.sessions() as session:
        assert session.execute(select(func.count()).select_from(Rehearsal)).scalar_one() == 2
        assert session.execute(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action != "user_add")).scalar_one() == 0


def test_progress_shows_scores_over_time_per_trainee(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    alice = make_actor("alice", "operator")
    bob = make_actor("bob", "operator")
    trainer = make_actor("teacher", "trainer")
    clock = StepClock()
    for actor, careful in ((alice, False), (alice, True), (bob, True)):
        ctx = replace(database.context(actor), clock=clock)
        active = training.start_rehearsal(ctx, "fake_loan_worker_fee")
        if careful:
            play_well(active.run, clock)
        training.finish_rehearsal(ctx, active)
        clock.advance(3600)
    own = training.list_progress(replace(database.context(alice), clock=clock))
    assert [e.trainee for e in own] == ["alice", "alice"]
    assert own[0].score < own[1].score
    assert own[0].started_at < own[1].started_at
    everyone = training.list_progress(database.context(trainer))
    assert {e.trainee for e in everyone} == {"alice", "bob"}
    assert [e.trainee for e in training.list_progress(database.context(trainer), bob.user_id)] == ["bob"]


def test_score_sheet_pdf_is_written(database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = StepClock()
    from tests.stats_helpers import pdftotext

    ctx = replace(database.context(make_actor("sheet", "operator")), clock=clock)
    active = training.start_rehearsal(ctx, "fake_shopping_cheap_phone")
    play_well(active.run, clock)
    card = training.finish_rehearsal(ctx, active)
    centre = replace(ctx.settings.centre, unit_name="某县公安局反电信网络诈骗中心")
    pages = build_training_sheet(replace(ctx, settings=replace(ctx.settings, centre=centre)), tmp_path / "sheet.pdf", card)
    data = (tmp_path / "sheet.pdf").read_bytes()
    assert pages >= 1
    assert data.startswith(b"%PDF")
    assert b"FontFile2" in data  # the Chinese font is embedded
    text = pdftotext(tmp_path / "sheet.pdf")
    assert text.count("某县公安局反电信网络诈骗中心") >= 2  # above the title and in the page header
    build_training_sheet(ctx, tmp_path / "unnamed.pdf", card)  # no unit name configured yet
    assert "反电信网络诈骗中心" in pdftotext(tmp_path / "unnamed.pdf")  # the neutral name, not a blank


def test_supervisor_cannot_rehearse_and_operator_cannot_review(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        training.start_rehearsal(database.context(make_actor("boss", "supervisor")), "fake_loan_worker_fee")
    with pytest.raises(PermissionDenied):
        training_review.list_review_cases(database.context(make_actor("op", "operator")))


def test_case_review_lists_masked_failures_and_makes_a_loadable_scenario(
    database: Database, make_actor, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    refused, victimized, _dissuaded = seed_production(database)
    before = production_fingerprint(database)
    ctx = database.context(make_actor("reviewer", "trainer"))
    cases = training_review.list_review_cases(ctx)
    assert {c.call_attempt_id for c in cases} == {refused, victimized}
    text = repr(cases)
    assert "测试人" not in text and "10000000001" not in text
    case = next(c for c in cases if c.call_attempt_id == refused)
    assert case.profile_group == "elderly" and case.age_band == "65+"
    assert case.objections == ("doubts_caller", "hostile")
    training_review.annotate_case(ctx, refused, "接线员没有先请对方核实身份")
    generated = training_review.case_to_scenario(ctx, refused, "对方被提前告知会有人冒充反诈中心", directory=tmp_path)
    assert generated.path.exists()
    document = yaml.safe_load(generated.path.read_text(encoding="utf-8"))
    assert document["temperament"] == "hostile"
    assert [o["at"] for o in document["objections"]] == ["opening", "check_activity"]
    assert "测试人" not in generated.yaml_text and "10000000001" not in generated.yaml_text
    scenarios = load_scenarios(load_library(), [], user_dirs=[tmp_path])
    assert generated.scenario_id in scenarios
    catalogue = training.scenario_catalogue(user_dir=tmp_path)
    assert catalogue.get(generated.scenario_id).user_defined
    clock = StepClock()
    trainee_ctx = replace(database.context(make_actor("learner", "operator")), clock=clock)
    active = training.start_rehearsal(trainee_ctx, generated.scenario_id, scenarios=catalogue)
    play_well(active.run, clock)
    assert training.finish_rehearsal(trainee_ctx, active).outcome == "dissuaded"
    assert [a.annotation for a in training_review.list_annotations(ctx, refused)] == [
        "接线员没有先请对方核实身份", "对方被提前告知会有人冒充反诈中心"]
    with database.sessions() as session:
        assert session.execute(select(CaseReview.scenario_yaml).where(CaseReview.id == generated.review_id)
                               ).scalar_one() == generated.yaml_text
    assert production_fingerprint(database) == before


def test_node_effectiveness_counts_calls_through_each_node(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    seed_production(database)
    ctx = database.context(make_actor("stats", "trainer"))
    effects = {e.node: e for e in training_review.node_effectiveness(ctx, "impersonate_authority_elderly")}
    assert effects["opening"].calls == 3 and effects["opening"].dissuaded == 1
    assert effects["ask_actions"].calls == 2 and effects["ask_actions"].share == 0.5
    assert effects["victim_help"].calls == 1 and effects["victim_help"].dissuaded == 0
    assert effects["@doubts_caller"].calls == 1


def test_score_sheet_agrees_with_the_run_and_explains_each_step(database: Database, make_actor,  # type: ignore[no-untyped-def]
                                                                tmp_path: Path) -> None:
    from tests.stats_helpers import pdftotext as _pdf_text
    from tests.training_helpers import play_mechanically

    clock = StepClock()
    ctx = replace(database.context(make_actor("shortcut", "operator")), clock=clock)
    active = training.start_rehearsal(ctx, "hard_money_gone_student_task")
    play_mechanically(active.run, clock)
    card = training.finish_rehearsal(ctx, active)
    assert card.outcome == "incomplete" and card.score <= 59
    assert card.facts_missed == ("money_moved",) and card.steps_missing == ("victim_help",)
    build_training_sheet(ctx, tmp_path / "sheet.pdf", card)
    text = _pdf_text(tmp_path / "sheet.pdf")
    assert "[困难]" not in text and text.count("困难") == 1  # the difficulty once, in its own row
    assert "分步点评" in text and "示范做法" in text and "不会主动说" in text
    assert "已经转账：马上止付" in text  # the missed step by its title, not its id
    assert "记录的回答" in text  # the answer the trainee recorded is not labelled as the trainee's words

    nothing = training.start_rehearsal(ctx, "fake_loan_worker_fee")
    nothing.run.raise_objection("no_time")
    card = training.finish_rehearsal(ctx, nothing)
    assert card.obtained_actions == () and card.time_to_first_key_action_s is None
    build_training_sheet(ctx, tmp_path / "empty.pdf", card)
    empty = _pdf_text(tmp_path / "empty.pdf")
    assert "首个关键动作用时" in empty and "未取得" in empty
