"""The PDF reports print the figures of compute_stats (checked in the PDF text), mask personal data
for a role that may not see it, and write a 'print' audit entry; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import PermissionDenied, ServiceError
from console.services.reports import tables as T
from console.services.reports.common import fmt_int, fmt_minutes, fmt_money, fmt_share
from console.services.reports.daily import build_daily_report, summary_line
from console.services.reports.period import build_period_report
from console.services.reports.script_effectiveness import build_scripts_report
from console.services.reports.warning_record import build_warning_record
from console.services.security import auth
from console.services.stats.figures import compute_stats
from db.models import AuditEvent
from tests.cli_helpers import login_as
from tests.stats_helpers import (
    TODAY,
    add_call,
    add_warning,
    db_url,
    fixed_ctx,
    local,
    pdf_lines,
    pdftotext,
    row_printed,
    seed_demo,
)


def _audits(database: Database, action: str) -> list[AuditEvent]:
    with database.sessions() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)).scalars())


def test_daily_report_prints_the_stats_figures(database: Database, tmp_path: Path) -> None:
    seed_demo(database, warnings=300)
    day = TODAY - dt.timedelta(days=2)
    ctx = fixed_ctx(database)
    auth.add_user(ctx, "sup_daily", "secret-pass", "supervisor")  # an audit entry before the report
    progress: list[int] = []
    result = build_daily_report(ctx, day, tmp_path / "daily.pdf", xlsx=tmp_path / "daily.xlsx",
                                progress=lambda p, _m: progress.append(p))
    stats = compute_stats(ctx, day, day)
    text = pdftotext(result.path)
    assert "值班日报" in text and progress[-1] == 100
    assert ("今日：" + summary_line(stats)).replace(" ", "") in text
    for label, value in T.totals_table(stats).rows:
        assert f"{label}{value}".replace(" ", "") in text, (label, value)
    lines = pdf_lines(result.path)
    for row in T.level_table(stats).rows + T.response_table(stats).rows + T.fraud_type_table(stats).rows:
        assert row_printed(lines, row), row
    for operator in stats.operators:
        assert f"{operator.name}{operator.login}{fmt_int(operator.calls)}" in text
    sheet = load_workbook(result.xlsx_path)["总计"]
    assert [[c.value for c in r] for r in sheet.iter_rows(min_row=3)] == [[label, cell.value]  # numbers, not text
                                                                        for label, cell in T.totals_table(stats).rows]
    printed = _audits(database, "print")[-1]
    assert printed.details["report"] == "daily" and printed.details["pages"] == result.pages
    head = re.search(r"审计链头：第(\d+)条，哈希([0-9a-f]{16})", re.sub(r"\s", "", text))
    assert head is not None  # the chain head on paper: a copy of it nobody can rewrite in the database
    with database.sessions() as session:
        entry = session.get(AuditEvent, int(head.group(1)))
    assert entry is not None and entry.hash.startswith(head.group(2)) and entry.id < printed.id


def test_period_and_scripts_reports_print_the_stats_figures(database: Database, tmp_path: Path) -> None:
    seed_demo(database, warnings=300)
    ctx = fixed_ctx(database)
    start, end = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1)
    stats = compute_stats(ctx, start, end)
    pdf = build_period_report(ctx, start, end, tmp_path / "period.pdf").path
    text, lines = pdftotext(pdf), pdf_lines(pdf)
    t, rt = stats.totals, stats.response_times.overall
    for figure in (f"共接收预警{fmt_int(t.warnings_received)}条", f"劝阻成功率{fmt_share(t.dissuaded, t.dissuaded + t.refused + t.victimized)}",
                   f"首次联系用时中位数{fmt_minutes(rt.median_s)}", f"90%分位{fmt_minutes(rt.p90_s)}",
                   f"挽回/保护金额{fmt_money(t.amount_protected)}", f"复骗{fmt_int(t.repeat_victims)}人"):
        assert figure.replace(" ", "") in text, figure
    for row in T.fraud_type_table(stats).rows + T.profile_table(stats).rows + T.station_table(stats).rows:
        assert str(row[0])[:2] in text and row_printed(lines, row), row
    # charts included, every font in the file is an embedded subset (nothing prints as boxes elsewhere)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    font_rows = fonts.splitlines()[2:]
    assert font_rows and all(row.split()[-5] == "yes" for row in font_rows), fonts
    scripts_text = pdftotext(build_scripts_report(ctx, start, end, tmp_path / "scripts.pdf").path)
    for row in stats.scripts:  # 成功率 = 劝阻成功 / 有结论, the same definition as the warnings' rate
        assert (f"{fmt_int(row.attempts)}{fmt_int(row.connected)}{fmt_int(row.decided)}{fmt_int(row.dissuaded)}"
                f"{fmt_share(row.dissuaded, row.decided)}") in scripts_text


def test_warning_record_is_masked_for_every_role_until_an_explicit_audited_reveal(
        database: Database, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = fixed_ctx(database)
    wid = add_warning(ctx, received=local(TODAY, 9), first_contact=local(TODAY, 9, 5), outcome="dissuaded",
                      name="欧阳娜娜", phone="13912345678")
    add_call(ctx, wid, local(TODAY, 9, 5), "dissuaded", script_id="s1", objections=["doubts_caller"])
    operator, supervisor = make_actor("op_rep", "operator"), make_actor("sup_rep", "supervisor")
    masked = build_warning_record(fixed_ctx(database, operator), wid, tmp_path / "op.pdf")
    sup_masked = build_warning_record(fixed_ctx(database, supervisor), wid, tmp_path / "sup-masked.pdf")
    with pytest.raises(ServiceError, match="事由"):
        build_warning_record(fixed_ctx(database, supervisor), wid, tmp_path / "x.pdf", reveal=True)
    with pytest.raises(PermissionDenied):
        build_warning_record(fixed_ctx(database, operator), wid, tmp_path / "x.pdf", reveal=True, reason="核实")
    clear = build_warning_record(fixed_ctx(database, supervisor), wid, tmp_path / "sup.pdf", reveal=True,
                                 reason="派出所上门需核对身份")
    for result in (masked, sup_masked):
        text = pdftotext(result.path)
        assert result.masked and "欧阳**" in text and "139****5678" in text and "欧阳娜娜" not in text
        assert "13912345678" not in text and "320102198001011234" not in text and "幸福路12号" not in text
    clear_text = pdftotext(clear.path)
    assert "欧阳娜娜" in clear_text and "13912345678" in clear_text and "320102198001011234" in clear_text
    assert "怀疑我们是骗子" in clear_text and "劝阻成功" in clear_text
    assert re.search(r"登〔2026〕1号", clear_text) and "2026年3月15日" in clear_text  # numbered once, reprints keep it
    entries = _audits(database, "print")
    assert [(e.login, e.details["masked"]) for e in entries] == [("op_rep", True), ("sup_rep", True),
                                                                 ("sup_rep", False)]
    reveals = [e for e in _audits(database, "reveal") if e.object_type == "warning"]
    assert [(e.login, e.reason) for e in reveals] == [("sup_rep", "派出所上门需核对身份")]


def test_cli_report_commands_write_pdfs(database: Database, tmp_path: Path, make_actor,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    make_actor("sup_cli", "supervisor")
    ctx = fixed_ctx(database)
    wid = add_warning(ctx, received=local(TODAY, 9), first_contact=local(TODAY, 9, 5), outcome="dissuaded")
    url = db_url(database)
    day = TODAY.isoformat()
    for argv in (["report", "daily", "--date", day, "--xlsx", str(tmp_path / "d.xlsx")],
                 ["report", "period", "--from", day, "--to", day], ["report", "scripts", "--from", day, "--to", day],
                 ["report", "warning", str(wid)]):
        out = tmp_path / f"{argv[1]}.pdf"
        with redirect_stdout(io.StringIO()):
            assert main([*argv, "--out", str(out), "--db", url, *login_as(monkeypatch, "sup_cli")]) == 0
        assert out.read_bytes().startswith(b"%PDF")
    assert (tmp_path / "d.xlsx").exists()
