"""DeepSeek's Responses API in the core: recorded answers and streams read back, the checks
before sending, the replay rules, and calls through the emulator (sync, async, streamed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deepseek_ext_core import (
    APIStatusError,
    AssistantMessage,
    AsyncDeepSeekClient,
    DeepSeekClient,
    InvalidConversationError,
    InvalidRequestError,
    LatestReminderMessage,
    StreamTruncatedError,
    ThinkingModeConflictError,
    ToolCall,
    ToolMessage,
    UserMessage,
    estimate_response_cost,
)
from deepseek_ext_core.responses import (
    Response,
    ResponsesRequest,
    prepare_responses_request,
    to_deepseek_json_schema,
)
from deepseek_ext_emulator import Emulator, Reply

from ..reference_traffic import reference_path

KEY = "test-key"
VERCEL = "vercel-ai/responses@9e71894e"
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": ["string", "null"]}},
    "required": ["city", "country"],
    "additionalProperties": False,
}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


# ---- recorded traffic ----------------------------------------------------------------------


def test_recorded_answers_read_back() -> None:
    text = Response.model_validate_json(reference_path(f"{VERCEL}/deepseek-json.json").read_bytes())
    assert json.loads(text.output_text) == {"location": "San Francisco", "temperature": 62.5}
    assert text.parsed()["location"] == "San Francisco"
    tool = Response.model_validate_json(
        reference_path(f"{VERCEL}/deepseek-tool-call.json").read_bytes()
    )
    assert tool.finish_reason == "tool_calls"
    assert [c["name"] for c in tool.function_calls] == ["weather"]
    assert tool.reasoning_text
    message = tool.to_message()
    assert message.tool_calls[0].id.startswith("call_")
    assert message.reasoning_content == tool.reasoning_text
    usage = tool.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.reasoning_tokens) == (296, 66, 22)
    assert estimate_response_cost(tool) is not None


def _sse_from(chunks_file: str, *, drop_last: bool = False) -> bytes:
    lines = [ln for ln in reference_path(chunks_file).read_text().splitlines() if ln.strip()]
    if drop_last:
        lines = lines[:-1]
    return b"".join(
        f"event: {json.loads(line)['type']}\ndata: {line}\n\n".encode() for line in lines
    )


def _replaying(body: bytes) -> DeepSeekClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/responses"
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return DeepSeekClient(api_key=KEY, base_url="https://api.deepseek.com", http_client=http)


@pytest.mark.parametrize("name", ["deepseek-reasoning", "deepseek-tool-call", "deepseek-text"])
def test_recorded_streams_decode_to_their_final_answer(name: str) -> None:
    client = _replaying(_sse_from(f"{VERCEL}/{name}.chunks.txt"))
    request = ResponsesRequest(model="deepseek-flash", input="hi", stream=True)
    with client.stream_responses(request) as stream:
        events = list(stream)
    final = stream.final_response()
    assert events[-1].terminal
    assert final.status == "completed"
    reasoning = "".join(e.reasoning for e in events)
    text = "".join(e.text for e in events)
    assert (final.reasoning_text or "") == reasoning
    assert final.output_text == text


def test_a_stream_without_its_final_event_is_truncated_and_keeps_what_came() -> None:
    client = _replaying(_sse_from(f"{VERCEL}/deepseek-reasoning.chunks.txt", drop_last=True))
    request = ResponsesRequest(model="deepseek-flash", input="hi", stream=True)
    with pytest.raises(StreamTruncatedError), client.stream_responses(request) as stream:
        for _ in stream:
            pass
    partial = stream.final_response()
    assert partial.status == "incomplete" and partial.reasoning_text


# ---- checks before sending -----------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        {"previous_response_id": "r1"},
        {"conversation": "c1"},
        {"store": True},
        {"background": True},
        {"include": ["reasoning.encrypted_content"]},
        {"truncation": "auto"},
        {"service_tier": "flex"},
    ],
    ids=lambda f: next(iter(f)),
)
def test_what_deepseek_would_silently_ignore_is_refused_by_name(field: dict[str, Any]) -> None:
    request = ResponsesRequest(model="deepseek-flash", input="hi", **field)
    with pytest.raises(InvalidRequestError, match=next(iter(field))):
        prepare_responses_request(request)
    # extra_body (LlamaIndex's additional_kwargs, LangChain's extra_body) is no way around it.
    hidden = ResponsesRequest(model="deepseek-flash", input="hi", extra_body=field)
    with pytest.raises(InvalidRequestError, match=next(iter(field))):
        prepare_responses_request(hidden)


def test_values_deepseek_follows_anyway_are_accepted() -> None:
    request = ResponsesRequest(
        model="deepseek-flash", input="hi", store=False, background=False, truncation="disabled"
    )
    body = prepare_responses_request(request).body
    assert body["store"] is False and body["input"] == "hi"


def test_a_forced_tool_turns_default_thinking_off_and_refuses_asked_thinking() -> None:
    tools = [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}]
    forced = {"type": "function", "name": "f"}
    body = prepare_responses_request(
        ResponsesRequest(model="deepseek-flash", input="x", tools=tools, tool_choice=forced)
    ).body
    assert body["reasoning"] == {"effort": "none"}
    with pytest.raises(ThinkingModeConflictError):
        prepare_responses_request(
            ResponsesRequest(
                model="deepseek-flash",
                input="x",
                tools=tools,
                tool_choice="required",
                reasoning={"effort": "high"},
            )
        )


def test_json_schema_is_written_in_deepseeks_subset() -> None:
    converted = to_deepseek_json_schema(SCHEMA)
    assert converted["properties"]["country"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    request = ResponsesRequest(
        model="deepseek-flash",
        input="x",
        text={"format": {"type": "json_schema", "name": "place", "schema": SCHEMA, "strict": True}},
    )
    sent = prepare_responses_request(request).body["text"]["format"]["schema"]
    assert "anyOf" in json.dumps(sent) and '["string", "null"]' not in json.dumps(sent)


def test_the_history_follows_the_replay_rules() -> None:
    turn = AssistantMessage(
        reasoning_content="Look both up.",
        tool_calls=(ToolCall("call_a", "f", "{}"), ToolCall("call_b", "g", "{}")),
    )
    history = [
        UserMessage("go"),
        turn,
        ToolMessage(content="A", tool_call_id="call_a"),
        ToolMessage(content="B", tool_call_id="call_b"),
    ]
    tools = [{"type": "function", "name": n} for n in ("f", "g")]
    body = prepare_responses_request(
        ResponsesRequest(model="deepseek-flash", input=history, tools=tools)
    ).body
    kinds = [item["type"] for item in body["input"]]
    # Reasoning first, the turn's calls together, then their outputs (never interleaved).
    assert kinds == ["message", "reasoning", "function_call", "function_call",
                     "function_call_output", "function_call_output"]  # fmt: skip
    with pytest.raises(InvalidConversationError, match="no tool result"):
        prepare_responses_request(
            ResponsesRequest(model="deepseek-flash", input=history[:3], tools=tools)
        )
    without_reasoning = AssistantMessage(tool_calls=(ToolCall("c", "f", "{}"),))
    with pytest.raises(InvalidConversationError, match="no reasoning to pass back"):
        prepare_responses_request(
            ResponsesRequest(
                model="deepseek-flash",
                input=[UserMessage("go"), without_reasoning, ToolMessage("x", "c")],
                tools=tools,
            )
        )
    with pytest.raises(InvalidRequestError, match="latest_reminder"):
        prepare_responses_request(
            ResponsesRequest(
                model="deepseek-flash",
                input=[LatestReminderMessage("2026-12-07,Monday,Paris,web,en"), UserMessage("hi")],
            )
        )


# ---- through the emulator ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["call", "stream", "acall", "astream"])
async def test_native_json_schema_output_in_thinking_mode(emulator: Emulator, mode: str) -> None:
    emulator.push(Reply.json({"city": "Tokyo", "country": "Japan"}, reasoning="Tokyo, Japan."))
    request = ResponsesRequest(
        model="deepseek-v4-pro",
        input=[UserMessage("Capital of Japan?")],
        text={"format": {"type": "json_schema", "name": "place", "schema": SCHEMA, "strict": True}},
    )
    answer = await _answer(emulator, request, mode)
    assert answer.parsed() == {"city": "Tokyo", "country": "Japan"}
    assert answer.reasoning_text == "Tokyo, Japan."
    assert answer.usage is not None and answer.usage.reasoning_tokens > 0
    sent = emulator.last_request.body
    assert sent["text"]["format"]["type"] == "json_schema" and "reasoning" not in sent


async def _answer(emulator: Emulator, request: ResponsesRequest, mode: str) -> Response:
    if mode in ("call", "stream"):
        with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
            if mode == "call":
                return client.responses(request)
            with client.stream_responses(request) as stream:
                list(stream)
            return stream.final_response()
    async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as aclient:
        if mode == "acall":
            return await aclient.responses(request)
        async with await aclient.stream_responses(request) as astream:
            async for _ in astream:
                pass
        return astream.final_response()


def test_a_thinking_tool_loop_over_three_rounds_meets_no_400(emulator: Emulator) -> None:
    parameters = {"type": "object", "properties": {"q": {"type": "string"}}}
    tools = [{"type": "function", "name": "lookup.city", "parameters": parameters}]
    for n in range(3):
        emulator.push(Reply.tool_calls([("lookup_city", {"q": f"q{n}"})], reasoning=f"Round {n}."))
    emulator.push(Reply.text("Done.", reasoning="All looked up."))
    history: list[Any] = [UserMessage("Look three things up.")]
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        for _ in range(4):
            answer = client.responses(
                ResponsesRequest(model="deepseek-v4-pro", input=history, tools=tools)
            )
            message = answer.to_message()
            history.append(message)
            if not message.tool_calls:
                break
            assert message.tool_calls[0].name == "lookup.city"  # the original name, back
            history += [ToolMessage("ok", call.id) for call in message.tool_calls]
    assert answer.output_text == "Done."
    assert emulator.last_request.body["tools"][0]["name"] == "lookup_city"


def test_the_emulator_refuses_what_deepseek_refuses(emulator: Emulator) -> None:
    call = {"type": "function_call", "call_id": "call_a", "name": "f", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": "call_a", "output": "x"}
    reasoning = {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "r"}]}
    tools = [{"type": "function", "name": "f"}, {"type": "function", "name": "g"}]
    call_b = {**call, "call_id": "call_b", "name": "g"}
    output_b = {**output, "call_id": "call_b"}
    cases: dict[int, list[list[dict[str, Any]]]] = {
        400: [
            [call, output],  # thinking, no reasoning passed back
            [reasoning, call, reasoning, call_b, output, output_b],  # interleaved
        ],
        422: [[reasoning, call, {"type": "function_call_output", "output": "x"}]],
    }
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url, max_retries=0) as client:
        for status, inputs in cases.items():
            for items in inputs:
                with pytest.raises(APIStatusError) as caught:
                    client.responses(
                        ResponsesRequest(model="deepseek-v4-pro", input=items, tools=tools)
                    )
                assert caught.value.status_code == status
        fine = [reasoning, call, call_b, output, output_b]
        assert client.responses(ResponsesRequest(model="deepseek-v4-pro", input=fine, tools=tools))
