"""A client for baresip's ``ctrl_tcp`` module: netstring-framed JSON over a loopback TCP socket.

Each message is ``LEN:JSON,``.  Commands are ``{"command": ..., "params": ..., "token": ...}``;
baresip answers each with ``{"response": true, "ok": ..., "data": ..., "token": ...}`` and sends
events ``{"event": true, "type": "CALL_RINGING", ...}`` at any time.  A reader thread splits the
stream: responses go to the waiting :meth:`CtrlClient.command` call, events to the ``on_event``
callback (called on the reader thread), and a closed connection to ``on_closed``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 1 << 20


class CtrlError(Exception):
    """The control connection failed or baresip refused a command."""


@dataclass(frozen=True)
class CtrlResponse:
    ok: bool
    data: str


def encode_netstring(document: dict[str, Any]) -> bytes:
    body = json.dumps(document, ensure_ascii=False).encode()
    return str(len(body)).encode() + b":" + body + b","


class NetstringDecoder:
    """Incremental decoder: feed bytes, get the complete JSON documents received so far."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        documents: list[dict[str, Any]] = []
        while True:
            head, sep, rest = self._buffer.partition(b":")
            if not sep:
                if len(head) > 10 or (head and not head.isdigit()):
                    raise CtrlError("控制连接收到无法识别的数据")
                return documents
            if not head.isdigit() or int(head) > MAX_MESSAGE:
                raise CtrlError("控制连接收到无法识别的数据")
            length = int(head)
            if len(rest) < length + 1:
                return documents
            if rest[length:length + 1] != b",":
                raise CtrlError("控制连接的数据帧不完整")
            body, self._buffer = rest[:length], rest[length + 1:]
            try:
                document = json.loads(body.decode("utf-8", errors="replace"))
            except json.JSONDecodeError as exc:
                raise CtrlError("控制连接收到无效的 JSON") from exc
            if isinstance(document, dict):
                documents.append(document)


class CtrlClient:
    """One control connection to one baresip process."""

    def __init__(self, port: int, on_event: Callable[[dict[str, Any]], None],
                 on_closed: Callable[[], None] | None = None, *, host: str = "127.0.0.1",
                 timeout: float = 5.0) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.settimeout(None)
        self._timeout = timeout
        self._on_event = on_event
        self._on_closed = on_closed
        self._tokens = itertools.count(1)
        self._waiting: dict[str, queue.Queue[CtrlResponse]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read_loop, name=f"baresip-ctrl-{port}", daemon=True)
        self._reader.start()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def command(self, name: str, params: str = "", *, timeout: float | None = None) -> CtrlResponse:
        """Send one command and wait for its response."""
        if self._closed.is_set():
            raise CtrlError("与通话引擎的控制连接已断开")
        token = f"c{next(self._tokens)}"
        answer: queue.Queue[CtrlResponse] = queue.Queue(maxsize=1)
        with self._lock:
            self._waiting[token] = answer
        try:
            try:
                self._sock.sendall(encode_netstring({"command": name, "params": params, "token": token}))
            except OSError as exc:
                raise CtrlError("与通话引擎的控制连接已断开") from exc
            try:
                return answer.get(timeout=timeout or self._timeout)
            except queue.Empty as exc:
                if self._closed.is_set():
                    raise CtrlError("与通话引擎的控制连接已断开") from exc
                raise CtrlError(f"通话引擎没有响应命令 {name}") from exc
        finally:
            with self._lock:
                self._waiting.pop(token, None)

    def close(self) -> None:
        if not self._closed.is_set():
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(timeout=2)

    def _read_loop(self) -> None:
        decoder = NetstringDecoder()
        try:
            while True:
                data = self._sock.recv(65536)
                if not data:
                    break
                for document in decoder.feed(data):
                    self._dispatch(document)
        except (OSError, CtrlError):
            pass
        finally:
            self._closed.set()
            with self._lock:
                waiting = list(self._waiting.values())
            for answer in waiting:  # wake every waiting command: it reports the lost connection
                with contextlib.suppress(queue.Full):
                    answer.put_nowait(CtrlResponse(False, "connection closed"))
            if self._on_closed is not None:
                self._on_closed()

    def _dispatch(self, document: dict[str, Any]) -> None:
        if document.get("response"):
            token = str(document.get("token") or "")
            with self._lock:
                answer = self._waiting.get(token)
            if answer is not None:
                answer.put_nowait(CtrlResponse(bool(document.get("ok")), str(document.get("data") or "")))
            return
        if document.get("event"):
            self._on_event(document)
