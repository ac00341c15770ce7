"""Every injectable fault, observed from a plain HTTP client."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from deepseek_ext_emulator import Emulator, Fault, Reply

from .emu_ref import AUTH, chat, client, sse_chunks


@pytest.fixture
def http(deepseek_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(deepseek_emulator.base_url) as c:
        yield c


def _raw_exchange(emu: Emulator, body: dict, *, timeout: float = 5.0) -> bytes:
    """Send one request on a raw socket and return every byte until the server closes."""
    payload = json.dumps(body).encode()
    request = (
        f"POST /chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + payload
    with socket.create_connection(("127.0.0.1", emu.port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def test_keep_alive_comments_before_stream(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.keep_alive(3, over=0.3, reply=Reply.text("hi")))
    started = time.monotonic()
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as response:
        text = response.read().decode()
    assert time.monotonic() - started >= 0.25
    assert text.startswith(": keep-alive\n\n" * 3 + "data: {")
    assert text.endswith("data: [DONE]\n\n")
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in sse_chunks(text)) == "hi"


def test_blank_lines_before_non_stream_body(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.push(Fault.keep_alive(4))
    response = http.post("/chat/completions", json=chat(content="x"))
    assert response.content.startswith(b"\n\n\n\n{")
    assert int(response.headers["content-length"]) == len(response.content)
    assert json.loads(response.content)["choices"][0]["message"]["content"] == "Echo: x"


@pytest.mark.parametrize("retry_after", [1, None])
def test_429_with_and_without_retry_after(
    deepseek_emulator: Emulator, http: httpx.Client, retry_after: int | None
) -> None:
    deepseek_emulator.push(Fault.status(429, retry_after=retry_after), Reply.text("after"))
    limited = http.post("/chat/completions", json=chat())
    assert limited.status_code == 429
    assert limited.headers.get("retry-after") == (None if retry_after is None else "1")
    assert limited.json()["error"]["message"] == "Rate Limit Reached"
    assert (
        http.post("/chat/completions", json=chat()).json()["choices"][0]["message"]["content"]
        == "after"
    )


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_with_json_bodies(
    deepseek_emulator: Emulator, http: httpx.Client, status: int
) -> None:
    deepseek_emulator.push(Fault.status(status))
    response = http.post("/chat/completions", json=chat())
    assert response.status_code == status
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_with_html_bodies(
    deepseek_emulator: Emulator, http: httpx.Client, status: int
) -> None:
    deepseek_emulator.push(Fault.status(status))
    response = http.post("/chat/completions", json=chat(stream=True))
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html"
    assert f"<h1>{status}" in response.text


def test_drop_mid_stream(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.drop_after_chunks(3, reply=Reply.text("a b c d e f")))
    events = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream("POST", "/chat/completions", json=chat(stream=True)) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(line)
    assert len(events) == 3
    # the client recovers on a fresh connection
    assert http.post("/chat/completions", json=chat()).status_code == 200


def test_drop_mid_non_stream_body(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.drop_after_chunks(0))
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/chat/completions", json=chat())


def test_stream_without_done(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.no_done(reply=Reply.text("x y")))
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as response:
        text = response.read().decode()  # clean HTTP end, no exception
    assert "[DONE]" not in text
    assert sse_chunks(text)[-1]["choices"][0]["finish_reason"] == "stop"


def test_stream_stalls_then_closes_early(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.no_done(after_chunks=2))
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as response:
        chunks = sse_chunks(response.read().decode())
    assert len(chunks) == 2
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks)


@pytest.mark.parametrize("stream", [False, True])
def test_empty_200_body(deepseek_emulator: Emulator, http: httpx.Client, stream: bool) -> None:
    deepseek_emulator.push(Fault.empty_body())
    response = http.post("/chat/completions", json=chat(stream=stream))
    assert response.status_code == 200
    assert response.content == b""


def test_truncated_json_body(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.truncated_body(at=0.5))
    response = http.post("/chat/completions", json=chat())
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) > 10
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_truncated_stream_ends_cleanly_mid_event(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.push(Fault.truncated_body(at=0.5, reply=Reply.text("one two three four")))
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as response:
        text = response.read().decode()
    assert "[DONE]" not in text
    assert not text.endswith("\n\n")


def test_slow_chunks(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.slow_chunks(0.04, reply=Reply.text("abcde", chunks=5)))
    stamps = []
    started = time.monotonic()
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                stamps.append(time.monotonic() - started)
    assert len(stamps) == 8  # role, 5 pieces, final, [DONE]
    assert stamps[-1] >= 7 * 0.04
    assert stamps[-1] - stamps[0] >= 0.2  # arrived spread out, not in one write


def test_reset_before_headers(deepseek_emulator: Emulator) -> None:
    deepseek_emulator.push(Fault.reset_before_headers())
    assert _raw_exchange(deepseek_emulator, chat()) == b""
    deepseek_emulator.push(Fault.reset_before_headers())
    with client(deepseek_emulator.base_url) as c, pytest.raises(httpx.TransportError):
        c.post("/chat/completions", json=chat())


def test_delay_longer_than_read_timeout(deepseek_emulator: Emulator) -> None:
    deepseek_emulator.push(Fault.delay(30))
    with client(deepseek_emulator.base_url, timeout=httpx.Timeout(5, read=0.2)) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post("/chat/completions", json=chat())
    started = time.monotonic()
    deepseek_emulator.stop()  # must not wait for the 30 s sleep
    assert time.monotonic() - started < 2


def test_short_delay_then_answer(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Fault.delay(0.2, reply=Reply.text("late")))
    started = time.monotonic()
    answer = http.post("/chat/completions", json=chat()).json()
    assert time.monotonic() - started >= 0.19
    assert answer["choices"][0]["message"]["content"] == "late"


def test_fault_without_reply_uses_responder(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.responder = lambda body: Reply.text(f"for {body['model']}")
    deepseek_emulator.push(Fault.keep_alive(1))
    answer = json.loads(http.post("/chat/completions", json=chat("deepseek-chat")).content)
    assert answer["choices"][0]["message"]["content"] == "for deepseek-chat"


def test_combined_faults(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    fault = Fault.keep_alive(2).combined(Fault.drop_after_chunks(2)).with_reply(Reply.text("a b c"))
    deepseek_emulator.push(fault)
    lines: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream("POST", "/chat/completions", json=chat(stream=True)) as response,
    ):
        lines.extend(line for line in response.iter_lines() if line)
    assert fault.keep_alive_count == 2 and fault.drop_after == 2
    assert lines[:2] == [": keep-alive", ": keep-alive"]
    assert len(lines) == 4 and all(line.startswith("data: {") for line in lines[2:])


def test_responder_may_return_a_fault(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.responder = lambda body: Fault.status(503)
    assert http.post("/chat/completions", json=chat()).status_code == 503
