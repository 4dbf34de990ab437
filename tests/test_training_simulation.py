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
    PROGRESS_RELIEF,
    SKIPPED_PENALTY,
    RehearsalRun,
)
from tests.training_helpers import StepClock, play_well


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
