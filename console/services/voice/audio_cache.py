"""The cached speech of automated voice warnings under the retention rules.

A cached message (``voice/<digest>.wav`` in the data directory of the seat that ran the campaign)
speaks to a named person ("王阿姨，您好…"): it is personal data.  The cache is shared by content, so
one file may serve several people; a file stays while anyone still needs it:

- an item of a live (running or paused) campaign that is still to be called or being called: the
  message it will get is rendered from its person as the loop renders it, and the confirmation;
- an item whose warning is not erased and whose played text is still stored (the retention run blanks
  the text of the warnings it erases before this runs, so those no longer count);
- any file used in the last hour (each use renews its modification time): a call in progress on
  another console, or a campaign started while this run was looking.

Every other file in the cache (the speech of erased or purged records, files no record refers to, the
leftovers of an interrupted rendering) is what :class:`VoiceAudioCache` hands to the retention run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.settings import AUDIENCES, Settings
from console.services.core.vocabulary import VoiceItemStatus
from console.services.telephony.recordings import idle_file
from console.services.voice import templates
from console.services.voice.campaign import LIVE_CAMPAIGN
from db.models import Person, VoiceCampaign, VoiceCampaignItem, Warning

_STILL_TO_PLAY = (VoiceItemStatus.PENDING, VoiceItemStatus.CALLING)


def _audience_of(message_key: str) -> str:
    audience = message_key.rpartition("/")[2]
    return audience if audience in AUDIENCES else "general"


def needed_file_names(session: Session, settings: Settings) -> set[str]:
    """The cache files some live campaign or some record within its retention period still refers to."""
    wait_s = settings.voice.wait_for_key_s
    names: set[str] = set()
    live = session.execute(
        select(VoiceCampaignItem, Warning, Person).join(VoiceCampaign, VoiceCampaign.id == VoiceCampaignItem.campaign_id)
        .join(Warning, Warning.id == VoiceCampaignItem.warning_id).join(Person, Person.id == VoiceCampaignItem.person_id)
        .where(VoiceCampaign.status.in_(LIVE_CAMPAIGN), VoiceCampaignItem.status.in_(_STILL_TO_PLAY),
               Warning.erased_at.is_(None))
    ).all()
    for _item, warning, person in live:
        message = templates.message_for_person(settings, warning.fraud_type, name=person.name, sex=person.sex,
                                               profile_group=person.profile_group, age_band=person.age_band)
        names.add(templates.cache_file_name(settings, message.text, message.audience, wait_s))
    if session.execute(select(VoiceCampaign.id).where(VoiceCampaign.status.in_(LIVE_CAMPAIGN)).limit(1)).first():
        confirm = templates.shipped_templates().confirm
        names.update(templates.cache_file_name(settings, confirm, audience,
                                                     templates.CONFIRM_SILENCE_S) for audience in AUDIENCES)
    played = session.execute(
        select(VoiceCampaignItem.message_key, VoiceCampaignItem.message_text)
        .join(Warning, Warning.id == VoiceCampaignItem.warning_id)
        .where(VoiceCampaignItem.message_text != "", Warning.erased_at.is_(None))
    ).all()
    names.update(templates.cache_file_name(settings, text, _audience_of(key), wait_s) for key, text in played)
    return names


class VoiceAudioCache:
    """The voice-warning speech cache of one data directory, as a kind of file retention clears."""

    kind = "voice_cache"
    label = "自动语音提示缓存"

    def __init__(self, settings: Settings, data_root: Path) -> None:
        self.settings = settings
        self.folder = data_root / templates.CACHE_FOLDER

    def expired_files(self, session: Session, cutoff: dt.datetime, now: dt.datetime) -> list[Path]:
        if not self.folder.is_dir():
            return []
        needed = needed_file_names(session, self.settings)
        return [path for path in sorted(self.folder.iterdir())
                if path.is_file() and path.suffix in (".wav", ".part") and path.name not in needed
                and idle_file(path)]
