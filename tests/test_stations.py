"""Stations and jurisdiction: matching an address, editing rules, importing a CSV."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import SYSTEM, PermissionDenied, ServiceError
from console.services.escalation import stations
from db.models import AuditEvent, Station
from tests.escalation_builders import add_station, standard_stations


def test_the_most_specific_rule_wins(database: Database) -> None:
    ids = standard_stations(database)
    ctx = database.context(SYSTEM)
    # town only
    match = stations.match_station(ctx, "某县新河镇人民路8号")
    assert match is not None and match.station_id == ids["xinhe"]
    assert "新河镇" in match.reason and "新河派出所" in match.reason
    # a community beats the town it lies in
    match = stations.match_station(ctx, "某县城关镇东湖村5组")
    assert match is not None and match.station_id == ids["xinhe_community"]
    assert match.rule_kind == "community" and "社区/村“东湖村”" in match.reason
    # a town beats a keyword
    match = stations.match_station(ctx, "某县城关镇工业园路1号")
    assert match is not None and match.station_id == ids["chengguan"]
    # keyword alone, spaces in the address do not matter
    match = stations.match_station(ctx, "某县 工业 园 区12号")
    assert match is not None and match.station_id == ids["kaifaqu"]
    assert stations.match_station(ctx, "外省某市某区") is None
    assert stations.match_station(ctx, "   ") is None


def test_priority_then_longer_pattern_break_ties(database: Database) -> None:
    low = add_station(database, "A", "甲派出所", [("keyword", "花园", 80)])
    longer = add_station(database, "B", "乙派出所", [("keyword", "花园小区", 80)])
    ctx = database.context(SYSTEM)
    match = stations.match_station(ctx, "某县花园小区9栋")
    assert match is not None and match.station_id == longer
    urgent = add_station(database, "C", "丙派出所", [("keyword", "花园", 5)])
    match = stations.match_station(ctx, "某县花园小区9栋")
    assert match is not None and match.station_id == urgent
    assert low not in (match.station_id,)


def test_inactive_stations_are_not_matched(database: Database) -> None:
    add_station(database, "OLD", "撤并派出所", [("town", "老镇", 10)], active=False)
    assert stations.match_station(database.context(SYSTEM), "某县老镇1号") is None


def test_editing_needs_permission_and_is_audited(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    operator = database.context(make_actor("op1", "operator"))
    admin = database.context(make_actor("admin1", "admin"))
    with pytest.raises(PermissionDenied):
        stations.save_station(operator, code="X1", name="某派出所")
    info = stations.save_station(admin, code="X1", name="某派出所", duty_phone="110-1")
    rule = stations.add_rule(admin, info.id, "community", " 阳光 社区 ", priority=10)
    assert rule.pattern == "阳光社区"
    with pytest.raises(ServiceError, match="编码“X1”已被"):
        stations.save_station(admin, code="X1", name="重复")
    with pytest.raises(ServiceError, match="规则类型"):
        stations.add_rule(admin, info.id, "street", "某路")
    assert stations.match_station(operator, "阳光社区1号") is not None
    stations.remove_rule(admin, rule.id)
    assert stations.match_station(operator, "阳光社区1号") is None
    with database.sessions() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "station")).scalars().all()
    assert actions.count("station_edit") == 3


CSV_TEXT = """派出所名称,编码,值班电话,地址,辖区社区,辖区乡镇,地址关键词
城关派出所,PCS01,0512-1111,城关镇府前路1号,幸福社区、东湖村,城关镇,
新河派出所,PCS02,0512-2222,新河镇,,新河镇；三里桥镇,新河大道
,PCS09,0512-9,,,某镇,
缺辖区派出所,PCS10,0512-10,,,,
城关派出所重复,PCS01,0512-3,,,城关镇,
"""


def test_csv_import_creates_stations_and_reports_bad_rows(database: Database, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = database.context(make_actor("admin2", "admin"))
    path = tmp_path / "stations.csv"
    path.write_text(CSV_TEXT, encoding="utf-8-sig")
    result = stations.import_stations_csv(admin, path)
    assert (result.rows, result.created, result.updated) == (5, 2, 0)
    assert result.rules == 3 + 3
    problems = {(p.row, p.field): p.message for p in result.errors}
    assert problems[(4, "派出所名称")] == "派出所名称为空"
    assert "至少一项" in problems[(5, "辖区社区")]
    assert "与第 2 行重复" in problems[(6, "编码")]
    match = stations.match_station(admin, "三里桥镇老街")
    assert match is not None and match.station_name == "新河派出所"


def test_reimport_replaces_rules_and_gbk_files_are_read(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    admin = database.context(make_actor("admin3", "admin"))
    stations.import_stations_csv(admin, CSV_TEXT.encode("utf-8"))
    second = "派出所名称,编码,值班电话,辖区乡镇\n新河派出所(新),PCS02,0512-2000,新河镇\n".encode("gb18030")
    result = stations.import_stations_csv(admin, second)
    assert (result.created, result.updated, result.errors) == (0, 1, ())
    assert stations.match_station(admin, "三里桥镇老街") is None  # the old rule is gone
    with database.sessions() as session:
        station = session.execute(select(Station).where(Station.code == "PCS02")).scalar_one()
        assert (station.name, station.duty_phone, len(station.rules)) == ("新河派出所(新)", "0512-2000", 1)


def test_csv_without_required_columns_is_refused_clearly(database: Database, make_actor) -> None:  # type: ignore[no-untyped-def]
    admin = database.context(make_actor("admin4", "admin"))
    with pytest.raises(ServiceError, match="表头缺少必需的列：编码"):
        stations.import_stations_csv(admin, "派出所名称,辖区乡镇\n某所,某镇\n".encode())
    with pytest.raises(ServiceError, match="文件为空"):
        stations.import_stations_csv(admin, b"")
    with pytest.raises(ServiceError, match="无法读取文件"):
        stations.import_stations_csv(admin, "/nonexistent/stations.csv")
