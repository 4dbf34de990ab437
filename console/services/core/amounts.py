"""The one reader of money amounts in yuan, for imported cells and for what operators type.

Accepts numbers and text such as ``5000``, ``¥5,000``, ``50,000.50元``, ``人民币 2000``, ``3.5万`` and
``5千`` (full-width digits and symbols too); an empty value is no amount.  Amounts are rounded to the
fen; negative, non-finite and absurd (a trillion yuan or more) amounts are refused.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

_DECORATION: Final = re.compile(r"[¥￥,，\s元圆]|人民币|rmb|cny", re.IGNORECASE)
_UNITS: Final[dict[str, Decimal]] = {"万": Decimal(10000), "千": Decimal(1000)}
_CENT: Final = Decimal("0.01")
_LIMIT: Final = Decimal("1e12")


class AmountError(ValueError):
    """An amount that cannot be used; the message says why, in Chinese.  ``negative`` tells a
    negative amount from one that is no number at all (or absurd)."""

    def __init__(self, message: str, *, negative: bool = False) -> None:
        super().__init__(message)
        self.negative = negative


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.strip()
    return text[1:].strip() if text.startswith("'") else text  # a spreadsheet's text marker


def _checked(amount: Decimal, shown: str, what: str) -> Decimal:
    if not amount.is_finite() or amount >= _LIMIT:
        raise AmountError(f"{what}无效（{shown}）")
    if amount < 0:
        raise AmountError(f"{what}不能为负数（{shown}）", negative=True)
    return amount.quantize(_CENT, ROUND_HALF_UP)


def parse_amount(value: Any, *, what: str = "金额") -> Decimal | None:
    """The amount in yuan, or None when ``value`` is empty; raises :class:`AmountError` (whose message
    starts with ``what``) when it is not a usable amount."""
    if type(value) is str:  # the usual cell first: whole yuan in plain digits
        text = value.strip()
        if text.isdigit() and text.isascii() and len(text) <= 12:
            return Decimal(text).quantize(_CENT, ROUND_HALF_UP)
        if not text:
            return None
    elif value is None:
        return None
    if isinstance(value, bool):
        raise AmountError(f"{what}无法识别（{value}）")
    if isinstance(value, int | float | Decimal):
        number = value if isinstance(value, Decimal) else Decimal(str(value))  # str(): 0.1 stays 0.1
        if number.is_nan():
            raise AmountError(f"{what}无效（{value}）")
        return _checked(number, str(value), what)
    text = _text(value)
    if text.isdigit() and text.isascii() and len(text) <= 12:  # whole yuan, the usual cell
        return Decimal(text).quantize(_CENT, ROUND_HALF_UP)
    bare = _DECORATION.sub("", text)
    if not bare:
        return None
    factor = _UNITS.get(bare[-1])
    if factor is not None:
        bare = bare[:-1]
    try:
        amount = Decimal(bare) * (factor or 1)
    except InvalidOperation:
        raise AmountError(f"{what}无法识别（{text}）") from None
    return _checked(amount, text, what)


__all__ = ["AmountError", "parse_amount"]
