"""The emulator's bytes against real recorded DeepSeek traffic, field by field."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from deepseek_ext_emulator import Emulator, Reply

from .emu_ref import (
    chat,
    chunk_lines,
    client,
    first_of_each_phase,
    phases,
    ref,
    ruby_interaction,
    shape,
    sse_chunks,
    stream_text,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
TOOL_ID = re.compile(r"^call_\d\d_[A-Za-z0-9]{24}$")


@pytest.fixture
def http(deepseek_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(deepseek_emulator.base_url) as c:
        yield c


def test_non_stream_thinking_matches_ruby_llm_effort_high(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    request, body, _ = ruby_interaction(
        "ruby_llm/chat_deepseek_thinking_control_returns_reasoning_content_for_effort_high.yml"
    )
    real = json.loads(body)
    deepseek_emulator.push(Reply.text("4", reasoning="We need answer simple. 2+2=4."))
    ours = http.post("/chat/completions", json=request).json()
    assert shape(ours) == shape(real)
    assert list(ours["usage"]) == list(real["usage"])
    assert UUID4.match(ours["id"])
    assert HEX32.match(ours["system_fingerprint"])
    assert ours["model"] == "deepseek-flash"  # deepseek-v4-flash is an alias now
    assert ours["object"] == "chat.completion"
    assert ours["choices"][0]["logprobs"] is None


@pytest.mark.parametrize(
    ("reference", "model", "reply"),
    [
        ("vercel-ai/chat@9e71894e/deepseek-text.json", "deepseek-chat", Reply.text("Hello")),
        (
            "vercel-ai/chat@9e71894e/deepseek-reasoning.json",
            "deepseek-reasoner",
            Reply.text("3", reasoning="count"),
        ),
        ("vercel-ai/chat@9e71894e/deepseek-json.json", "deepseek-v4-flash", Reply.json({"a": 1})),
        (
            "vercel-ai/chat@9e71894e/deepseek-tool-call.json",
            "deepseek-v4-flash",
            Reply.tool_calls([("weather", {"location": "SF"})], reasoning="call it"),
        ),
        (
            "vercel-ai/other-commits/issue-19381-thinking-reasoning.json",
            "deepseek-v4-pro",
            Reply.text("", reasoning="long", finish_reason="length"),
        ),
    ],
)
def test_non_stream_bodies_match_vercel_fixtures(
    deepseek_emulator: Emulator, http: httpx.Client, reference: str, model: str, reply: Reply
) -> None:
    real = json.loads(ref(reference).read_text())
    deepseek_emulator.push(reply)
    ours = http.post("/chat/completions", json=chat(model)).json()
    assert shape(ours) == shape(real)
    assert ours["choices"][0]["finish_reason"] == real["choices"][0]["finish_reason"]
    for call in ours["choices"][0]["message"].get("tool_calls", []):
        assert TOOL_ID.match(call["id"])


def test_non_stream_logprobs_match_issue_19377(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    real = json.loads(ref("vercel-ai/other-commits/issue-19377-logprobs.json").read_text())
    deepseek_emulator.push(Reply.text("OK", chunks=1))
    body = chat("deepseek-chat", logprobs=True, top_logprobs=1)
    ours = http.post("/chat/completions", json=body).json()
    assert shape(ours) == shape(real)
    assert ours["choices"][0]["logprobs"]["content"][0]["bytes"] == [79, 75]


def _compare_stream(real: list[dict], ours: list[dict]) -> None:
    assert phases(ours) == phases(real)
    assert first_of_each_phase(ours) == first_of_each_phase(real)
    assert len({c["id"] for c in ours}) == 1 and len({c["created"] for c in ours}) == 1
    assert list(ours[-1]["usage"]) == list(real[-1]["usage"])


@pytest.mark.parametrize(
    ("reference", "model", "reply", "include_usage"),
    [
        (
            "vercel-ai/chat@9e71894e/deepseek-reasoning.chunks.txt",
            "deepseek-v4-flash",
            Reply.text("There are 3", reasoning="We need answer"),
            True,
        ),
        (
            "vercel-ai/chat@9e71894e/deepseek-text.chunks.txt",
            "deepseek-chat",
            Reply.text("Introducing Lumina"),
            True,
        ),
        (
            "vercel-ai/chat@9e71894e/deepseek-tool-call.chunks.txt",
            "deepseek-v4-flash",
            Reply.tool_calls([("weather", {"location": "San Francisco"})], reasoning="The user"),
            True,
        ),
        (
            "vercel-ai/other-commits/issue-19381-thinking-reasoning.chunks.txt",
            "deepseek-v4-pro",
            Reply.text("", reasoning="think think", finish_reason="length"),
            True,
        ),
    ],
)
def test_streams_match_vercel_chunk_files(
    deepseek_emulator: Emulator,
    http: httpx.Client,
    reference: str,
    model: str,
    reply: Reply,
    include_usage: bool,
) -> None:
    real = chunk_lines(reference)
    deepseek_emulator.push(reply)
    body = chat(model, stream_options={"include_usage": include_usage})
    text = stream_text(http, body)
    assert text.endswith("data: [DONE]\n\n")
    _compare_stream(real, sse_chunks(text))


def test_stream_without_include_usage_matches_prism_reasoning(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    # prism 2025-07: no stream_options, so intermediate chunks have NO usage key.
    real = sse_chunks(ref("prism/stream-with-reasoning-1.sse").read_text())
    deepseek_emulator.push(Reply.text("Answer here", reasoning="First, the user asked"))
    ours = sse_chunks(stream_text(http, chat("deepseek-reasoner")))
    _compare_stream(real, ours)
    assert "usage" not in ours[1] and "usage" in ours[-1]


def test_parallel_tool_stream_matches_prism(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    real = sse_chunks(ref("prism/stream-with-tools-1.sse").read_text())
    deepseek_emulator.push(
        Reply.tool_calls(
            [
                ("search", {"query": "Detroit Tigers game time today"}),
                ("get_weather", {"city": "Detroit"}),
            ]
        )
    )
    ours = sse_chunks(stream_text(http, chat("deepseek-chat")))
    _compare_stream(real, ours)
    firsts = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in ours
        if "tool_calls" in c["choices"][0]["delta"]
    ]
    assert [f["index"] for f in firsts if "id" in f] == [0, 1]
    for fragment in firsts:
        assert ("id" in fragment) == ("type" in fragment) == ("name" in fragment["function"])
    args = {0: "", 1: ""}
    for fragment in firsts:
        args[fragment["index"]] += fragment["function"]["arguments"]
    assert json.loads(args[0]) == {"query": "Detroit Tigers game time today"}
    assert json.loads(args[1]) == {"city": "Detroit"}


def test_v4_thinking_stream_matches_ruby_llm(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    request, body, _ = ruby_interaction(
        "ruby_llm/chat_with_extended_thinking_deepseek_deepseek-reasoner_streams_thinking_content_when_available.yml"
    )
    real = sse_chunks(body.decode())
    deepseek_emulator.push(Reply.text("Done — yes", reasoning="Let me think about it"))
    ours = sse_chunks(stream_text(http, request))
    _compare_stream(real, ours)


def test_stream_logprobs_match_issue_19377(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    real = chunk_lines("vercel-ai/other-commits/issue-19377-logprobs.chunks.txt")[:3]
    deepseek_emulator.push(Reply.text("OK", chunks=1))
    body = chat(
        "deepseek-chat", logprobs=True, top_logprobs=1, stream_options={"include_usage": True}
    )
    ours = sse_chunks(stream_text(http, body))
    assert [shape(c) for c in ours] == [shape(c) for c in real]


def test_response_headers_match_recorded_ones(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    _, _, json_headers = ruby_interaction(
        "ruby_llm/chat_deepseek_thinking_control_returns_reasoning_content_for_effort_high.yml"
    )
    _, _, sse_headers = ruby_interaction(
        "ruby_llm/chat_streaming_responses_deepseek_deepseek-chat_supports_streaming_responses.yml"
    )
    wanted = {
        "content-type",
        "connection",
        "vary",
        "access-control-allow-credentials",
        "x-ds-trace-id",
        "strict-transport-security",
        "x-content-type-options",
        "server",
    }
    response = http.post("/chat/completions", json=chat())
    assert {k.lower() for k in json_headers} >= wanted
    assert set(response.headers) >= wanted
    assert response.headers["content-type"] == json_headers["Content-Type"]
    assert response.headers["content-length"] == str(len(response.content))
    assert HEX32.match(response.headers["x-ds-trace-id"])
    with http.stream("POST", "/chat/completions", json=chat(stream=True)) as streamed:
        assert streamed.headers["content-type"] == sse_headers["Content-Type"]
        assert streamed.headers["cache-control"] == sse_headers["Cache-Control"]
        assert streamed.headers["transfer-encoding"] == "chunked"
        streamed.read()


def test_auth_error_body_is_byte_identical_to_recording() -> None:
    _, body, headers = ruby_interaction(
        "ruby_llm/chat_error_handling_with_deepseek_deepseek-chat_raises_appropriate_auth_error.yml"
    )
    with Emulator(api_key="the-real-one") as emu, client(emu.base_url) as c:
        response = c.post("/chat/completions", json=chat("deepseek-chat"))  # sends "test-key"
    assert response.status_code == 401
    assert response.content == body
    assert response.headers["content-type"] == headers["Content-Type"]


def test_insufficient_balance_body_matches_issue_quote(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    quoted = ref("issue-logs/errors_quoted_in_github_issues.md").read_text()
    expected = re.search(r'\{"error":\{"message":"Insufficient Balance".*\}\}', quoted)
    assert expected is not None
    deepseek_emulator.balance_exhausted = True
    response = http.post("/chat/completions", json=chat())
    assert response.status_code == 402
    assert response.text == expected.group(0)
