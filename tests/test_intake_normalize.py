"""Field normalisation: phones, ID numbers, times, fraud types, signals, amounts, durations, headers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from console.services.intake.fields import field_for_header, map_headers
from console.services.intake.normalize import (
    normalise_phones,
    parse_amount,
    parse_duration,
    parse_fraud_type,
    parse_id_number,
    parse_signals,
    parse_time,
)
from console.services.intake.prepare import Draft, Rejection, derive_profile, prepare_row

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("cell", "primary", "others"),
    [
        ("'13800138000", "13800138000", ()),
        ("13800138000.0", "13800138000", ()),
        (13800138000.0, "13800138000", ()),
        ("１３８００１３８０００", "13800138000", ()),
        ("+86 138-0013-8000", "13800138000", ()),
        ("0086 13800138000", "13800138000", ()),
        ("8613800138000", "13800138000", ()),
        ("(138)0013-8000", "13800138000", ()),
        ("138 0013 8000", "13800138000", ()),
        ("(010) 6552-9988", "01065529988", ()),
        ("0755-86001234", "075586001234", ()),
        ("13800138000；13900139000、13700137000", "13800138000", ("13900139000", "13700137000")),
        ("13800138000 13900139000", "13800138000", ("13900139000",)),
        ("13800138000,13800138000", "13800138000", ()),
    ],
)
def test_phone_forms_found_in_exports_normalise(cell: object, primary: str, others: tuple[str, ...]) -> None:
    result = normalise_phones(cell)
    assert (result.primary, result.others) == (primary, others)


@pytest.mark.parametrize("cell", ["12345", "", None, "无", "1.38001E+10", "10000000000", "abc-def"])
def test_cells_without_a_valid_phone_say_why(cell: object) -> None:
    result = normalise_phones(cell)
    assert result.primary is None
    assert result.problem


def test_scientific_phone_is_flagged_not_guessed() -> None:
    assert "科学计数法" in normalise_phones("1.38001E+10").problem


def test_id_numbers() -> None:
    valid = parse_id_number("11010519491231002x")
    assert (valid.number, valid.flag, valid.birth_date, valid.sex) == ("11010519491231002X", "", dt.date(1949, 12, 31), "F")
    legacy = parse_id_number("320102500315123")
    assert (legacy.flag, legacy.birth_date, legacy.sex) == ("legacy15", dt.date(1950, 3, 15), "M")
    assert parse_id_number("110105194912310021").flag == "invalid"  # check digit
    assert parse_id_number("320102195013151234").flag == "invalid"  # month 13
    assert parse_id_number("12345").flag == "invalid"
    assert parse_id_number("").flag == "missing"


@pytest.mark.parametrize("cell", ["110105194912310021", "320102195013151234", "3201021950031512345"])
def test_a_bad_id_number_is_named_masked_in_its_reason(cell: str) -> None:
    problem = parse_id_number(cell).problem
    assert problem and cell not in problem and "*" in problem  # the reason goes to logs, lists and the quarantine
    sci = parse_id_number("3.20102E+17")
    assert sci.flag == "scientific" and sci.birth_date is None and "科学计数法" in sci.problem
    as_float = parse_id_number(3.20102195003151e17)
    assert as_float.flag == "scientific" and as_float.birth_date is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-20 14:03", dt.datetime(2026, 11, 20, 6, 3, tzinfo=UTC)),
        ("2026/11/20 14:03", dt.datetime(2026, 11, 20, 6, 3, tzinfo=UTC)),
        ("2026年11月20日 14时03分", dt.datetime(2026, 11, 20, 6, 3, tzinfo=UTC)),
        ("2026年11月20日14:03:05", dt.datetime(2026, 11, 20, 6, 3, 5, tzinfo=UTC)),
        ("2026-11-20T06:03:00Z", dt.datetime(2026, 11, 20, 6, 3, tzinfo=UTC)),
        ("2026-11-20T14:03:00+08:00", dt.datetime(2026, 11, 20, 6, 3, tzinfo=UTC)),
        (46346.5, dt.datetime(2026, 11, 20, 4, 0, tzinfo=UTC)),
        ("46346.5", dt.datetime(2026, 11, 20, 4, 0, tzinfo=UTC)),
        (dt.datetime(2026, 11, 20, 14, 3), dt.datetime(2026, 11, 20, 6, 3, tzinfo=UTC)),
        ("昨天下午", None),
        ("2026-13-40", None),
        (12, None),
    ],
)
def test_times_are_read_as_beijing_time(cell: object, expected: dt.datetime | None) -> None:
    assert parse_time(cell, SHANGHAI) == expected


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("冒充公检法", "impersonate_authority"),
        ("冒充公检法诈骗", "impersonate_authority"),
        ("刷单返利类", "task_rebate"),
        ("网络刷单诈骗", "task_rebate"),
        ("杀猪盘", "romance_investment"),
        ("FAKE_LOAN", "fake_loan"),
        ("跑分", "tool_person"),
        ("网络游戏产品虚假交易", "game_trading"),
    ],
)
def test_fraud_type_labels_map_to_codes(label: str, code: str) -> None:
    assert parse_fraud_type(label) == (code, "")


def test_unknown_fraud_type_becomes_other_with_a_warning() -> None:
    code, problem = parse_fraud_type("外星人诈骗")
    assert code == "other" and "外星人诈骗" in problem


def test_signals_are_split_into_codes() -> None:
    assert parse_signals("屏幕共享;正在通话;大额转账") == ("screen_sharing", "on_call_now", "large_transfer")
    assert parse_signals("已安装向日葵，准备转账，去ATM取现") == ("remote_control_app", "transfer_pending", "cash_withdrawal")
    assert parse_signals("无") == ()


def test_amounts_and_durations() -> None:
    assert parse_amount("5万") == (Decimal("50000.00"), "")
    assert parse_amount("¥50,000.50元") == (Decimal("50000.50"), "")
    assert parse_amount(1234.5) == (Decimal("1234.50"), "")
    assert parse_amount(1e26)[0] is None and parse_amount(float("inf"))[0] is None
    assert parse_amount("很多")[0] is None and parse_amount("很多")[1]
    assert parse_duration("1分35秒") == (95, "")
    assert parse_duration("00:01:35") == (95, "")
    assert parse_duration("95") == (95, "")
    assert parse_duration("很久")[0] is None


def test_headers_match_case_and_space_insensitively() -> None:
    assert field_for_header(" 手机 号码 ") == "phone"
    assert field_for_header("通话时长（秒）") == "call_duration_s"
    assert field_for_header("ID_Number") == "id_number"
    assert field_for_header("涉诈APP") == "fraud_contact"
    assert field_for_header("处置建议") is None
    assert map_headers(["编号", "电话号码", "电话号码"]) == {"external_id": 0, "phone": 1}


def test_profile_from_age() -> None:
    today = dt.date(2026, 11, 20)
    assert derive_profile(dt.date(1950, 3, 15), today).profile_group == "elderly"
    assert derive_profile(dt.date(2006, 5, 1), today).profile_group == "student"
    assert derive_profile(dt.date(2006, 5, 1), today, occupation="外卖骑手").profile_group == "general"
    assert derive_profile(dt.date(2012, 1, 10), today).profile_group == "minor"
    assert derive_profile(dt.date(1990, 7, 20), today).age_band == "26-40"
    assert derive_profile(None, today).age_band == "unknown"


def test_a_row_is_rejected_only_for_want_of_a_phone() -> None:
    now = dt.datetime(2026, 11, 20, 8, tzinfo=UTC)
    columns = {"phone": "手机号", "id_number": "身份证号", "fraud_type": "类型", "received_at": "时间"}
    bad_everything = prepare_row(2, {"手机号": "13800138000", "身份证号": "123", "类型": "?", "时间": "x"},
                                 columns, default_source="", now=now, zone=SHANGHAI)
    assert isinstance(bad_everything, Draft)
    assert [i.field for i in bad_everything.issues] == ["received_at", "id_number", "fraud_type"]
    assert bad_everything.received_at == now
    rejected = prepare_row(3, {"手机号": "12345"}, columns, default_source="", now=now, zone=SHANGHAI)
    assert isinstance(rejected, Rejection) and rejected.field == "phone"
