"""The .deb an IT officer installs: built from the checkout, inspected, installed, started, removed.

Slow (it builds a virtual environment with every wheel inside): marked ``package``.  Installing needs
root (as on CI); elsewhere the install half is skipped with the reason, the build and inspection run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "dissuasion-console"
pytestmark = [pytest.mark.package, pytest.mark.timeout(1500)]

SHOW_LOGIN = """
import sys, time
started = time.perf_counter()
from PySide6.QtCore import QTimer
from console.ui.app import create_application
app = create_application([])
from console.app.bootstrap import open_database
from console.ui.login_dialog import LoginDialog
database = open_database()
dialog = LoginDialog(database.context(), seat="pkg-test", hint="")
shown = {}
def painted():
    shown["visible"] = dialog.isVisible()
    shown["seconds"] = round(time.perf_counter() - started, 3)
    app.quit()
dialog.show()
QTimer.singleShot(0, painted)
app.exec()
print(shown["visible"], dialog.windowTitle(), shown["seconds"], sep="|")
"""


def _fields(deb: Path) -> dict[str, str]:
    out = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    fields: dict[str, str] = {}
    key = ""
    for line in out.splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("dpkg-deb") is None or not Path("/usr/bin/python3").exists():
        pytest.skip("没有 dpkg-deb 或系统 python3：只能在 Debian/Ubuntu 上打包")
    out = tmp_path_factory.mktemp("deb")
    subprocess.run([sys.executable, str(ROOT / "tools/build_deb.py"), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    (path,) = out.glob("*.deb")
    return path


def test_the_package_is_named_and_described_as_a_debian_package(deb: Path) -> None:
    assert deb.name == f"{PACKAGE}_{__version__}_amd64.deb"
    fields = _fields(deb)
    assert fields["Package"] == PACKAGE
    assert fields["Version"] == __version__
    assert fields["Architecture"] == "amd64"
    for needed in ("python3 (>= 3.11)", "fonts-wqy-microhei", "libespeak-ng1", "espeak-ng,", "libxcb-cursor0",
                   "libegl1", "baresip-core"):
        assert needed in fields["Depends"] + ",", needed
    assert "预警劝阻工作台" in fields["Description"]


def test_the_package_holds_launchers_desktop_entry_icon_and_no_build_paths(deb: Path, tmp_path: Path) -> None:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    for path in ("./usr/bin/dissuade -> /opt/dissuasion-console/venv/bin/dissuade",
                 "./usr/bin/dissuade-gui -> /opt/dissuasion-console/venv/bin/dissuade-gui",
                 "./usr/share/applications/dissuasion-console.desktop",
                 "./usr/share/icons/hicolor/scalable/apps/dissuasion-console.svg",
                 "./usr/share/doc/dissuasion-console/changelog.gz",
                 "/site-packages/scripts_library/scripts/", "/site-packages/db/migrations/versions/"):
        assert path in listing, path
    assert "/PySide6/Qt/include/" not in listing  # developer headers are left out
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path)], check=True)
    entry = (tmp_path / "usr/share/applications/dissuasion-console.desktop").read_text(encoding="utf-8")
    assert "Name[zh_CN]=预警劝阻工作台" in entry and "Categories=Office;" in entry and "Exec=dissuade-gui" in entry
    launcher = (tmp_path / "opt/dissuasion-console/venv/bin/dissuade").read_text(encoding="utf-8")
    assert launcher.startswith("#!/opt/dissuasion-console/venv/bin/python")
    assert (tmp_path / "opt/dissuasion-console/venv/bin/python").resolve() == Path("/usr/bin/python3").resolve()


def _install(deb: Path) -> None:
    """``apt-get install ./file.deb``, as an IT officer would: dependencies resolved, a busy lock waited for."""
    subprocess.run(["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", str(deb)], check=True,
                   capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


@pytest.fixture
def installed(deb: Path) -> Iterator[tuple[float, Path]]:
    if os.geteuid() != 0:
        pytest.skip("安装 .deb 需要 root 权限（CI 以 root 运行此测试）")
    started = time.perf_counter()
    _install(deb)
    seconds = time.perf_counter() - started
    yield seconds, deb
    subprocess.run(["dpkg", "-r", PACKAGE], capture_output=True)  # the test removes it itself when it gets there


def test_installed_console_runs_migrates_shows_login_and_removes_cleanly(installed: tuple[float, Path],
                                                                        tmp_path: Path) -> None:
    install_s, deb = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "DISSUADE_"))}
    env.update(DISSUADE_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    version = subprocess.run(["/usr/bin/dissuade", "--version"], capture_output=True, text=True, env=env, check=True)
    assert version.stdout.strip() == f"dissuade {__version__}"
    upgrade = subprocess.run(["/usr/bin/dissuade", "db", "upgrade"], capture_output=True, text=True, env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    assert any((tmp_path / "data").glob("*.sqlite3"))
    started = time.perf_counter()
    shown = subprocess.run(["/opt/dissuasion-console/venv/bin/python", "-c", SHOW_LOGIN], capture_output=True,
                           text=True, env=env, cwd=tmp_path)
    to_login = time.perf_counter() - started
    assert shown.returncode == 0, shown.stderr
    visible, title, _inside = shown.stdout.strip().split("|")
    assert visible == "True" and "登录" in title
    print(f"\napt-get install {install_s:.1f} s; start to login dialog {to_login:.2f} s")
    (tmp_path / "data" / "centre.yaml").write_text("unit_name: 测试县反诈中心\n", encoding="utf-8")
    # An upgrade (the same package installed over itself runs prerm/postinst as an upgrade does) keeps
    # the settings and the database.
    _install(deb)
    again = subprocess.run(["/usr/bin/dissuade", "db", "upgrade"], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "data" / "centre.yaml").read_text(encoding="utf-8").startswith("unit_name")
    subprocess.run(["dpkg", "-r", PACKAGE], check=True, capture_output=True)
    assert not Path("/opt/dissuasion-console/venv").exists()
    assert (tmp_path / "data" / "centre.yaml").exists()  # users' data stays
    assert any((tmp_path / "data").glob("*.sqlite3"))
