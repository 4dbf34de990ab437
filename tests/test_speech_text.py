"""Text normalisation before synthesis: numbers read as a Mandarin speaker reads them."""

from __future__ import annotations

import pytest

from console.services.messaging.speech_text import cardinal, hanzi_count, speech_text


@pytest.mark.parametrize(("text", "spoken"), [
    ("请拨打96110核实", "请拨打九六幺幺零核实"),
    ("马上打110报警", "马上打幺幺零报警"),
    ("拨打110或96110", "拨打幺幺零或九六幺幺零"),
    ("手机号13800138000", "手机号幺三八零零幺三八零零零"),
    ("138 0013 8000", "幺三八零零幺三八零零零"),
    ("值班电话0571-88886666", "值班电话零五七幺八八八八六六六六"),
    ("银行客服95588", "银行客服九五五八八"),
    ("拨打12381", "拨打幺二三八幺"),
])
def test_phone_numbers_and_hotlines_are_read_digit_by_digit_with_yao(text: str, spoken: str) -> None:
    assert speech_text(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("已经转了5万元", "已经转了五万元"),
    ("已经转了50000元", "已经转了五万元"),
    ("3.5万元", "三点五万元"),
    ("1200元", "一千二百元"),
    ("1,200元", "一千二百元"),
    ("200000元", "二十万元"),
    ("150000元", "十五万元"),
    ("100005元", "十万零五元"),
    ("花了20000块", "花了两万块"),
    ("2万元", "两万元"),
    ("120万元", "一百二十万元"),
])
def test_money_is_read_as_an_amount(text: str, spoken: str) -> None:
    assert speech_text(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), [
    ("15:30前", "十五点三十分前"),
    ("8:00到9:05", "八点到九点零五分"),
    ("14：00", "十四点"),
    ("2点钟", "两点钟"),
    ("2026年12月1日", "二零二六年十二月一日"),
    ("2026-12-01", "二零二六年十二月一日"),
    ("12月1号", "十二月一号"),
    ("年息15%", "年息百分之十五"),
])
def test_times_dates_and_percentages(text: str, spoken: str) -> None:
    assert speech_text(text) == spoken


def test_counts_words_and_symbols() -> None:
    assert speech_text("只有2个人，第10步，3天") == "只有两个人，第十步，三天"
    assert speech_text("下载国家反诈中心App") == "下载国家反诈中心应用"
    assert speech_text("保健品/养老投资") == "保健品、养老投资"
    assert speech_text("2.5倍") == "二点五倍"


def test_cardinals() -> None:
    assert [cardinal(n) for n in (0, 10, 15, 101, 1005, 10000, 10010, 2000000)] == [
        "零", "十", "十五", "一百零一", "一千零五", "一万", "一万零一十", "二百万"]


def test_hanzi_count_ignores_punctuation() -> None:
    assert hanzi_count("您好，请挂断。") == 5
