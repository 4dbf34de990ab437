"""Police stations (派出所) and their jurisdiction rules: editing, CSV import and address matching.

An escalation goes to the station whose jurisdiction covers the person's address.  A rule names a
community (社区/村), a town (乡镇/街道) or a free address keyword; the most specific rule that occurs
in the address wins (community > town > keyword), then the lower ``priority`` number, then the
longer pattern.  The operator can always override the match in the escalation dialog.

Editing needs ``stations.manage`` and is audited as ``station_edit``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from db.models import JurisdictionRule, Station

RULE_KINDS = ("community", "town", "keyword")
RULE_KIND_LABELS = {"community": "社区/村", "town": "乡镇/街道", "keyword": "地址关键词"}
_SPECIFICITY = {"community": 0, "town": 1, "keyword": 2}
_SEPARATORS = re.compile(r"[、，,;；|/\n]+")
_SPACES = re.compile(r"\s+")

# CSV header → field.  Chinese headers as centres keep them, English ones for machine exports.
CSV_COLUMNS = {
    "派出所名称": "name", "名称": "name", "name": "name",
    "编码": "code", "派出所编码": "code", "code": "code",
    "值班电话": "duty_phone", "duty_phone": "duty_phone",
    "地址": "address", "address": "address",
    "辖区社区": "community", "community": "community", "communities": "community",
    "辖区乡镇": "town", "town": "town", "towns": "town",
    "地址关键词": "keyword", "keyword": "keyword", "keywords": "keyword",
}


@dataclass(frozen=True)
class RuleInfo:
    id: int
    kind: str
    pattern: str
    priority: int
    note: str

    @property
    def kind_label(self) -> str:
        return RULE_KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class StationInfo:
    id: int
    code: str
    name: str
    duty_phone: str
    address: str
    active: bool
    rules: tuple[RuleInfo, ...]


@dataclass(frozen=True)
class StationMatch:
    """The station an address belongs to and why (shown to the operator, printed on the order)."""

    station_id: int
    station_name: str
    station_code: str
    duty_phone: str
    rule_id: int | None
    rule_kind: str
    pattern: str
    reason: str


@dataclass(frozen=True)
class ImportProblem:
    row: int
    field: str
    message: str


@dataclass(frozen=True)
class StationImportResult:
    rows: int
    created: int
    updated: int
    rules: int
    errors: tuple[ImportProblem, ...]


def _rule_info(rule: JurisdictionRule) -> RuleInfo:
    return RuleInfo(rule.id, rule.kind, rule.pattern, rule.priority, rule.note)


def _station_info(station: Station) -> StationInfo:
    rules = sorted(station.rules, key=lambda r: (_SPECIFICITY.get(r.kind, 9), r.priority, r.id))
    return StationInfo(station.id, station.code, station.name, station.duty_phone, station.address,
                       station.active, tuple(_rule_info(r) for r in rules))


def _load(session: Session, station_id: int) -> Station:
    station = session.get(Station, station_id)
    if station is None:
        raise NotFound(f"派出所不存在（编号 {station_id}）")
    return station


def list_stations(ctx: ServiceContext, *, include_inactive: bool = False) -> list[StationInfo]:
    """Every station with its rules, by name (inactive ones only on request)."""
    ctx.require("warning.view")
    with ctx.session() as session:
        query = select(Station).options(selectinload(Station.rules)).order_by(Station.name, Station.id)
        if not include_inactive:
            query = query.where(Station.active.is_(True))
        return [_station_info(s) for s in session.execute(query).scalars()]


def _clean(value: str) -> str:
    return _SPACES.sub("", value or "")


def save_station(
    ctx: ServiceContext,
    *,
    code: str,
    name: str,
    duty_phone: str = "",
    address: str = "",
    active: bool = True,
    station_id: int | None = None,
) -> StationInfo:
    """Create a station (``station_id`` None) or change one; the code is unique."""
    ctx.require("stations.manage")
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ServiceError("派出所名称和编码不能为空")
    with ctx.session() as session:
        clash = session.execute(select(Station.id).where(Station.code == code)).scalar_one_or_none()
        if clash is not None and clash != station_id:
            raise ServiceError(f"编码“{code}”已被其他派出所使用")
        if station_id is None:
            station = Station(code=code, name=name, created_at=ctx.now())
            session.add(station)
        else:
            station = _load(session, station_id)
        before = {"code": station.code, "name": station.name, "duty_phone": station.duty_phone,
                  "address": station.address, "active": station.active}
        station.code, station.name = code, name
        station.duty_phone, station.address, station.active = duty_phone.strip(), address.strip(), active
        session.flush()
        audit.record(session, ctx.actor, "station_edit", object_type="station", object_id=station.id,
                     details={"before": before if station_id else None, "code": code, "name": name,
                              "active": active}, at=ctx.now())
        return _station_info(station)


def add_rule(ctx: ServiceContext, station_id: int, kind: str, pattern: str, *, priority: int = 100,
             note: str = "") -> RuleInfo:
    ctx.require("stations.manage")
    if kind not in RULE_KINDS:
        raise ServiceError(f"规则类型应为 社区/乡镇/关键词 之一，收到：{kind}")
    pattern = _clean(pattern)
    if not pattern:
        raise ServiceError("规则内容不能为空")
    with ctx.session() as session:
        station = _load(session, station_id)
        rule = JurisdictionRule(kind=kind, pattern=pattern, priority=priority, note=note)
        station.rules.append(rule)
        session.flush()
        audit.record(session, ctx.actor, "station_edit", object_type="station", object_id=station.id,
                     details={"rule_added": {"kind": kind, "pattern": pattern, "priority": priority}}, at=ctx.now())
        return _rule_info(rule)


def remove_rule(ctx: ServiceContext, rule_id: int) -> None:
    ctx.require("stations.manage")
    with ctx.session() as session:
        rule = session.get(JurisdictionRule, rule_id)
        if rule is None:
            raise NotFound(f"辖区规则不存在（编号 {rule_id}）")
        station_id = rule.station_id
        details = {"rule_removed": {"kind": rule.kind, "pattern": rule.pattern, "priority": rule.priority}}
        session.delete(rule)
        session.flush()
        audit.record(session, ctx.actor, "station_edit", object_type="station", object_id=station_id,
                     details=details, at=ctx.now())


# -- matching ------------------------------------------------------------------------------------

def match_station_in(session: Session, address: str) -> StationMatch | None:
    """:func:`match_station` inside the caller's transaction (used by the escalation service)."""
    text = _clean(address)
    if not text:
        return None
    rows = session.execute(
        select(JurisdictionRule, Station).join(Station, JurisdictionRule.station_id == Station.id)
        .where(Station.active.is_(True))
    ).all()
    best: tuple[tuple[int, int, int, int], JurisdictionRule, Station] | None = None
    for rule, station in rows:
        if not rule.pattern or rule.pattern not in text:
            continue
        key = (_SPECIFICITY.get(rule.kind, 9), rule.priority, -len(rule.pattern), rule.id)
        if best is None or key < best[0]:
            best = (key, rule, station)
    if best is None:
        return None
    _, rule, station = best
    label = RULE_KIND_LABELS.get(rule.kind, rule.kind)
    reason = f"地址含{label}“{rule.pattern}”，属{station.name}辖区（规则优先级 {rule.priority}）"
    return StationMatch(station.id, station.name, station.code, station.duty_phone, rule.id, rule.kind,
                        rule.pattern, reason)


