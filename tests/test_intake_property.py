"""Random and mutated rows never crash the importer, and the accounting always adds up."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, ServiceContext
from console.services.intake.fields import FIELDS
from console.services.intake.importer import import_files
from console.services.intake.prepare import Draft, Rejection, prepare_row

NOW = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
HEADERS = ["预警编号", "预警时间", "姓名", "手机号", "身份证号", "预警类型", "风险特征", "涉案金额", "通话时长", "备注"]
GOOD = ["W-1", "2026-11-20 14:03", "张三", "13800138000", "11010519491231002X", "刷单返利", "屏幕共享", "5万", "95", ""]

cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "'", "13800138000.0", "1.38001E+10", "+86", "0086", "２０２６年", "5万", "NaN",
                     "2026-02-30", "46346.5", "屏幕共享;正在通话", "\u3000", "x" * 300, "ＸＸ", "-1"]),
)


def _mutate(row: list[object], changes: list[tuple[int, object]]) -> list[object]:
    mutated = list(row)
    for index, value in changes:
        mutated[index % len(mutated)] = value
    return mutated


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), cells), max_size=6), st.sampled_from(FIELDS))
def test_prepare_row_never_crashes(changes: list[tuple[int, object]], extra_field: str) -> None:
    values = dict(zip(HEADERS, _mutate(list(GOOD), changes), strict=True))
    columns = {"external_id": "预警编号", "received_at": "预警时间", "name": "姓名", "phone": "手机号",
               "id_number": "身份证号", "fraud_type": "预警类型", "signals": "风险特征", "amount": "涉案金额",
               "call_duration_s": "通话时长", "note": "备注"}
    columns.setdefault(extra_field, "备注")
    result = prepare_row(2, values, columns, default_source="", now=NOW, zone=ZoneInfo("Asia/Shanghai"))
    assert isinstance(result, Draft | Rejection)
    if isinstance(result, Rejection):
        assert result.field == "phone" and result.reason


_counter = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.integers(0, 20), cells), max_size=4), min_size=1, max_size=12),
       st.integers(1, 5))
def test_import_keeps_rows_equal_to_the_sum_of_outcomes(
    sqlite_db: Database, tmp_path: Path, mutations: list[list[tuple[int, object]]], chunk: int
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    non_blank = 0
    for changes in mutations:
        row = ["" if v is None else str(v).replace("\x00", "") for v in _mutate(list(GOOD), changes)]
        writer.writerow(row)
        non_blank += any(c.strip() for c in row)
    path = tmp_path / f"random-{next(_counter)}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    summary = import_files(ServiceContext(sqlite_db.sessions, SYSTEM, lambda: NOW), [path], chunk_size=chunk)
    assert summary.rows == summary.imported + summary.merged + summary.rejected + summary.unchanged
    assert summary.rows <= non_blank
