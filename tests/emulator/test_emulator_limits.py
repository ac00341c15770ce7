"""`max_tokens` cuts answers as DeepSeek does; beta-only endpoints at the plain base say where
they are served."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from deepseek_ext_emulator import Emulator, Reply

from .emu_ref import chat, client, sse_chunks, stream_text


@pytest.fixture
def emulator(deepseek_emulator: Emulator) -> Emulator:
    return deepseek_emulator


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    with client(emulator.base_url) as c:
        yield c


def test_max_tokens_cuts_the_content_with_a_length_finish(
    emulator: Emulator, http: httpx.Client
) -> None:
    emulator.push(Reply.text("one two six ten ace bee ", chunks=6))  # pieces of equal length
    body = http.post("/chat/completions", json=chat(max_tokens=4)).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == "one two six ten "
    assert body["usage"]["completion_tokens"] == 4


def test_reasoning_counts_first_in_thinking_mode(emulator: Emulator, http: httpx.Client) -> None:
    emulator.push(Reply.text("the answer", reasoning="a b c", chunks=2, reasoning_chunks=3))
    request = chat("deepseek-v4-pro", max_tokens=4)
    body = http.post("/chat/completions", json=request).json()
    message = body["choices"][0]["message"]
    # "the answer" in 2 pieces: "the a", "nswer"
    assert (message["reasoning_content"], message["content"]) == ("a b c", "the a")
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3


def test_a_tool_call_that_does_not_fit_is_dropped_not_cut(
    emulator: Emulator, http: httpx.Client
) -> None:
    emulator.push(Reply.tool_calls([("get_weather", {"city": "Paris"})]))
    body = http.post("/chat/completions", json=chat(max_tokens=1)).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["choices"][0]["message"].get("tool_calls") in (None, [])


def test_a_streamed_answer_is_cut_too(emulator: Emulator, http: httpx.Client) -> None:
    emulator.push(Reply.text("one two six ten ", chunks=4))  # pieces of equal length
    chunks = sse_chunks(stream_text(http, chat(max_tokens=2)))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "one two "
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] == "length"


def test_an_answer_within_max_tokens_is_left_whole(emulator: Emulator, http: httpx.Client) -> None:
    emulator.push(Reply.text("short", chunks=1))
    body = http.post("/chat/completions", json=chat(max_tokens=10)).json()
    assert body["choices"][0]["finish_reason"] == "stop"


def test_fim_at_the_plain_base_is_a_deepseek_shaped_404_naming_the_beta_path(
    http: httpx.Client,
) -> None:
    response = http.post("/completions", json={"model": "deepseek-flash", "prompt": "x"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert "/beta/completions" in error["message"]
    assert "DEEPSEEK_BETA_BASE_URL" in error["message"]
