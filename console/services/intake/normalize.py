"""Normalisation of one field at a time: phones, ID numbers, times, fraud types, signals, amounts.

Every function takes what an export cell may hold (str, int, float, datetime, None) and returns a
clean value plus, when something was wrong, a short Chinese message for the operator.  Nothing here
guesses: a number Excel has mangled is flagged, never repaired by invention.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from stdnum import numdb

from console.services.core.amounts import AmountError
from console.services.core.amounts import parse_amount as read_amount
from console.services.core.masking import mask_id_number
from console.services.core.vocabulary import FRAUD_TYPES, SIGNALS
from console.services.intake.phones import LABEL, LETTER, SMS_PORT, mobile_prefix_valid, phone_and_problem


def clean_text(value: Any) -> str:
    """A cell as trimmed text (NFKC folds full-width digits and letters); floats like 12.0 lose '.0'."""
    if type(value) is str:  # the common case first: most cells are plain text
        cell: str = value
        if not cell.isascii() and not unicodedata.is_normalized("NFKC", cell):
            cell = unicodedata.normalize("NFKC", cell)
        cell = cell.strip()
        if cell.startswith("'"):
            cell = cell[1:].strip()
        return cell
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.startswith("'"):  # Excel's "keep as text" apostrophe
        text = text[1:].strip()
    return text


# ---------------------------------------------------------------- phones

@dataclass(frozen=True)
class PhoneResult:
    primary: str | None
    others: tuple[str, ...]
    problem: str = ""


_PHONE_SPLIT = re.compile(r"[,;，；/、|\n]+|或|及|和")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.IGNORECASE)


def normalise_phones(value: Any) -> PhoneResult:
    """All valid numbers of a cell: the first is the primary one, the rest are kept as others."""
    text = clean_text(value)
    if not text:
        return PhoneResult(None, (), "未填写手机号")
    if len(text) == 11 and text[0] == "1" and text.isdigit() and text.isascii():
        # the common case, a bare mobile number: the same answer as the general path below
        if mobile_prefix_valid(text[:5]):
            return PhoneResult(text, ())
        if SMS_PORT.match(text):
            return PhoneResult(None, (), f"无法识别有效的手机号或固定电话（{text}）：106 开头的是短信端口号，不是电话号码")
        return PhoneResult(None, (), f"无法识别有效的手机号或固定电话（{text}）")
    if _SCIENTIFIC.match(text.replace(" ", "")):
        return PhoneResult(None, (), f"手机号被 Excel 转成了科学计数法（{text}），位数已丢失")
    found: list[str] = []
    problems: list[str] = []
    for chunk in _PHONE_SPLIT.split(text):
        if not chunk.strip():
            continue
        number, problem = phone_and_problem(chunk)
        if (number is None and len(chunk.split()) > 1 and not chunk.lstrip().startswith("+")
                and not LETTER.search(LABEL.sub("", chunk))):
            # "13800138000 13900139000": spaces separate numbers, not digit groups
            candidates = [phone_and_problem(part) for part in chunk.split()]
            found.extend(n for n, _p in candidates if n)
            if not any(n for n, _p in candidates):
                problems.extend(p for _n, p in candidates if p)
        elif number is not None:
            found.append(number)
        elif problem:
            problems.append(problem)
    unique = list(dict.fromkeys(found))
    if not unique:
        detail = f"：{problems[0]}" if problems else ""
        return PhoneResult(None, (), f"无法识别有效的手机号或固定电话（{text}）{detail}")
    return PhoneResult(unique[0], tuple(unique[1:]))


# ---------------------------------------------------------------- ID numbers

@dataclass(frozen=True)
class IdResult:
    number: str
    flag: str  # '' valid 18-digit | legacy15 | invalid | scientific | missing
    birth_date: dt.date | None = None
    sex: str | None = None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.flag in ("", "legacy15")


_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if len(first17) == 17 and first17.isdigit() and first17.isascii():
        # The weights are 2**17 … 2**1 mod 11, so the weighted sum is 2 * (the digits read in base
        # 2) mod 11, and reading them in base 13 (13 ≡ 2 mod 11) gives the same remainder in C.
        return _ID_CHECK[2 * int(first17, 13) % 11]
    return _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


EARLIEST_BIRTH: Final = dt.date(1900, 1, 1)


@lru_cache(maxsize=1)
def _region_table() -> dict[str, tuple[int | None, ...]]:
    """Every county-level code of python-stdnum's table (``stdnum.cn.ric``), with the last year
    each of its uses was valid (None: still valid).  Built once: looking codes up one by one in the
    table's prefix tree cost more than the rest of an ID check."""
    table: dict[str, tuple[int | None, ...]] = {}
    for length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if length != 2 or low != high:
            continue
        for c_length, c_low, c_high, props, _children in children:
            county = props.get("county")
            if c_length != 4 or county is None:
                continue
            ends = tuple(_end_year(part) for part in county.split(","))
            for number in range(int(c_low), int(c_high) + 1):
                table[f"{low}{number:04d}"] = ends
    return table


