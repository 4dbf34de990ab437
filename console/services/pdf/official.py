"""What makes a printed sheet an official document of the centre: the unit, the number, the dates, the
signatures.

- :func:`cn_date` writes a date the way a Chinese document does ("2026年11月9日");
- :func:`document_number` gives a document its 文号 once ("反诈指〔2026〕12号"): the centre's prefix
  (``ctx.settings.centre.doc_prefix``), a character for the kind, the year on the centre's clock and a
  running number per year and kind, kept in ``document_numbers`` so a reprint carries the same number;
- :func:`page_setup` puts the unit's name and the 密级/内部 marking in every page header;
- :func:`signature_block` is the row of signature fields at the foot (填报人, 审核人, 值班领导 …);
- :func:`contact_line` is the contact line under a document, when the centre configured one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.platypus import Flowable, Table
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from console.services.core.context import ServiceContext
from console.services.pdf import styles as S
from db.models import DocumentNumber

# kind -> the character after the prefix in its number (指令 / 止付 / 登记)
KIND_MARKS = {"dispatch": "指", "stop_payment": "止", "warning_record": "登"}
ATTEMPTS = 5


def cn_date(value: dt.date | dt.datetime | None) -> str:
    """"2026年11月9日" (no leading zeros); "—" for nothing."""
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(ctx: ServiceContext, value: dt.datetime | None) -> str:
    """A stored UTC time on the centre's clock as "2026年11月9日 14:05"."""
    if value is None:
        return "—"
    local = ctx.centre_clock.local(value)
    return f"{cn_date(local)} {local:%H:%M}"


def document_number(ctx: ServiceContext, kind: str, object_id: object) -> str:
    """The document's number, given out on its first print and the same on every reprint."""
    mark = KIND_MARKS[kind]
    key = str(object_id)
    prefix = ctx.settings.centre.doc_prefix
    year = ctx.centre_clock.today(ctx.now()).year
    for attempt in range(ATTEMPTS):
        try:
            with ctx.session() as session:
                found = session.execute(select(DocumentNumber).where(
                    DocumentNumber.kind == kind, DocumentNumber.object_id == key)).scalar_one_or_none()
                if found is None:
                    last = session.execute(select(func.max(DocumentNumber.number)).where(
                        DocumentNumber.kind == kind, DocumentNumber.year == year)).scalar_one()
                    found = DocumentNumber(kind=kind, year=year, number=int(last or 0) + 1, object_id=key,
                                           created_at=ctx.now())
                    session.add(found)
                    session.flush()
                return f"{prefix}{mark}〔{found.year}〕{found.number}号"
        except IntegrityError:  # another seat took that number (or numbered this object) meanwhile
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def page_setup(ctx: ServiceContext, title: str, subject: str = "") -> S.PageSetup:
    centre = ctx.settings.centre
    return S.PageSetup(title=title, centre=centre.printed_name, subject=subject, marking=centre.marking)


def contact_line(ctx: ServiceContext, st: S.SheetStyles) -> list[Flowable]:
    contact = ctx.settings.centre.contact
    return [S.para(f"{ctx.settings.centre.printed_name}　{contact}", st.small)] if contact else []


def signature_block(st: S.SheetStyles, roles: Sequence[str], *, dated: bool = True) -> Table:
    """One ruled row per role: the role, room to sign, and the date to fill in by hand."""
    gap = "\u00a0" * 6
    rows: list[list[object]] = [[role, "", f"{gap}年{gap}月{gap}日" if dated else ""] for role in roles]
    table = S.data_table(rows, st, col_widths=[24 * S.mm, None, 50 * S.mm], header=False)
    table.setStyle([("BACKGROUND", (0, 0), (0, -1), S.HEADER_FILL), ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7)])
    return table
