"""The acting user, the clock, the settings and the database handed to every service call.

Services are plain functions taking a :class:`ServiceContext`.  Each call knows who acts, so the
service itself refuses what the role may not do; the UI only hides it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from console.services.core.clock import CentreClock
from console.services.core.errors import ConflictError as ConflictError
from console.services.core.errors import NotFound as NotFound
from console.services.core.errors import PermissionDenied as PermissionDenied
from console.services.core.errors import ServiceError as ServiceError
from console.services.core.last_run import LastRun
from console.services.core.settings import Settings, default_settings
from db.engine import SessionFactory

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the system itself (imports, timers, demo)."""

    user_id: int | None
    login: str
    role: str
    display_name: str = ""
    seat: str = ""
    channel: str = ""  # "gui" or "cli" for a logged-in user: written into every audit entry

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Actor(user_id=None, login="system", role="system", display_name="系统")

ROLE_LABELS = {
    "operator": "接线员",
    "supervisor": "值班长",
    "trainer": "培训员",
    "admin": "管理员",
    "system": "系统",
}

# What each role may do.  Services and the UI check permissions, never role names directly.
# ``people.view``: the live queue and the (masked) records of real people; trainers work on fictional
# scenarios and never get it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "operator": frozenset(
        {"queue.work", "call.log", "warning.view", "warning.create", "escalation.create", "escalation.update",
         "pii.reveal.phone", "import.run", "followup.work", "training.run", "people.view", "review.own"}
    ),
    "supervisor": frozenset(
        {"queue.work", "queue.manage", "call.log", "warning.view", "warning.create", "warning.edit",
         "escalation.create", "escalation.update", "escalation.manage", "pii.reveal.phone", "pii.reveal.all",
         "import.run", "report.print", "stats.view", "export.data", "followup.work", "audit.view", "people.view",
         "review.calls"}
    ),
    "trainer": frozenset({"training.run", "training.manage", "review.cases", "stats.view", "warning.view"}),
    "admin": frozenset(
        {"users.manage", "stations.manage", "audit.view", "retention.run", "warning.view",
         "report.print", "stats.view", "export.data", "pii.reveal.all", "import.run", "queue.manage", "people.view"}
    ),
}


def allowed(actor: Actor, permission: str) -> bool:
    if actor.is_system:
        return True
    return permission in PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission``."""
    if not allowed(actor, permission):
        label = ROLE_LABELS.get(actor.role, actor.role)
        raise PermissionDenied(f"角色“{label}”无权执行此操作（{permission}）")


@dataclass(frozen=True)
class ServiceContext:
    """Everything a service needs: a session factory, the acting user, a clock and the settings.

    ``queue_housekeeping`` records when the queue's lease housekeeping last ran; the Database shares
    one among all the contexts it makes.
    """

    sessions: SessionFactory
    actor: Actor = SYSTEM
    clock: Clock = field(default=system_clock)
    settings: Settings = field(default_factory=default_settings)
    queue_housekeeping: LastRun = field(default_factory=LastRun, compare=False)

    def now(self) -> dt.datetime:
        return self.clock()

    @property
    def centre_clock(self) -> CentreClock:
        """The centre's time zone for displaying, printing and counting days (never the PC's zone)."""
        return self.settings.centre.clock

    def as_actor(self, actor: Actor) -> ServiceContext:
        return replace(self, actor=actor)

    def require(self, permission: str) -> None:
        require(self.actor, permission)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session
