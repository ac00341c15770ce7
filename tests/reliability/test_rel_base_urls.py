"""DeepSeek's own host reached through any of its documented base URLs, from both adapters.

DeepSeek documents `https://api.deepseek.com`, `.../v1` (langchain-deepseek's default, which
migrating users carry over) and `.../beta` (what its FIM and prefix guides use). Whichever a user
sets, chat goes to `/chat/completions` and FIM, prefix completion and strict tools to
`/beta/...` on DeepSeek's root: never `/v1/beta/...` or `/beta/beta/...`, which answer 404.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from llama_index.core.base.llms.types import ChatMessage

from langchain_deepseek_ext import ChatDeepSeek
from langchain_deepseek_ext import DeepSeekFIM as LangChainFIM
from llamaindex_deepseek_ext import DeepSeek
from llamaindex_deepseek_ext import DeepSeekFIM as LlamaIndexFIM

from ._tally import TALLY

BASES = [
    "https://api.deepseek.com",
    "https://api.deepseek.com/",
    "https://api.deepseek.com/v1",
    "https://api.deepseek.com/v1/",
    "https://api.deepseek.com/beta",
    "https://api.deepseek.com/beta/",
]
CHAT = {
    "id": "c1", "object": "chat.completion", "created": 1, "model": "deepseek-chat",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}  # fmt: skip
FIM = {
    "id": "f1", "object": "text_completion", "created": 1, "model": "deepseek-chat",
    "choices": [{"index": 0, "text": "ok", "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}  # fmt: skip


def _respond(paths: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        body = (
            FIM
            if request.url.path.endswith("/completions") and "chat" not in str(request.url)
            else CHAT
        )
        if json.loads(request.content).get("stream"):
            chunk = {**body, "object": "chat.completion.chunk"}
            if body is CHAT:
                chunk["choices"] = [
                    {"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}
                ]
            events = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
            return httpx.Response(200, text=events, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=body)

    return handle


def _clients(paths: list[str]) -> tuple[httpx.Client, httpx.AsyncClient]:
    transport = httpx.MockTransport(_respond(paths))
    return httpx.Client(transport=transport), httpx.AsyncClient(transport=transport)


STRICT_TOOL = {
    "type": "function",
    "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
}


def _langchain(kind: str, base: str, mode: str, paths: list[str]) -> Any:
    sync, asyn = _clients(paths)
    options: dict[str, Any] = {
        "api_key": "sk-test", "base_url": base, "http_client": sync, "http_async_client": asyn,
    }  # fmt: skip
    if kind == "fim":
        fim = LangChainFIM(**options)
        return fim.invoke("a", suffix="b") if mode == "sync" else asyncio.run(fim.ainvoke("a"))
    chat: Any = ChatDeepSeek(model="deepseek-chat", **options)
    messages: list[Any] = [HumanMessage("hi")]
    if kind == "prefix":
        messages.append(AIMessage("```python\n", additional_kwargs={"prefix": True}))
    if kind == "strict":
        chat = chat.bind_tools([STRICT_TOOL], strict=True)
    if mode == "stream":
        return list(chat.stream(messages))
    return chat.invoke(messages) if mode == "sync" else asyncio.run(chat.ainvoke(messages))


def _llamaindex(kind: str, base: str, mode: str, paths: list[str]) -> Any:
    sync, asyn = _clients(paths)
    options: dict[str, Any] = {
        "api_key": "sk-test", "api_base": base, "http_client": sync, "async_http_client": asyn,
    }  # fmt: skip
    if kind == "fim":
        fim = LlamaIndexFIM(**options)
        return fim.complete("a") if mode == "sync" else asyncio.run(fim.acomplete("a"))
    llm = DeepSeek(model="deepseek-chat", **options)
    messages = [ChatMessage(role="user", content="hi")]
    if kind == "prefix":
        messages.append(
            ChatMessage(role="assistant", content="x", additional_kwargs={"prefix": True})
        )
    if mode == "stream":
        return list(llm.stream_chat(messages))
    return llm.chat(messages) if mode == "sync" else asyncio.run(llm.achat(messages))


EXPECTED = {
    "chat": "/chat/completions",
    "prefix": "/beta/chat/completions",
    "strict": "/beta/chat/completions",
    "fim": "/beta/completions",
}
CASES = [
    (surface, kind, mode)
    for surface in ("langchain", "llamaindex")
    for kind in EXPECTED
    for mode in ("sync", "async", "stream")
    if not (surface == "llamaindex" and kind == "strict")  # LlamaIndex has no strict tools
    if not (kind == "fim" and mode == "stream")
]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(("surface", "kind", "mode"), CASES)
def test_every_endpoint_is_reached_from_every_documented_base(
    base: str, surface: str, kind: str, mode: str
) -> None:
    paths: list[str] = []
    run = _langchain if surface == "langchain" else _llamaindex
    run(kind, base, mode, paths)
    assert paths == [EXPECTED[kind]]
    TALLY.real_use("DeepSeek base URL aliases")


def test_a_custom_base_is_left_as_it_is() -> None:
    # A gateway or a self-hosted server: its own path prefix stays in front of every request.
    paths: list[str] = []
    _langchain("chat", "https://gateway.example.com/deepseek/v1", "sync", paths)
    assert paths == ["/deepseek/v1/chat/completions"]
