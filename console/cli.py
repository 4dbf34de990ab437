"""The ``dissuade`` command: every subcommand drives the same services as the GUI."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from console import __version__
from console.commands import COMMAND_MODULES
from console.commands.common import add_db_option, describe_failure
from console.services.people.privacy import install_log_masking


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dissuade", description="预警劝阻工作台")
    parser.add_argument("--version", action="version", version=f"dissuade {__version__}",
                        help="显示版本号并退出")
    add_db_option(parser)
    sub = parser.add_subparsers(dest="command")
    gui = sub.add_parser("gui", help="打开工作台窗口（默认）")
    gui.add_argument("--demo", action="store_true", help="数据库为空时填充演示数据")
    add_db_option(gui)
    gui.set_defaults(func=_gui)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _gui(args: argparse.Namespace) -> int:
    from console.ui.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(getattr(args, "db", None), demo=getattr(args, "demo", False))


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_masking()  # the GUI starts through here too, so its logs are masked as well
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = _gui
        args.demo = False
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one Chinese line instead of a traceback, exit code 1
        if os.environ.get("DISSUADE_DEBUG"):
            raise
        print(f"错误：{describe_failure(exc)}", file=sys.stderr)
        return 1


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
