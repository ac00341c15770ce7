"""Streamed tool-call arguments in batches that grow with the arguments, so merging stays linear.

A coding agent's tool call can stream its arguments in tens of thousands of fragments. Whoever
adds LangChain chunks up (a UI showing the arguments grow, LangGraph's `stream_mode="messages"`,
a plain `full = full + chunk`) pays, on every addition, for langchain-core re-parsing the partial
JSON of all the arguments so far: one chunk per fragment makes the whole stream quadratic
(4,000 fragments took 21 s of CPU, benchmarks/tool_fragments.py). Here a run of argument
fragments of one call is yielded as fewer chunks: a fragment is held back only while what is
held is smaller than an eighth of what was already yielded for that call, and never longer than
`max_delay` seconds. The caller still sees the arguments grow (each chunk adds at most about 12%,
or what arrived within 50 ms), the first fragments and everything else (text, reasoning, a call's
name, the finish) pass through at once and in order, and the merged message is the same.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator

from deepseek_ext_core import ChatCompletionChunk

__all__ = ["ArgumentBatcher", "abatched", "batched"]

GROWTH = 8
"""Hold fragments back while they are less than 1/GROWTH of the arguments already yielded."""


def _argument_fragment(chunk: ChatCompletionChunk) -> tuple[int, str] | None:
    """(call index, text) when `chunk` carries nothing but more arguments of a started call."""
    choices = chunk.choices
    if len(choices) != 1:
        return None
    choice = choices[0]
    delta = choice.delta
    calls = delta.tool_calls  # first: text and reasoning chunks, the common case, stop here
    if not calls or len(calls) != 1 or chunk.usage is not None:
        return None
    if choice.finish_reason is not None or delta.content or delta.reasoning_content:
        return None
    call = calls[0]
    function = call.function
    if call.id is not None or function is None or function.name or not function.arguments:
        return None
    return call.index, function.arguments


def _with_arguments(chunk: ChatCompletionChunk, arguments: str) -> ChatCompletionChunk:
    choice = chunk.choices[0]
    delta = choice.delta
    assert delta.tool_calls is not None  # checked by _argument_fragment
    call = delta.tool_calls[0]
    assert call.function is not None
    function = call.function.model_copy(update={"arguments": arguments})
    delta = delta.model_copy(
        update={"tool_calls": [call.model_copy(update={"function": function})]}
    )
    return chunk.model_copy(update={"choices": [choice.model_copy(update={"delta": delta})]})


class ArgumentBatcher:
    """Feed it the core's chunks in order; it returns the chunks to yield now."""

    def __init__(
        self, *, max_delay: float = 0.05, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_delay = max_delay
        self._clock = clock
        self._held: list[str] = []
        self._held_chars = 0
        self._last: ChatCompletionChunk | None = None
        self._index: int | None = None
        self._yielded_chars = 0
        self._since = 0.0

    def add(self, chunk: ChatCompletionChunk) -> list[ChatCompletionChunk]:
        """The chunks to yield after `chunk` arrived (none, one or two, in stream order)."""
        fragment = _argument_fragment(chunk)
        if fragment is None:
            if self._index is None:  # nothing held, no call running: the common case, per chunk
                return [chunk]
            out = self.flush()
            out.append(chunk)
            self._index, self._yielded_chars = None, 0  # the next fragments start a new count
            return out
        index, text = fragment
        out = self.flush() if index != self._index else []
        if index != self._index:
            self._index, self._yielded_chars = index, 0
        if not self._held:
            self._since = self._clock()
        self._held.append(text)
        self._held_chars += len(text)
        self._last = chunk
        overdue = self._clock() - self._since >= self._max_delay
        if overdue or self._held_chars * GROWTH >= self._yielded_chars:
            out += self.flush()
        return out

    def flush(self) -> list[ChatCompletionChunk]:
        """What is held back, as one chunk (at the end of the stream, or before other news)."""
        if self._last is None:
            return []
        merged = _with_arguments(self._last, "".join(self._held))
        self._yielded_chars += self._held_chars
        self._held, self._held_chars, self._last = [], 0, None
        return [merged]


def batched(chunks: Iterable[ChatCompletionChunk]) -> Iterator[ChatCompletionChunk]:
    """`chunks` with argument fragments batched; whatever is held comes out before the end of
    the stream and before an error, so a failure never keeps back what already arrived."""
    batcher = ArgumentBatcher()
    try:
        for chunk in chunks:
            yield from batcher.add(chunk)
    except Exception:
        yield from batcher.flush()
        raise
    yield from batcher.flush()


async def abatched(
    chunks: AsyncIterable[ChatCompletionChunk],
) -> AsyncIterator[ChatCompletionChunk]:
    """The async twin of `batched`."""
    batcher = ArgumentBatcher()
    try:
        async for chunk in chunks:
            for ready in batcher.add(chunk):
                yield ready
    except Exception:
        for ready in batcher.flush():
            yield ready
        raise
    for ready in batcher.flush():
        yield ready
