"""Build ``dissuasion-console_<version>_amd64.deb`` from a checkout.

The package carries the console in its own virtual environment under ``/opt/dissuasion-console``,
built against Debian's own ``/usr/bin/python3`` (so the target needs only ``python3``, no
compiler and no network: every wheel is inside).  A bundled environment rather than a frozen
build: the console is plain Python over binary wheels (PySide6, psycopg, argon2, reportlab), which
a venv ships unchanged, while a freezer would have to rediscover Qt's plugins and the Alembic
migrations, and would hide the tracebacks an IT officer can report.

Steps: build the project's wheel; create the venv at the staging path; install the wheel and its
dependencies; rewrite the staging path to the installed one; add the launchers, the desktop entry,
the icon, the changelog and the maintainer scripts (byte-compile at install, remove the byte-code
at removal, never touch users' data directories); ``dpkg-deb --build``.

    python tools/build_deb.py --out dist/
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "dissuasion-console"
PREFIX = Path("/opt/dissuasion-console")
SYSTEM_PYTHON = "/usr/bin/python3"
# What the console needs from the system at run time: the Qt libraries PySide6's wheels load, the CJK
# font for windows and PDFs, the speech engine (each synthesis runs the espeak-ng command) and the SIP
# engine each seat supervises (a seat without a configured SIP account still dials by hand).
DEPENDS = [
    "python3 (>= 3.11)", "libegl1", "libgl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1",
    "libglib2.0-0", "libdbus-1-3", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0",
    "libxcb-randr0", "libxcb-render-util0", "libxcb-image0", "libxcb-xinerama0", "fonts-wqy-microhei",
    "libespeak-ng1", "espeak-ng", "espeak-ng-data", "baresip-core",
]
RECOMMENDS = ["poppler-utils"]
DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.0
Name=Dissuasion Console
Name[zh_CN]=预警劝阻工作台
GenericName=Anti-fraud dissuasion console
GenericName[zh_CN]=反诈预警劝阻
Comment=Risk-ranked warnings, dissuasion scripts, calls, escalation and reports for anti-fraud centres
Comment[zh_CN]=预警分级排队、劝阻话术、拨打记录、上报派出所与值班报表
Exec=dissuade-gui
Icon=dissuasion-console
Terminal=false
Categories=Office;
Keywords=anti-fraud;dissuasion;反诈;劝阻;预警;
StartupNotify=true
"""
POSTINST = f"""#!/bin/sh
# Byte-compile once at install, so no start of the console compiles its own modules.
set -e
if [ "$1" = "configure" ]; then
    "{PREFIX}/venv/bin/python" -m compileall -q -j 0 "{PREFIX}/venv/lib" >/dev/null 2>&1 || true
fi
exit 0
"""
PRERM = f"""#!/bin/sh
# Remove only what postinst made; users' data directories (~/.local/share/dissuasion-console) stay.
set -e
find "{PREFIX}" -name __pycache__ -type d -prune -exec rm -rf {{}} + 2>/dev/null || true
exit 0
"""


def project_version() -> str:
    """The version in ``console/__init__.py`` (pyproject reads the same attribute)."""
    match = re.search(r'^__version__ = "([^"]+)"', (ROOT / "console/__init__.py").read_text(encoding="utf-8"), re.M)
    if match is None:
        raise SystemExit("console/__init__.py 中没有版本号")
    return match.group(1)


