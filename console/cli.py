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


def build_parser() -> argparse.ArgumentParser:
    from console.commands.common import add_db_option

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


def _window_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """``dissuade`` alone or ``dissuade gui [--demo] [--db URL]``: parsed without loading any command.

    The full parser imports every command module (and with them the database layer); the window
    shows its login dialog first and opens the database behind it (``console.ui.startup``).
    """
    if argv and argv[0] != "gui":
        return None
    parser = argparse.ArgumentParser(prog="dissuade gui", description="打开工作台窗口")
    parser.add_argument("--demo", action="store_true", help="数据库为空时填充演示数据")
    parser.add_argument("--db", default=None, help="数据库 URL（默认：环境变量 DISSUADE_DB，否则本机 SQLite 文件）")
    parser.set_defaults(func=_gui)
    return parser.parse_args(argv[1:])


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _window_args(sys.argv[1:] if argv is None else list(argv))
    if args is None:
        from console.services.people.privacy import install_log_masking

        install_log_masking()  # the window's start-up task installs it before it opens the database
        args = build_parser().parse_args(argv)
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
        from console.commands.common import describe_failure

        print(f"错误：{describe_failure(exc)}", file=sys.stderr)
        return 1


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
