"""Keeps the call in progress on this seat's disk on every change, so a killed window loses nothing.

:class:`DraftKeeper` is what the workstation talks to: ``save(state)``, ``discard(client_uuid)``,
``load_all()``.  It stores a :class:`console.services.calls.workstation.CallState` through the local
draft store (:mod:`console.services.calls.drafts`, atomic writes under the data directory).
:class:`DraftEntry` stands in for the queue entry when a recovered draft's claim is gone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from console.services.calls import drafts
from console.services.calls.workstation import CallState
from console.services.core.context import Actor

log = logging.getLogger(__name__)


class DraftKeeper:
    def __init__(self, actor: Actor, root: Path | None = None) -> None:
        self.actor = actor
        self.root = root
        self.last_error = ""

    def save(self, state: CallState) -> bool:
        """Store the call; False (and :attr:`last_error` in Chinese) when the disk refuses."""
        draft = drafts.Draft(state.client_uuid, self.actor.login, state.warning_id, state.queue_item_id,
                             state.started_at or dt.datetime.now(dt.UTC), fields=state.to_payload())
        try:
            drafts.save_draft(draft, root=self.root)
        except drafts.StorageError as exc:
            self.last_error = str(exc)
            return False
        self.last_error = ""
        return True

    def discard(self, client_uuid: str) -> None:
        if client_uuid:
            drafts.discard_draft(self.actor.login, client_uuid, root=self.root)

    def load_all(self) -> list[CallState]:
        """This operator's unsaved calls, oldest first (drafts that cannot be read are skipped)."""
        states = []
        for draft in drafts.load_drafts(self.actor.login, root=self.root):
            try:
                states.append(CallState.from_payload(draft.fields))
            except (TypeError, ValueError) as exc:
                log.warning("skipping an unreadable call draft: %s", exc)
        return states


@dataclass(frozen=True)
class DraftEntry:
    """The little the window needs of a queue entry, rebuilt from a draft whose claim has lapsed."""

    item_id: int
    warning_id: int
    kind: str
    follow_up_id: int | None
    risk_level: str = "blue"
    score: int = 0
    name_masked: str = ""
    phone_masked: str = ""
    age_band: str = "unknown"
    deadline_at: dt.datetime | None = None

    @classmethod
    def from_state(cls, state: CallState) -> DraftEntry:
        return cls(state.queue_item_id or 0, state.warning_id, state.item_kind, state.follow_up_id)
