"""Warning fields and the column headers that name them in upstream exports.

Headers are matched case- and space-insensitively (full-width characters folded), so ``手机号码``,
`` 手机 号码 `` and ``PHONE`` all name the same field.  Columns that match nothing stay in the raw
payload untouched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Final

# canonical field -> header synonyms (the canonical English name is always accepted too)
FIELD_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "external_id": ("预警编号", "指令编号", "编号", "预警id", "指令id"),
    "received_at": ("预警时间", "推送时间", "下发时间", "接收时间"),
    "name": ("姓名", "受害人姓名", "预警对象", "对象姓名"),
    "phone": ("手机号", "手机号码", "联系电话", "电话号码", "电话"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号"),
    "fraud_type": ("预警类型", "诈骗类型", "涉诈类型", "案件类型"),
    "fraud_contact": ("涉诈号码", "涉诈账号", "涉诈网址", "涉诈app", "涉诈电话"),
    "call_duration_s": ("通话时长", "通话时长(秒)", "通话时长（秒）", "通话时长(s)"),
    "signals": ("风险特征", "预警原因", "风险标签"),
    "amount": ("涉案金额", "拟转账金额", "金额", "转账金额"),
    "address": ("现住址", "户籍地址", "地址", "住址"),
    "station": ("辖区派出所", "所属派出所", "派出所"),
    "source": ("预警来源", "来源"),
    "note": ("备注", "说明"),
}

FIELD_LABELS: Final[dict[str, str]] = {
    "external_id": "预警编号",
    "received_at": "预警时间",
    "name": "姓名",
    "phone": "手机号",
    "id_number": "身份证号",
    "fraud_type": "预警类型",
    "fraud_contact": "涉诈号码",
    "call_duration_s": "通话时长",
    "signals": "风险特征",
    "amount": "涉案金额",
    "address": "地址",
    "station": "辖区派出所",
    "source": "预警来源",
    "note": "备注",
    "row": "整行",
}

FIELDS: Final[tuple[str, ...]] = tuple(FIELD_SYNONYMS)


def fold_header(text: str) -> str:
    """Fold a header for matching: NFKC (full-width → half-width), no whitespace, lower case."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).lower()


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field, synonyms in FIELD_SYNONYMS.items():
        lookup[fold_header(field)] = field
        for synonym in synonyms:
            lookup[fold_header(synonym)] = field
    return lookup


_LOOKUP: Final[dict[str, str]] = _build_lookup()


def field_for_header(header: Any) -> str | None:
    """The canonical field a header names, or None for an unknown column."""
    if header is None:
        return None
    return _LOOKUP.get(fold_header(str(header)))


def map_headers(headers: Sequence[Any]) -> dict[str, int]:
    """Field -> column index.  When two columns name the same field, the first one wins."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = field_for_header(header)
        if field is not None and field not in mapping:
            mapping[field] = index
    return mapping


def looks_like_header(cells: Sequence[Any]) -> bool:
    """A header names at least two known fields, one of them a way to reach or identify the person."""
    fields = {field_for_header(c) for c in cells if c not in (None, "")}
    return len(fields - {None}) >= 2 and bool(fields & {"phone", "name", "external_id", "id_number"})