def match_station(ctx: ServiceContext, address: str) -> StationMatch | None:
    """The station whose jurisdiction covers ``address``, with the reason in Chinese; None if no rule fits."""
    ctx.require("warning.view")
    with ctx.session() as session:
        return match_station_in(session, address)


# -- CSV import ----------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")


def read_station_csv(source: Path | str | bytes) -> list[dict[str, str]]:
    """Rows of a stations CSV keyed by field name; raises :class:`ServiceError` if unreadable."""
    if isinstance(source, bytes):
        text = _decode(source)
    else:
        path = Path(source)
        try:
            text = _decode(path.read_bytes())
        except OSError as exc:
            raise ServiceError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ServiceError("文件为空：第一行应为表头（派出所名称、编码、值班电话、地址、辖区社区、辖区乡镇、地址关键词）") from None
    fields = [CSV_COLUMNS.get(h.strip().lower() if h.strip().isascii() else h.strip()) for h in header]
    missing = [label for label, key in (("派出所名称", "name"), ("编码", "code")) if key not in fields]
    if missing:
        raise ServiceError(f"表头缺少必需的列：{'、'.join(missing)}（现有列：{'、'.join(h.strip() for h in header)}）")
    rows: list[dict[str, str]] = []
    for raw in reader:
        if not any(cell.strip() for cell in raw):
            rows.append({})  # keep row numbering; skipped later
            continue
        row: dict[str, str] = {}
        for key, cell in zip(fields, raw, strict=False):
            if key is not None:
                row[key] = (row.get(key, "") + "、" + cell.strip()).strip("、") if key in row else cell.strip()
        rows.append(row)
    return rows


def import_stations_csv(ctx: ServiceContext, source: Path | str | bytes) -> StationImportResult:
    """Create or update stations by code; each imported station's rules are replaced by the file's.

    Rows with errors are reported (row number counts the header as row 1) and skipped; the others
    are imported in one transaction.  Lists in a cell are separated by 、 ， , ； or /.
    """
    ctx.require("stations.manage")
    rows = read_station_csv(source)
    errors: list[ImportProblem] = []
    created = updated = rule_count = counted = 0
    seen: dict[str, int] = {}
    with ctx.session() as session:
        for index, row in enumerate(rows, start=2):
            if not row:
                continue
            counted += 1
            name, code = row.get("name", ""), row.get("code", "")
            if not name:
                errors.append(ImportProblem(index, "派出所名称", "派出所名称为空"))
                continue
            if not code:
                errors.append(ImportProblem(index, "编码", "编码为空"))
                continue
            if code in seen:
                errors.append(ImportProblem(index, "编码", f"编码“{code}”与第 {seen[code]} 行重复"))
                continue
            seen[code] = index
            patterns = {kind: [_clean(p) for p in _SEPARATORS.split(row.get(kind, "")) if _clean(p)]
                        for kind in RULE_KINDS}
            if not any(patterns.values()):
                errors.append(ImportProblem(index, "辖区社区", "未填写任何辖区（社区、乡镇或地址关键词至少一项）"))
                continue
            station = session.execute(select(Station).where(Station.code == code)).scalar_one_or_none()
            if station is None:
                station = Station(code=code, name=name, created_at=ctx.now())
                session.add(station)
                created += 1
            else:
                updated += 1
                station.rules.clear()
            station.name = name
            station.duty_phone = row.get("duty_phone", "")
            station.address = row.get("address", "")
            station.active = True
            priority = {"community": 10, "town": 50, "keyword": 80}
            for kind in RULE_KINDS:
                for pattern in dict.fromkeys(patterns[kind]):
                    station.rules.append(JurisdictionRule(kind=kind, pattern=pattern, priority=priority[kind]))
                    rule_count += 1
        session.flush()
        audit.record(session, ctx.actor, "station_edit", object_type="station_import", object_id="",
                     details={"created": created, "updated": updated, "rules": rule_count, "errors": len(errors)},
                     at=ctx.now())
    return StationImportResult(counted, created, updated, rule_count, tuple(errors))
