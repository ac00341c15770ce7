"""DeepSeek behind a gateway (OpenRouter, Azure AI Foundry, LiteLLM, a company proxy) or on a
self-hosted vLLM or SGLang server, through both adapters, over an httpx mock.

One scenario per thing such a user meets: a plain-http gateway on the company network; strict
tools, prefix completion and FIM on a base that has no `/beta`, and on one whose beta base is
named; reasoning that arrives as `reasoning`, in answers and in streams, and goes back as
`reasoning_content` on the next tool turn.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.tools import FunctionTool

from deepseek_ext_core import InvalidRequestError
from langchain_deepseek_ext import ChatDeepSeek
from langchain_deepseek_ext import DeepSeekFIM as LangChainFIM
from llamaindex_deepseek_ext import DeepSeek
from llamaindex_deepseek_ext import DeepSeekFIM as LlamaIndexFIM

from ..wire import Answer, Wire
from ._tally import TALLY

GATEWAY = "http://gateway.internal:8000/v1"
FIM_BODY = {
    "id": "f1", "object": "text_completion", "created": 1, "model": "deepseek-chat",
    "choices": [{"index": 0, "text": "ok", "finish_reason": "stop"}],
}  # fmt: skip


class FimWire(Wire):
    """A `Wire` that answers completions requests as FIM."""

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            self.requests.append(request)
            return httpx.Response(200, json=FIM_BODY)
        return super()._handle(request)


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


STRICT_TOOL = {
    "type": "function",
    "function": {"name": "add", "description": "Add.", "parameters": {"type": "object"}},
}


# ---- a plain-http gateway -----------------------------------------------------------------------


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_a_plain_http_gateway_is_refused_until_allowed(surface: str) -> None:
    wire = Wire()
    if surface == "langchain":
        refused: Any = ChatDeepSeek(
            model="deepseek-chat", api_key="k", base_url=GATEWAY, **wire.langchain()
        )
        allowed: Any = ChatDeepSeek(
            model="deepseek-chat",
            api_key="k",
            base_url=GATEWAY,
            allow_insecure_http=True,
            **wire.langchain(),
        )
        call: Callable[[Any], Any] = lambda model: model.invoke("hi")  # noqa: E731
    else:
        refused = DeepSeek(
            model="deepseek-chat", api_key="k", api_base=GATEWAY, **wire.llamaindex()
        )
        allowed = DeepSeek(
            model="deepseek-chat",
            api_key="k",
            api_base=GATEWAY,
            allow_insecure_http=True,
            **wire.llamaindex(),
        )
        call = lambda model: model.chat([ChatMessage(role="user", content="hi")])  # noqa: E731
    with pytest.raises(InvalidRequestError, match="allow_insecure_http=True"):
        call(refused)
    assert wire.requests == []
    call(allowed)
    assert wire.url == f"{GATEWAY}/chat/completions"
    TALLY.real_use("gateways and self-hosted servers")


# ---- beta features on a base without /beta ------------------------------------------------------


def _langchain_beta_calls(base: str, beta: str | None, wire: FimWire) -> None:
    options: dict[str, Any] = {
        "api_key": "k",
        "base_url": base,
        "beta_base_url": beta,
        **wire.langchain(),
    }
    chat = ChatDeepSeek(model="deepseek-chat", **options)
    chat.bind_tools([STRICT_TOOL], strict=True).invoke("hi")
    chat.invoke([HumanMessage("hi"), AIMessage("```", additional_kwargs={"prefix": True})])
    LangChainFIM(**options).invoke("def f(", suffix=")")


def _llamaindex_beta_calls(base: str, beta: str | None, wire: FimWire) -> None:
    options: dict[str, Any] = {
        "api_key": "k",
        "api_base": base,
        "beta_base_url": beta,
        **wire.llamaindex(),
    }
    llm = DeepSeek(model="deepseek-chat", strict=True, **options)
    llm.chat_with_tools([FunctionTool.from_defaults(add)], user_msg="1+1")
    prefix = ChatMessage(role="assistant", content="```", additional_kwargs={"prefix": True})
    llm.chat([ChatMessage(role="user", content="hi"), prefix])
    LlamaIndexFIM(**options).complete("def f(", suffix=")")


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
@pytest.mark.parametrize(
    ("base", "beta", "expected"),
    [
        ("http://127.0.0.1:8000/v1", None, "http://127.0.0.1:8000/v1"),
        ("https://openrouter.ai/api/v1", None, "https://openrouter.ai/api/v1"),
        ("https://litellm.example/v1", "https://litellm.example/deepseek-beta", "https://litellm.example/deepseek-beta"),
        ("https://api.deepseek.com/v1", None, "https://api.deepseek.com/beta"),
    ],
)  # fmt: skip
def test_strict_prefix_and_fim_go_to_the_base_as_given_or_to_the_named_beta_base(
    surface: str, base: str, beta: str | None, expected: str
) -> None:
    wire = FimWire()
    run = _langchain_beta_calls if surface == "langchain" else _llamaindex_beta_calls
    run(base, beta, wire)
    assert [str(r.url) for r in wire.requests] == [
        f"{expected}/chat/completions",
        f"{expected}/chat/completions",
        f"{expected}/completions",
    ]
    assert json.loads(wire.requests[1].content)["messages"][-1]["prefix"] is True
    TALLY.real_use("gateways and self-hosted servers")


# ---- reasoning named `reasoning` ----------------------------------------------------------------


def _tool_call() -> dict[str, Any]:
    return {
        "id": "call_1",
        "type": "function",
        "function": {"name": "add", "arguments": '{"a": 1, "b": 1}'},
    }


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
def test_langchain_keeps_reasoning_named_reasoning_and_sends_it_back(mode: str) -> None:
    wire = Wire(
        Answer(
            content="", reasoning="add them", reasoning_key="reasoning", tool_calls=[_tool_call()]
        ),
        Answer(),
    )
    chat = ChatDeepSeek(
        model="deepseek/deepseek-r1",
        api_key="k",
        base_url="https://openrouter.ai/api/v1",
        **wire.langchain(),
    ).bind_tools([add])
    question = [HumanMessage("1+1?")]
    if mode == "invoke":
        message: Any = chat.invoke(question)
    elif mode == "ainvoke":
        message = asyncio.run(chat.ainvoke(question))
    else:
        chunks = (
            list(chat.stream(question))
            if mode == "stream"
            else asyncio.run(_collect(chat, question))
        )
        message = chunks[0]
        for chunk in chunks[1:]:
            message += chunk
    assert message.additional_kwargs["reasoning_content"] == "add them"
    chat.invoke([*question, message, ToolMessage("2", tool_call_id="call_1")])
    turn = json.loads(wire.last.content)["messages"][1]
    assert turn["reasoning_content"] == "add them"
    assert "reasoning" not in turn
    TALLY.real_use("gateways and self-hosted servers")


async def _collect(chat: Any, question: Any) -> list[Any]:
    return [chunk async for chunk in chat.astream(question)]


@pytest.mark.parametrize("mode", ["chat", "achat", "stream_chat", "astream_chat"])
def test_llamaindex_keeps_reasoning_named_reasoning_and_sends_it_back(mode: str) -> None:
    wire = Wire(
        Answer(
            content="", reasoning="add them", reasoning_key="reasoning", tool_calls=[_tool_call()]
        ),
        Answer(),
    )
    llm = DeepSeek(
        model="deepseek/deepseek-r1",
        api_key="k",
        api_base="https://openrouter.ai/api/v1",
        **wire.llamaindex(),
    )
    tool = FunctionTool.from_defaults(add)
    question = ChatMessage(role="user", content="1+1?")
    if mode == "chat":
        response: Any = llm.chat_with_tools([tool], chat_history=[question])
    elif mode == "achat":
        response = asyncio.run(llm.achat_with_tools([tool], chat_history=[question]))
    elif mode == "stream_chat":
        response = list(llm.stream_chat_with_tools([tool], chat_history=[question]))[-1]
    else:
        response = asyncio.run(_last(llm, tool, question))
    thinking = [b.content for b in response.message.blocks if type(b).__name__ == "ThinkingBlock"]
    assert thinking == ["add them"]
    result = ChatMessage(role="tool", content="2", additional_kwargs={"tool_call_id": "call_1"})
    llm.chat_with_tools([tool], chat_history=[question, response.message, result])
    turn = json.loads(wire.last.content)["messages"][1]
    assert turn["reasoning_content"] == "add them"
    TALLY.real_use("gateways and self-hosted servers")


async def _last(llm: DeepSeek, tool: Any, question: ChatMessage) -> Any:
    responses = [
        r async for r in await llm.astream_chat_with_tools([tool], chat_history=[question])
    ]
    return responses[-1]
