"""A client that creates its own httpx client sets the key-free headers on it once (5 µs a
request, benchmarks/RESULTS.md); what reaches the server must not change."""

from __future__ import annotations

import pytest

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    ChatRequest,
    DeepSeekClient,
    UserMessage,
)
from deepseek_ext_emulator import Emulator, Reply

KEY = "test-key"  # what the `deepseek_emulator` fixture accepts


def request() -> ChatRequest:
    return ChatRequest(model="deepseek-chat", messages=[UserMessage("hi")])


def assert_sent_once(emulator: Emulator, *, accept: str) -> None:
    sent = emulator.last_request.headers
    assert sent["authorization"] == "<redacted>"  # the emulator hides what it received
    assert sent["accept"] == accept
    assert sent["content-type"] == "application/json"
    assert sent["user-agent"].startswith("deepseek-ext/")
    assert sent["x-trace"] == "t1"
    assert "," not in sent["user-agent"] + sent["accept"]  # never sent twice, never merged


def test_sync_client_sends_its_headers(deepseek_emulator: Emulator) -> None:
    deepseek_emulator.push(Reply.text("a"), Reply.text("b"))
    with DeepSeekClient(
        api_key=KEY, base_url=deepseek_emulator.base_url, default_headers={"X-Trace": "t1"}
    ) as client:
        client.chat(request())
        assert_sent_once(deepseek_emulator, accept="application/json")
        with client.stream_chat(request()) as stream:
            list(stream)
        assert_sent_once(deepseek_emulator, accept="text/event-stream")


@pytest.mark.asyncio
async def test_async_client_sends_its_headers(deepseek_emulator: Emulator) -> None:
    deepseek_emulator.push(Reply.text("a"), Reply.text("b"))
    client = AsyncDeepSeekClient(
        api_key=KEY, base_url=deepseek_emulator.base_url, default_headers={"X-Trace": "t1"}
    )
    try:
        await client.chat(request())
        assert_sent_once(deepseek_emulator, accept="application/json")
        async with await client.stream_chat(request()) as stream:
            async for _ in stream:
                pass
        assert_sent_once(deepseek_emulator, accept="text/event-stream")
    finally:
        await client.aclose()


def test_the_key_stays_off_the_owned_http_client() -> None:
    client = DeepSeekClient(api_key=KEY)
    try:
        assert "authorization" not in client._http.headers
        assert KEY not in repr(client._http.headers)
    finally:
        client.close()
