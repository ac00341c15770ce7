"""Scripting (queue, responder, echo), reply builders, endpoints, speed, binding, CLI."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from http.client import HTTPConnection

import httpx
import pytest

from deepseek_ext_emulator import Emulator, Reply, ToolCall, Usage

from ..processes import emulator_process
from .emu_ref import AUTH, chat, client, sse_chunks, stream_text


@pytest.fixture
def http(deepseek_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(deepseek_emulator.base_url) as c:
        yield c


def _content(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["message"]["content"])


def _pieces(text: str, key: str = "content") -> list[str]:
    out = []
    for chunk in sse_chunks(text):
        choice = chunk["choices"][0]
        value = choice["delta"].get(key)
        if value and choice["finish_reason"] is None:
            out.append(value)
    return out


def test_queue_is_fifo_then_echo(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Reply.text("one"), Reply.text("two"))
    assert deepseek_emulator.pending == 2
    assert _content(http.post("/chat/completions", json=chat())) == "one"
    assert _content(http.post("/chat/completions", json=chat())) == "two"
    assert _content(http.post("/chat/completions", json=chat(content="ping"))) == "Echo: ping"
    assert deepseek_emulator.pending == 0


def test_echo_reports_tool_results(http: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    answer = http.post("/chat/completions", json={"model": "deepseek-flash", "messages": messages})
    assert _content(answer) == "Tool result: sunny"


def test_responder_sees_the_body_and_none_falls_through(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    seen = []

    def responder(body: dict) -> Reply | None:
        seen.append(body)
        return (
            Reply.text("upper:" + body["messages"][-1]["content"].upper())
            if body.get("n")
            else None
        )

    deepseek_emulator.responder = responder
    assert _content(http.post("/chat/completions", json=chat(content="abc", n=1))) == "upper:ABC"
    assert _content(http.post("/chat/completions", json=chat(content="abc"))) == "Echo: abc"
    assert len(seen) == 2 and seen[0]["n"] == 1
    deepseek_emulator.push(Reply.text("queued wins"))
    assert _content(http.post("/chat/completions", json=chat(n=1))) == "queued wins"


def test_broken_responder_answers_500_and_is_recorded(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    def responder(body: dict) -> Reply:
        raise RuntimeError("boom")

    deepseek_emulator.responder = responder
    response = http.post("/chat/completions", json=chat())
    assert response.status_code == 500 and "boom" in response.text
    assert isinstance(deepseek_emulator.errors[0], RuntimeError)
    deepseek_emulator.reset()
    assert deepseek_emulator.errors == [] and deepseek_emulator.requests == []


def test_text_chunks_and_chunk_size(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(
        Reply.text("abcdefghij", reasoning="0123456789", chunks=3, reasoning_chunks=2)
    )
    text = stream_text(http, chat("deepseek-flash"))
    assert _pieces(text) == ["abcd", "efg", "hij"]
    assert _pieces(text, "reasoning_content") == ["01234", "56789"]
    deepseek_emulator.push(Reply.text("abcdefg", chunk_size=3))
    assert _pieces(stream_text(http, chat("deepseek-chat"))) == ["abc", "def", "g"]
    with pytest.raises(ValueError):
        Reply.text("ab", chunks=3)
    with pytest.raises(ValueError):
        Reply.text("ab", chunk_size=0)


def test_usage_follows_pieces_or_override(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Reply.text("a b c", reasoning="x y"))
    usage = http.post("/chat/completions", json=chat("deepseek-flash")).json()["usage"]
    assert (
        usage["completion_tokens"] == 5
        and usage["completion_tokens_details"]["reasoning_tokens"] == 2
    )
    assert usage["total_tokens"] == usage["prompt_tokens"] + 5
    assert (
        usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"]
        == usage["prompt_tokens"]
    )
    deepseek_emulator.push(
        Reply.text("a", usage=Usage(300, 20, cached_tokens=256, reasoning_tokens=7))
    )
    usage = http.post("/chat/completions", json=chat("deepseek-flash")).json()["usage"]
    assert usage == {
        "prompt_tokens": 300,
        "completion_tokens": 20,
        "total_tokens": 320,
        "prompt_tokens_details": {"cached_tokens": 256},
        "completion_tokens_details": {"reasoning_tokens": 7},
        "prompt_cache_hit_tokens": 256,
        "prompt_cache_miss_tokens": 44,
    }


def test_parallel_tool_calls_non_stream(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(
        Reply.tool_calls(
            [("get_weather", {"city": "Paris"}), ToolCall("get_time", "{}", id="call_01_fixed")],
            content="Checking.",
        )
    )
    answer = http.post("/chat/completions", json=chat("deepseek-chat")).json()
    message = answer["choices"][0]["message"]
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert message["content"] == "Checking."
    calls = message["tool_calls"]
    assert [c["index"] for c in calls] == [0, 1]
    assert re.fullmatch(r"call_00_[A-Za-z0-9]{24}", calls[0]["id"])
    assert calls[1]["id"] == "call_01_fixed"
    assert calls[0]["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    with pytest.raises(ValueError):
        Reply.tool_calls([])


def test_content_before_tool_calls_in_stream(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.push(
        Reply.tool_calls([("f", {"a": 1})], content="Let me check.", reasoning="r")
    )
    chunks = sse_chunks(stream_text(http, chat("deepseek-flash")))
    deltas = [c["choices"][0]["delta"] for c in chunks]
    kinds = [
        "tool" if "tool_calls" in d else "content" if d.get("content") else "other" for d in deltas
    ]
    assert kinds.index("content") < kinds.index("tool")
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_json_reply_and_finish_reason_length(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.push(Reply.json({"ok": True}), Reply.text("cut", finish_reason="length"))
    body = chat(response_format={"type": "json_object"})
    assert json.loads(_content(http.post("/chat/completions", json=body))) == {"ok": True}
    assert (
        http.post("/chat/completions", json=chat()).json()["choices"][0]["finish_reason"]
        == "length"
    )


def test_error_builders(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(
        Reply.error(422, "Failed to deserialize", content_type="application/json"),
        Reply.context_length_exceeded(2_000_000),
        Reply.insufficient_balance(),
    )
    first = http.post("/chat/completions", json=chat())
    assert first.status_code == 422 and first.json()["error"]["message"] == "Failed to deserialize"
    second = http.post("/chat/completions", json=chat())
    assert "maximum context length is 1048576 tokens" in second.json()["error"]["message"]
    assert http.post("/chat/completions", json=chat()).status_code == 402


def test_raw_and_extra_headers(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(
        Reply.raw_response(200, '{"weird":1}', headers=[("x-ds-trace-id", "abc")])
    )
    response = http.post("/chat/completions", json=chat())
    assert response.json() == {"weird": 1}
    assert response.headers.get_list("x-ds-trace-id") == ["abc"]


def test_fim_non_stream_and_stream(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    deepseek_emulator.push(Reply.fim("middle"), Reply.fim("abc", chunks=3))
    body = {"model": "deepseek-chat", "prompt": "def f(", "suffix": "):", "echo": True}
    answer = http.post("/beta/completions", json=body).json()
    assert answer["object"] == "text_completion"
    assert answer["choices"][0]["text"] == "def f(middle"
    assert "completion_tokens_details" not in answer["usage"]
    with http.stream(
        "POST", "/beta/completions", json={**body, "echo": False, "stream": True}
    ) as r:
        text = r.read().decode()
    texts = [c["choices"][0]["text"] for c in sse_chunks(text)]
    assert texts == ["a", "b", "c", ""] and text.endswith("data: [DONE]\n\n")
    missing = http.post("/beta/completions", json={"model": "deepseek-chat"})
    assert missing.status_code == 400 and "prompt" in missing.text


def test_routes_models_and_balance(http: httpx.Client) -> None:
    for path in ("/chat/completions", "/v1/chat/completions", "/beta/chat/completions"):
        assert http.post(path, json=chat()).status_code == 200
    models = http.get("/models").json()
    assert [m["id"] for m in models["data"]] == ["deepseek-flash", "deepseek-v4-pro"]
    assert http.get("/v1/models").status_code == 200
    balance = http.get("/user/balance").json()
    assert balance["balance_infos"][0]["total_balance"] == "110.00"


def test_keep_alive_connection_serves_many_requests(deepseek_emulator: Emulator) -> None:
    conn = HTTPConnection("127.0.0.1", deepseek_emulator.port, timeout=5)
    payload = json.dumps(chat())
    headers = {**AUTH, "Content-Type": "application/json"}
    for _ in range(20):
        conn.request("POST", "/chat/completions", body=payload, headers=headers)
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("connection") == "keep-alive"
        response.read()
    sock = conn.sock
    conn.request(
        "POST", "/chat/completions", body=payload, headers={**headers, "Connection": "close"}
    )
    response = conn.getresponse()
    response.read()
    assert sock is not None and response.getheader("connection") == "close"
    conn.close()


def test_chunked_request_bodies_are_read(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    payload = json.dumps(chat(content="chunked")).encode()
    response = http.post("/chat/completions", content=iter([payload[:10], payload[10:]]))
    assert _content(response) == "Echo: chunked"


def test_fifty_thousand_chunk_stream_is_fast(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.push(Reply.filler(50_000, reasoning_chunks=1_000))
    started = time.monotonic()
    text = stream_text(http, chat("deepseek-flash"))
    elapsed = time.monotonic() - started
    assert text.count("data: ") == 1 + 1_000 + 50_000 + 1 + 1
    assert elapsed < 5, elapsed


def test_thousand_requests_are_fast(http: httpx.Client) -> None:
    started = time.monotonic()
    for _ in range(1_000):
        http.post("/chat/completions", json=chat())
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host=host).start()


def test_localhost_and_ipv6_loopback() -> None:
    with Emulator(host="localhost") as emu:
        assert emu.base_url.startswith("http://127.0.0.1:")
    try:
        emu6 = Emulator(host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert emu6.base_url.startswith("http://[::1]:")
        assert (
            httpx.post(f"{emu6.base_url}/chat/completions", json=chat(), headers=AUTH).status_code
            == 200
        )
    finally:
        emu6.stop()


def test_base_url_requires_start() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    with pytest.raises(LookupError):
        _ = emu.last_request


def test_serve_blocks_until_ctrl_c() -> None:
    with emulator_process(module=True, as_background_job=True) as served:
        response = httpx.post(
            f"{served.base_url}/chat/completions",
            json=chat(),
            headers={"Authorization": "Bearer any"},
        )
        assert response.status_code == 200
        assert served.stop() == 0
