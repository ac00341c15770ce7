"""Shared helpers: one driver per client surface, a retry spy, scripted replies, SSE bodies.

A *driver* makes one call the way a user would (core client, LangChain `ChatDeepSeek`,
LlamaIndex `DeepSeek`; sync or async; streamed or not) and reports what the caller got:
the pieces that reached it, the final text, and the error, if any. Async drivers run their
own event loop, so every test can stay synchronous and run drivers in threads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
from langchain_core.messages import BaseMessageChunk
from llama_index.core.base.llms.types import ChatMessage

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    ChatCompletionChunk,
    ChatRequest,
    DeepSeekClient,
    ResponsesRequest,
    RetryPolicy,
    UserMessage,
)
from deepseek_ext_core.integration import SSEDecoder
from deepseek_ext_emulator import Fault, Reply
from langchain_deepseek_ext import ChatDeepSeek
from llamaindex_deepseek_ext import DeepSeek, DeepSeekResponses

Surface = Literal["core", "langchain", "llamaindex"]
TEXT = "alpha beta gamma delta epsilon zeta"
PIECES = 6
MODEL = "deepseek-flash"
LONG = "word " * 40
SLOW = 0.01
"""Seconds before each event of `slow_reply()`: its 40 pieces take ~0.4 s."""
STALL = 0.3
"""Seconds of silence before the status line, for calls cancelled while the server holds them."""


def slow_reply() -> Fault:
    """A stream slow enough to be cut in the middle."""
    return Fault.slow_chunks(SLOW, reply=Reply.text(LONG, chunk_size=5))


def fake_key() -> str:
    """A key shaped like DeepSeek's (`sk-` + 32 hex), made at run time: no literal to find."""
    return "sk-" + secrets.token_hex(16)


# ---------------------------------------------------------------------------------------------
# Drivers
# ---------------------------------------------------------------------------------------------


@dataclass
class Target:
    """Where and how a driver connects."""

    base_url: str
    key: str = field(repr=False)
    """Kept out of repr: tracebacks with captured locals must not show it."""
    timeout: float | None = None
    max_retries: int = 2
    prompt: str = "hi"
    responses: bool = False
    """Through DeepSeek's `/responses` (core `responses`, `use_responses_api=True`,
    `DeepSeekResponses`) instead of chat completions."""


@dataclass
class Outcome:
    """What the caller holds after one call."""

    pieces: list[str] = field(default_factory=list)
    """Content pieces that reached the caller, in order (streams only)."""
    text: str | None = None
    """The final answer text, when the call returned."""
    finish_reason: str | None = None
    error: BaseException | None = None

    @property
    def received(self) -> str:
        """Everything the caller got: the streamed pieces, or the returned text."""
        return "".join(self.pieces) if self.pieces else (self.text or "")


def core_policy(max_retries: int) -> RetryPolicy:
    return RetryPolicy(max_retries=max_retries, initial_backoff=0.01, max_backoff=0.05)


def core_request(prompt: str, model: str = MODEL) -> ChatRequest:
    return ChatRequest(model=model, messages=[UserMessage(prompt)])


def _chunk_text(chunk: ChatCompletionChunk) -> str:
    return (chunk.choices[0].delta.content or "") if chunk.choices else ""


def _core_sync(t: Target, stream: bool, out: Outcome) -> None:
    policy = core_policy(t.max_retries)
    with DeepSeekClient(
        api_key=t.key, base_url=t.base_url, timeout=t.timeout, retry_policy=policy
    ) as client:
        if t.responses:
            _core_responses(client, t, stream, out)
        elif stream:
            with client.stream_chat(core_request(t.prompt)) as s:
                for chunk in s:
                    if _chunk_text(chunk):
                        out.pieces.append(_chunk_text(chunk))
                out.finish_reason = s.completion().finish_reason
            out.text = "".join(out.pieces)
        else:
            completion = client.chat(core_request(t.prompt))
            out.text, out.finish_reason = completion.message.content, completion.finish_reason


async def _core_async(t: Target, stream: bool, out: Outcome) -> None:
    policy = core_policy(t.max_retries)
    async with AsyncDeepSeekClient(
        api_key=t.key, base_url=t.base_url, timeout=t.timeout, retry_policy=policy
    ) as client:
        if t.responses:
            await _acore_responses(client, t, stream, out)
        elif stream:
            async with await client.stream_chat(core_request(t.prompt)) as s:
                async for chunk in s:
                    if _chunk_text(chunk):
                        out.pieces.append(_chunk_text(chunk))
                out.finish_reason = s.completion().finish_reason
            out.text = "".join(out.pieces)
        else:
            completion = await client.chat(core_request(t.prompt))
            out.text, out.finish_reason = completion.message.content, completion.finish_reason


