"""Streams of parsed SSE events, sync and async, over one I/O-free state machine.

A stream is retried only until its first event is decoded: `open_*` reads that far inside the
retry loop; afterwards a failure raises after everything already received was delivered (the
caller keeps it) and is never retried behind the caller's back. Closing a stream, or leaving its
`with` block, closes the HTTP response and frees its connection and concurrency slot.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from ._accumulate import ChatAccumulator
from ._base import mapped_transport_errors
from ._closing import register_opened
from ._errors import APITimeoutError, DeepSeekError, InvalidResponseError, StreamTruncatedError
from ._response import ChatCompletion, ChatCompletionChunk, FIMCompletion
from ._sse import SSEDecoder

T = TypeVar("T")
ChunksT = TypeVar("ChunksT", Iterator[bytes], AsyncIterator[bytes])
StreamT = TypeVar("StreamT", bound="Stream[Any]")
AsyncStreamT = TypeVar("AsyncStreamT", bound="AsyncStream[Any]")


def chunk_has_substance(chunk: ChatCompletionChunk) -> bool:
    """Whether a chat chunk carries more than DeepSeek's opening empty role delta."""
    if chunk.usage is not None or not chunk.choices:
        return True
    for choice in chunk.choices:
        delta = choice.delta
        if delta.content or delta.reasoning_content or delta.tool_calls:
            return True
        if choice.finish_reason is not None:
            return True
    return False


def fim_has_substance(event: FIMCompletion) -> bool:
    """Whether a FIM event carries text, a finish reason or usage."""
    return event.usage is not None or any(c.text or c.finish_reason for c in event.choices)


class StreamState(Generic[T]):
    """Decoded-but-undelivered payloads and the end-of-stream rules."""

    __slots__ = (
        "decoder", "delivered", "ended", "ends", "parse", "pending", "primed", "request_id",
        "substantive",
    )  # fmt: skip

    def __init__(
        self,
        parse: Callable[[str, str | None], T],
        request_id: str | None,
        substantive: Callable[[T], bool] = lambda item: True,
    ) -> None:
        self.parse = parse
        self.substantive = substantive
        self.request_id = request_id
        self.decoder = SSEDecoder()
        self.pending: deque[str] = deque()
        self.ended = False
        self.delivered = 0
        self.primed: deque[T] = deque()
        self.ends: Callable[[T], bool] | None = None
        """For a stream that ends with an event instead of `[DONE]` (the Responses API): True
        for that event, after which the stream is complete."""

    def feed(self, data: bytes) -> None:
        self.pending.extend(self.decoder.feed(data))

    def end_of_input(self) -> None:
        self.pending.extend(self.decoder.close())
        self.ended = True

    @property
    def needs_input(self) -> bool:
        """No decoded event is waiting, and more can come."""
        return not (self.pending or self.decoder.done or self.ended)

    def prime(self) -> bool:
        """Parses waiting events until one carries something (text, a tool call, a finish).

        Called while the request can still be retried: an error event or a cut event before
        anything of substance (DeepSeek opens with an empty role delta) fails inside the retry
        loop, where retrying loses nothing. True once something of substance, or the end of the
        stream, is reached.
        """
        while self.pending:
            item = self._parse_next()
            self.primed.append(item)
            if self.substantive(item):
                return True
        return self.decoder.done

    def _parse_next(self) -> T:
        payload = self.pending.popleft()
        try:
            item = self.parse(payload, self.request_id)
            if self.ends is not None and self.ends(item):
                self.decoder.done = True
                self.pending.clear()
            return item
        except InvalidResponseError as exc:
            if self.ended and not self.decoder.done and not self.pending:
                # The input ended inside this event: a cut stream, not a malformed one.
                raise StreamTruncatedError(
                    f"the stream was cut inside an event after {self.delivered} events "
                    f"(request id {self.request_id})",
                    chunks_received=self.delivered,
                ) from exc
            raise

    def next_item(self) -> T | None:
        """The next parsed event; None when the stream ended properly; raises if truncated."""
        if self.primed:
            self.delivered += 1
            return self.primed.popleft()
        if self.pending:
            item = self._parse_next()
            self.delivered += 1
            return item
        if self.decoder.done:
            return None
        raise StreamTruncatedError(
            f"the stream closed without its end ([DONE] or a final event) after "
            f"{self.delivered} events "
            f"(request id {self.request_id})",
            chunks_received=self.delivered,
        )

    def broken(self, exc: DeepSeekError) -> DeepSeekError:
        """The error to raise for a transport failure in the middle of the stream."""
        if isinstance(exc, APITimeoutError | StreamTruncatedError):
            return exc
        return StreamTruncatedError(
            f"the stream broke after {self.delivered} events: {exc}", chunks_received=self.delivered
        )


@dataclass(frozen=True, slots=True)
class OpenedStream(Generic[T, ChunksT]):
    """What a client hands a stream once the response has started and its first event is read."""

    response: httpx.Response
    """The HTTP response, open until the stream is closed."""
    chunks: ChunksT
    """httpx's byte iterator over the response body (sync or async)."""
    state: StreamState[T]
    """The decoder state, holding the events read ahead while the request could be retried."""
    release: Callable[[], None]
    """Gives back the concurrency slot the request took; called once, when the stream closes."""


