"""Shared by the statistics, report and supervisor-board tests: a fixed clock, a seeded demo county,
hand-made warnings and calls, PDF text extraction."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

from console.app.bootstrap import Database
from console.services.core.clock import centre_clock
from console.services.core.context import SYSTEM, Actor, ServiceContext
from console.services.demo import generate as demo
from db.models import CallAttempt, Person, Warning

# A fixed "now": 2026-03-15 18:00 in Shanghai (10:00 UTC)
SHANGHAI = centre_clock("Asia/Shanghai")
NOW = SHANGHAI.at(dt.date(2026, 3, 15), dt.time(18, 0))
TODAY = dt.date(2026, 3, 15)


def fixed_ctx(database: Database, actor: Actor = SYSTEM) -> ServiceContext:
    return ServiceContext(database.sessions, actor, clock=lambda: NOW)


def seed_demo(database: Database, warnings: int = 300, seed: int = 11) -> None:
    demo.generate(fixed_ctx(database), warnings=warnings, seed=seed)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return SHANGHAI.at(day, dt.time(hour, minute))


def add_warning(ctx: ServiceContext, *, received: dt.datetime, level: str = "red", deadline_min: int = 10,
                first_contact: dt.datetime | None = None, outcome: str | None = None, fraud_type: str = "task_rebate",
                profile_group: str = "general", amount: int | None = None, name: str = "张伟",
                phone: str = "13912345678") -> int:
    with ctx.session() as session:
        person = Person(name=name, phone=phone, profile_group=profile_group, id_number="320102198001011234",
                        address="明湖县城关镇幸福路12号")
        session.add(person)
        session.flush()
        warning = Warning(person_id=person.id, received_at=received, fraud_type=fraud_type, risk_level=level,
                          risk_score=80, deadline_at=received + dt.timedelta(minutes=deadline_min),
                          first_contact_at=first_contact, outcome=outcome,
                          status="closed" if outcome else "open",
                          amount=Decimal(amount) if amount is not None else None)
        session.add(warning)
        session.flush()
        return warning.id


def add_call(ctx: ServiceContext, warning_id: int, at: dt.datetime, disposition: str, *, connected: bool = True,
             duration: int = 120, script_id: str = "", objections: list[str] | None = None,
             protected: int | None = None) -> None:
    with ctx.session() as session:
        session.add(CallAttempt(client_uuid=str(uuid.uuid4()), warning_id=warning_id, started_at=at,
                                connected=connected, duration_s=duration, disposition=disposition,
                                script_id=script_id, objections=objections or [],
                                node_path=[f"@{o}" for o in objections or []],
                                amount_protected=Decimal(protected) if protected is not None else None))


def pdftotext(path: Path) -> str:
    """The PDF's text with all whitespace removed (pdftotext spaces CJK text unpredictably)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def db_url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def pdf_lines(path: Path) -> list[str]:
    """The PDF's lines as laid out (a table row stays on one line), whitespace removed."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return ["".join(line.split()) for line in out.splitlines()]


def row_printed(lines: list[str], cells: object) -> bool:
    """True when the figures of a table row (every cell but the first, which may wrap) are on one line."""
    figures = "".join(str(c) for c in list(cells)[1:]).replace(" ", "")  # type: ignore[call-overload]
    return any(figures in line for line in lines)