def _clean_env() -> dict[str, str]:
    """The environment without this checkout's Python settings: with PYTHONPATH pointing at a checkout
    (whose egg-info says the console is installed) pip would skip the console's own wheel."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=_clean_env(), **kwargs)  # type: ignore[call-overload]


def _rewrite_prefix(venv: Path, staged: Path, installed: Path) -> None:
    """Scripts and metadata mention the staging path; the package installs elsewhere."""
    old, new = str(staged).encode(), str(installed).encode()
    for path in venv.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.suffix in (".so", ".pyc"):
            continue
        data = path.read_bytes()
        if old in data:
            path.write_bytes(data.replace(old, new))


# Qt's developer tools and headers ship in the PySide6 wheel; a seat never runs them.
QT_DEVELOPER_FILES = ("include", "doc", "metatypes", "typesystems", "glue", "scripts", "designer", "assistant",
                      "linguist", "lrelease", "lupdate", "qmlformat", "qmllint", "qmlls", "svgtoqml")


def _trim(venv: Path) -> None:
    for pyside in venv.glob("lib/python3*/site-packages/PySide6"):
        for name in QT_DEVELOPER_FILES:
            for path in (pyside / name, pyside / "Qt" / name):
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
        for stub in pyside.glob("*.pyi"):
            stub.unlink()


def _installed_size_kib(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) // 1024


def _changelog_gz(target: Path, version: str) -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(target, "wb", mtime=0) as fh:
        fh.write(f"{PACKAGE} {version}\n\n{text}".encode())


def build(out_dir: Path, *, python: str = SYSTEM_PYTHON, wheel_dir: Path | None = None) -> Path:
    version = project_version()
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise SystemExit(f"版本号格式不正确：{version}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deb-") as tmp:
        tmp_path = Path(tmp)
        root = tmp_path / "root"
        staged = root / PREFIX.relative_to("/")
        venv = staged / "venv"
        wheels = wheel_dir or tmp_path / "wheels"
        _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)])
        wheel = max(wheels.glob(f"dissuasion_console-{version}-*.whl"), key=os.path.getmtime)
        _run([python, "-m", "venv", str(venv)])
        _run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check",
              str(wheel)])
        site = next(venv.glob("lib/python3*/site-packages"))
        missing = [name for name in ("console", "db", "scripts_library/scripts", "resources") if not (site / name).is_dir()]
        if missing:
            raise SystemExit(f"打包失败：虚拟环境中缺少 {', '.join(missing)}")
        # pip itself is not needed on a police desktop: nothing is installed there at run time.
        _run([str(venv / "bin/python"), "-m", "pip", "uninstall", "-q", "-y", "pip", "setuptools"],
             stdout=subprocess.DEVNULL)
        _trim(venv)
        _rewrite_prefix(venv, staged, PREFIX)
        usr_bin = root / "usr/bin"
        usr_bin.mkdir(parents=True)
        for name in ("dissuade", "dissuade-gui"):
            (usr_bin / name).symlink_to(PREFIX / "venv/bin" / name)
        apps = root / "usr/share/applications"
        apps.mkdir(parents=True)
        (apps / f"{PACKAGE}.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
        icons = root / "usr/share/icons/hicolor/scalable/apps"
        icons.mkdir(parents=True)
        shutil.copyfile(ROOT / "resources/icons/dissuasion-console.svg", icons / f"{PACKAGE}.svg")
        doc = root / "usr/share/doc" / PACKAGE
        _changelog_gz(doc / "changelog.gz", version)
        (doc / "copyright").write_text(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
            f"Upstream-Name: {PACKAGE}\nFiles: *\nLicense: Apache-2.0\n", encoding="utf-8")
        control_dir = root / "DEBIAN"
        control_dir.mkdir()
        (control_dir / "control").write_text(
            f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: amd64\n"
            "Maintainer: Dissuasion Console maintainers <maintainers@dissuasion-console.invalid>\n"
            f"Installed-Size: {_installed_size_kib(root)}\nDepends: {', '.join(DEPENDS)}\n"
            f"Recommends: {', '.join(RECOMMENDS)}\nSection: misc\nPriority: optional\n"
            "Homepage: https://dissuasion-console.invalid\n"
            "Description: anti-fraud centre dissuasion console (预警劝阻工作台)\n"
            " Desktop console for the call operators of anti-fraud centres: a risk-ranked\n"
            " queue of warnings, adaptive dissuasion scripts, call logging, one-click\n"
            " escalation to police stations, follow-ups and duty reports.\n", encoding="utf-8")
        for name, body in (("postinst", POSTINST), ("prerm", PRERM)):
            script = control_dir / name
            script.write_text(body, encoding="utf-8")
            script.chmod(0o755)
        for path in root.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        target = out_dir / f"{PACKAGE}_{version}_amd64.deb"
        # gzip: every dpkg reads it (Kylin V10 and UOS 20 ship dpkg 1.19, older than zstd support), and xz -6
        # takes minutes of CPU on Qt's libraries for ~25 % less.
        _run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(root), str(target)],
             stdout=subprocess.DEVNULL)
    print(f"已生成：{target}（{target.stat().st_size / 1e6:.1f} MB）")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--python", default=SYSTEM_PYTHON, help="the interpreter the target system has")
    args = parser.parse_args(argv)
    if not Path(args.python).exists():
        print(f"错误：找不到 {args.python}（需要系统的 python3 与 python3-venv）", file=sys.stderr)
        return 2
    build(args.out, python=args.python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
