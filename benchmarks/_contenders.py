"""Every contender as one object per base URL, with the same four operations.

`call()` one non-streaming chat call; `acall()` its async twin; `stream()` one whole streamed
answer, consumed the way a user of that API consumes it; `astream()` its async twin. Each
returns what the user keeps (the text, the final message), so nothing is optimised away. A
contender lacking an operation simply has no such method. Frameworks are imported inside the
factories, so a subprocess that measures one contender imports only that contender's packages.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _floors import KEY, MODEL, SYSTEM, USER, RawHttpx, make_langchain_floor, make_llamaindex_floor

FLOOR, OURS, ANCHOR = "floor", "ours", "anchor"


@dataclass(frozen=True)
class Contender:
    name: str
    kind: str
    """`floor`, `ours` or `anchor`."""
    make: Callable[[str], Any]
    """Builds the client for one base URL (a route of the benchmark server)."""
    requires: str = ""
    """A module that must be importable, else the contender is skipped with a note."""

    def available(self) -> bool:
        if not self.requires:
            return True
        try:
            return importlib.util.find_spec(self.requires) is not None
        except ModuleNotFoundError:  # a dotted name whose parent package is missing
            return False


class _Core:
    """The core client, sync and async, as its own users call it."""

    def __init__(self, base_url: str) -> None:
        import deepseek_ext_core as core

        self.core = core  # names resolved here, not per call: the floors import nothing per call
        self.client = core.DeepSeekClient(api_key=KEY, base_url=base_url)
        self.aclient = core.AsyncDeepSeekClient(api_key=KEY, base_url=base_url)

    def _request(self) -> Any:
        core = self.core
        return core.ChatRequest(
            model=MODEL, messages=[core.SystemMessage(SYSTEM), core.UserMessage(USER)]
        )

    def call(self) -> str | None:
        return self.client.chat(self._request()).message.content

    async def acall(self) -> str | None:
        return (await self.aclient.chat(self._request())).message.content

    def stream(self) -> Any:
        with self.client.stream_chat(self._request()) as stream:
            for _chunk in stream:
                pass
            return stream.completion()

    async def astream(self) -> Any:
        async with await self.aclient.stream_chat(self._request()) as stream:
            async for _chunk in stream:
                pass
            return stream.completion()


class _LangChain:
    """Any LangChain chat model: `invoke`, `ainvoke`, `stream` (chunks read, last one kept)."""

    def __init__(self, model: Any) -> None:
        from langchain_core.messages import HumanMessage, SystemMessage

        self.model = model
        self.messages = [SystemMessage(SYSTEM), HumanMessage(USER)]

    def call(self) -> Any:
        return self.model.invoke(self.messages)

    async def acall(self) -> Any:
        return await self.model.ainvoke(self.messages)

    def stream(self) -> Any:
        last = None
        for last in self.model.stream(self.messages):  # noqa: B007 (the last chunk is kept)
            pass
        return last


class _LlamaIndex:
    """Any LlamaIndex LLM: `chat`, `achat`, `stream_chat` (the last, cumulative response kept)."""

    def __init__(self, llm: Any) -> None:
        from llama_index.core.base.llms.types import ChatMessage

        self.llm = llm
        self.messages = [
            ChatMessage(role="system", content=SYSTEM),
            ChatMessage(role="user", content=USER),
        ]

    def call(self) -> Any:
        return self.llm.chat(self.messages)

    async def acall(self) -> Any:
        return await self.llm.achat(self.messages)

    def stream(self) -> Any:
        last = None
        for last in self.llm.stream_chat(self.messages):  # noqa: B007
            pass
        return last


class _RawAsync(RawHttpx):
    """The async floor: the same calls through `httpx.AsyncClient`."""


class _CoreAsync(_Core):
    """The core's async client (its `acall`/`astream` are measured)."""


def _ours_langchain(base_url: str) -> _LangChain:
    from langchain_deepseek_ext import ChatDeepSeek

    return _LangChain(ChatDeepSeek(model=MODEL, api_key=KEY, base_url=base_url))


def _ours_llamaindex(base_url: str) -> _LlamaIndex:
    from llamaindex_deepseek_ext import DeepSeek

    return _LlamaIndex(DeepSeek(model=MODEL, api_key=KEY, api_base=base_url))


def _anchor_langchain(base_url: str) -> _LangChain:
    from langchain_deepseek import ChatDeepSeek

    return _LangChain(ChatDeepSeek(model="deepseek-chat", api_key=KEY, api_base=base_url))


def _anchor_llamaindex(base_url: str) -> _LlamaIndex:
    from llama_index.llms.deepseek import DeepSeek

    return _LlamaIndex(DeepSeek(model="deepseek-chat", api_key=KEY, api_base=base_url))


CONTENDERS = {
    c.name: c
    for c in (
        Contender("httpx", FLOOR, RawHttpx),
        Contender("httpx async", FLOOR, _RawAsync),
        Contender("LC floor", FLOOR, lambda url: _LangChain(make_langchain_floor(url))),
        Contender("LI floor", FLOOR, lambda url: _LlamaIndex(make_llamaindex_floor(url))),
        Contender("core", OURS, _Core),
        Contender("core async", OURS, _CoreAsync),
        Contender("ChatDeepSeek", OURS, _ours_langchain),
        Contender("LI DeepSeek", OURS, _ours_llamaindex),
        Contender("langchain-deepseek", ANCHOR, _anchor_langchain, "langchain_deepseek"),
        Contender(
            "llama-index-llms-deepseek", ANCHOR, _anchor_llamaindex, "llama_index.llms.deepseek"
        ),
    )
}
"""In table order."""

FLOOR_OF = {
    "core": "httpx",
    "core async": "httpx async",
    "ChatDeepSeek": "LC floor",
    "LI DeepSeek": "LI floor",
    "langchain-deepseek": "LC floor",
    "llama-index-llms-deepseek": "LI floor",
}
"""Each contender's floor: the same calls without the library."""

ANCHOR_OF = {"ChatDeepSeek": "langchain-deepseek", "LI DeepSeek": "llama-index-llms-deepseek"}
