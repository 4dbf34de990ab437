"""Masking of personal data for display, reports, exports and logs (PIPL: minimum necessary).

Masked by default everywhere; the full value is revealed only through the reveal service, which
checks the role and writes an audit entry.
"""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**, keeping the surname an operator uses to address the person."""
    name = name.strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * max(1, len(name) - keep)


def mask_phone(phone: str) -> str:
    """13800138000 → 138****8000; landlines keep the area code and the last two digits."""
    digits = phone.strip()
    if not digits:
        return ""
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    head = 4 if digits.startswith("0") else 2
    return digits[:head] + "*" * (len(digits) - head - 2) + digits[-2:]


def mask_id_number(id_number: str) -> str:
    """Keep the region prefix (first 3) and the last digit: 320***************1."""
    value = id_number.strip()
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 4) + value[-1]


def mask_account(account: str) -> str:
    """Bank accounts keep only the last four digits: ************1234."""
    value = account.replace(" ", "").strip()
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_address(address: str) -> str:
    """Keep the first 6 characters (county / town level), hide the house number part."""
    value = address.strip()
    if len(value) <= 6:
        return value
    return value[:6] + "****"


def surname_of(name: str) -> str:
    """The surname used in forms of address (compound surnames included)."""
    name = name.strip()
    compound = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "公孙", "夏侯", "尉迟", "长孙")
    for prefix in compound:
        if name.startswith(prefix) and len(name) > 2:
            return prefix
    return name[:1]


# Free text may carry numbers typed by anyone: mask what looks like a mobile, an ID or a bank card.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_BANK_CARD = re.compile(r"(?<!\d)\d{16}(?:\d{3})?(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask mobile numbers, 18-character ID numbers and bank card numbers inside free text."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _BANK_CARD.sub(lambda m: mask_account(m.group(0)), text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