def _end_year(county: str) -> int | None:
    if not county.startswith("["):
        return None
    end = county[1:].split("]", 1)[0].partition("-")[2]
    return int(end) if end else None


def region_known(code: str, year: int) -> bool:
    """Whether ``code`` (the first six digits) is a county-level region that still existed in
    ``year`` (the birth year), by the administrative division table python-stdnum maintains.
    Unlike ``ric.validate`` a code created after the birth year is accepted: cards were first
    issued from 1984 on, with the code current then, to people born long before."""
    ends = _region_table().get(code)
    return ends is not None and any(end is None or year <= end for end in ends)


def _birth_problem(text: str, birth: dt.date | None, today: dt.date) -> str:
    if birth is None:
        return f"身份证号中的出生日期无效（{mask_id_number(text)}）"
    if birth > today:
        return f"身份证号中的出生日期在未来（{birth.isoformat()}），请核对原件"
    if birth < EARLIEST_BIRTH:
        return f"身份证号中的出生日期早于 1900 年（{birth.isoformat()}），请核对原件"
    return ""


def parse_id_number(value: Any, today: dt.date | None = None) -> IdResult:
    """An 18-digit (or legacy 15-digit) resident ID: format, ASCII digits, a plausible birth date
    (not in the future, not before 1900), the check digit and a region code that existed."""
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
        return IdResult(repr(value), "scientific", problem="身份证号被 Excel 转成了数字，后几位已丢失，请核对原件")
    text = clean_text(value).replace(" ", "").upper()
    if not text:
        return IdResult("", "missing")
    if _SCIENTIFIC.match(text):
        return IdResult(text, "scientific", problem=f"身份证号被 Excel 转成了科学计数法（{mask_id_number(text)}），后几位已丢失，请核对原件")
    if not text.isascii():
        if any(ch.isdecimal() for ch in text if not ch.isascii()):
            return IdResult(text, "invalid", problem=f"身份证号含有非标准数字字符（{mask_id_number(text)}），只接受 0-9 和 X，请核对原件")
        return IdResult(text, "invalid", problem=f"身份证号格式不对，应为18位或15位（{mask_id_number(text)}）")
    day = today or dt.datetime.now(dt.UTC).date()  # callers pass the centre's date; UTC only as a fallback
    if _ID18.match(text):
        birth = _date_or_none(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        problem = _birth_problem(text, birth, day)
        if problem:
            return IdResult(text, "invalid", problem=problem)
        if id_check_digit(text[:17]) != text[17]:
            return IdResult(text, "invalid", problem=f"身份证号校验位不符（{mask_id_number(text)}）")
        assert birth is not None
        if not region_known(text[:6], birth.year):
            return IdResult(text, "invalid", problem=f"身份证号的地区码 {text[:6]} 不存在，请核对原件")
        return IdResult(text, "", birth, "M" if int(text[16]) % 2 else "F")
    if _ID15.match(text):
        birth = _date_or_none(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12]))
        problem = _birth_problem(text, birth, day)
        if problem:
            return IdResult(text, "invalid", problem="15位" + problem)
        assert birth is not None
        if not region_known(text[:6], birth.year):
            return IdResult(text, "invalid", problem=f"15位身份证号的地区码 {text[:6]} 不存在，请核对原件")
        return IdResult(text, "legacy15", birth, "M" if int(text[14]) % 2 else "F")
    return IdResult(text, "invalid", problem=f"身份证号格式不对，应为18位或15位（{mask_id_number(text)}）")


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- times

_CN_DATETIME = re.compile(
    r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[时:点]\s*(\d{1,2})\s*(?:[分:]\s*(?:(\d{1,2})(?:\.\d+)?\s*秒?)?)?)?$"
)
_EXCEL_EPOCH: Final = dt.datetime(1899, 12, 30)


def _from_excel_serial(serial: float, zone: dt.tzinfo) -> dt.datetime | None:
    if not 20000 <= serial <= 80000:  # 1954..2119: anything else is not a date
        return None
    return (_EXCEL_EPOCH + dt.timedelta(days=serial)).replace(microsecond=0, tzinfo=zone)


