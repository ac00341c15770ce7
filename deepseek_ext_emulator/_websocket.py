"""A WebSocket server side (RFC 6455) small enough for the emulator: the opening handshake, and
frames read (masked, as clients send them) and written (unmasked), with ping, close and
fragmented messages. Standard library only; no extensions (no compression) are accepted."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
from io import BufferedIOBase

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0
MAX_MESSAGE = 1024 * 1024


def accept_value(key: str) -> str:
    """`Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`."""
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()


def handshake(key: str, subprotocol: str | None) -> bytes:
    """The `101 Switching Protocols` answer."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_value(key)}",
    ]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class WebSocket:
    """One open connection, server side. `receive` returns whole messages, answering pings and
    the closing handshake by itself; None once the client closed or the connection dropped."""

    def __init__(self, reader: BufferedIOBase, writer: BufferedIOBase, sock: socket.socket) -> None:
        self._reader = reader
        self._writer = writer
        self._socket = sock
        self.closed = False

    def receive(self) -> tuple[int, bytes] | None:
        """(opcode, payload) of the next text or binary message."""
        parts: list[bytes] = []
        opcode_of_message = 0
        while True:
            frame = self._read_frame()
            if frame is None:
                return None
            fin, opcode, payload = frame
            if opcode == PING:
                self._write(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                self.close(payload[:2] if len(payload) >= 2 else b"")
                return None
            if opcode != CONTINUATION:
                opcode_of_message = opcode
            parts.append(payload)
            if fin:
                return opcode_of_message, b"".join(parts)

    def send_text(self, text: str) -> None:
        self._write(TEXT, text.encode())

    def send_binary(self, data: bytes) -> None:
        self._write(BINARY, data)

    def close(self, code: bytes = struct.pack("!H", 1000)) -> None:
        """Sends the close frame (once)."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self._write(CLOSE, code)

    def abort(self) -> None:
        """Drops the connection without a close frame (a cut)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def _write(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        self._writer.write(head + payload)
        self._writer.flush()

    def _read_frame(self) -> tuple[bool, int, bytes] | None:
        try:
            head = self._reader.read(2)
            if len(head) < 2:
                return None
            fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
            masked, size = bool(head[1] & 0x80), head[1] & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._reader.read(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._reader.read(8))
            if size > MAX_MESSAGE:
                return None
            mask = self._reader.read(4) if masked else b""
            payload = self._reader.read(size)
        except (OSError, struct.error):
            return None
        if len(payload) < size:
            return None
        if masked:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return fin, opcode, payload
