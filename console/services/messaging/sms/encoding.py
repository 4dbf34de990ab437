"""Short-message encoding: UCS-2 (data_coding 8), flash messages (data_coding 0x18: UCS-2 in
message class 0, shown at once and not stored), and long text split into parts that carry a
concatenation header (UDH IEI 0x00: reference, total, sequence) so the handset joins them again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from console.services.core.context import ServiceError

DATA_CODING_UCS2 = 0x08
DATA_CODING_UCS2_FLASH = 0x18
ESM_CLASS_UDHI = 0x40
ESM_CLASS_RECEIPT = 0x04
SINGLE_UNITS = 70  # UTF-16 code units in one UCS-2 message (140 octets)
PART_UNITS = 67  # per part when a 6-octet concatenation header takes its place


@dataclass(frozen=True)
class EncodedMessage:
    parts: tuple[bytes, ...]  # the short_message of each submit_sm
    data_coding: int
    esm_class: int

    @property
    def count(self) -> int:
        return len(self.parts)


def _units(text: str) -> list[bytes]:
    """UTF-16-BE per character (a character outside the BMP is one 4-octet unit pair, never split)."""
    return [char.encode("utf-16-be") for char in text]


def count_parts(text: str) -> int:
    """How many short messages ``text`` takes."""
    return 1 if len(text.encode("utf-16-be")) <= SINGLE_UNITS * 2 else len(_chunks(text))


def _chunks(text: str) -> list[bytes]:
    chunks: list[bytes] = []
    current = b""
    for char in _units(text):
        if len(current) + len(char) > PART_UNITS * 2:
            chunks.append(current)
            current = b""
        current += char
    if current:
        chunks.append(current)
    return chunks


def encode_message(text: str, *, flash: bool = False, max_parts: int = 255, reference: int | None = None) -> EncodedMessage:
    """``text`` as UCS-2 short messages, concatenated when longer than one message."""
    if not text:
        raise ServiceError("短信内容为空")
    coding = DATA_CODING_UCS2_FLASH if flash else DATA_CODING_UCS2
    whole = text.encode("utf-16-be")
    if len(whole) <= SINGLE_UNITS * 2:
        return EncodedMessage((whole,), coding, 0)
    chunks = _chunks(text)
    if len(chunks) > min(max_parts, 255):
        raise ServiceError(f"短信太长：需要 {len(chunks)} 条，最多允许 {min(max_parts, 255)} 条")
    ref = secrets.randbelow(256) if reference is None else reference & 0xFF
    parts = tuple(bytes((0x05, 0x00, 0x03, ref, len(chunks), index)) + chunk
                  for index, chunk in enumerate(chunks, start=1))
    return EncodedMessage(parts, coding, ESM_CLASS_UDHI)


def decode_part(short_message: bytes, esm_class: int) -> tuple[tuple[int, int, int] | None, str]:
    """(reference, total, sequence) of a concatenated part, or None; and the part's text."""
    header = None
    body = short_message
    if esm_class & ESM_CLASS_UDHI and short_message:
        length = short_message[0]
        udh = short_message[1:1 + length]
        body = short_message[1 + length:]
        position = 0
        while position + 2 <= len(udh):
            iei, size = udh[position], udh[position + 1]
            data = udh[position + 2: position + 2 + size]
            if iei == 0x00 and size == 3:
                header = (data[0], data[1], data[2])
            elif iei == 0x08 and size == 4:
                header = ((data[0] << 8) | data[1], data[2], data[3])
            position += 2 + size
    return header, body.decode("utf-16-be", errors="replace")
