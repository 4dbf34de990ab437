"""Text normalisation before speech: numbers, money, times and dates written out as a Mandarin
speaker says them, so the synthesiser never guesses.

- phone numbers and hotlines are read digit by digit with 幺 for 1 (96110 → 九六幺幺零,
  110 → 幺幺零, 138 0013 8000 → 幺三八零零幺三八零零零);
- money as an amount (5万元 / 50000元 → 五万元, 3.5万元 → 三点五万元, 1200元 → 一千二百元);
- times as times (15:30 → 十五点三十分, 8:00 → 八点, 9:05 → 九点零五分);
- dates (2026年12月1日 / 2026-12-01 → 二零二六年十二月一日), percentages (15% → 百分之十五);
- any other number as a cardinal (3个 → 三个, 2个 → 两个), a few Latin words by their Chinese name
  (App → 应用), symbols the voice would name in English (保健品/养老 → 保健品、养老).

:func:`speech_text` is the one entry point; the result holds hanzi and punctuation only, which the
Mandarin voice reads without switching language.
"""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
PHONE_DIGITS = "零幺二三四五六七八九"
SMALL_UNITS = ("", "十", "百", "千")
BIG_UNITS = ("", "万", "亿", "万亿")

# Numbers this short are still read digit by digit: emergency and public-service lines.
SHORT_SERVICE_NUMBERS = frozenset({"110", "119", "120", "122", "12110", "12315", "12345", "12381", "12321"})
# Words after which a number is a phone number whatever its length.
PHONE_CUES = ("拨打", "致电", "电话", "热线", "号码", "手机号", "回拨", "打")
# A count after these characters reads 两 rather than 二 ("2个" → 两个).
MEASURE_WORDS = "个位次天条张笔名家台部件种遍份句步元块点"

LATIN_WORDS: dict[str, str] = {
    "app": "应用",
    "qq": "扣扣",
    "id": "身份号",
    "pos": "刷卡机",
    "vip": "会员",
    "ok": "好的",
    "ai": "人工智能",  # "AI换脸" is read 人工智能换脸
}


def cardinal(number: int) -> str:
    """An integer as a Mandarin cardinal: 10 → 十, 1200 → 一千二百, 50000 → 五万, 100005 → 十万零五."""
    if number < 0:
        return "负" + cardinal(-number)
    if number == 0:
        return DIGITS[0]
    groups: list[int] = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    out = ""
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or group < 1000):
            out += DIGITS[0]
        out += _group(group) + BIG_UNITS[index]
        zero_pending = False
    if out.startswith("一十"):
        out = out[1:]  # 十五, not 一十五
    return out


