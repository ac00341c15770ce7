"""A minimal, fast loopback HTTP/1.1 server for the benchmarks (run as its own process).

Why not the emulator itself: it answers from a thread per connection, validates every request
and renders every reply (`_emulator.py`, `_server.py`), which is the right thing for tests but
costs more CPU per request than the clients being measured, on a machine with two cores. Here
the emulator renders each reply once, at start-up; this server then answers every request with
those bytes, DeepSeek's headers included, from one asyncio loop.

Routes are path prefixes, so every client reaches them through its `base_url`:

    /plain/...     a short non-streaming chat completion
    /s1000/...     a 1,000-chunk answer stream (plus the role and finish chunks)
    /think/...     a thinking stream: N reasoning chunks then M answer chunks (`--think`)
    /control/...   the same text as /think in ten times fewer, ten times larger chunks
    /rplain/...    a short non-streaming Responses answer (`/responses`)
    /r1000/...     a 1,000-delta Responses stream (its bookkeeping events included)

Streams go out with one HTTP chunk per SSE event, as DeepSeek sends them, so a client sees one
event per read, not a batch. The server prints `{"port": ...}` on stdout and runs until killed.

    python benchmarks/_server.py [--think 45000,5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import httpx

from deepseek_ext_emulator import Emulator, Reply

PIECE = 6
"""Characters per streamed piece. Every piece differs (`00042 `), as tokens mostly do, so no
parser's string cache makes a stream cheaper or smaller than real text would."""
SKIPPED_HEADERS = {"content-length", "transfer-encoding", "connection", "date"}
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Say hello."},
]


def _fetch(emu: Emulator, reply: Reply, *, stream: bool, thinking: bool) -> httpx.Response:
    emu.push(reply)
    body: dict[str, object] = {
        "model": "deepseek-flash",
        "messages": MESSAGES,
        "stream": stream,
        "thinking": {"type": "enabled" if thinking else "disabled"},
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    response = httpx.post(
        f"{emu.base_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer test-key"},
        timeout=120,
    )
    response.raise_for_status()
    return response


def _head(response: httpx.Response, framing: str) -> bytes:
    lines = [
        "HTTP/1.1 200 OK",
        framing,
        "Connection: keep-alive",
        "Date: Mon, 03 Aug 2026 10:00:00 GMT",
    ]
    lines += [f"{k}: {v}" for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def render_plain(emu: Emulator) -> bytes:
    reply = Reply.text("Hello! How can I help you today?")
    response = _fetch(emu, reply, stream=False, thinking=False)
    body = response.content
    return _head(response, f"Content-Length: {len(body)}") + body


def render_stream(emu: Emulator, reply: Reply, *, thinking: bool) -> tuple[bytes, int]:
    """The whole response, one HTTP chunk per event, and the number of events ([DONE] excluded)."""
    response = _fetch(emu, reply, stream=True, thinking=thinking)
    events = [e + b"\n\n" for e in response.content.split(b"\n\n") if e.strip()]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)
    return _head(response, "Transfer-Encoding: chunked") + framed + b"0\r\n\r\n", len(events) - 1


def render_responses(emu: Emulator, reply: Reply, *, stream: bool) -> tuple[bytes, int]:
    """A `/responses` answer as the emulator renders it (one HTTP chunk per event)."""
    emu.push(reply)
    body = {"model": "deepseek-flash", "input": "Say hello.", "stream": stream,
            "reasoning": {"effort": "none"}}  # fmt: skip
    response = httpx.post(
        f"{emu.base_url}/responses", json=body, headers={"Authorization": "Bearer k"}, timeout=120
    )
    response.raise_for_status()
    if not stream:
        return _head(response, f"Content-Length: {len(response.content)}") + response.content, 0
    events = [e + b"\n\n" for e in response.content.split(b"\n\n") if e.strip()]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)
    return _head(response, "Transfer-Encoding: chunked") + framed + b"0\r\n\r\n", len(events)


def words(count: int, start: int = 0) -> str:
    """`count` distinct 6-character pieces."""
    return "".join(f"{i:05d} " for i in range(start, start + count))


def render_all(think: tuple[int, int]) -> tuple[dict[bytes, bytes], dict[str, int]]:
    reasoning, answer = think
    thought, said = words(reasoning), words(answer, start=reasoning)
    routes: dict[bytes, bytes] = {}
    events: dict[str, int] = {}
    with Emulator(api_key=None, validate=False) as emu:
        routes[b"plain"] = render_plain(emu)
        routes[b"s1000"], events["s1000"] = render_stream(
            emu, Reply.text(words(1000), chunk_size=PIECE), thinking=False
        )
        routes[b"think"], events["think"] = render_stream(
            emu, Reply.text(said, reasoning=thought, chunk_size=PIECE), thinking=True
        )
        routes[b"control"], events["control"] = render_stream(
            emu, Reply.text(said, reasoning=thought, chunk_size=PIECE * 10), thinking=True
        )
        routes[b"rplain"], _ = render_responses(
            emu, Reply.text("Hello! How can I help you today?"), stream=False
        )
        routes[b"r1000"], events["r1000"] = render_responses(
            emu, Reply.text(words(1000), chunk_size=PIECE), stream=True
        )
    return routes, events


class _Answer(asyncio.Protocol):
    """Keep-alive HTTP/1.1: reads each request (head, Content-Length body), writes its route."""

    def __init__(self, routes: dict[bytes, bytes]) -> None:
        self.routes = routes
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else None])
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            path = head.split(b" ", 2)[1]
            route = path.split(b"/", 2)[1] if path.count(b"/") >= 2 else b""
            assert self.transport is not None
            self.transport.write(self.routes.get(route, NOT_FOUND))


async def serve(routes: dict[bytes, bytes], events: dict[str, int]) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Answer(routes), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port, "events": events}), flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--think", default="45000,5000", help="reasoning,answer chunk counts")
    args = parser.parse_args()
    reasoning, answer = (int(n) for n in args.think.split(","))
    routes, events = render_all((reasoning, answer))
    try:
        asyncio.run(serve(routes, events))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
