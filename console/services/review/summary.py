"""话务质检 averages for a period: per operator and per rubric item (the 质检 report and the period report).

A review counts in the period of the day it was written (centre clock).  Item averages are over the
reviews that scored the item (the rubric may have changed within the period); percentages are of
each review's own maximum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from console.services.core.context import ServiceContext, allowed
from console.services.review.calls import Review, _reviews
from db.models import CallReview


@dataclass(frozen=True)
class OperatorQuality:
    operator: str
    reviews: int
    average_percent: float
    average_total: float
    lowest_item: str  # the rubric item with the lowest average share, for coaching


@dataclass(frozen=True)
class ItemQuality:
    key: str
    label: str
    reviews: int
    average_points: float
    max_points: int
    average_percent: float


@dataclass(frozen=True)
class QualitySummary:
    date_from: dt.date
    date_to: dt.date
    reviews: int
    average_percent: float | None
    operators: list[OperatorQuality]
    items: list[ItemQuality]
    lowest: list[Review]  # the weakest reviewed calls of the period, for the report's list


def _item_averages(reviews: list[Review], order: list[tuple[str, str]]) -> list[ItemQuality]:
    rows = []
    for key, label in order:
        scored = [r.scores[key] for r in reviews if key in r.scores]
        if not scored:
            continue
        maxima = max(m for _l, _p, m in scored)
        points = sum(p for _l, p, _m in scored) / len(scored)
        share = 100.0 * sum(p / m for _l, p, m in scored if m) / len(scored)
        rows.append(ItemQuality(key, label, len(scored), round(points, 1), maxima, round(share, 1)))
    return rows


def quality_summary(ctx: ServiceContext, date_from: dt.date, date_to: dt.date) -> QualitySummary:
    """Averages of the reviews written ``date_from`` .. ``date_to`` (centre dates, inclusive)."""
    if not allowed(ctx.actor, "report.print"):
        ctx.require("review.calls")
    clock = ctx.centre_clock
    start = clock.at(date_from, dt.time(0, 0))
    end = clock.at(date_to + dt.timedelta(days=1), dt.time(0, 0))
    reviews = _reviews(ctx, CallReview.created_at >= start, CallReview.created_at < end)
    order = [(item.key, item.label) for item in ctx.settings.supervision.rubric]
    known = {key for key, _ in order}
    order += sorted({(k, v[0]) for r in reviews for k, v in r.scores.items() if k not in known})
    operators = []
    for login in sorted({r.operator for r in reviews}):
        mine = [r for r in reviews if r.operator == login]
        items = _item_averages(mine, order)
        weakest = min(items, key=lambda i: i.average_percent).label if items else ""
        operators.append(OperatorQuality(login, len(mine), round(sum(r.percent for r in mine) / len(mine), 1),
                                         round(sum(r.total for r in mine) / len(mine), 1), weakest))
    overall = round(sum(r.percent for r in reviews) / len(reviews), 1) if reviews else None
    lowest = sorted(reviews, key=lambda r: (r.percent, r.id))[:10]
    return QualitySummary(date_from, date_to, len(reviews), overall, operators, _item_averages(reviews, order), lowest)
