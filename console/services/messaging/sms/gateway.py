"""The SMS gateway interface: what the send service needs from any protocol, so CMPP 2.0/3.0
(China Mobile), SGIP (China Unicom) and SMGP (China Telecom) can sit next to SMPP 3.4.

Only SMPP 3.4 is implemented (:mod:`.smpp`); asking for another protocol gives a clear message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from console.services.core.context import ServiceError
from console.services.messaging.sms.encoding import EncodedMessage
from console.services.messaging.sms.settings import SmsSettings

NOT_IMPLEMENTED = {
    "cmpp2": "CMPP 2.0（中国移动）",
    "cmpp3": "CMPP 3.0（中国移动）",
    "sgip": "SGIP 1.2（中国联通）",
    "smgp": "SMGP 3.0（中国电信）",
}
RECEIPT_RE = re.compile(r"(\w+(?: \w+)?):(\S*)")
FINAL_STATES = {"DELIVRD": "delivered", "UNDELIV": "undelivered", "EXPIRED": "undelivered",
                "REJECTD": "undelivered", "DELETED": "undelivered", "UNKNOWN": "undelivered"}
STATE_LABELS = {"DELIVRD": "已送达", "UNDELIV": "无法送达", "EXPIRED": "已过期", "REJECTD": "被拒收",
                "DELETED": "已删除", "UNKNOWN": "状态未知", "ACCEPTD": "已接收", "ENROUTE": "发送中"}


@dataclass(frozen=True)
class Submission:
    destination: str
    message: EncodedMessage
    want_receipt: bool = True


@dataclass(frozen=True)
class DeliveryReceipt:
    message_id: str  # the SMS centre's id of the part
    state: str  # DELIVRD, UNDELIV, ...
    error_code: str
    done_at: dt.datetime | None


@dataclass(frozen=True)
class InboundMessage:
    """A message a person sent to the centre's number (for example 退订 / TD)."""

    source: str
    text: str


class SmsGateway(Protocol):
    """One open connection to an SMS centre."""

    name: str

    def submit(self, submission: Submission) -> list[str]:
        """Send every part; returns the SMS centre's message id of each part, in order."""

    def wait_for_receipts(self, message_ids: Iterable[str], wait_s: float) -> list[DeliveryReceipt]:
        """Receipts that arrive within ``wait_s`` (all of them for ``message_ids`` ends the wait early)."""

    def inbound(self) -> list[InboundMessage]:
        """Messages from persons received on this connection so far."""

    def close(self) -> None: ...


GatewayFactory = Callable[[SmsSettings], SmsGateway]


def parse_receipt_text(text: str) -> DeliveryReceipt | None:
    """The SMPP 3.4 appendix B receipt text: ``id:… sub:… dlvrd:… submit date:… done date:… stat:… err:…``."""
    fields = {key.lower(): value for key, value in RECEIPT_RE.findall(text)}
    if "id" not in fields or "stat" not in fields:
        return None
    done_at = None
    raw = fields.get("done date", "")
    layout = {10: "%y%m%d%H%M", 12: "%y%m%d%H%M%S"}.get(len(raw))
    if layout is not None:
        try:
            done_at = dt.datetime.strptime(raw, layout).replace(tzinfo=dt.UTC)
        except ValueError:
            done_at = None
    return DeliveryReceipt(fields["id"], fields["stat"].upper(), fields.get("err", ""), done_at)


def open_gateway(settings: SmsSettings) -> SmsGateway:
    """Connect to the configured gateway (bound and ready to submit)."""
    if settings.gateway in NOT_IMPLEMENTED:
        raise ServiceError(f"短信网关协议 {NOT_IMPLEMENTED[settings.gateway]} 尚未实现，目前只支持 SMPP 3.4（gateway: smpp）")
    if settings.gateway != "smpp":
        raise ServiceError(f"未知的短信网关协议“{settings.gateway}”，目前只支持 smpp")
    from console.services.messaging.sms.smpp import SmppGateway

    return SmppGateway.connect(settings)
