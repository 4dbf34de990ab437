"""First start on a new machine: the centre's name and its first administrator, instead of demo data.

A database without any user cannot be logged into, so the console asks once for the unit's full
name (单位全称, written to ``centre.yaml`` in the user data directory, 0600) and creates the first
admin account.  Refused as soon as any user exists, so it can never be used to add a second admin.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from console.services.core import audit
from console.services.core.context import SYSTEM, ServiceContext, ServiceError
from console.services.core.settings import read_settings_file
from console.services.security.auth import UserInfo, add_user
from db.models import User

CENTRE_FILE = "centre.yaml"
MAX_UNIT_NAME = 60


def needs_first_run(ctx: ServiceContext) -> bool:
    """True while the database has no user at all."""
    with ctx.sessions() as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def save_unit_name(data_dir: Path, unit_name: str) -> Path:
    """Write ``unit_name`` into the local ``centre.yaml``, keeping its other keys; the file is 0600."""
    path = data_dir / CENTRE_FILE
    values: dict[str, Any] = read_settings_file(path) if path.exists() else {}
    values["unit_name"] = unit_name
    data_dir.mkdir(parents=True, exist_ok=True)
    text = "# 本中心的设置（首次启动时填写），可在此修改后重启工作台。\n" + yaml.safe_dump(
        values, allow_unicode=True, sort_keys=True)
    temporary = path.with_suffix(".yaml.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(temporary, path)
    return path


def complete_first_run(ctx: ServiceContext, data_dir: Path, *, unit_name: str, login: str, password: str,
                       display_name: str = "") -> UserInfo:
    """Save the centre's name and create the first admin; refused once any user exists."""
    unit_name = unit_name.strip()
    if not unit_name:
        raise ServiceError("请填写单位全称，例如“××县公安局反电信网络诈骗中心”")
    if len(unit_name) > MAX_UNIT_NAME:
        raise ServiceError(f"单位全称不能超过 {MAX_UNIT_NAME} 个字")
    if not needs_first_run(ctx):
        raise ServiceError("已有用户账号，首次设置不能再次进行；请用管理员账号登录后管理用户")
    system = ctx.as_actor(SYSTEM)
    user = add_user(system, login, password, "admin", display_name or "管理员")
    save_unit_name(data_dir, unit_name)
    with system.session() as session:
        audit.record(session, SYSTEM, "first_run", object_type="centre", object_id=user.login,
                     details={"unit_name": unit_name}, at=ctx.now())
    return user
