"""SMPP 3.4 client (ESME) over smpplib: bind as transceiver, submit UCS-2 parts with delivery
receipts requested, read submit_sm_resp, and receive deliver_sm (receipts and persons' replies).

smpplib logs whole PDUs in hex at debug level (numbers included), so its logger is kept at INFO.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from console.services.core.context import ServiceError
from console.services.core.masking import mask_phone
from console.services.messaging.sms.encoding import ESM_CLASS_RECEIPT, decode_part
from console.services.messaging.sms.gateway import (
    DeliveryReceipt,
    InboundMessage,
    Submission,
    parse_receipt_text,
)
from console.services.messaging.sms.settings import SmsSettings

LOGGER_NAME = "console.sms.smpp"
_log = logging.getLogger("console.sms")
logging.getLogger(LOGGER_NAME).setLevel(logging.INFO)

TON_UNKNOWN, TON_INTERNATIONAL, TON_NATIONAL = 0, 1, 2
NPI_ISDN = 1


def _status_text(pdu: Any) -> str:
    status = int(pdu.status)
    return f"{status:#04x} {smpplib.consts.DESCRIPTIONS.get(status, '未知错误')}"


class SmppGateway:
    """One bound SMPP session."""

    name = "smpp"

    def __init__(self, client: smpplib.client.Client, settings: SmsSettings) -> None:
        self.client = client
        self.settings = settings
        self.receipts: dict[str, DeliveryReceipt] = {}
        self._inbound: list[InboundMessage] = []

    @classmethod
    def connect(cls, settings: SmsSettings) -> SmppGateway:
        client = smpplib.client.Client(settings.host, settings.port, timeout=settings.timeout_s,
                                       logger_name=LOGGER_NAME, allow_unknown_opt_params=True)
        where = f"{settings.host}:{settings.port}"
        try:
            client.connect()
        except smpplib.exceptions.ConnectionError as exc:
            raise ServiceError(f"无法连接短信网关 {where}，请检查 sms.yaml 或环境变量 DISSUADE_SMPP") from exc
        try:
            client.bind_transceiver(system_id=settings.system_id, password=settings.password,
                                    system_type=settings.system_type)
        except smpplib.exceptions.PDUError as exc:
            client.disconnect()
            raise ServiceError(f"短信网关 {where} 拒绝登录（{exc.args[0]}），请检查用户名和密码") from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            client.disconnect()
            raise ServiceError(f"短信网关 {where} 没有响应登录请求") from exc
        return cls(client, settings)

    def _handle(self, pdu: Any, responses: dict[int, Any]) -> None:
        if pdu.command == "submit_sm_resp" or pdu.command == "generic_nack":
            responses[int(pdu.sequence)] = pdu
        elif pdu.command == "deliver_sm":
            self._delivered(pdu)
            reply = smpplib.smpp.make_pdu("deliver_sm_resp", client=self.client)
            reply.sequence = pdu.sequence
            self.client.send_pdu(reply)
        elif pdu.command == "enquire_link":
            reply = smpplib.smpp.make_pdu("enquire_link_resp", client=self.client)
            reply.sequence = pdu.sequence
            self.client.send_pdu(reply)

    def _delivered(self, pdu: Any) -> None:
        raw = bytes(pdu.short_message or b"")
        if int(pdu.esm_class or 0) & ESM_CLASS_RECEIPT:
            receipt = parse_receipt_text(raw.decode("latin-1"))
            if receipt is not None:
                receipted = getattr(pdu, "receipted_message_id", None)
                if receipted:
                    receipt = DeliveryReceipt(str(receipted.decode() if isinstance(receipted, bytes) else receipted),
                                              receipt.state, receipt.error_code, receipt.done_at)
                self.receipts[receipt.message_id] = receipt
            return
        coding = int(pdu.data_coding or 0)
        _header, text = decode_part(raw, int(pdu.esm_class or 0)) if coding & 0x08 else (None, raw.decode("latin-1"))
        source = pdu.source_addr.decode() if isinstance(pdu.source_addr, bytes) else str(pdu.source_addr)
        _log.info("收到 %s 的短信", mask_phone(source))
        self._inbound.append(InboundMessage(source, text.strip()))

    def _read(self, deadline: float, responses: dict[int, Any]) -> bool:
        """Read one PDU before ``deadline``; False when the time ran out."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.client._socket.settimeout(remaining)  # smpplib has no per-read timeout
        try:
            pdu = self.client.read_pdu()
        except TimeoutError:
            return False
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as exc:
            raise ServiceError("与短信网关的连接中断") from exc
        self._handle(pdu, responses)
        return True

    def submit(self, submission: Submission) -> list[str]:
        destination = submission.destination
        ton = TON_INTERNATIONAL if destination.startswith("+") else TON_UNKNOWN
        message = submission.message
        sequences: list[int] = []
        try:
            for part in message.parts:
                pdu = self.client.send_message(
                    source_addr_ton=TON_UNKNOWN, source_addr_npi=NPI_ISDN, source_addr=self.settings.source_address,
                    dest_addr_ton=ton, dest_addr_npi=NPI_ISDN, destination_addr=destination.lstrip("+"),
                    short_message=part, data_coding=message.data_coding, esm_class=message.esm_class,
                    registered_delivery=1 if submission.want_receipt else 0,
                )
                sequences.append(int(pdu.sequence))
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as exc:
            raise ServiceError("短信提交失败：与短信网关的连接中断") from exc
        responses: dict[int, Any] = {}
        deadline = time.monotonic() + self.settings.timeout_s
        while not all(seq in responses for seq in sequences):
            if not self._read(deadline, responses):
                raise ServiceError(f"短信网关在 {self.settings.timeout_s:.0f} 秒内没有确认提交")
        ids: list[str] = []
        for seq in sequences:
            resp = responses[seq]
            if resp.is_error() or resp.command == "generic_nack":
                raise ServiceError(f"短信网关拒绝了短信（{_status_text(resp)}）")
            message_id = resp.message_id
            ids.append(message_id.decode() if isinstance(message_id, bytes) else str(message_id))
        _log.info("短信已提交给 %s：%d 条", mask_phone(destination), len(ids))
        return ids

    def wait_for_receipts(self, message_ids: Iterable[str], wait_s: float) -> list[DeliveryReceipt]:
        wanted = set(message_ids)
        deadline = time.monotonic() + max(0.0, wait_s)
        responses: dict[int, Any] = {}
        # with nothing named, take whatever arrives until the time is up
        while (not wanted or not wanted <= set(self.receipts)) and self._read(deadline, responses):
            pass
        if not wanted:
            return list(self.receipts.values())
        return [self.receipts[i] for i in wanted if i in self.receipts]

    def inbound(self) -> list[InboundMessage]:
        return list(self._inbound)

    def close(self) -> None:
        with contextlib.suppress(smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError):
            self.client.unbind()
        with contextlib.suppress(OSError):
            self.client.disconnect()
