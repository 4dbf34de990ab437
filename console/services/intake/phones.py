"""One phone number at a time: mainland mobiles and landlines, foreign numbers in E.164.

Validity comes from ``phonenumbers`` (Google's libphonenumber metadata); the rules around it are the
console's: the ``+`` of an international number is honoured, extensions are kept, and the spellings
that must not become a person's phone (letters left in, 106 SMS ports, 400/800 service numbers) are
refused with a reason.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

_FLOAT_TAIL = re.compile(r"^(\d+)\.0+$")
_MOBILE = re.compile(r"^1\d{10}$")


@lru_cache(maxsize=4096)
def mobile_prefix_valid(prefix5: str) -> bool:
    # Mainland mobile validity depends only on the first five digits (the metadata pattern fixes at
    # most five, the remaining six are free), so one phonenumbers check per prefix covers them all.
    number = phonenumbers.parse(prefix5 + "000000", "CN")
    return bool(phonenumbers.is_valid_number(number))


_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
LABEL = re.compile(r"^\s*(?:tel|phone|mobile|mob)\s*[.:：]?\s*", re.IGNORECASE)
LETTER = re.compile(r"[A-Za-z]")
_SERVICE = re.compile(r"^(?:400|800)\d{7}$")
SMS_PORT = re.compile(r"^106\d{2,}$")


def _ascii_digits(text: str) -> str:
    """Any script's decimal digits (Arabic-Indic, Devanagari…) as ASCII; other characters kept."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _with_extension(number: str, extension: str) -> str:
    return f"{number}转{extension}" if extension else number


def _foreign(digits: str, extension: str) -> tuple[str | None, str]:
    """An international number written with + or 00 (not +86): kept as E.164, never made Chinese."""
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None, f"境外号码无法识别（+{digits}）"
    if not phonenumbers.is_valid_number(parsed):
        return None, f"境外号码无效（+{digits}）"
    return _with_extension(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), extension), ""


def _national(bare: str, extension: str, trunk: bool = False) -> tuple[str | None, str]:
    """A mainland number: an 11-digit mobile, or a landline as 0 + area code + number.  ``trunk``:
    it was written with the 0 of an area code, so 106… is Beijing (010 6…), not an SMS port."""
    if not trunk and SMS_PORT.match(bare):
        return None, f"{bare} 是以 106 开头的短信端口号，不是电话号码"
    if _MOBILE.match(bare):
        return (_with_extension(bare, extension), "") if mobile_prefix_valid(bare[:5]) else (None, "")
    if _SERVICE.match(bare):
        return None, f"{bare} 是 400/800 企业服务号码，不是当事人的电话"
    try:
        parsed = phonenumbers.parse(bare if bare.startswith("0") else "0" + bare, "CN")
    except phonenumbers.NumberParseException:
        return None, ""
    if not phonenumbers.is_valid_number(parsed):
        return None, ""
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return _with_extension(str(parsed.national_number), extension), ""
    if kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return _with_extension("0" + str(parsed.national_number), extension), ""
    return None, ""


def phone_and_problem(chunk: str) -> tuple[str | None, str]:
    """Normalise one number; the problem says why a number-like text was refused (may be empty).

    The ``+`` (or ``00``) of an international number is honoured: ``+86`` numbers become mainland
    numbers (``+86 0531…`` and ``+86 (0)531…`` drop the trunk 0), any other country stays E.164.
    Extensions (``转123``, ``分机123``, ``ext 123``) are kept after ``转``.  Letters left in a number
    refuse it rather than being dropped silently."""
    text = LABEL.sub("", _ascii_digits(chunk).strip())
    float_tail = _FLOAT_TAIL.match(text.replace(" ", ""))
    if float_tail:
        text = float_tail.group(1)
    extension = ""
    found = _EXTENSION.search(text)
    if found and any(ch.isdigit() for ch in text[:found.start()]):
        extension, text = found.group(1), text[:found.start()]
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return None, ""
    if LETTER.search(text):
        return None, f"号码中含有字母（{chunk.strip()}）"
    international = text.lstrip().startswith("+") or digits.startswith("00")
    if international:
        digits = digits[2:] if digits.startswith("00") and not text.lstrip().startswith("+") else digits
        if not digits.startswith("86"):
            return _foreign(digits, extension)
        bare = digits[2:]
        if bare.startswith("0"):  # +86 0531… / +86 (0)531…: the trunk prefix does not belong after +86
            bare = bare[1:]
        return _national(bare, extension, trunk=True)  # +86 10 6…: an area code follows +86, never an SMS port
    bare = digits
    if bare.startswith("86") and len(bare) in (13, 12, 11) and not _MOBILE.match(bare):
        bare = bare[2:]
    return _national(bare, extension)


