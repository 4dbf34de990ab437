"""The baresip engine: one supervised baresip process per seat, driven over ``ctrl_tcp``.

The console writes the process's configuration into its own directory under the data directory
(``config``, ``accounts`` with the password, 0600, in a 0700 directory), binds SIP and the control
port on the configured address only, and starts ``baresip -f DIR``.  A reader thread drains the
process output and notices when it exits; an exit the console did not ask for is reported to
subscribers as :data:`ENGINE_DOWN` and the process is started again (up to ``max_restarts`` times in
a row).  The ``sndfile`` module writes both directions of each call to the spool folder; the
dialler merges them into one recording.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from console.services.telephony.ctrl_tcp import CtrlClient, CtrlError
from console.services.telephony.engine import (
    CLOSED,
    DTMF,
    ENGINE_DOWN,
    ENGINE_UP,
    ESTABLISHED,
    INCOMING,
    REGISTER_FAILED,
    REGISTERED,
    RINGING,
    TRANSFER_FAILED,
    EngineError,
    EngineEvent,
    EngineStatus,
    Listener,
    parse_status,
)
from console.services.telephony.settings import TelephonySettings

log = logging.getLogger(__name__)
MODULE_DIR = Path("/usr/lib/baresip/modules")
MODULES = ("account", "g711", "aufile", "aubridge", "sndfile", "menu", "ctrl_tcp")
EVENT_KINDS = {
    "CALL_RINGING": RINGING, "CALL_PROGRESS": RINGING, "CALL_ESTABLISHED": ESTABLISHED, "CALL_CLOSED": CLOSED,
    "CALL_INCOMING": INCOMING, "CALL_DTMF_START": DTMF, "REGISTER_OK": REGISTERED, "REGISTER_FAIL": REGISTER_FAILED,
    "CALL_TRANSFER_FAILED": TRANSFER_FAILED,
}
SILENCE_SECONDS = 20 * 60  # the source of a seat without a microphone; aufile ends the call at its end
MAX_DEVICE_PATH = 100  # baresip keeps device and file names in 128-byte buffers


def free_port(pair: bool = False, host: str = "127.0.0.1") -> int:
    """A free port on ``host`` (with ``pair``: the next one free too, as baresip binds SIP port + 1)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
        if port >= 65534:
            continue
        try:
            for candidate in (port, port + 1) if pair else (port,):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as test:
                        test.bind((host, candidate))
        except OSError:
            continue
        return port
    raise EngineError("本机没有可用的端口")


