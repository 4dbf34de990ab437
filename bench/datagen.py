"""Fast synthetic rows for benchmarks (Core bulk inserts; the ORM demo generator is for realism)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert

from console.app.bootstrap import Database
from console.services.core.vocabulary import FRAUD_TYPE_LABELS
from db.models import Person, QueueItem, Warning

LEVELS = ("red", "orange", "yellow", "blue")


def build_open_queue(db: Database, items: int, *, seed: int = 1, chunk: int = 5000) -> None:
    """``items`` persons, warnings and open queue items."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    types = list(FRAUD_TYPE_LABELS)
    with db.engine.begin() as conn:
        for start in range(0, items, chunk):
            n = min(chunk, items - start)
            ids = range(start + 1, start + n + 1)
            conn.execute(insert(Person), [
                {"id": i, "name": "测试", "phone": f"139{i:08d}", "other_phones": [], "age_band": "26-40",
                 "created_at": now, "updated_at": now} for i in ids])
            levels = [LEVELS[rng.randrange(4)] for _ in ids]
            scores = [rng.randrange(100) for _ in ids]
            conn.execute(insert(Warning), [
                {"id": i, "person_id": i, "received_at": now, "fraud_type": types[i % len(types)], "signals": [],
                 "raw_payload": {}, "field_warnings": [], "risk_score": scores[k], "risk_level": levels[k],
                 "risk_reasons": [{"factor": "fraud_type", "label": "诈骗类型", "points": scores[k]}],
                 "deadline_at": now + dt.timedelta(minutes=rng.randrange(-60, 120)), "status": "open",
                 "created_at": now, "updated_at": now, "version": 1} for k, i in enumerate(ids)])
            conn.execute(insert(QueueItem), [
                {"kind": "warning", "warning_id": i, "status": "open", "priority": scores[k], "risk_level": levels[k],
                 "deadline_at": now + dt.timedelta(minutes=rng.randrange(-60, 120)), "created_at": now}
                for k, i in enumerate(ids)])
