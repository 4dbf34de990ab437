"""An SMS centre simulator for the tests: a real SMPP 3.4 server on 127.0.0.1 (a free port), built on
smpplib's own PDU codec.  It accepts binds (checking the password), answers submit_sm with message
ids, keeps every part it received, sends delivery receipts (deliver_sm, esm_class 0x04) to bound
transceiver/receiver sessions, and can send a person's reply (mobile-originated deliver_sm)."""

from __future__ import annotations

import datetime as dt
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import count
from typing import Any

import smpplib.consts
import smpplib.smpp

from console.services.messaging.sms.encoding import decode_part

RECEIVING_BINDS = ("bind_transceiver", "bind_receiver")


class _Sequence:
    def __init__(self) -> None:
        self._numbers = count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = next(self._numbers)
        return self.sequence


@dataclass(frozen=True)
class ReceivedPart:
    message_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes

    @property
    def text(self) -> str:
        return decode_part(self.short_message, self.esm_class)[1]


class SmscSimulator:
    def __init__(self, system_id: str = "centre", password: str = "secret") -> None:
        self.system_id = system_id
        self.password = password
        self.receipt_state = "DELIVRD"
        self.parts: list[ReceivedPart] = []
        self.binds: list[str] = []
        self._ids = count(1000)
        self._lock = threading.Lock()
        self._pending: list[Any] = []  # deliver_sm PDUs waiting for a receiving session
        self._unacked: dict[tuple[int, int], Any] = {}  # (session, sequence) → deliver_sm fields
        self._receivers: list[tuple[socket.socket, _Sequence]] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._running = True
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    # -- the server -------------------------------------------------------------------------
    def _serve(self) -> None:
        while self._running:
            try:
                conn, _addr = self._server.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._session, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    @staticmethod
    def _read(conn: socket.socket) -> bytes | None:
        head = b""
        while len(head) < 4:
            chunk = conn.recv(4 - len(head))
            if not chunk:
                return None
            head += chunk
        length = struct.unpack(">L", head)[0]
        body = b""
        while len(body) < length - 4:
            chunk = conn.recv(length - 4 - len(body))
            if not chunk:
                return None
            body += chunk
        return head + body

    @staticmethod
    def _reply(conn: socket.socket, name: str, sequence: int, **fields: Any) -> None:
        pdu = smpplib.smpp.make_pdu(name, client=_Sequence(), **fields)
        pdu.sequence = sequence
        conn.sendall(pdu.generate())

    def _session(self, conn: socket.socket) -> None:
        seq = _Sequence()
        with conn:
            while self._running:
                try:
                    data = self._read(conn)
                except OSError:
                    break
                if data is None:
                    break
                pdu = smpplib.smpp.parse_pdu(data, client=seq, allow_unknown_opt_params=True)
                if pdu.command.startswith("bind_"):
                    ok = (pdu.system_id.decode() == self.system_id and pdu.password.decode() == self.password)
                    status = smpplib.consts.SMPP_ESME_ROK if ok else smpplib.consts.SMPP_ESME_RINVPASWD
                    self._reply(conn, pdu.command + "_resp", pdu.sequence, status=status, system_id="SIM")
                    if ok:
                        self.binds.append(pdu.command)
                        if pdu.command in RECEIVING_BINDS:
                            with self._lock:
                                self._receivers.append((conn, seq))
                            self._flush()
                elif pdu.command == "submit_sm":
                    self._submitted(conn, pdu)
                elif pdu.command == "enquire_link":
                    self._reply(conn, "enquire_link_resp", pdu.sequence)
                elif pdu.command == "deliver_sm_resp":
                    with self._lock:
                        self._unacked.pop((id(conn), int(pdu.sequence)), None)
                elif pdu.command == "unbind":
                    self._reply(conn, "unbind_resp", pdu.sequence)
                    break
        with self._lock:
            self._receivers = [(c, s) for c, s in self._receivers if c is not conn]
            # what the ESME never acknowledged is delivered again on its next bind, as an SMSC does
            lost = [key for key in self._unacked if key[0] == id(conn)]
            self._pending[:0] = [self._unacked.pop(key) for key in lost]
        self._flush()

    def _submitted(self, conn: socket.socket, pdu: Any) -> None:
        message_id = f"SIM{next(self._ids)}"
        part = ReceivedPart(message_id, pdu.source_addr.decode(), pdu.destination_addr.decode(), int(pdu.data_coding),
                            int(pdu.esm_class), int(pdu.registered_delivery), bytes(pdu.short_message))
        with self._lock:
            self.parts.append(part)
        self._reply(conn, "submit_sm_resp", pdu.sequence, message_id=message_id)
        if part.registered_delivery & 1:
            now = dt.datetime.now(dt.UTC).strftime("%y%m%d%H%M")
            text = (f"id:{message_id} sub:001 dlvrd:{'001' if self.receipt_state == 'DELIVRD' else '000'} "
                    f"submit date:{now} done date:{now} stat:{self.receipt_state} err:000 text:")
            self.queue_deliver(source_addr=part.destination, destination_addr=part.source, esm_class=0x04,
                               short_message=text.encode("ascii"), receipted_message_id=message_id)

    def queue_deliver(self, **fields: Any) -> None:
        """Hand a deliver_sm to the next receiving session (now, if one is bound)."""
        with self._lock:
            self._pending.append(fields)
        self._flush()

    def send_reply(self, source: str, text: str) -> None:
        """A person answers the centre's number (mobile-originated message, UCS-2)."""
        self.queue_deliver(source_addr=source, destination_addr="10690110", esm_class=0, data_coding=8,
                           short_message=text.encode("utf-16-be"))

    def _flush(self) -> None:
        with self._lock:
            if not self._receivers:
                return
            conn, seq = self._receivers[-1]
            pending, self._pending = self._pending, []
        for fields in pending:
            pdu = smpplib.smpp.make_pdu("deliver_sm", client=seq, **fields)
            with self._lock:
                self._unacked[(id(conn), int(pdu.sequence))] = fields
            with suppress(OSError):  # unacknowledged: requeued when the session ends
                conn.sendall(pdu.generate())

    # -- what the tests read ----------------------------------------------------------------
    def messages(self) -> list[tuple[str, str, int]]:
        """(destination, text, parts) of every message, concatenated parts joined in order."""
        with self._lock:
            parts = list(self.parts)
        out: list[tuple[str, str, int]] = []
        groups: dict[tuple[str, int], dict[int, str]] = {}
        totals: dict[tuple[str, int], int] = {}
        order: list[tuple[str, int]] = []
        for part in parts:
            header, text = decode_part(part.short_message, part.esm_class)
            if header is None:
                out.append((part.destination, text, 1))
                continue
            key = (part.destination, header[0])
            if key not in groups:
                order.append(key)
            groups.setdefault(key, {})[header[2]] = text
            totals[key] = header[1]
        for key in order:
            pieces = groups[key]
            if len(pieces) == totals[key]:
                out.append((key[0], "".join(pieces[i] for i in sorted(pieces)), totals[key]))
        return out

    def close(self) -> None:
        self._running = False
        with suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() below; close() alone does not
        self._server.close()
        self._accept.join(5)
        with self._lock:
            receivers = list(self._receivers)
        for conn, _seq in receivers:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)


@contextmanager
def running_smsc(**kwargs: Any) -> Iterator[SmscSimulator]:
    smsc = SmscSimulator(**kwargs)
    try:
        yield smsc
    finally:
        smsc.close()
