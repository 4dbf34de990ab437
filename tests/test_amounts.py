"""One amount reader: the import, the call outcome, the warning edit and the stop-payment task agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from console.services.calls.log import call_connected
from console.services.calls.warning_edit import _amount as edited_amount
from console.services.core.amounts import AmountError, parse_amount
from console.services.core.context import ServiceError
from console.services.core.settings import default_settings
from console.services.intake.normalize import parse_amount as imported_amount

READABLE = [
    ("5000", Decimal("5000.00")),
    ("¥5,000", Decimal("5000.00")),
    ("5千", Decimal("5000.00")),
    ("3.5万", Decimal("35000.00")),
    ("50,000.50元", Decimal("50000.50")),
    ("人民币 2000", Decimal("2000.00")),
    ("１２，０００", Decimal("12000.00")),  # full-width digits and comma
    (1234.5, Decimal("1234.50")),
    (Decimal("0.005"), Decimal("0.01")),
]


@pytest.mark.parametrize(("text", "amount"), READABLE)
def test_every_entry_point_reads_the_same_amount(text: object, amount: Decimal) -> None:
    assert parse_amount(text) == amount
    assert imported_amount(text) == (amount, "")
    assert edited_amount(text) == amount


def test_empty_is_no_amount_and_nonsense_is_refused_in_chinese() -> None:
    for empty in (None, "", "  ", "元"):
        assert parse_amount(empty) is None
    with pytest.raises(AmountError, match="金额无法识别（很多）"):
        parse_amount("很多")
    with pytest.raises(AmountError, match="不能为负数") as negative:
        parse_amount("-5")
    assert negative.value.negative
    for absurd in ("1e13", float("inf"), float("nan"), Decimal("NaN")):
        with pytest.raises(AmountError, match="无效"):
            parse_amount(absurd)
    assert imported_amount("很多") == (None, "涉案金额无法识别（很多）")
    with pytest.raises(ServiceError, match="涉案金额无法识别"):
        edited_amount("很多")


def test_the_outcome_panel_accepts_what_the_import_accepts(qtbot) -> None:  # type: ignore[no-untyped-def]
    from console.ui.outcome_panel import OutcomePanel

    panel = OutcomePanel(lambda: dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), default_settings())
    qtbot.addWidget(panel)
    for text in ("¥5,000", "5千"):
        panel.amount_edit.setText(text)
        assert panel.amount_error.text() == ""
    panel.amount_edit.setText("五千块")
    assert "金额无法识别" in panel.amount_error.text()


def test_a_call_is_connected_unless_nobody_answered() -> None:
    assert call_connected("dissuaded") and call_connected("hung_up") and call_connected("refused")
    for nobody in ("no_answer", "busy", "powered_off", "invalid_number"):
        assert not call_connected(nobody)
    assert not call_connected("dissuaded", dialled=False)
