"""DeepSeek behind a gateway or on a self-hosted server: where requests go, what they carry,
and reasoning that arrives under the name `reasoning` (OpenRouter, some vLLM builds)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from deepseek_ext_core import (
    AssistantMessage,
    ChatAccumulator,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    DeepSeekClient,
    FIMRequest,
    InvalidRequestError,
    Tool,
    ToolCall,
    ToolFunction,
    ToolMessage,
    UserMessage,
)
from deepseek_ext_core.integration import prepare_chat_request

from .core_support import call, call_chat, collect_stream, completion_body, make_client

FIM_BODY = {
    "id": "f1", "object": "text_completion", "created": 1, "model": "deepseek-chat",
    "choices": [{"index": 0, "text": "ok", "finish_reason": "stop"}],
}  # fmt: skip


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/completions") and "chat" not in request.url.path:
        return httpx.Response(200, json=FIM_BODY)
    return httpx.Response(200, json=completion_body())


def _recorder(seen: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _answer(request)

    return handler


def _strict_request() -> ChatRequest:
    tool = Tool(function=ToolFunction(name="f", parameters={"type": "object"}, strict=True))
    return ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")], tools=[tool])


def _prefix_request() -> ChatRequest:
    return ChatRequest(
        model="deepseek-flash",
        messages=[UserMessage("hi"), AssistantMessage(content="```", prefix=True)],
    )


FIM = FIMRequest(model="deepseek-chat", prompt="def f(")


async def _send_all_three(client: Any) -> None:
    await call_chat(client, _strict_request())
    await call_chat(client, _prefix_request())
    await call(client, "fim", FIM)


@pytest.mark.parametrize(
    ("base_url", "beta_base_url", "expected"),
    [
        # DeepSeek's own host: /beta at the origin, whichever documented base was set.
        ("https://api.deepseek.com/v1", None, "https://api.deepseek.com/beta"),
        # A gateway: the base as given, never <gateway>/beta, which it does not serve.
        ("https://gateway.example.com/v1", None, "https://gateway.example.com/v1"),
        ("http://127.0.0.1:8000/v1", None, "http://127.0.0.1:8000/v1"),
        # Named explicitly: used, on any host.
        (
            "https://gateway.example.com/v1",
            "https://gateway.example.com/deepseek-beta",
            "https://gateway.example.com/deepseek-beta",
        ),
        ("https://gateway.example.com/v1", "https://api.deepseek.com/beta/", "https://api.deepseek.com/beta"),
    ],
)  # fmt: skip
async def test_strict_prefix_and_fim_go_to_the_beta_root(
    mode: str, base_url: str, beta_base_url: str | None, expected: str
) -> None:
    seen: list[httpx.Request] = []
    client = make_client(mode, _recorder(seen), base_url=base_url, beta_base_url=beta_base_url)
    assert client.beta_base_url == expected
    await _send_all_three(client)
    urls = [str(request.url) for request in seen]
    assert urls == [
        f"{expected}/chat/completions",
        f"{expected}/chat/completions",
        f"{expected}/completions",
    ]


async def test_plain_chat_ignores_the_beta_base(mode: str) -> None:
    seen: list[httpx.Request] = []
    client = make_client(
        mode,
        _recorder(seen),
        base_url="https://gateway.example.com/v1",
        beta_base_url="https://gateway.example.com/beta",
    )
    await call_chat(client, ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")]))
    assert str(seen[0].url) == "https://gateway.example.com/v1/chat/completions"


def test_beta_base_url_is_checked_like_the_base_url() -> None:
    with pytest.raises(InvalidRequestError, match=r"beta_base_url.*allow_insecure_http=True"):
        DeepSeekClient(api_key="k", beta_base_url="http://gateway.internal/beta")
    with pytest.raises(InvalidRequestError, match="beta_base_url must be an http"):
        DeepSeekClient(api_key="k", beta_base_url="gateway/beta")


async def test_allow_insecure_http_reaches_a_plain_http_gateway(mode: str) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(InvalidRequestError, match=r"allow_insecure_http=True"):
        make_client(mode, _recorder(seen), base_url="http://gateway.internal:8000/v1")
    client = make_client(
        mode, _recorder(seen), base_url="http://gateway.internal:8000/v1", allow_insecure_http=True
    )
    await call_chat(client, ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")]))
    assert str(seen[0].url) == "http://gateway.internal:8000/v1/chat/completions"


async def test_default_query_and_the_base_urls_own_query_reach_every_request(mode: str) -> None:
    seen: list[httpx.Request] = []
    client = make_client(
        mode,
        _recorder(seen),
        base_url="https://example.services.ai.azure.com/models?api-version=2024-05-01-preview",
        default_query={"v": "1", "trace": True},
    )
    await call_chat(client, ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")]))
    await _send_all_three(client)
    for request in seen:
        assert request.url.path in ("/models/chat/completions", "/models/completions")
        assert dict(request.url.params) == {
            "api-version": "2024-05-01-preview",
            "v": "1",
            "trace": "true",
        }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps(
        {
            "id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-r1",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )  # fmt: skip


def test_reasoning_under_the_name_reasoning_is_kept_and_sent_back() -> None:
    message = {"role": "assistant", "content": "4", "reasoning": "2+2 is 4"}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    body = {**completion_body(), "choices": [choice]}
    completion = ChatCompletion.model_validate(body)
    assert completion.message.reasoning_content == "2+2 is 4"
    kept = completion.message.to_message()
    call_turn = AssistantMessage(
        content=None,
        reasoning_content=kept.reasoning_content,
        tool_calls=(ToolCall(id="t1", name="f", arguments="{}"),),
    )
    follow_up = ChatRequest(
        model="deepseek-flash",
        messages=[UserMessage("q"), call_turn, ToolMessage(tool_call_id="t1", content="x")],
        tools=[Tool(function=ToolFunction(name="f"))],
    )
    sent = prepare_chat_request(follow_up).body["messages"][1]
    assert sent["reasoning_content"] == "2+2 is 4"
    assert "reasoning" not in sent


async def test_streamed_reasoning_under_the_name_reasoning_is_accumulated(mode: str) -> None:
    events = [
        _chunk({"role": "assistant", "reasoning": "think "}),
        _chunk({"reasoning": "more"}),
        _chunk({"content": "answer"}, "stop"),
    ]
    body = "".join(f"data: {event}\n\n" for event in events) + "data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "text/event-stream"}
        )

    client = make_client(mode, handler, base_url="https://openrouter.ai/api/v1")
    request = ChatRequest(model="deepseek/deepseek-r1", messages=[UserMessage("q")])
    outcome = await collect_stream(client, request)
    assert outcome.error is None and outcome.completion is not None
    assert outcome.completion.message.reasoning_content == "think more"
    assert outcome.completion.message.content == "answer"
    accumulator = ChatAccumulator()
    for chunk in outcome.chunks:
        accumulator.add(chunk)
    assert accumulator.reasoning_content == "think more"


def test_reasoning_content_wins_when_both_names_arrive() -> None:
    chunk = ChatCompletionChunk.model_validate_json(
        _chunk({"reasoning_content": "deepseek's", "reasoning": "gateway's"})
    )
    assert chunk.choices[0].delta.reasoning_content == "deepseek's"
