"""The floors: raw httpx, and the two frameworks driven by nothing but raw httpx.

`RawHttpx` is the issue's definition of the physical floor: `httpx.Client.post` plus
`json.loads` per call; `iter_lines` plus `json.loads` per event for streams, keeping the text.
`FloorChatModel` (LangChain) and `FloorLLM` (LlamaIndex) wrap the same calls in each
framework's minimal model, so their cost over `RawHttpx` is the framework's own: callbacks,
message objects, run managers, instrumentation. They keep what each framework's contract asks
(LangChain: a chunk per event; LlamaIndex: a cumulative message per event, text and thinking,
as llama-index-llms-openai builds it) and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

KEY = "test-key"
MODEL = "deepseek-flash"
SYSTEM = "You are a helpful assistant."
USER = "Say hello."
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def wire_body(messages: list[dict[str, str]], *, stream: bool) -> bytes:
    body: dict[str, Any] = {"model": MODEL, "messages": messages, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body).encode()


def wire_messages() -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]


def events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.startswith("data: "):
            payload = line[6:]
            if payload == "[DONE]":
                return
            yield json.loads(payload)


async def aevents(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    async for line in lines:
        if line.startswith("data: "):
            payload = line[6:]
            if payload == "[DONE]":
                return
            yield json.loads(payload)


class Text:
    """Content and reasoning pieces of one stream, joined once at the end."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []

    def add(self, event: dict[str, Any]) -> None:
        for choice in event["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                self.content.append(delta["content"])
            if delta.get("reasoning_content"):
                self.reasoning.append(delta["reasoning_content"])

    def result(self) -> tuple[str, str]:
        return "".join(self.content), "".join(self.reasoning)


class RawHttpx:
    """The physical floor."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/chat/completions"
        self.http = httpx.Client()
        self.ahttp = httpx.AsyncClient()

    def call(self) -> str:
        body = wire_body(wire_messages(), stream=False)
        response = self.http.post(self.url, content=body, headers=HEADERS)
        data = json.loads(response.content)
        return str(data["choices"][0]["message"]["content"])

    async def acall(self) -> str:
        body = wire_body(wire_messages(), stream=False)
        response = await self.ahttp.post(self.url, content=body, headers=HEADERS)
        data = json.loads(response.content)
        return str(data["choices"][0]["message"]["content"])

    def stream(self) -> tuple[str, str]:
        text = Text()
        body = wire_body(wire_messages(), stream=True)
        with self.http.stream("POST", self.url, content=body, headers=HEADERS) as response:
            for event in events(response.iter_lines()):
                text.add(event)
        return text.result()

    async def astream(self) -> tuple[str, str]:
        text = Text()
        body = wire_body(wire_messages(), stream=True)
        async with self.ahttp.stream("POST", self.url, content=body, headers=HEADERS) as response:
            async for event in aevents(response.aiter_lines()):
                text.add(event)
        return text.result()


def make_langchain_floor(base_url: str) -> Any:
    """A minimal LangChain `BaseChatModel` over raw httpx (class built lazily: import cost)."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from pydantic import PrivateAttr

    roles = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}

    def to_wire(messages: list[BaseMessage]) -> list[dict[str, str]]:
        return [{"role": roles[m.type], "content": str(m.content)} for m in messages]

    def result(data: dict[str, Any]) -> ChatResult:
        message = AIMessage(content=data["choices"][0]["message"]["content"] or "")
        return ChatResult(generations=[ChatGeneration(message=message)])

    def chunk(event: dict[str, Any]) -> ChatGenerationChunk:
        delta = event["choices"][0]["delta"] if event["choices"] else {}
        reasoning = delta.get("reasoning_content")
        extra = {"reasoning_content": reasoning} if reasoning else {}
        return ChatGenerationChunk(
            message=AIMessageChunk(content=delta.get("content") or "", additional_kwargs=extra)
        )

    class FloorChatModel(BaseChatModel):
        url: str
        _http: httpx.Client = PrivateAttr(default_factory=httpx.Client)
        _ahttp: httpx.AsyncClient = PrivateAttr(default_factory=httpx.AsyncClient)

        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(
            self,
            messages: list[BaseMessage],
            stop: Any = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            body = wire_body(to_wire(messages), stream=False)
            response = self._http.post(self.url, content=body, headers=HEADERS)
            return result(json.loads(response.content))

        async def _agenerate(
            self,
            messages: list[BaseMessage],
            stop: Any = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            body = wire_body(to_wire(messages), stream=False)
            response = await self._ahttp.post(self.url, content=body, headers=HEADERS)
            return result(json.loads(response.content))

        def _stream(
            self,
            messages: list[BaseMessage],
            stop: Any = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> Iterator[ChatGenerationChunk]:
            body = wire_body(to_wire(messages), stream=True)
            with self._http.stream("POST", self.url, content=body, headers=HEADERS) as response:
                for event in events(response.iter_lines()):
                    yield chunk(event)

    return FloorChatModel(url=base_url + "/chat/completions")


def make_llamaindex_floor(base_url: str) -> Any:
    """A minimal LlamaIndex `LLM` over raw httpx, with the framework's chat callbacks."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        LLMMetadata,
        MessageRole,
        TextBlock,
        ThinkingBlock,
    )
    from llama_index.core.llms import LLM
    from llama_index.core.llms.callbacks import llm_chat_callback
    from pydantic import PrivateAttr

    def to_wire(messages: Any) -> list[dict[str, str]]:
        return [{"role": m.role.value, "content": m.content or ""} for m in messages]

    def response(data: dict[str, Any]) -> ChatResponse:
        content = data["choices"][0]["message"]["content"] or ""
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=content), raw=data
        )

    class FloorLLM(LLM):
        url: str
        _http: httpx.Client = PrivateAttr(default_factory=httpx.Client)
        _ahttp: httpx.AsyncClient = PrivateAttr(default_factory=httpx.AsyncClient)

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True, model_name=MODEL)

        @llm_chat_callback()
        def chat(self, messages: Any, **kwargs: Any) -> ChatResponse:
            body = wire_body(to_wire(messages), stream=False)
            answer = self._http.post(self.url, content=body, headers=HEADERS)
            return response(json.loads(answer.content))

        @llm_chat_callback()
        async def achat(self, messages: Any, **kwargs: Any) -> ChatResponse:
            body = wire_body(to_wire(messages), stream=False)
            answer = await self._ahttp.post(self.url, content=body, headers=HEADERS)
            return response(json.loads(answer.content))

        @llm_chat_callback()
        def stream_chat(self, messages: Any, **kwargs: Any) -> Any:
            body = wire_body(to_wire(messages), stream=True)

            def gen() -> Iterator[ChatResponse]:
                # As llama-index-llms-openai does: cumulative text and thinking, one response
                # per event, the deltas beside them.
                content = reasoning = ""
                with self._http.stream("POST", self.url, content=body, headers=HEADERS) as answer:
                    for event in events(answer.iter_lines()):
                        delta = event["choices"][0]["delta"] if event["choices"] else {}
                        piece = delta.get("content") or ""
                        thought = delta.get("reasoning_content") or ""
                        content += piece
                        reasoning += thought
                        blocks: list[Any] = [ThinkingBlock(content=reasoning)] if reasoning else []
                        blocks.append(TextBlock(text=content))
                        yield ChatResponse(
                            message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks),
                            delta=piece,
                            raw=event,
                            additional_kwargs={"thinking_delta": thought} if thought else {},
                        )

            return gen()

        # Not measured: completion and async streaming are not part of the floor.
        def complete(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

        def stream_complete(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

        async def acomplete(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

        async def astream_chat(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

        async def astream_complete(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

    return FloorLLM(url=base_url + "/chat/completions")
