"""The simulated person: resistance from temperament, reactions to good and bad moves, end of the call."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scripts_library.loader import load_library
from scripts_library.scenario_loader import ScenarioSet, load_scenarios
from scripts_library.simulation import (
    AGREE_AT,
    BLAME_PENALTY,
    IGNORED_PENALTY,
    NEEDLESS_QUESTION_PENALTY,
    PROGRESS_RELIEF,
    SKIPPED_PENALTY,
    WRONG_HANDLER_PENALTY,
    RehearsalRun,
)
from tests.training_helpers import StepClock, play_mechanically, play_well


@pytest.fixture(scope="module")
def scenarios() -> ScenarioSet:
    return load_scenarios(load_library())


def make_run(scenarios: ScenarioSet, scenario_id: str, clock: StepClock | None = None) -> RehearsalRun:
    scenario = scenarios.get(scenario_id)
    run = RehearsalRun(scenario, load_library().get(scenario.spec.script), clock or StepClock())
    run.start()
    return run


def test_start_speaks_the_opening_line_and_raises_objections_due_at_the_first_node(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_you_are_the_scammer")
    texts = [line.text for line in run.opening]
    assert texts[0].startswith("又是你们")
    assert any("你们才是骗子" in text for text in texts)
    assert run.person.resistance == 75  # hostile
    assert run.person.pending == ["doubts_caller"]


def test_handling_the_raised_objection_lowers_resistance(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_you_are_the_scammer")
    reaction = run.raise_objection("doubts_caller")
    assert reaction.resistance == 75 - 20
    assert run.person.handled == ["doubts_caller"]
    assert any("自己打110" in line.text for line in reaction.lines)


def test_ignoring_an_objection_raises_resistance_and_the_person_repeats_it(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_you_are_the_scammer")
    reaction = run.choose(0)  # carries on as if nothing was said
    assert reaction.resistance >= 75 + IGNORED_PENALTY
    assert run.person.ignored == {"doubts_caller": 1}
    assert "doubts_caller" in run.person.pending


def test_key_action_refused_while_resistance_is_high(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_romance_emotional")
    assert run.person.resistance > AGREE_AT
    reaction = run.mark_key_action("stop_transfer")
    assert not reaction.accepted
    assert "stop_transfer" not in run.session.key_actions
    assert reaction.lines[0].kind == "refusal"


def test_reaching_reveal_without_checking_money_counts_as_a_skipped_step(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "tool_person_student_card")
    run.choose(0)  # opening -> check_activity
    run.choose(0)  # on a call / sharing -> stop_share
    before = run.person.resistance
    reaction = run.choose(1)  # refuses to disconnect -> reveal, check_money never asked
    assert run.skipped == ["check_money"]
    assert reaction.resistance == before + SKIPPED_PENALTY
    assert any("没问清楚" in line.text for line in reaction.lines)


def test_picking_an_answer_the_person_did_not_give_is_refused(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_secrecy_student_authority")
    reaction = run.choose(0)  # "本人接听，愿意听" but he denies
    assert not reaction.accepted
    assert run.session.current_ref == "opening"
    assert "说没接过这种电话" in reaction.lines[0].text


def test_blaming_response_marked_in_the_script_raises_resistance(scenarios: ScenarioSet) -> None:
    script = load_library().get("fake_investment")
    node = script.nodes["victim_help"]
    blaming = node.responses[1].model_copy(update={"label": "怪对方太贪心", "note": "blame"})
    patched_node = node.model_copy(update={"responses": (node.responses[0], blaming)})
    patched = replace(script, nodes={**script.nodes, "victim_help": patched_node})
    scenario = scenarios.get("hard_already_transferred_investment")
    run = RehearsalRun(scenario, patched, StepClock())
    run.start()
    run.choose(0)  # opening -> check_activity
    run.choose(2)  # only listened in the group -> check_money
    run.choose(2)  # already transferred -> victim_help (raises sunk_cost, hide_from_family)
    for code in ("sunk_cost", "hide_from_family"):
        run.raise_objection(code)
        run.choose(0)
    before = run.person.resistance
    reaction = run.choose(1)
    assert run.count("blamed") == 1
    assert any("怪我" in line.text for line in reaction.lines)
    assert run.person.resistance >= before + BLAME_PENALTY - PROGRESS_RELIEF  # the close is a new step


def test_hostile_person_hangs_up_when_pushed(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_you_are_the_scammer")
    for _ in range(5):
        if run.ended:
            break
        run.choose(0)
    assert run.hung_up
    assert run.outcome == "hung_up"
    assert any("挂断" in text for speaker, text in run.transcript if speaker == "person")


@pytest.mark.parametrize("scenario_id", sorted(load_scenarios(load_library()).scenarios))
def test_every_shipped_scenario_can_be_won_by_handling_each_objection(scenario_id: str, scenarios: ScenarioSet) -> None:
    clock = StepClock()
    run = make_run(scenarios, scenario_id, clock)
    play_well(run, clock)
    assert run.ended
    assert not run.hung_up
    assert set(run.spec.required_actions) <= set(run.session.key_actions), run.log
    assert run.skipped == []
    assert run.first_key_action_s is not None


HARD = sorted(s.id for s in load_scenarios(load_library()) if s.spec.difficulty == "hard")


def test_there_are_hard_scenarios_with_hidden_facts_of_every_kind(scenarios: ScenarioSet) -> None:
    assert len(HARD) >= 10
    tags = {tag for sid in HARD for tag in scenarios.get(sid).spec.tags}
    assert {"second_scammer", "money_gone", "relative_in_scam", "not_account_holder", "bank_counter"} <= tags
    assert all(scenarios.get(sid).spec.facts for sid in HARD)


@pytest.mark.parametrize("scenario_id", HARD)
def test_the_mechanical_policy_fails_hard_scenarios_and_a_good_policy_wins(
    scenario_id: str, scenarios: ScenarioSet
) -> None:
    clock = StepClock()
    shortcut = make_run(scenarios, scenario_id, clock)
    play_mechanically(shortcut, clock)
    assert shortcut.outcome != "dissuaded", shortcut.log
    assert not shortcut.succeeded()
    clock = StepClock()
    good = make_run(scenarios, scenario_id, clock)
    play_well(good, clock)
    assert good.outcome == "dissuaded", good.log
    assert good.person.revealed  # the win came from asking the right question


def test_the_person_accepts_the_answer_matching_their_own_words(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_you_are_the_scammer")
    run.raise_objection("doubts_caller")  # "……行，我自己打110，看看到底谁是真的。"
    assert run.person.resistance > AGREE_AT  # still wary overall
    labels = [r.label for r in run.session.current_node.responses]
    reaction = run.choose(labels.index("愿意自己打110核实"))
    assert reaction.accepted
    assert "call_110_to_verify" in run.session.key_actions


def test_the_wrong_handler_for_a_waiting_objection_raises_resistance(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_you_are_the_scammer")  # doubts_caller is waiting
    reaction = run.raise_objection("genuine_need")
    assert reaction.resistance == 75 + WRONG_HANDLER_PENALTY
    assert any("不是这个" in line.text for line in reaction.lines)
    assert run.person.pending == ["doubts_caller"]


def test_an_answer_in_time_counts_more_than_a_late_one(scenarios: ScenarioSet) -> None:
    prompt = make_run(scenarios, "hard_you_are_the_scammer")
    prompt.raise_objection("doubts_caller")
    late = make_run(scenarios, "hard_you_are_the_scammer")
    late.choose(0)  # ignores it once (+10)
    before = late.person.resistance
    late.raise_objection("doubts_caller")
    assert before - late.person.resistance < 75 - prompt.person.resistance


def test_a_wrong_answer_is_restated_then_the_person_gives_up(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_secrecy_student_authority")  # he says he never had such a call
    first = run.choose(0)
    second = run.choose(0)
    assert "不是这么说的" in first.lines[0].text
    assert second.lines[0].text.startswith("我再说一遍")
    third = run.choose(0)
    assert third.ended and run.hung_up
    assert run.count("misread") == 3


def test_a_hidden_fact_changes_what_the_person_answers(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "hard_money_gone_student_task")
    run.choose(0)  # opening -> check_activity
    run.choose(2)  # only in the chat group -> check_money
    labels = [r.label for r in run.session.current_node.responses]
    refused = run.choose(labels.index("已经转过钱"))
    assert not refused.accepted  # she said she is only about to top up
    reaction = run.ask("money_moved")
    assert any("已经充了三次" in line.text for line in reaction.lines)
    assert run.choose(labels.index("已经转过钱")).accepted
    assert run.session.current_ref == "victim_help"


def test_a_needless_question_costs_a_little_and_a_listed_one_does_not(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "fake_loan_worker_fee")
    before = run.person.resistance
    run.ask("phone_user")  # listed by the opening step, nothing hidden
    assert run.person.resistance == before
    run.ask("where_now")  # not this step's question
    assert run.person.resistance == before + NEEDLESS_QUESTION_PENALTY


def test_telling_the_relative_who_is_in_the_scam_springs_a_trap(scenarios: ScenarioSet) -> None:
    clock = StepClock()
    run = make_run(scenarios, "hard_relative_in_scam_pension", clock)
    play_mechanically(run, clock)
    assert run.trapped == ["tell_family"]
    assert run.outcome == "trapped"
    assert any("外甥商量" in text for speaker, text in run.transcript if speaker == "person")


def test_first_key_action_time_follows_the_actions_that_stand(scenarios: ScenarioSet) -> None:
    clock = StepClock()
    run = make_run(scenarios, "fake_customer_service_refund", clock)
    run.raise_objection("no_time")
    run.choose(1)  # "同意再听一会儿": back at the opening, nothing obtained yet
    run.choose(0)
    clock.advance(20)
    run.choose(0)  # sharing -> stop_share
    clock.advance(5)
    run.choose(0)  # ended the share: first key action
    assert run.first_key_action_s == 25
    run.back()
    assert run.session.key_actions == []
    assert run.first_key_action_s is None  # the sheet can no longer say "none obtained, first after 25 s"


def test_transcript_labels_the_recorded_answer_as_the_persons(scenarios: ScenarioSet) -> None:
    run = make_run(scenarios, "fake_customer_service_refund")
    run.raise_objection("no_time")
    run.choose(1)
    run.choose(0)
    answers = [i for i, (speaker, _text) in enumerate(run.transcript) if speaker == "answer"]
    assert [run.transcript[i][1] for i in answers] == ["同意再听一会儿", "本人接听，愿意听"]
    assert all(run.transcript[i - 1][0] == "trainee" for i in answers)
    assert "工作人员" in run.transcript[answers[1] - 1][1]  # what the trainee said is the step's lines
    assert not any(speaker == "trainee" and "本人接听" in text for speaker, text in run.transcript)


def test_feedback_shows_each_move_beside_a_model_answer_and_why(scenarios: ScenarioSet) -> None:
    clock = StepClock()
    run = make_run(scenarios, "hard_money_gone_student_task", clock)
    play_mechanically(run, clock)
    assert len(run.feedback) == sum(1 for e in run.log if e.kind in ("choose", "misread", "refused", "handled",
                                                                    "objection", "wrong_handler", "preempted",
                                                                    "irrelevant", "asked", "revealed"))
    missed = [f for f in run.feedback if not f.matched]
    assert missed, "the shortcut must be told where it went wrong"
    at_money = next(f for f in missed if f.ref == "check_money")
    assert at_money.chosen == "正准备转账"
    assert at_money.model.startswith("追问：钱是不是已经转出去了")
    assert "不会主动说" in at_money.why


@pytest.mark.parametrize("scenario_id", sorted(load_scenarios(load_library()).scenarios))
def test_playing_the_model_answers_wins_every_scenario(scenario_id: str, scenarios: ScenarioSet) -> None:
    from scripts_library.coaching import model_move

    clock = StepClock()
    run = make_run(scenarios, scenario_id, clock)
    for _ in range(80):
        if run.ended:
            break
        clock.advance(10)
        kind, _sep, value = model_move(run.session, run.person, run.spec).key.partition(":")
        if kind == "objection":
            run.raise_objection(value)
        elif kind == "ask":
            run.ask(value)
        else:
            run.choose(int(value))
    assert run.outcome == "dissuaded", run.log
    assert all(f.matched for f in run.feedback)