def parse_time(value: Any, zone: dt.tzinfo) -> dt.datetime | None:
    """A tz-aware datetime (UTC), or None when the cell holds no recognisable time.

    A time without an offset is a wall time of the centre's ``zone`` (``ctx.centre_clock.zone``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=zone)
        return aware.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(dt.UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = _from_excel_serial(float(value), zone)
        return serial.astimezone(dt.UTC) if serial else None
    return _parse_time_text(clean_text(value), zone)


@lru_cache(maxsize=8192)
def _parse_time_text(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """parse_time for cleaned text; cached, since an export repeats the same minutes many times."""
    if not text:
        return None
    moment: dt.datetime | None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        match = _CN_DATETIME.match(text)
        if match:
            parts = [int(p) if p else 0 for p in match.groups()]
            try:
                moment = dt.datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
            except ValueError:
                return None
        else:
            try:
                serial = _from_excel_serial(float(text), zone)
            except ValueError:
                return None
            return serial.astimezone(dt.UTC) if serial else None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


# ---------------------------------------------------------------- fraud types and signals

def _fold_label(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum() or ch == "_")


def _fraud_lookup() -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    for fraud in FRAUD_TYPES:
        for name in (fraud.code, fraud.label, *fraud.synonyms):
            exact[_fold_label(name)] = fraud.code
    # longest names first, so "冒充公检法" wins over a shorter name it contains
    contained = sorted(((k, v) for k, v in exact.items() if len(k) >= 2), key=lambda kv: -len(kv[0]))
    return exact, contained


_FRAUD_EXACT, _FRAUD_CONTAINED = _fraud_lookup()
_FRAUD_SUFFIXES: Final = ("诈骗案", "诈骗", "类", "案件", "案")


@lru_cache(maxsize=1024)
def parse_fraud_type(value: str) -> tuple[str, str]:
    """(code, problem).  Unknown or missing types map to 'other' with a message."""
    raw = value.strip()
    if not raw:
        return "other", "未填写预警类型，按“其他”处理"
    key = _fold_label(raw)
    if key in _FRAUD_EXACT:
        return _FRAUD_EXACT[key], ""
    stripped = key
    changed = True
    while changed:
        changed = False
        for suffix in _FRAUD_SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                stripped = stripped[: -len(suffix)]
                changed = True
    if stripped in _FRAUD_EXACT:
        return _FRAUD_EXACT[stripped], ""
    for name, code in _FRAUD_CONTAINED:
        if name in key and code != "other":
            return code, ""
    return "other", f"未知预警类型“{raw}”，按“其他”处理"


def _signal_lookup() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for signal in SIGNALS:
        for word in (signal.code, signal.label, *signal.keywords):
            pairs.append((unicodedata.normalize("NFKC", word).lower(), signal.code))
    return pairs


_SIGNAL_WORDS: Final = _signal_lookup()


@lru_cache(maxsize=4096)
def parse_signals(text: str) -> tuple[str, ...]:
    """Known signal codes mentioned in free text, in vocabulary order, each once."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if not folded.strip():
        return ()
    hits = {code for word, code in _SIGNAL_WORDS if word in folded}
    return tuple(s.code for s in SIGNALS if s.code in hits)


# ---------------------------------------------------------------- numbers

def parse_amount(value: Any) -> tuple[Decimal | None, str]:
    """(amount in yuan, problem), read by the one amount reader (console/services/core/amounts.py)."""
    try:
        return read_amount(value, what="涉案金额"), ""
    except AmountError as exc:
        return None, str(exc)


_DURATION_HMS = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2})$")
_DURATION_CN = re.compile(r"^(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*(?:分钟|分))?\s*(?:(\d+)\s*秒?)?$")


MAX_DURATION_S = 10**7  # about 115 days: anything longer is a typing or export error


def parse_duration(value: Any) -> tuple[int | None, str]:
    """(seconds, problem).  Accepts 95, '95秒', '1分35秒', '00:01:35'; never more than MAX_DURATION_S."""
    seconds, problem = _duration_seconds(value)
    if seconds is not None and seconds > MAX_DURATION_S:
        shown = clean_text(value)
        return None, f"通话时长无效（{shown[:40]}{'…' if len(shown) > 40 else ''}）"
    return seconds, problem


def _duration_seconds(value: Any) -> tuple[int | None, str]:
    if value is None or value == "":
        return None, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value < 0 or value > MAX_DURATION_S:
            return None, f"通话时长无效（{value}）"
        return int(round(value)), ""
    text = clean_text(value).replace(" ", "")
    if not text:
        return None, ""
    if text.isdigit() and text.isascii():  # plain seconds, the usual cell
        return (int(text), "") if len(text) <= 12 else (MAX_DURATION_S + 1, "")
    match = _DURATION_HMS.match(text)
    if match:
        hours, minutes, seconds = (int(p[:12]) if p else 0 for p in match.groups())
        return hours * 3600 + minutes * 60 + seconds, ""
    match = _DURATION_CN.match(text)
    if match and any(match.groups()):
        hours, minutes, seconds = (int(p[:12]) if p else 0 for p in match.groups())
        return hours * 3600 + minutes * 60 + seconds, ""
    try:
        number = float(text)
    except ValueError:
        return None, f"通话时长无法识别（{text[:40]}）"
    if number != number or number < 0 or number > MAX_DURATION_S:
        return None, f"通话时长无效（{text[:40]}）"
    return int(round(number)), ""
