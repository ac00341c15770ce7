"""Helpers shared by the core unit tests: wire builders and clients over `httpx.MockTransport`.

Sync and async tests go through one parametrized `mode`; the helpers here hide the only
difference (which client is built and whether the call is awaited).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    DeepSeekClient,
    DeepSeekError,
    UserMessage,
)

MODES = ("sync", "async")
BASE_URL = "https://api.deepseek.com"


def fake_key() -> str:
    """A key shaped like DeepSeek's (`sk-` + 32 hex), made at run time so no literal looks real."""
    return "sk-" + secrets.token_hex(16)


def chunk(
    delta: dict[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = None,
    choices: bool = True,
    logprobs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One chat chunk as DeepSeek sends it (docs/deepseek-api.md §4.2)."""
    body: dict[str, Any] = {
        "id": "0b5e2c1e-5b7e-4a42-9f3a-2f1d7f0c2a11",
        "object": "chat.completion.chunk",
        "created": 1781233924,
        "model": "deepseek-flash",
        "system_fingerprint": "a26a7955944dc5c60445bff77fac9c8e",
        "choices": [],
        "usage": usage,
    }
    if choices:
        body["choices"] = [
            {
                "index": 0,
                "delta": delta or {},
                "logprobs": logprobs,
                "finish_reason": finish_reason,
            }
        ]
    return body


def parse_chunks(bodies: Sequence[dict[str, Any]]) -> list[ChatCompletionChunk]:
    return [ChatCompletionChunk.model_validate(body) for body in bodies]


def sse(bodies: Sequence[dict[str, Any] | str], *, done: bool = True) -> bytes:
    """SSE framing for chunk bodies (dicts) or raw payload strings."""
    out = [
        "data: " + (b if isinstance(b, str) else json.dumps(b, ensure_ascii=False)) + "\n\n"
        for b in bodies
    ]
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode("utf-8")


USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 5,
    "total_tokens": 17,
    "prompt_tokens_details": {"cached_tokens": 0},
    "prompt_cache_hit_tokens": 0,
    "prompt_cache_miss_tokens": 12,
}

TEXT_STREAM: list[dict[str, Any]] = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hel"}),
    chunk({"content": "lo"}),
    chunk({"content": ""}, finish_reason="stop", usage=USAGE),
]


def completion_body(
    content: str | None = "Hello",
    *,
    finish_reason: str = "stop",
    reasoning: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    return {
        "id": "70411db8-f224-41b2-930f-31e9d86e7745",
        "object": "chat.completion",
        "created": 1791284171,
        "model": "deepseek-flash",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": USAGE,
        "system_fingerprint": "aeb56401ca74e127821c4f9126dcb669",
    }


def simple_request(**kwargs: Any) -> ChatRequest:
    return ChatRequest(model="deepseek-flash", messages=[UserMessage("Hello")], **kwargs)


def byte_stream(
    mode: str, parts: Sequence[bytes], error: BaseException | None = None
) -> Iterator[bytes] | AsyncIterator[bytes]:
    """A response body that yields `parts`, then raises `error` if given."""
    if mode == "sync":

        def sync_gen() -> Iterator[bytes]:
            yield from parts
            if error is not None:
                raise error

        return sync_gen()

    async def async_gen() -> AsyncIterator[bytes]:
        for part in parts:
            yield part
        if error is not None:
            raise error

    return async_gen()


def make_client(
    mode: str, handler: Callable[[httpx.Request], Any], **kwargs: Any
) -> DeepSeekClient | AsyncDeepSeekClient:
    kwargs.setdefault("api_key", fake_key())
    kwargs.setdefault("base_url", BASE_URL)
    transport = httpx.MockTransport(handler)
    if mode == "sync":
        return DeepSeekClient(http_client=httpx.Client(transport=transport), **kwargs)
    return AsyncDeepSeekClient(http_client=httpx.AsyncClient(transport=transport), **kwargs)


async def call_chat(client: DeepSeekClient | AsyncDeepSeekClient, request: ChatRequest) -> Any:
    if isinstance(client, DeepSeekClient):
        return client.chat(request)
    return await client.chat(request)


async def call(client: DeepSeekClient | AsyncDeepSeekClient, method: str, *args: Any) -> Any:
    """`client.<method>(*args)`, awaited when the client is async."""
    result = getattr(client, method)(*args)
    if isinstance(client, AsyncDeepSeekClient):
        result = await result
    return result


@dataclass
class StreamOutcome:
    chunks: list[ChatCompletionChunk]
    error: DeepSeekError | None
    completion: ChatCompletion | None


async def collect_stream(
    client: DeepSeekClient | AsyncDeepSeekClient, request: ChatRequest
) -> StreamOutcome:
    """Iterates a chat stream to its end, keeping what was delivered and the error, if any."""
    got: list[ChatCompletionChunk] = []
    completion = None
    try:
        if isinstance(client, DeepSeekClient):
            with client.stream_chat(request) as stream:
                try:
                    for item in stream:
                        got.append(item)
                finally:
                    completion = stream.completion()
        else:
            async with await client.stream_chat(request) as astream:
                try:
                    async for aitem in astream:
                        got.append(aitem)
                finally:
                    completion = astream.completion()
    except DeepSeekError as exc:
        return StreamOutcome(got, exc, completion)
    return StreamOutcome(got, None, completion)


async def close_client(client: DeepSeekClient | AsyncDeepSeekClient) -> None:
    if isinstance(client, DeepSeekClient):
        client.close()
    else:
        await client.aclose()
