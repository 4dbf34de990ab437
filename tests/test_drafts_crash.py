"""A call in progress survives ``kill -9``: a real child process types, is killed, the parent recovers."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.services.calls import drafts
from console.services.calls.drafts import StorageError, load_drafts, new_draft, save_draft
from console.services.core import storage

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)

# The child plays the call panel: every change is saved, then it reports on stdout and keeps going.
CHILD = r"""
import datetime as dt, sys
from pathlib import Path
from console.services.calls.drafts import new_draft, save_draft

root, mode = Path(sys.argv[1]), sys.argv[2]
draft = new_draft("op1", 7, 3, dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC))
typed = {}
steps = [("notes", "老人说儿子在外地，对方自称公安，要求保密"), ("disposition", "dissuaded"),
         ("objections", ["told_to_keep_secret", "doubts_caller"]), ("key_actions", ["stop_transfer", "tell_family"]),
         ("amount_protected", "30000.00"), ("node_path", ["open", "verify_identity", "explain_scam"])]
for key, value in steps:
    typed[key] = value
    draft.fields = dict(typed)
    save_draft(draft)
    save_draft(draft, root=root)
print(draft.client_uuid, flush=True)
if mode == "keystrokes":  # keep typing until killed: the kill lands anywhere, even mid-write
    n = 0
    while True:
        n += 1
        draft.fields = dict(typed, notes=typed["notes"] + "。" * (n % 500), keystrokes=n)
        save_draft(draft, root=root)
        print(n, flush=True)
sys.stdin.read()  # the operator is still on the phone
"""


def _start_child(root: Path, mode: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DISSUADE_DATA_DIR=str(root / "data"))
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root / "drafts"), mode], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    child.stdin.close()
    child.stdout.close()
    child.stderr.close()


def test_killed_process_loses_nothing_typed(tmp_path: Path) -> None:
    child = _start_child(tmp_path, "idle")
    assert child.stdout is not None
    client_uuid = child.stdout.readline().strip()
    assert client_uuid, child.stderr.read() if child.stderr else ""
    _kill(child)

    for root in (tmp_path / "drafts", tmp_path / "data" / "drafts"):  # explicit folder and the data dir
        recovered = load_drafts("op1", root=root)
        assert len(recovered) == 1
        draft = recovered[0]
        assert draft.client_uuid == client_uuid and draft.warning_id == 7 and draft.queue_item_id == 3
        assert draft.started_at == START
        assert draft.fields == {
            "notes": "老人说儿子在外地，对方自称公安，要求保密", "disposition": "dissuaded",
            "objections": ["told_to_keep_secret", "doubts_caller"],
            "key_actions": ["stop_transfer", "tell_family"], "amount_protected": "30000.00",
            "node_path": ["open", "verify_identity", "explain_scam"]}


def test_kill_during_continuous_saving_never_leaves_a_torn_draft(tmp_path: Path) -> None:
    child = _start_child(tmp_path, "keystrokes")
    assert child.stdout is not None
    child.stdout.readline()
    acknowledged = 0
    while acknowledged < 200:  # the child confirmed 200 saves; the kill lands during later ones
        acknowledged = int(child.stdout.readline())
    _kill(child)
    recovered = load_drafts("op1", root=tmp_path / "drafts")
    assert len(recovered) == 1
    assert recovered[0].fields["keystrokes"] >= acknowledged
    assert recovered[0].fields["disposition"] == "dissuaded"
    leftovers = [p.name for p in (tmp_path / "drafts" / "op1").iterdir() if p.suffix == ".corrupt"]
    assert leftovers == []


def test_unreadable_draft_is_kept_aside_not_deleted(tmp_path: Path) -> None:
    good = new_draft("op1", 1, None, START)
    good.fields = {"notes": "已接通"}
    save_draft(good, root=tmp_path)
    broken = tmp_path / "op1" / "broken.json"
    broken.write_text('{"client_uuid": "x", "notes": "半', encoding="utf-8")
    assert [d.fields for d in load_drafts("op1", root=tmp_path)] == [{"notes": "已接通"}]
    assert (tmp_path / "op1" / "broken.corrupt").read_text(encoding="utf-8").endswith("半")
    assert load_drafts("nobody", root=tmp_path) == []


def test_full_disk_while_saving_a_draft_keeps_the_last_saved_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    draft = new_draft("op1", 1, None, START)
    draft.fields = {"notes": "第一句"}
    save_draft(draft, root=tmp_path)

    def no_space(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", no_space)
    draft.fields = {"notes": "第一句，第二句"}
    with pytest.raises(StorageError, match="磁盘空间已满"):
        save_draft(draft, root=tmp_path)
    monkeypatch.undo()
    stored = json.loads((tmp_path / "op1" / f"{draft.client_uuid}.json").read_text(encoding="utf-8"))
    assert stored["fields"] == {"notes": "第一句"}
    assert sorted(p.name for p in (tmp_path / "op1").iterdir()) == [f"{draft.client_uuid}.json"]
    drafts.discard_draft("op1", draft.client_uuid, root=tmp_path)
    assert load_drafts("op1", root=tmp_path) == []
