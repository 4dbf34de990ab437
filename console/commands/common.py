"""Helpers shared by the subcommands: opening the database, JSON output, clear errors."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from console.app.bootstrap import Database, open_database


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=argparse.SUPPRESS, help="数据库 URL（默认：环境变量 DISSUADE_DB，否则本机 SQLite 文件）")


def open_db(args: argparse.Namespace) -> Database:
    return open_database(getattr(args, "db", None))


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 2) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return code
