"""``dissuade stations import|list`` and ``dissuade report escalation``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from console.app.bootstrap import Database
from console.cli import main
from console.services.core.context import SYSTEM
from console.services.escalation import orders as esc
from tests.cli_helpers import login_as
from tests.conftest import actor_for
from tests.escalation_builders import add_warning, standard_stations


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_import_then_list_stations(sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    actor_for(sqlite_db, "adm", "admin")
    csv_file = tmp_path / "stations.csv"
    csv_file.write_text("派出所名称,编码,值班电话,辖区社区,辖区乡镇,地址关键词\n"
                        "城关派出所,PCS01,0512-1111,幸福社区,城关镇,\n"
                        ",PCS09,0512-9,,某镇,\n", encoding="utf-8")
    assert main(["stations", "import", str(csv_file), "--json", "--db", _url(sqlite_db), *login_as(monkeypatch, "adm")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["rows"], result["created"], result["rules"]) == (2, 1, 2)
    assert result["errors"] == [{"row": 3, "field": "派出所名称", "message": "派出所名称为空"}]
    assert main(["stations", "list", "--json", "--db", _url(sqlite_db), *login_as(monkeypatch, "adm")]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["code"], [r["pattern"] for r in s["rules"]]) for s in listed] == [("PCS01", ["幸福社区", "城关镇"])]
    assert main(["stations", "import", str(tmp_path / "missing.csv"), "--db", _url(sqlite_db), *login_as(monkeypatch, "adm")]) == 2
    assert "无法读取文件" in capsys.readouterr().err


def test_report_escalation_writes_the_dispatch_sheet(sqlite_db: Database, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    actor_for(sqlite_db, "sup", "supervisor")
    standard_stations(sqlite_db)
    warning_id = add_warning(sqlite_db)
    order = esc.create_escalation(sqlite_db.context(SYSTEM), warning_id, tasks=[esc.TaskRequest.onsite_visit()])
    out = tmp_path / "sheet.pdf"
    assert main(["report", "escalation", str(order.id), "--out", str(out), "--db", _url(sqlite_db), *login_as(monkeypatch, "sup")]) == 0
    assert "1 页" in capsys.readouterr().out
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "城关派出所" in text and "13812345678" not in text  # masked unless --reveal
    assert main(["report", "escalation", str(order.id), "--reveal", "--out", str(out), "--db", _url(sqlite_db), *login_as(monkeypatch, "sup")]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "13812345678" in text


def test_an_admin_edits_stations_and_rules_from_the_command_line(
        sqlite_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from console.services.security import auth

    auth.add_user(sqlite_db.context(SYSTEM), "guanli", "secret-pass", "admin")
    auth.add_user(sqlite_db.context(SYSTEM), "jiexian", "secret-pass", "operator")
    db = ["--db", _url(sqlite_db)]
    assert main(["stations", "set", "PCS07", *db, *login_as(monkeypatch, "guanli")]) == 2  # a new one needs a name
    assert "--name" in capsys.readouterr().err
    assert main(["stations", "set", "PCS07", "--name", "湖东派出所", "--duty-phone", "0512-7777", *db,
                 *login_as(monkeypatch, "guanli")]) == 0
    assert "已新增派出所 PCS07 湖东派出所" in capsys.readouterr().out
    assert main(["stations", "rule-add", "PCS07", "community", "湖东 社区", *db, *login_as(monkeypatch, "guanli")]) == 0
    assert "社区/村 湖东社区" in capsys.readouterr().out
    assert main(["stations", "match", "明湖县湖东社区5栋", *db, *login_as(monkeypatch, "guanli")]) == 0
    assert "湖东派出所（PCS07）" in capsys.readouterr().out
    assert main(["stations", "rule-add", "PCS07", "keyword", "东街", *db, *login_as(monkeypatch, "jiexian")]) == 2
    assert "无权" in capsys.readouterr().err  # operators may not edit jurisdictions
    assert main(["stations", "set", "PCS07", "--inactive", *db, *login_as(monkeypatch, "guanli")]) == 0
    assert "（已停用）" in capsys.readouterr().out
    assert main(["stations", "list", "--json", "--all", *db, *login_as(monkeypatch, "guanli")]) == 0
    [station] = json.loads(capsys.readouterr().out)
    assert (station["name"], station["duty_phone"], station["active"]) == ("湖东派出所", "0512-7777", False)
    rule_id = station["rules"][0]["id"]
    assert main(["stations", "rule-remove", str(rule_id), *db, *login_as(monkeypatch, "guanli")]) == 0
    assert main(["stations", "rule-remove", str(rule_id), *db, *login_as(monkeypatch, "guanli")]) == 2
    assert "不存在" in capsys.readouterr().err
    assert main(["stations", "match", "明湖县湖东社区5栋", *db, *login_as(monkeypatch, "guanli")]) == 1
