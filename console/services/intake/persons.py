"""Find or create the person a warning is about, in bulk, during an import.

A person is recognised by the normalised primary phone, and by the ID number when the row carries a
valid one (two people sharing a family phone stay two people).  New persons get their profile from
the ID number (birth date, sex, age band, profile group) and are inserted in one statement per chunk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from console.services.intake.bulk import insert_with_ids
from console.services.intake.inlist import among
from console.services.intake.normalize import age_on
from console.services.intake.prepare import Draft, Profile, derive_profile
from db.models import Person


@dataclass(slots=True)
class PersonSlot:
    person_id: int | None
    phone: str
    id_number: str
    age: int | None
    previous_victim: bool
    dissuaded_before: bool
    pending: dict[str, Any] | None = None  # values to insert, for a person new in this chunk
    id_update: dict[str, Any] | None = None  # ID-derived fields for a known person who had none


class PersonIndex:
    """Persons of one import batch, keyed by phone; grows as rows create new persons."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._slots: list[PersonSlot] = []
        self._by_phone: dict[str, list[int]] = {}
        self._touched: list[PersonSlot] = []  # slots with a pending insert or ID update since the last flush
        self._profiles: dict[dt.date | None, Profile] = {}  # birth dates repeat across a large file

    def profile(self, birth_date: dt.date | None) -> Profile:
        found = self._profiles.get(birth_date)
        if found is None:
            found = self._profiles[birth_date] = derive_profile(birth_date, self.today)
        return found

    def age(self, birth_date: dt.date | None) -> int | None:
        return age_on(birth_date, self.today)

    def slot(self, index: int) -> PersonSlot:
        return self._slots[index]

    def _add(self, slot: PersonSlot) -> int:
        self._slots.append(slot)
        index = len(self._slots) - 1
        self._by_phone.setdefault(slot.phone, []).append(index)
        return index

    def load(self, session: Session, phones: set[str]) -> None:
        rows = session.connection().execute(
            select(Person.id, Person.phone, Person.id_number, Person.birth_date, Person.previous_victim,
                   Person.dissuaded_before)
            .where(among(Person.phone, phones, session.get_bind().dialect.name), Person.erased_at.is_(None))
            .order_by(Person.id)
        ).all()
        for row in rows:
            self._add(PersonSlot(row.id, row.phone, row.id_number or "", self.age(row.birth_date),
                                 bool(row.previous_victim), bool(row.dissuaded_before)))

    def resolve(self, draft: Draft) -> int:
        """The slot of the person this row is about (an existing one, or a new pending one)."""
        id_info = draft.id_info
        known_id = id_info.number if id_info.valid else ""
        candidates = self._by_phone.get(draft.phone, [])
        if known_id:
            for index in candidates:
                if self._slots[index].id_number == known_id:
                    return index
            for index in candidates:
                slot = self._slots[index]
                if not slot.id_number:
                    self._fill_id(slot, draft)
                    return index
        elif candidates:
            return candidates[0]
        profile = self.profile(id_info.birth_date)
        values = {
            "name": draft.name,
            "phone": draft.phone,
            "other_phones": list(draft.other_phones),
            "id_number": id_info.number if id_info.flag != "missing" else "",
            "id_number_flag": "" if id_info.flag == "missing" else id_info.flag,
            "birth_date": id_info.birth_date,
            "sex": id_info.sex,
            "age_band": profile.age_band,
            "profile_group": profile.profile_group,
            "address": draft.address,
        }
        slot = PersonSlot(None, draft.phone, known_id, profile.age, False, False, pending=values)
        self._touched.append(slot)
        return self._add(slot)

    def _fill_id(self, slot: PersonSlot, draft: Draft) -> None:
        id_info = draft.id_info
        profile = self.profile(id_info.birth_date)
        slot.id_number = id_info.number
        slot.age = profile.age
        fields = {"id_number": id_info.number, "id_number_flag": id_info.flag, "birth_date": id_info.birth_date,
                  "sex": id_info.sex, "age_band": profile.age_band, "profile_group": profile.profile_group}
        if slot.pending is not None:
            slot.pending.update(fields)
        else:
            slot.id_update = fields
            self._touched.append(slot)

    def flush(self, session: Session, now: dt.datetime) -> None:
        """Insert the pending persons and write ID fill-ins; every slot then has a person id."""
        touched, self._touched = self._touched, []
        pending = [slot for slot in touched if slot.pending is not None]
        if pending:
            rows = [slot.pending | {"created_at": now, "updated_at": now} for slot in pending if slot.pending]
            ids = insert_with_ids(session, Person, rows)
            for slot, person_id in zip(pending, ids, strict=True):
                slot.person_id = person_id
                slot.pending = None
        updates = [slot for slot in touched if slot.id_update is not None]
        if updates:
            table = cast(Table, Person.__table__)
            session.connection().execute(
                update(table).where(table.c.id == bindparam("pid")).values(
                    id_number=bindparam("id_number"), id_number_flag=bindparam("id_number_flag"),
                    birth_date=bindparam("birth_date"), sex=bindparam("sex"), age_band=bindparam("age_band"),
                    profile_group=bindparam("profile_group"), updated_at=now,
                ),
                [{"pid": slot.person_id, **(slot.id_update or {})} for slot in updates],
            )
            for slot in updates:
                slot.id_update = None