class Stream(Generic[T]):
    """A sync stream of events; iterate it, ideally inside `with`."""

    def __init__(self, opened: OpenedStream[T, Iterator[bytes]]) -> None:
        self.response = opened.response
        self._chunks = opened.chunks
        self._state = opened.state
        self._on_close = opened.release
        self._closed = False
        self._fold: Callable[[T], None] | None = None
        """Called with each item delivered (a bound method: subclasses fold items in)."""

    @property
    def request_id(self) -> str | None:
        return self._state.request_id

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        state = self._state
        try:
            # Until an event is waiting or nothing more can come (inlined: runs per chunk).
            while not (state.primed or state.pending or state.decoder.done or state.ended):
                try:
                    with mapped_transport_errors:
                        data = next(self._chunks, None)
                except DeepSeekError as exc:
                    error = state.broken(exc)
                    if error is exc:
                        raise
                    raise error from exc
                if data is None:
                    state.end_of_input()
                else:
                    state.feed(data)
            item = state.next_item()
        except BaseException as exc:
            self.close()
            self._keep_partial(exc)
            raise
        if item is None:
            self.close()
            raise StopIteration
        if self._fold is not None:
            self._fold(item)
        return item

    def _keep_partial(self, exc: BaseException) -> None:
        """Puts what arrived on a truncation error (chat streams merge it; others have none)."""
        if isinstance(exc, StreamTruncatedError) and exc.partial is None:
            exc.partial = self._partial()

    def _partial(self) -> ChatCompletion | None:
        return None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                close_chunks = getattr(self._chunks, "close", None)
                if close_chunks is not None:
                    close_chunks()
                self.response.close()
            finally:
                self._on_close()

    def __enter__(self: StreamT) -> StreamT:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """An async stream of events; iterate it with `async for`, ideally inside `async with`."""

    def __init__(self, opened: OpenedStream[T, AsyncIterator[bytes]]) -> None:
        self.response = opened.response
        self._chunks = opened.chunks
        self._state = opened.state
        self._on_close = opened.release
        self._closed = False
        self._fold: Callable[[T], None] | None = None
        """Called with each item delivered (a bound method: subclasses fold items in)."""
        register_opened(self)  # so that an adapter's `closing_opened_streams` can close it

    @property
    def request_id(self) -> str | None:
        return self._state.request_id

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        state = self._state
        try:
            # Until an event is waiting or nothing more can come (inlined: runs per chunk).
            while not (state.primed or state.pending or state.decoder.done or state.ended):
                try:
                    with mapped_transport_errors:
                        data = await anext(self._chunks, None)
                except DeepSeekError as exc:
                    error = state.broken(exc)
                    if error is exc:
                        raise
                    raise error from exc
                if data is None:
                    state.end_of_input()
                else:
                    state.feed(data)
            item = state.next_item()
        except BaseException as exc:
            await self.aclose()
            self._keep_partial(exc)
            raise
        if item is None:
            await self.aclose()
            raise StopAsyncIteration
        if self._fold is not None:
            self._fold(item)
        return item

    def _keep_partial(self, exc: BaseException) -> None:
        """Puts what arrived on a truncation error (chat streams merge it; others have none)."""
        if isinstance(exc, StreamTruncatedError) and exc.partial is None:
            exc.partial = self._partial()

    def _partial(self) -> ChatCompletion | None:
        return None

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                # Closing httpx's byte generator here, not at garbage collection, leaves no
                # finalizer task behind.
                close_chunks = getattr(self._chunks, "aclose", None)
                if close_chunks is not None:
                    await close_chunks()
                await self.response.aclose()
            finally:
                self._on_close()

    async def __aenter__(self: AsyncStreamT) -> AsyncStreamT:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class ChatStream(Stream[ChatCompletionChunk]):
    """Chat chunks; `completion()` gives the merged message so far (the whole one at the end)."""

    def __init__(self, opened: OpenedStream[ChatCompletionChunk, Iterator[bytes]]) -> None:
        super().__init__(opened)
        self.accumulator = ChatAccumulator()
        self._fold = self.accumulator.add

    def completion(self) -> ChatCompletion:
        return _with_request_id(self.accumulator.completion(), self.request_id)

    def _partial(self) -> ChatCompletion | None:
        return self.completion()


class AsyncChatStream(AsyncStream[ChatCompletionChunk]):
    """Async chat chunks; `completion()` gives the merged message so far."""

    def __init__(self, opened: OpenedStream[ChatCompletionChunk, AsyncIterator[bytes]]) -> None:
        super().__init__(opened)
        self.accumulator = ChatAccumulator()
        self._fold = self.accumulator.add

    def completion(self) -> ChatCompletion:
        return _with_request_id(self.accumulator.completion(), self.request_id)

    def _partial(self) -> ChatCompletion | None:
        return self.completion()


def _with_request_id(completion: ChatCompletion, request_id: str | None) -> ChatCompletion:
    completion.request_id = request_id
    return completion