def _core_responses(client: DeepSeekClient, t: Target, stream: bool, out: Outcome) -> None:
    request = ResponsesRequest(model=MODEL, input=t.prompt, stream=stream)
    if stream:
        with client.stream_responses(request) as s:
            for event in s:  # piece by piece: what came before a break stays in `out`
                if event.text:
                    out.pieces.append(event.text)
            out.finish_reason = s.final_response().finish_reason
        out.text = "".join(out.pieces)
    else:
        answer = client.responses(request)
        out.text, out.finish_reason = answer.output_text, answer.finish_reason


async def _acore_responses(
    client: AsyncDeepSeekClient, t: Target, stream: bool, out: Outcome
) -> None:
    request = ResponsesRequest(model=MODEL, input=t.prompt, stream=stream)
    if stream:
        async with await client.stream_responses(request) as s:
            async for event in s:
                if event.text:
                    out.pieces.append(event.text)
            out.finish_reason = s.final_response().finish_reason
        out.text = "".join(out.pieces)
    else:
        answer = await client.responses(request)
        out.text, out.finish_reason = answer.output_text, answer.finish_reason


def make_langchain(t: Target, **kwargs: Any) -> ChatDeepSeek:
    if t.responses:
        kwargs.setdefault("use_responses_api", True)
    return ChatDeepSeek(
        api_key=t.key,
        base_url=t.base_url,
        max_retries=t.max_retries,
        timeout=t.timeout,
        **kwargs,
    )


def _lc_piece(chunk: BaseMessageChunk, out: Outcome) -> None:
    if isinstance(chunk.content, str) and chunk.content:
        out.pieces.append(chunk.content)
    reason = chunk.response_metadata.get("finish_reason")
    if reason:
        out.finish_reason = reason


def _lc_sync(t: Target, stream: bool, out: Outcome) -> None:
    llm = make_langchain(t)
    try:
        if stream:
            for chunk in llm.stream(t.prompt):
                _lc_piece(chunk, out)
            out.text = "".join(out.pieces)
        else:
            message = llm.invoke(t.prompt)
            out.text = str(message.content)
            out.finish_reason = message.response_metadata.get("finish_reason")
    finally:
        llm.client.close()


async def _lc_async(t: Target, stream: bool, out: Outcome) -> None:
    llm = make_langchain(t)
    try:
        if stream:
            async for chunk in llm.astream(t.prompt):
                _lc_piece(chunk, out)
            out.text = "".join(out.pieces)
        else:
            message = await llm.ainvoke(t.prompt)
            out.text = str(message.content)
            out.finish_reason = message.response_metadata.get("finish_reason")
    finally:
        await llm.async_client.aclose()


def make_llamaindex(t: Target, **kwargs: Any) -> DeepSeek:
    return (DeepSeekResponses if t.responses else DeepSeek)(
        api_key=t.key,
        api_base=t.base_url,
        max_retries=t.max_retries,
        timeout=t.timeout,
        **kwargs,
    )


def li_messages(prompt: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=prompt)]


def _li_sync(t: Target, stream: bool, out: Outcome) -> None:
    llm = make_llamaindex(t)
    if stream:
        for response in llm.stream_chat(li_messages(t.prompt)):
            if response.delta:
                out.pieces.append(response.delta)
            out.finish_reason = response.additional_kwargs.get("finish_reason")
        out.text = "".join(out.pieces)
    else:
        response = llm.chat(li_messages(t.prompt))
        out.text = response.message.content
        out.finish_reason = response.additional_kwargs.get("finish_reason")


async def _li_async(t: Target, stream: bool, out: Outcome) -> None:
    llm = make_llamaindex(t)
    if stream:
        async for response in await llm.astream_chat(li_messages(t.prompt)):
            if response.delta:
                out.pieces.append(response.delta)
            out.finish_reason = response.additional_kwargs.get("finish_reason")
        out.text = "".join(out.pieces)
    else:
        response = await llm.achat(li_messages(t.prompt))
        out.text = response.message.content
        out.finish_reason = response.additional_kwargs.get("finish_reason")


_SYNC: dict[Surface, Callable[[Target, bool, Outcome], None]] = {
    "core": _core_sync,
    "langchain": _lc_sync,
    "llamaindex": _li_sync,
}
_ASYNC: dict[Surface, Callable[[Target, bool, Outcome], Any]] = {
    "core": _core_async,
    "langchain": _lc_async,
    "llamaindex": _li_async,
}


