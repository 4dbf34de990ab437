"""Documents a centre can file: every report type on demo data prints Chinese words, never codes; the
unit, document numbers, dates and signature blocks are on paper; each figure has one definition;
the exports hold numbers; the demo county tells one consistent story."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core import vocabulary as V
from console.services.demo.generate import DEMO_PASSWORD
from console.services.demo.walk import DEFAULT_OBJECTIONS, OBJECTIONS
from console.services.pdf.dispatch_sheet import render_dispatch_sheet
from console.services.pdf.stop_payment_request import render_stop_payment_request
from console.services.reports import tables as T
from console.services.reports.cells import fmt_lateness, fmt_share
from console.services.reports.daily import build_daily_report
from console.services.reports.period import build_period_report
from console.services.reports.script_effectiveness import build_scripts_report
from console.services.reports.warning_record import build_warning_record
from console.services.stats import definitions
from console.services.stats.figures import compute_stats
from db.models import AuditEvent, CallAttempt, Escalation, FollowUp, StopPaymentRecord, Warning
from scripts_library.loader import load_library
from tests.cli_helpers import login_as
from tests.stats_helpers import TODAY, add_warning, db_url, fixed_ctx, local, pdftotext, seed_demo

IDENTIFIER = re.compile(r"[a-z]+_[a-z_]+")
CODE_TABLES = (V.FRAUD_TYPE_LABELS, V.DISPOSITION_LABELS, V.OBJECTION_LABELS, V.KEY_ACTION_LABELS,
               V.PROFILE_GROUP_LABELS, V.SIGNAL_LABELS, V.SOURCE_LABELS, V.FOLLOW_UP_OUTCOME_LABELS,
               V.FOLLOW_UP_STATUS_LABELS, V.TASK_KIND_LABELS, V.TASK_STATUS_LABELS, V.RESULT_LABELS,
               V.ORDER_STATUS_LABELS, V.RISK_LEVEL_LABELS, V.AGE_BAND_LABELS)
KNOWN_CODES = {str(code) for table in CODE_TABLES for code in table} | {s.id for s in load_library()}
ROOT = Path(__file__).resolve().parents[1]


def _raw_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _codes_in(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z_]*", text))
    return {w for w in words if IDENTIFIER.fullmatch(w) or w in KNOWN_CODES}


@pytest.fixture
def county(sqlite_db: Database) -> Database:
    seed_demo(sqlite_db, warnings=300)
    return sqlite_db


def _warning_with(database: Database, outcome: str, *, escalated: bool = False) -> int:
    with database.sessions() as session:
        query = select(Warning.id).where(Warning.outcome == outcome).order_by(Warning.id)
        if escalated:
            query = query.where(Warning.id.in_(select(Escalation.warning_id)))
        return int(session.execute(query.limit(1)).scalar_one())


def test_every_document_prints_chinese_words_and_carries_the_official_form(county: Database,
                                                                           tmp_path: Path) -> None:
    ctx = fixed_ctx(county)
    start, end = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1)
    refused = _warning_with(county, "refused", escalated=True)
    victimized = _warning_with(county, "victimized")
    with county.sessions() as session:
        escalation_id = int(session.execute(select(Escalation.id).where(Escalation.warning_id == refused)).scalar_one())
    with ctx.session() as session:
        record = StopPaymentRecord(warning_id=victimized, amount=Decimal("48000"), victim_bank="农业银行",
                                   victim_account="6228480012345678", payee_account="6217000099998888",
                                   transferred_at=local(TODAY - dt.timedelta(days=3), 10))
        session.add(record)
        session.flush()
        record_id = record.id
    documents = {
        "daily": build_daily_report(ctx, end, tmp_path / "daily.pdf").path,
        "period": build_period_report(ctx, start, end, tmp_path / "period.pdf").path,
        "scripts": build_scripts_report(ctx, start, end, tmp_path / "scripts.pdf").path,
        "warning_refused": build_warning_record(ctx, refused, tmp_path / "w1.pdf").path,
        "warning_victimized": build_warning_record(ctx, victimized, tmp_path / "w2.pdf").path,
        "dispatch": render_dispatch_sheet(ctx, escalation_id, tmp_path / "dispatch.pdf"),
        "stop_payment": render_stop_payment_request(ctx, record_id, tmp_path / "zhifu.pdf"),
    }
    unit = ctx.settings.centre.printed_name
    for kind, path in documents.items():
        text = _raw_text(path)
        assert _codes_in(text) == set(), (kind, _codes_in(text))
        flat = "".join(text.split())
        assert unit in flat and "内部资料" in flat, kind
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", flat), kind
    flat = {kind: pdftotext(path) for kind, path in documents.items()}
    assert "填报人" in flat["daily"] and "审核人" in flat["daily"] and "值班领导" in flat["daily"]
    assert re.search(r"反诈指〔2026〕1号", flat["dispatch"]) and re.search(r"反诈止〔2026〕1号", flat["stop_payment"])
    assert re.search(r"反诈登〔2026〕1号", flat["warning_refused"]) and "反诈登〔2026〕2号" in flat["warning_victimized"]
    assert "属" in flat["dispatch"] and "辖区" in flat["dispatch"]  # 指派依据 filled
    assert "上门见面劝阻：核实当事人" in flat["dispatch"]  # 协同任务内容 filled
    render_dispatch_sheet(ctx, escalation_id, tmp_path / "again.pdf")  # a reprint keeps its number
    assert "反诈指〔2026〕1号" in pdftotext(tmp_path / "again.pdf")
    # the record's script path shows node titles, not ids (e.g. 开场 → …)
    assert "开场→" in flat["warning_refused"]


def test_each_figure_has_one_definition_printed_and_documented(county: Database, tmp_path: Path) -> None:
    ctx = fixed_ctx(county)
    day = TODAY - dt.timedelta(days=2)
    stats = compute_stats(ctx, day, day)
    assert sum(o.dissuaded for o in stats.operators) == stats.totals.dissuaded  # per warning, both
    assert stats.to_dict()["definitions"]["dissuaded"]["basis"] == definitions.figure("dissuaded").basis
    text = "".join(_raw_text(build_daily_report(ctx, day, tmp_path / "d.pdf").path).split())
    for key in ("dissuaded", "calls", "operator_dissuaded", "late"):
        assert "".join(definitions.figure(key).basis.split()) in text, key
    doc = (ROOT / "docs" / "FIGURES.md").read_text(encoding="utf-8")
    assert definitions.markdown() in doc  # the page is the definitions module written out
    month = compute_stats(ctx, TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1))
    decided = sum(s.decided for s in month.scripts)
    won = sum(s.dissuaded for s in month.scripts)
    t = month.totals
    # the scripts' rate uses the warnings' definition: over the decided calls, close to the period's rate
    assert decided and abs(won / decided - t.dissuaded / (t.dissuaded + t.refused + t.victimized)) < 0.05
    assert any(s.attempts > s.connected for s in month.scripts)  # 使用 counts unanswered dials too


def test_small_denominators_and_lateness_to_the_second(sqlite_db: Database) -> None:
    assert fmt_share(1, 3) == "1/3" and fmt_share(0, 0) == "—" and fmt_share(17, 20) == "85.0%"
    assert fmt_lateness(35) == "35秒" and fmt_lateness(125) == "2分05秒"
    ctx = fixed_ctx(sqlite_db)
    received = local(TODAY, 9)
    add_warning(ctx, received=received, deadline_min=10, first_contact=received + dt.timedelta(minutes=10, seconds=35),
                outcome="dissuaded")
    stats = compute_stats(ctx, TODAY, TODAY)
    assert [i.seconds_late for i in stats.late_items] == [35]
    assert str(T.late_table(stats).rows[0][6]) == "35秒"
    assert str(T.totals_table(stats).rows[8][1]) == "1/1"


def test_exports_hold_numbers_with_formats_and_csv_has_a_bom(county: Database, tmp_path: Path) -> None:
    ctx = fixed_ctx(county)
    start, end = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1)
    result = build_period_report(ctx, start, end, tmp_path / "p.pdf", xlsx=tmp_path / "p.xlsx", csv=tmp_path / "p.csv")
    stats = compute_stats(ctx, start, end)
    book = load_workbook(result.xlsx_path)
    totals = book["总计"]
    assert ctx.settings.centre.printed_name in str(totals["A1"].value) and "2026年2月13日至2026年3月14日" in str(totals["A1"].value)
    assert totals.freeze_panes == "A3" and totals.column_dimensions["A"].width > 8
    values = {row[0].value: row[1] for row in totals.iter_rows(min_row=3)}
    assert values["接收预警"].value == stats.totals.warnings_received and values["接收预警"].number_format == "#,##0"
    assert isinstance(values["劝阻成功率"].value, float) and values["劝阻成功率"].number_format == "0.0%"
    assert values["涉案金额"].value == stats.totals.amount_at_risk and values["涉案金额"].number_format == "¥#,##0.00"
    types = book["按诈骗类型"]
    assert all(isinstance(r[1].value, int) for r in types.iter_rows(min_row=3))
    raw = (tmp_path / "p.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(ctx.settings.centre.printed_name) and f"接收预警,{stats.totals.warnings_received}" in lines


def test_demo_calls_walk_the_real_scripts_and_the_story_holds(county: Database) -> None:
    library = load_library()
    with county.sessions() as session:
        warnings = {w.id: w for w in session.execute(select(Warning)).scalars()}
        calls = list(session.execute(select(CallAttempt).order_by(CallAttempt.started_at)).scalars())
        escalations = list(session.execute(select(Escalation)).scalars())
        follow_ups = list(session.execute(select(FollowUp)).scalars())
    ends = {"dissuaded", "refused", "victimized", "false_positive", "wrong_person"}
    for call in calls:
        warning = warnings[call.warning_id]
        assert call.script_id in library
        script = library.get(call.script_id)
        last = call.node_path[-1] if call.node_path else None
        end_node = last is not None and not last.startswith("@") and script.nodes[last].end
        if call.disposition == "hung_up":
            assert not end_node, call.node_path
        elif call.disposition in ends:
            assert end_node and script.nodes[last].disposition == call.disposition, (call.disposition, call.node_path)
        allowed = {c for c, _ in OBJECTIONS.get(warning.fraud_type, DEFAULT_OBJECTIONS)}
        assert set(call.objections) <= allowed, (warning.fraud_type, call.objections)
    last_call = {c.warning_id: c.started_at for c in calls}
    for escalation in escalations:
        warning = warnings[escalation.warning_id]
        assert warning.outcome in ("refused", "victimized")
        assert escalation.created_at > last_call[warning.id]
        if warning.outcome == "refused":
            assert "停止转账" not in escalation.result_note
    planned = {wid: {(f.kind, f.day_offset) for f in follow_ups if f.warning_id == wid} for wid in warnings}
    for wid, warning in warnings.items():
        if warning.outcome == "refused":
            assert planned[wid] == {("revisit", 1)}, planned[wid]
        elif warning.outcome == "victimized":
            assert planned[wid] == {("victim_support", 1)}, planned[wid]
        elif warning.outcome == "dissuaded":
            assert {k for k, _ in planned[wid]} == {"revisit"}
        else:
            assert not planned[wid]


def test_cli_warning_record_reveals_only_with_a_reason_and_writes_csv(county: Database, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    wid = _warning_with(county, "dissuaded")
    url = db_url(county)
    base = ["report", "warning", str(wid), "--db", url]
    with redirect_stderr(io.StringIO()) as err, redirect_stdout(io.StringIO()):
        assert main([*base, "--out", str(tmp_path / "a.pdf"), "--reveal",
                     *login_as(monkeypatch, "zhiban", DEMO_PASSWORD)]) != 0
    assert "--reason" in err.getvalue() and not (tmp_path / "a.pdf").exists()
    with redirect_stdout(io.StringIO()):
        assert main([*base, "--out", str(tmp_path / "b.pdf"), "--reveal", "--reason", "上门核对",
                     *login_as(monkeypatch, "zhiban", DEMO_PASSWORD)]) == 0
        day = (TODAY - dt.timedelta(days=1)).isoformat()
        assert main(["report", "daily", "--date", day, "--out", str(tmp_path / "d.pdf"), "--csv", str(tmp_path / "d.csv"),
                     "--db", url, *login_as(monkeypatch, "zhiban", DEMO_PASSWORD)]) == 0
    assert (tmp_path / "d.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with county.sessions() as session:
        reveal = session.execute(select(AuditEvent).where(AuditEvent.action == "reveal")).scalar_one()
    assert (reveal.login, reveal.reason, reveal.object_id) == ("zhiban", "上门核对", str(wid))