def write_silence(path: Path, seconds: int, rate: int = 8000) -> Path:
    if not path.exists():
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(b"\x00\x00" * rate * seconds)
    return path


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _private_file(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def host_port_of(uri: str) -> tuple[str, int | None]:
    parts = urlsplit(uri.replace("sip:", "sip://", 1) if "://" not in uri else uri)
    netloc = parts.path.split(";")[0] if not parts.netloc else parts.netloc.split(";")[0]
    hostport = netloc.rsplit("@", 1)[-1]
    host, _, port = hostport.partition(":")
    return host, int(port) if port.isdigit() else None


def listen_address(settings: TelephonySettings) -> tuple[str, int]:
    """Where the seat's SIP socket binds: ``listen``, else the account's address when it is an IP
    literal (direct calls), else every interface on 5060 (the account names the PBX, not the seat)."""
    if settings.listen:
        host, _, port = settings.listen.rpartition(":")
        if not host or not port.isdigit():
            raise EngineError(f"电话配置项 listen 应为“地址:端口”：{settings.listen}")
        return host, int(port)
    account_host, account_port = host_port_of(settings.account)
    if account_host.replace(".", "").isdigit():
        return account_host, account_port or 5060
    return "0.0.0.0", 5060  # noqa: S104 - a seat registered at the PBX takes its calls on any interface


class BaresipEngine:
    """A seat's own baresip, restarted when it dies."""

    name = "baresip"

    def __init__(self, settings: TelephonySettings, workdir: Path, *, max_restarts: int = 3,
                 start_timeout: float = 10.0) -> None:
        self.settings = settings
        self.workdir = workdir
        self.spool = workdir / "rec"
        self.max_restarts = max_restarts
        self.start_timeout = start_timeout
        self.host, self.sip_port = listen_address(settings)
        self.ctrl_port = 0
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._ctrl: CtrlClient | None = None
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._stopping = False
        self._registered: bool | None = None if not settings.registrar else False
        self._version = ""
        self._output: list[str] = []

    # -- lifecycle -----------------------------------------------------------------------
    def binary(self) -> str | None:
        return shutil.which(self.settings.binary)

    def start(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            self._stopping = False
            self._launch()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            ctrl, process = self._ctrl, self._process
            self._ctrl, self._process = None, None
        if ctrl is not None:
            with contextlib.suppress(CtrlError):
                ctrl.command("quit", timeout=1)
            ctrl.close()
        if process is not None:
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=3)

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _launch(self) -> None:
        binary = self.binary()
        if binary is None:
            raise EngineError("未找到通话引擎 baresip：请安装 baresip-core（make run 会自动安装）")
        self._write_config()
        ready = threading.Event()
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [binary, "-f", str(self.workdir)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self._process = process
        threading.Thread(target=self._watch, args=(process, ready), name="baresip-output", daemon=True).start()
        if not ready.wait(self.start_timeout) or process.poll() is not None:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait(timeout=3)
            self._process = None
            tail = " ".join(self._output[-3:])
            raise EngineError(f"通话引擎未能启动（端口可能被占用）：{tail}")
        try:
            self._ctrl = CtrlClient(self.ctrl_port, self._on_raw_event, lambda: None)
        except OSError as exc:
            process.kill()
            process.wait(timeout=3)
            self._process = None
            raise EngineError("无法连接通话引擎的控制端口") from exc

    def _write_config(self) -> None:
        _private_dir(self.workdir)
        _private_dir(self.spool)
        if len(str(self.spool)) > MAX_DEVICE_PATH - 10:
            raise EngineError(f"数据目录路径过长，通话引擎无法使用：{self.workdir}")
        self.ctrl_port = free_port()
        source = self.settings.audio_source or f"aufile,{write_silence(self.workdir / 'silence.wav', SILENCE_SECONDS)}"
        player = self.settings.audio_player or f"aubridge,seat{self.sip_port}"
        lines = [
            "poll_method epoll", f"sip_listen {self.host}:{self.sip_port}", "call_local_timeout 600",
            "call_max_calls 2", f"audio_player {player}", f"audio_source {source}", f"audio_alert {player}",
            f"module_path {MODULE_DIR}", *[f"module {name}.so" for name in MODULES],
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}", f"snd_path {self.spool}",
        ]
        if self.host.replace(".", "").isdigit() and self.host != "0.0.0.0":  # noqa: S104
            lines.append(f"net_interface {self.host}")  # media stays on loopback too
        if not self.settings.recording:
            lines.remove(f"module {'sndfile'}.so")
        _private_file(self.workdir / "config", "\n".join(lines) + "\n")
        _private_file(self.workdir / "accounts", self._account_line() + "\n")
        _private_file(self.workdir / "contacts", "")

    def _account_line(self) -> str:
        s = self.settings
        params = [f"regint={3600 if s.registrar else 0}", "answermode=manual"]
        if s.registrar:
            params.append(f'outbound="{s.registrar}"')
        if s.auth_user:
            params.append(f"auth_user={s.auth_user}")
        if s.password:
            params.append(f"auth_pass={s.password}")
        display = f'"{s.caller_id}" ' if s.caller_id else ""
        return f"{display}<{s.account}>;" + ";".join(params)

    def _watch(self, process: subprocess.Popen[bytes], ready: threading.Event) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line or line.startswith("[0:"):
                continue
            if line.startswith("baresip v") and not self._version:
                self._version = line.split()[1].lstrip("v")
            self._output = [*self._output[-20:], line]
            if "baresip is ready" in line:
                ready.set()
        process.wait()
        with self._lock:
            current = process is self._process
            unexpected = current and not self._stopping
        if unexpected:
            self._died(process.returncode)

    def _died(self, code: int | None) -> None:
        log.warning("baresip exited unexpectedly (code %s)", code)
        with self._lock:
            if self._ctrl is not None:
                self._ctrl.close()
            self._ctrl, self._process = None, None
        self._emit(EngineEvent(ENGINE_DOWN, reason=f"通话引擎意外退出（代码 {code}）"))
        if self.restarts >= self.max_restarts:
            return
        self.restarts += 1
        try:
            self.start()
        except EngineError as exc:
            self._emit(EngineEvent(ENGINE_DOWN, reason=str(exc)))
            return
        self._emit(EngineEvent(ENGINE_UP, reason="通话引擎已重新启动"))

    # -- events --------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def _emit(self, event: EngineEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)

    def _on_raw_event(self, document: dict[str, Any]) -> None:
        kind = EVENT_KINDS.get(str(document.get("type", "")))
        if kind is None:
            return
        param = str(document.get("param") or "")
        code, reason = parse_status(param) if kind in (CLOSED, TRANSFER_FAILED) else (None, param)
        if kind == REGISTERED:
            self._registered = True
        elif kind == REGISTER_FAILED:
            self._registered = False
        self._emit(EngineEvent(kind, call_id=str(document.get("id") or ""), peer=str(document.get("peeruri") or ""),
                               direction=str(document.get("direction") or ""), sip_code=code, reason=reason))

    # -- commands ------------------------------------------------------------------------
    def _command(self, name: str, params: str = "") -> str:
        ctrl = self._ctrl
        if ctrl is None:
            raise EngineError("通话引擎未运行")
        try:
            response = ctrl.command(name, params)
        except CtrlError as exc:
            raise EngineError(str(exc)) from exc
        if not response.ok:
            raise EngineError(f"通话引擎拒绝了命令 {name}：{response.data}")
        return response.data

    def dial(self, uri: str, *, play: Path | None = None) -> None:
        if play is not None:
            if len(str(play)) > MAX_DEVICE_PATH:
                raise EngineError("播放文件路径过长")
            self._command("ausrc", f"aufile,{play}")
        else:  # back to the seat's own source (a file played on the last call must not play again)
            self._command("ausrc", self.settings.audio_source or f"aufile,{self.workdir / 'silence.wav'}")
        self._command("dial", uri)

    def play(self, path: Path) -> None:
        """Switch the connected call's audio source to ``path`` from its start (the call ends at its end)."""
        if len(str(path)) > MAX_DEVICE_PATH:
            raise EngineError("播放文件路径过长")
        self._command("ausrc", f"aufile,{path}")

    def send_dtmf(self, digits: str) -> None:
        """Send key presses (RFC 4733 telephone events) on the connected call."""
        if not digits or any(ch not in "0123456789*#" for ch in digits):
            raise EngineError(f"无效的按键：{digits}")
        self._command("sndcode", digits)

    def hang_up(self) -> None:
        self._command("hangup")

    def answer(self) -> None:
        self._command("accept")

    def transfer(self, uri: str) -> None:
        self._command("transfer", uri)

    def sync(self) -> None:
        """Returns once baresip has handled everything sent before (the last call's files are closed)."""
        self._command("listcalls")

    def collect_recording(self, since: float) -> tuple[Path, Path] | None:
        """The newest enc/dec pair written since ``since`` (a ``time.time()`` value)."""
        with contextlib.suppress(EngineError):
            self.sync()
        pairs: dict[str, dict[str, Path]] = {}
        for path in self.spool.glob("dump-*.wav"):
            if path.stat().st_mtime + 1 < since:
                continue
            stem, _, side = path.stem.rpartition("-")
            pairs.setdefault(stem, {})[side] = path
        complete = sorted((stem, sides) for stem, sides in pairs.items() if {"enc", "dec"} <= sides.keys())
        if not complete:
            return None
        sides = complete[-1][1]
        return sides["enc"], sides["dec"]

    def status(self) -> EngineStatus:
        s = self.settings
        binary = self.binary()
        version = self._version or (self._probe_version(binary) if binary else "")
        return EngineStatus(
            engine=self.name, found=binary is not None, version=version, running=self.pid is not None,
            registered=self._registered, account=s.account,
            audio_source=s.audio_source or "静音（本席位无麦克风）", audio_player=s.audio_player or "无（无声卡）",
        )

    @staticmethod
    def _probe_version(binary: str) -> str:
        try:
            result = subprocess.run([binary, "-h"], capture_output=True, timeout=5, check=False)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired):
            return ""
        for line in (result.stdout + result.stderr).decode("utf-8", "replace").splitlines():
            if line.startswith("baresip v"):
                return line.split()[1].lstrip("v")
        return ""


def engine_for(settings: TelephonySettings, data_root: Path) -> BaresipEngine:
    """The engine named in the settings (only baresip is shipped)."""
    if settings.engine != "baresip":
        raise EngineError(f"不支持的通话引擎：{settings.engine}（目前支持 baresip）")
    return BaresipEngine(settings, data_root / "sip")