@dataclass(frozen=True)
class Driver:
    """One way of calling DeepSeek: a surface, sync or async, streamed or not."""

    surface: Surface
    asynchronous: bool
    stream: bool
    responses: bool = False

    @property
    def name(self) -> str:
        kind = "stream" if self.stream else "call"
        endpoint = "-responses" if self.responses else ""
        return f"{self.surface}-{'async' if self.asynchronous else 'sync'}-{kind}{endpoint}"

    def run(self, target: Target) -> Outcome:
        """Calls once; errors are caught into the outcome (the pieces before them are kept)."""
        out = Outcome()
        if self.responses:
            target = dataclasses.replace(target, responses=True)
        try:
            if self.asynchronous:
                asyncio.run(_ASYNC[self.surface](target, self.stream, out))
            else:
                _SYNC[self.surface](target, self.stream, out)
        except Exception as exc:  # the outcome carries it; tests assert its class
            out.error = exc
        return out


DRIVERS: tuple[Driver, ...] = tuple(
    Driver(surface, asynchronous, stream)
    for surface in ("core", "langchain", "llamaindex")
    for asynchronous in (False, True)
    for stream in (False, True)
)
RESPONSES_DRIVERS: tuple[Driver, ...] = tuple(
    dataclasses.replace(driver, responses=True) for driver in DRIVERS
)
"""The same twelve ways, through `/responses`."""


# ---------------------------------------------------------------------------------------------
# Retry spy: records every wait the one retry layer computes, and can shorten the real sleep
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitRecord:
    thread: int
    attempt: int
    error: type[BaseException] | None
    computed: float


class RetrySpy:
    """Wraps `RetryPolicy.wait_seconds` (a test double: the core is not edited).

    `records` lists each computed wait. Whether tenacity computes one after the last attempt
    too depends on its version, so attempts no server saw (a refused connection) are counted
    with `count_transport_requests`, not here. With `cap`, the real
    sleep is `min(computed, cap)`, which keeps the adapters' default 0.5 s backoff from slowing
    the fault matrix down while the computed value (Retry-After honoured or not) is still checked.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cap: float | None) -> None:
        self.cap = cap
        self.records: list[WaitRecord] = []
        self._lock = threading.Lock()
        original = RetryPolicy.wait_seconds
        spy = self

        def wait_seconds(policy: RetryPolicy, attempt: int, exc: BaseException | None) -> float:
            computed = original(policy, attempt, exc)
            with spy._lock:
                spy.records.append(
                    WaitRecord(threading.get_ident(), attempt, type(exc) if exc else None, computed)
                )
            return computed if spy.cap is None else min(computed, spy.cap)

        monkeypatch.setattr(RetryPolicy, "wait_seconds", wait_seconds)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()

    def waits(self, thread: int | None = None) -> list[WaitRecord]:
        with self._lock:
            return [r for r in self.records if thread is None or r.thread == thread]


def closed_port_url() -> str:
    """A loopback URL whose port nothing listens on: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def count_transport_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request httpx's own transports are asked to send, sync or async, from any thread."""
    sent: list[str] = []
    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def counted(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return sync_send(transport, request)

    async def acounted(
        transport: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        sent.append(str(request.url))
        return await async_send(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counted)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", acounted)
    return sent


# ---------------------------------------------------------------------------------------------
# Hand-built SSE bodies (exact bytes, so the test knows what a cut leaves)
# ---------------------------------------------------------------------------------------------


def chunk_json(delta: dict[str, Any], finish_reason: str | None = None) -> str:
    body = {
        "id": "6f1c2a9e-8d0b-4e5a-9c1f-2b3d4e5f6a7b",
        "object": "chat.completion.chunk",
        "created": 1781233924,
        "model": MODEL,
        "system_fingerprint": "fp_reliability",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        "usage": None,
    }
    return json.dumps(body, separators=(",", ":"))


def sse_body(pieces: Sequence[str], *, error_after: int | None = None, done: bool = True) -> bytes:
    """A DeepSeek-shaped stream; with `error_after=n`, an `{"error": ...}` event after n pieces."""
    events = [chunk_json({"role": "assistant", "content": ""})]
    for index, piece in enumerate(pieces):
        if error_after is not None and index == error_after:
            events.append('{"error":{"message":"Server overloaded","type":"server_error"}}')
        events.append(chunk_json({"content": piece}))
    events.append(chunk_json({"content": ""}, finish_reason="stop"))
    if done:
        events.append("[DONE]")
    return "".join(f"data: {e}\n\n" for e in events).encode()


def text_of_complete_events(body: bytes) -> str:
    """The content carried by the events that are complete (blank-line terminated) in `body`."""
    text = ""
    for payload in SSEDecoder().feed(body):
        choices = json.loads(payload).get("choices") or [{}]
        text += choices[0].get("delta", {}).get("content") or ""
    return text


def split_pieces(text: str = TEXT, count: int = PIECES) -> list[str]:
    size, extra = divmod(len(text), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out
