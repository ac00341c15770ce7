"""The HTTP/1.1 side: a threaded loopback server that writes planned answers and faults.

Standard library only. Responses are written by hand (status line, headers, body in
as few ``sendall`` calls as possible, ``TCP_NODELAY``) so keep-alive clients do not hit
Nagle/delayed-ACK stalls and a 50,000-event stream goes out in 64 KiB HTTP chunks.
"""

from __future__ import annotations

import contextlib
import http
import ipaddress
import socket
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from deepseek_ext_emulator._faults import Fault
from deepseek_ext_emulator._render import Rendered
from deepseek_ext_emulator._websocket import WebSocket, handshake
from deepseek_ext_emulator._wire import trace_id

_BATCH = 64 * 1024
_KEEP_ALIVE_SSE = b": keep-alive\n\n"
_COMMON_TAIL = (
    ("vary", "origin, access-control-request-method, access-control-request-headers"),
    ("access-control-allow-credentials", "true"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload")


@dataclass(frozen=True)
class Plan:
    """What to write for one request: the rendered answer and how to misdeliver it."""

    rendered: Rendered
    fault: Fault = field(default_factory=Fault)


class App(Protocol):
    """The request logic the server calls (implemented by ``Emulator``)."""

    stopping: threading.Event

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Plan:
        """Decide the answer to one request."""
        ...

    def enter(self, target: str) -> bool:
        """A request arrives: False to answer it with `over_capacity()` instead."""
        ...

    def leave(self, target: str) -> None:
        """The request that `enter` let in was answered."""
        ...

    def over_capacity(self) -> Plan:
        """The answer for a request over the account's cap."""
        ...

    def websocket(self, target: str, headers: dict[str, str]) -> Plan | Callable[[WebSocket], None]:
        """A WebSocket upgrade: the session to run once upgraded, or an HTTP answer instead."""
        ...


class _AbortError(Exception):
    """The plan ends the connection (drop, reset, or the emulator is stopping)."""


def check_loopback(host: str) -> str:
    """Return the address to bind, refusing anything that is not a loopback address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError as exc:
        raise ValueError(f"the emulator binds to loopback only, not {host!r}") from exc
    if not address.is_loopback:
        raise ValueError(f"the emulator binds to loopback only, not {host!r}")
    return str(address)


class LoopbackServer(ThreadingHTTPServer):
    """Threaded server that tracks open connections so ``stop()`` can close them."""

    daemon_threads = True
    allow_reuse_address = True
    # The stdlib default backlog of 5 resets connections under concurrent load tests.
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: App) -> None:
        address = check_loopback(host)
        self.address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.app = app
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__((address, port), _Handler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        """Remember (or forget) an open client connection."""
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that disconnects (reset, broken pipe) is ordinary for a test server: no
        traceback for it. Anything else is still reported as the standard library does."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive ones included)."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def _nothing() -> None:
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    _finishing: Callable[[], None] = staticmethod(_nothing)
    server: LoopbackServer
    server_version = "elb"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        self.server.track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        """Silence per-request logging: benchmarks send thousands of requests."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (OSError, ValueError):
            self._abort(rst=False)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        app = self.server.app
        if headers.get("upgrade", "").lower() == "websocket":
            self._serve_websocket(app, headers)
            return
        if not app.enter(self.path):
            self._deliver_or_abort(app.over_capacity())
            return
        path = self.path
        left = False

        def leave() -> None:
            # Called before the answer's last bytes go out (and at the latest after it): a
            # client that has the whole answer may send its next request at once, and that one
            # must not meet this one still counted in flight.
            nonlocal left
            if not left:
                left = True
                app.leave(path)

        self._finishing = leave
        try:
            self._deliver_or_abort(app.handle(self.command, self.path, headers, body))
        finally:
            self._finishing = _nothing
            leave()

    def _serve_websocket(self, app: App, headers: dict[str, str]) -> None:
        decision = app.websocket(self.path, headers)
        if isinstance(decision, Plan):
            self._deliver_or_abort(decision)
            return
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
        chosen = "tts" if "tts" in offered else None
        self.close_connection = True
        try:
            self.wfile.write(handshake(headers.get("sec-websocket-key", ""), chosen))
            self.wfile.flush()
            decision(WebSocket(self.rfile, self.wfile, self.connection))
        except OSError:
            self._abort(rst=False)

    def _deliver_or_abort(self, plan: Plan) -> None:
        try:
            self._deliver(plan)
        except (_AbortError, OSError):
            self._abort(rst=False)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client gave up mid-body: nothing to answer, no side effect
            raise ValueError(f"body cut at {len(body)} of {length} bytes")
        return body

    # -- writing ---------------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        if seconds > 0 and self.server.app.stopping.wait(seconds):
            raise _AbortError

    def _abort(self, *, rst: bool) -> None:
        try:
            if rst:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def _head(self, rendered: Rendered, fault: Fault, *, length: int | None) -> bytes:
        status = rendered.status
        sse = length is None
        framing = ("Transfer-Encoding", "chunked") if sse else ("Content-Length", str(length))
        connection = ("Connection", "close" if self.close_connection else "keep-alive")
        date = ("Date", formatdate(usegmt=True))
        trace = ("x-ds-trace-id", trace_id())
        ctype = ("Content-Type", rendered.content_type)
        server = ("Server", "elb")
        nosniff = ("X-Content-Type-Options", "nosniff")
        if sse:  # order of the recorded 2026 stream headers
            headers = [
                ctype,
                framing,
                connection,
                date,
                nosniff,
                server,
                ("Cache-Control", "no-cache"),
                *_COMMON_TAIL,
                trace,
                _HSTS,
            ]
        else:
            headers = [
                ctype,
                framing,
                connection,
                date,
                server,
                *_COMMON_TAIL,
                trace,
                _HSTS,
                nosniff,
            ]
        for name, value in rendered.headers:
            headers = [h for h in headers if h[0].lower() != name.lower()]
            headers.append((name, value))
        if fault.retry_after is not None:
            headers.append(("Retry-After", fault.retry_after))
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {status} {phrase}"] + [f"{n}: {v}" for n, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _deliver(self, plan: Plan) -> None:
        fault = plan.fault
        if fault.reset:
            self._abort(rst=True)
            return
        self._wait(fault.delay_seconds)
        rendered = plan.rendered
        if fault.error is not None:
            err = fault.error
            rendered = Rendered(err.status, err.content_type, body=err.body)
        elif fault.empty:
            rendered = Rendered(200, rendered.content_type, body=b"")
        if rendered.events is not None:
            self._write_stream(rendered, fault)
        else:
            self._write_body(rendered, fault)

    def _write_body(self, rendered: Rendered, fault: Fault) -> None:
        body = rendered.body
        if fault.truncate_at is not None:
            body = body[: int(len(body) * fault.truncate_at)]
        count = fault.keep_alive_count
        interval = fault.keep_alive_over / count if count else 0.0
        total = count + len(body)
        out = self.wfile
        if not count and not fault.chunk_delay and fault.drop_after is None:
            self._finishing()
            out.write(self._head(rendered, fault, length=total) + body)
            return
        out.write(self._head(rendered, fault, length=total))
        for _ in range(count):  # non-stream keep-alive: bare newlines (docs/deepseek-api.md §3.5)
            out.write(b"\n")
            self._wait(interval)
        self._wait(fault.chunk_delay)
        if fault.drop_after is not None:
            out.write(body[: len(body) // 2])
            self._abort(rst=False)
            return
        self._finishing()
        out.write(body)

    def _write_stream(self, rendered: Rendered, fault: Fault) -> None:
        events = list(rendered.events or ())
        if fault.stop_after is not None:
            events = events[: fault.stop_after]
        if fault.omit_done and events and events[-1].startswith(b"data: [DONE]"):
            events.pop()
        if fault.truncate_at is not None:
            joined = b"".join(events)
            events = [joined[: int(len(joined) * fault.truncate_at)]]
        out = self.wfile
        out.write(self._head(rendered, fault, length=None))
        count = fault.keep_alive_count
        for _ in range(count):
            out.write(_chunk(_KEEP_ALIVE_SSE))
            self._wait(fault.keep_alive_over / count)
        per_event = fault.chunk_delay > 0 or fault.drop_after is not None
        if per_event:
            for index, event in enumerate(events):
                if fault.drop_after is not None and index >= fault.drop_after:
                    self._abort(rst=False)
                    return
                self._wait(fault.chunk_delay)
                out.write(_chunk(event))
            out.write(b"0\r\n\r\n")
            return
        batch: list[bytes] = []
        size = 0
        for event in events:
            batch.append(event)
            size += len(event)
            if size >= _BATCH:
                out.write(_chunk(b"".join(batch)))
                batch, size = [], 0
        tail = _chunk(b"".join(batch)) if size else b""
        self._finishing()
        out.write(tail + b"0\r\n\r\n")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


__all__ = ["App", "LoopbackServer", "Plan", "check_loopback"]