def _group(number: int) -> str:
    """0 < number < 10000, with inner zeros (1005 → 一千零五)."""
    text = ""
    zero = False
    for position in range(3, -1, -1):
        digit = (number // 10**position) % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += DIGITS[0]
            zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def digits_aloud(digits: str, *, phone: bool = True) -> str:
    """Digit by digit; 1 is 幺 in phone numbers (and 一 in years)."""
    table = PHONE_DIGITS if phone else DIGITS
    return "".join(table[int(d)] for d in digits if d.isdigit())


def decimal_aloud(text: str) -> str:
    """'3.5' → 三点五, '1,200' → 一千二百, '0.25' → 零点二五."""
    text = text.replace(",", "").replace("，", "")
    whole, _, fraction = text.partition(".")
    spoken = cardinal(int(whole or "0"))
    if fraction.strip("0"):
        spoken += "点" + digits_aloud(fraction.rstrip("0"), phone=False)
    return spoken


def _year(match: re.Match[str]) -> str:
    return digits_aloud(match.group(1), phone=False) + "年"


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or minute > 59:
        return match.group(0)
    spoken = ("两" if hour == 2 else cardinal(hour)) + "点"
    if minute:
        spoken += ("零" + cardinal(minute) if minute < 10 else cardinal(minute)) + "分"
    return spoken


def _money(match: re.Match[str]) -> str:
    amount, scale, unit = match.group("amount"), match.group("scale") or "", match.group("unit")
    plain = amount.replace(",", "").replace("，", "")
    if not scale and "." not in plain and int(plain) >= 10000:
        value = int(plain)
        if value % 10000 == 0 or value >= 100000:
            wan, rest = divmod(value, 10000)
            spoken = _two(cardinal(wan)) + "万" + (("零" if rest < 1000 else "") + cardinal(rest) if rest else "")
            return spoken + unit
    spoken = decimal_aloud(plain)
    return (_two(spoken) if scale else spoken) + scale + unit


def _two(spoken: str) -> str:
    """二 before 万 / 千 / 亿 is said 两 (两万元)."""
    return "两" if spoken == "二" else spoken


def _percent(match: re.Match[str]) -> str:
    return "百分之" + decimal_aloud(match.group(1))


def _is_phone(number: str, before: str, after: str) -> bool:
    digits = re.sub(r"\D", "", number)
    if after[:1] and after[:1] in MEASURE_WORDS + "万千亿年月日号岁多余%":
        return False
    if any(before.endswith(cue) for cue in PHONE_CUES):
        return True
    if digits in SHORT_SERVICE_NUMBERS or not re.fullmatch(r"\d+", number):
        return True
    if len(digits) >= 7 or (len(digits) >= 2 and digits.startswith("0")):
        return True
    return len(digits) == 5 and digits[0] == "9"  # 95xxx bank and 96xxx public lines


STRICT_DATE_RE = re.compile(
    r"(?P<y>\d{4})[\-/.](?P<m>1[0-2]|0?[1-9])[\-/.](?P<d>3[01]|[12]\d|0?[1-9])(?P<unit>)(?!\d)"
    r"|(?:(?P<y2>\d{4})年)?(?P<m2>1[0-2]|0?[1-9])月(?:(?P<d2>3[01]|[12]\d|0?[1-9])(?P<unit2>日|号))?"
)
YEAR_RE = re.compile(r"(\d{4})年")
TIME_RE = re.compile(r"(?<![\d:])([01]?\d|2[0-4])[:：]([0-5]\d)(?![\d:])")
MONEY_RE = re.compile(
    r"(?P<amount>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<scale>万亿|亿|万|千)?\s*(?P<unit>元|块钱|块)"
)
SCALED_RE = re.compile(r"(\d+(?:\.\d+)?)(万亿|亿|万|千)")
PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
NUMBER_RE = re.compile(r"\d+\.\d+|\+?\d(?:\d|[\- ](?=\d{3,}))*")
LATIN_RE = re.compile(r"[A-Za-z]+")
SPACES_RE = re.compile(r"[ \t\r\n]+")
# Symbols the voice would otherwise name in English ("slash").
SYMBOLS = {"/": "、", "／": "、", "+": "加", "＋": "加", "&": "和", "＆": "和", "#": "号", "*": "星",
           "~": "到", "～": "到", "@": "", "_": "", "\\": "、", "|": "、", "=": "等于"}
SYMBOLS_RE = re.compile("|".join(re.escape(symbol) for symbol in SYMBOLS))


def _strict_date(match: re.Match[str]) -> str:
    year = match.group("y") or match.group("y2")
    month = match.group("m") or match.group("m2")
    day = match.group("d") or match.group("d2")
    unit = match.group("unit2") or "日"
    out = digits_aloud(year, phone=False) + "年" if year else ""
    out += cardinal(int(month)) + "月"
    if day:
        out += cardinal(int(day)) + unit
    return out


def _latin(match: re.Match[str]) -> str:
    word = match.group(0)
    return LATIN_WORDS.get(word.lower(), word)


def _digits_and_phones(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in NUMBER_RE.finditer(text):
        out.append(text[position: match.start()])
        number = match.group(0)
        before = "".join(out)[-4:]
        after = text[match.end(): match.end() + 1]
        if "." in number:
            out.append(decimal_aloud(number))
        elif _is_phone(number, before, after):
            out.append(digits_aloud(number))
        elif number == "2" and after and after in MEASURE_WORDS:
            out.append("两")
        else:
            out.append(cardinal(int(number)))
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def speech_text(text: str) -> str:
    """``text`` with every number, amount, time and date written out for a Mandarin voice."""
    spoken = SPACES_RE.sub(" ", text).strip()
    spoken = STRICT_DATE_RE.sub(_strict_date, spoken)
    spoken = YEAR_RE.sub(_year, spoken)
    spoken = TIME_RE.sub(_time, spoken)
    spoken = MONEY_RE.sub(_money, spoken)
    spoken = PERCENT_RE.sub(_percent, spoken)
    spoken = SCALED_RE.sub(lambda m: _two(decimal_aloud(m.group(1))) + m.group(2), spoken)
    spoken = _digits_and_phones(spoken)
    spoken = LATIN_RE.sub(_latin, spoken)
    spoken = SYMBOLS_RE.sub(lambda m: SYMBOLS[m.group(0)], spoken)
    # Spaces between hanzi make the voice pause oddly; keep them only between Latin words.
    return re.sub(r"(?<=[^A-Za-z]) | (?=[^A-Za-z])", "", spoken)


def hanzi_count(text: str) -> int:
    """How many CJK characters ``text`` holds (the unit for seconds of speech per 100 hanzi)."""
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
