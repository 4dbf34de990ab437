"""ScriptSession: random walks always finish, handlers return where they were raised, records restore."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts_library.codes import DISPOSITION_CODES, KEY_ACTION_CODES, OBJECTION_CODES, RETURN_TARGET
from scripts_library.engine import ScriptRestoreError, ScriptSession
from scripts_library.loader import ScriptLibrary, load_library
from scripts_library.rendering import build_variables
from scripts_library.schema import Node, Script

LIBRARY = load_library()
SCRIPT_IDS = sorted(LIBRARY.scripts)


def _distances(nodes: Mapping[str, Node], is_exit: dict[str, bool]) -> dict[str, int]:
    """Steps from each node to an exit (end node, or a `return` response inside a handler)."""
    dist = {node_id: 0 for node_id, flag in is_exit.items() if flag}
    changed = True
    while changed:
        changed = False
        for node_id, node in nodes.items():
            options = [dist[r.target] + 1 for r in node.responses if r.target in dist]
            if options and min(options) < dist.get(node_id, 1 << 30):
                dist[node_id] = min(options)
                changed = True
    return dist


def finish(session: ScriptSession, script: Script) -> int:
    """Drive the session to an end by always taking the shortest way out; returns steps taken."""
    main = _distances(script.nodes, {k: n.end for k, n in script.nodes.items()})
    bound = len(script.nodes) + 50 * (len(session.return_stack) + 1)
    for steps in range(bound):
        if session.finished:
            return steps
        node = session.current_node
        handler = session.current_objection
        if handler is None:
            scores = [main.get(r.target, 1 << 30) for r in node.responses]
        else:
            h = script.objections[handler]
            steps_map: dict[str, Node] = dict(h.steps)
            exits = {k: any(r.target == RETURN_TARGET for r in n.responses) for k, n in steps_map.items()}
            local = _distances(steps_map, exits)
            scores = [-1 if r.target == RETURN_TARGET else local.get(r.target, 1 << 30) for r in node.responses]
        session.choose(scores.index(min(scores)))
    raise AssertionError(f"{script.id}: did not finish within {bound} steps; at {session.current_ref}")


actions = st.lists(
    st.one_of(
        st.tuples(st.just("choose"), st.integers(0, 9)),
        st.tuples(st.just("objection"), st.sampled_from(OBJECTION_CODES)),
        st.tuples(st.just("back"), st.just(0)),
    ),
    max_size=40,
)


@pytest.mark.parametrize("script_id", SCRIPT_IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_random_walks_terminate_and_handlers_return(script_id: str, steps: list[tuple[str, object]]) -> None:
    script = LIBRARY.get(script_id)
    session = ScriptSession(script, build_variables({"surname": "王", "sex": "F", "age": 67}))
    expected_stack: list[list[str]] = [[]]  # our own model of "where each open handler returns"
    for kind, value in steps:
        if kind == "back":
            went_back = session.back()
            assert went_back == (len(expected_stack) > 1)
            if went_back:
                expected_stack.pop()
        elif kind == "objection":
            origin = session.current_ref
            session.raise_objection(str(value))
            assert session.current_ref == f"@{value}"
            expected_stack.append([*expected_stack[-1], origin])
        else:
            responses = session.responses
            if not responses:
                assert session.finished
                continue
            choice = responses[int(str(value)) % len(responses)]
            session.choose(choice.index)
            if choice.target == RETURN_TARGET:
                assert session.current_ref == expected_stack[-1][-1], "handler must return where it was raised"
                expected_stack.append(expected_stack[-1][:-1])
            else:
                expected_stack.append(expected_stack[-1])
        assert [p.ref for p in session.return_stack] == expected_stack[-1]
        assert all("{" not in line for line in session.lines)
    finish(session, script)
    record = session.to_record()
    assert record["finished"] is True
    assert record["suggested_disposition"] in DISPOSITION_CODES
    assert set(record["key_actions"]) <= set(KEY_ACTION_CODES)
    json.dumps(record)  # plain data only
    restored = ScriptSession.restore(LIBRARY, record)
    assert restored.to_record() == record


def test_objection_returns_to_the_node_it_was_raised_from() -> None:
    session = ScriptSession(LIBRARY.get("task_rebate"))
    session.choose(0)  # opening -> check_activity
    assert session.current_ref == "check_activity"
    session.raise_objection("doubts_caller")
    assert session.current_objection == "doubts_caller"
    labels = [r.label for r in session.responses]
    session.choose(labels.index("愿意自己打110核实"))
    assert session.current_ref == "check_activity"
    assert "call_110_to_verify" in session.key_actions
    assert session.objections == ["doubts_caller"]


def test_back_leaves_a_handler_and_undoes_its_key_actions() -> None:
    session = ScriptSession(LIBRARY.get("romance_investment"))
    session.raise_objection("emotional_bond")
    session.choose(0)  # agrees: stop_transfer, returns
    assert session.current_ref == "opening" and session.key_actions == ["stop_transfer"]
    assert session.back() and session.current_ref == "@emotional_bond"
    assert session.key_actions == []
    assert session.back() and session.current_ref == "opening"
    assert session.objections == [] and not session.back()


def test_multi_step_handler_and_nested_objections() -> None:
    session = ScriptSession(LIBRARY.get("generic"))
    session.raise_objection("hostile")
    session.choose(1)  # still hostile -> hostile_last step
    assert session.current_ref == "@hostile/hostile_last"
    session.raise_objection("no_time")
    session.choose(0)
    assert session.current_ref == "@hostile/hostile_last"
    session.choose(0)
    assert session.current_ref == "opening"
    assert session.objections == ["hostile", "no_time"]


def test_full_call_records_path_actions_and_disposition() -> None:
    session = ScriptSession(LIBRARY.get("task_rebate_student"), build_variables({"surname": "李", "profile_group": "student"}))
    assert session.lines[0].startswith("李同学，你好")  # students hear 你 throughout
    labels = ["本人接听，愿意听", "正在屏幕共享或通话", "已经断开", "答应一项项做完", "还没转钱", "明白了", "全部答应",
              "提供了线索"]  # fmt: skip
    for label in labels:
        session.choose([r.label for r in session.responses].index(label))
    record = session.to_record()
    assert record["path"] == [
        "opening", "check_activity", "stop_share", "secure_device", "check_money", "reveal", "ask_actions",
        "collect_leads", "close_dissuaded",
    ]  # fmt: skip
    assert record["finished"] and record["suggested_disposition"] == "dissuaded"
    assert record["key_actions"] == [
        "end_screen_share", "uninstall_app", "stop_transfer", "tell_family", "install_national_antifraud_app",
    ]  # fmt: skip
    assert record["script_id"] == "task_rebate_student" and len(record["script_version"]) == 12


def test_restore_round_trip_of_an_unfinished_draft() -> None:
    session = ScriptSession(LIBRARY.get("impersonate_authority_elderly"))
    session.choose(0)
    session.raise_objection("told_to_keep_secret")
    session.mark_key_action("visit_station")
    record = json.loads(json.dumps(session.to_record()))
    assert record["finished"] is False and record["suggested_disposition"] is None
    restored = ScriptSession.restore(LIBRARY, record)
    assert restored.current_ref == "@told_to_keep_secret"
    assert [p.ref for p in restored.return_stack] == ["check_activity"]
    assert restored.to_record() == record
    restored.choose(0)
    assert restored.current_ref == "check_activity"


def test_restore_rejects_unknown_script_and_bad_events() -> None:
    with pytest.raises(ScriptRestoreError):
        ScriptSession.restore(LIBRARY, {"script_id": "nope", "events": []})
    with pytest.raises(ScriptRestoreError):
        ScriptSession.restore(LIBRARY, {"script_id": "generic", "events": ["choose:99"]})


def test_invalid_moves_raise() -> None:
    session = ScriptSession(LIBRARY.get("generic"))
    with pytest.raises(IndexError):
        session.choose(7)
    with pytest.raises(KeyError):
        session.raise_objection("bored")
    with pytest.raises(ValueError):
        session.mark_key_action("dance")


def test_library_type_is_exported() -> None:
    assert isinstance(LIBRARY, ScriptLibrary)
