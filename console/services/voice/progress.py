"""What a campaign looks like to a supervisor: its status, progress, results and items (masked)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from console.services.core.context import NotFound, ServiceContext
from console.services.core.levels import effective_level
from console.services.core.masking import mask_name, mask_phone
from console.services.core.vocabulary import (
    FRAUD_TYPE_LABELS,
    VOICE_CAMPAIGN_STATUS_LABELS,
    VoiceItemStatus,
    VoiceResult,
)
from db.models import Person, VoiceCampaign, VoiceCampaignItem, Warning


@dataclass(frozen=True)
class CampaignItemRow:
    item_id: int
    warning_id: int
    name_masked: str
    phone_masked: str
    level: str
    fraud_type_label: str
    status: str
    attempts: int
    last_result: str
    listened_s: float
    next_at: dt.datetime | None
    callback_item_id: int | None


@dataclass(frozen=True)
class CampaignProgress:
    campaign_id: int
    status: str
    levels: list[str]
    channels: int
    created_at: dt.datetime
    total: int
    finished: int  # done or given up
    statuses: dict[str, int] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)  # the last result of each item that was called
    items: list[CampaignItemRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return VOICE_CAMPAIGN_STATUS_LABELS.get(self.status, self.status)

    @property
    def live(self) -> bool:
        return self.status in ("running", "paused")

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id, "status": self.status, "levels": self.levels,
            "channels": self.channels, "total": self.total, "finished": self.finished,
            "statuses": self.statuses, "results": self.results,
        }


def latest_campaign_id(ctx: ServiceContext) -> int | None:
    ctx.require("queue.manage")
    with ctx.sessions() as session:
        found = session.execute(select(VoiceCampaign.id).order_by(VoiceCampaign.id.desc()).limit(1)).scalar()
        return int(found) if found is not None else None


def campaign_progress(ctx: ServiceContext, campaign_id: int) -> CampaignProgress:
    ctx.require("queue.manage")
    with ctx.sessions() as session:
        campaign = session.get(VoiceCampaign, campaign_id)
        if campaign is None:
            raise NotFound(f"语音提示活动 {campaign_id} 不存在")
        rows = session.execute(
            select(VoiceCampaignItem, Warning, Person).join(Warning, Warning.id == VoiceCampaignItem.warning_id)
            .join(Person, Person.id == VoiceCampaignItem.person_id)
            .where(VoiceCampaignItem.campaign_id == campaign_id).order_by(VoiceCampaignItem.id)).all()
        items = [CampaignItemRow(item.id, warning.id, mask_name(person.name), mask_phone(person.phone),
                                 effective_level(warning), FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type),
                                 item.status, item.attempts, item.last_result, item.listened_s, item.next_at,
                                 item.callback_item_id)
                 for item, warning, person in rows]
        statuses = Counter(row.status for row in items)
        results = Counter(row.last_result for row in items if row.last_result)
        return CampaignProgress(
            campaign.id, campaign.status, list(campaign.levels), campaign.channels, campaign.created_at,
            len(items), statuses[VoiceItemStatus.DONE] + statuses[VoiceItemStatus.GIVEN_UP],
            {str(status): statuses[status] for status in VoiceItemStatus},
            {str(result): results[result] for result in VoiceResult}, items)
