"""Answers read back as the request asked: tool calls under their original names, and tool
calls the model wrote into its text recovered as real ones (see `_tool_names` and
`_text_tool_calls`). Nothing here runs for a request that needs neither."""

from __future__ import annotations

from collections.abc import Callable

from ._base import parse_chunk
from ._prepare import PreparedRequest
from ._response import (
    ChatCompletion,
    ChatCompletionChunk,
    ChunkFunction,
    ChunkToolCall,
    WireFunction,
    WireToolCall,
)
from ._text_tool_calls import TextCallFilter, recover_calls

__all__ = ["chunk_parser", "read_answer"]

ChunkParser = Callable[[str, str | None], ChatCompletionChunk]


def read_answer(completion: ChatCompletion, prepared: PreparedRequest) -> ChatCompletion:
    """`completion` with tool calls recovered from its text and original tool names (in place)."""
    if not completion.choices:
        return completion
    choice = completion.choices[0]
    message = choice.message
    if prepared.text_tool_calls and message.content:
        native = list(message.tool_calls or ())
        text, calls = recover_calls(message.content, first_index=len(native))
        if calls:
            message.content = text or None
            message.tool_calls = native + [
                WireToolCall(
                    index=len(native) + n,
                    id=call.id,
                    function=WireFunction(name=call.name, arguments=call.arguments),
                )
                for n, call in enumerate(calls)
            ]
            if choice.finish_reason == "stop":
                choice.finish_reason = "tool_calls"
    names = prepared.tool_names
    if names:
        for call in message.tool_calls or ():
            call.function.name = names.get(call.function.name, call.function.name)
    return completion


def chunk_parser(prepared: PreparedRequest) -> ChunkParser:
    """The parser for one attempt at a stream: the plain one when there is nothing to do (no
    cost per chunk), else one that keeps the attempt's state."""
    if not prepared.text_tool_calls and not prepared.tool_names:
        return parse_chunk
    return _StreamReader(prepared).parse


class _StreamReader:
    """Per-stream state: the text filter, the native calls seen, the calls recovered."""

    def __init__(self, prepared: PreparedRequest) -> None:
        self.names = prepared.tool_names or {}
        self.filter = TextCallFilter() if prepared.text_tool_calls else None
        self.native = 0
        self.recovered = 0

    def parse(self, payload: str, request_id: str | None) -> ChatCompletionChunk:
        chunk = parse_chunk(payload, request_id)
        if not chunk.choices:
            return chunk
        choice = chunk.choices[0]
        delta = choice.delta
        for call in delta.tool_calls or ():
            self.native = max(self.native, call.index + 1)
            if call.function is not None and call.function.name in self.names:
                call.function.name = self.names[call.function.name]
        text_filter = self.filter
        if text_filter is None:
            return chunk
        text_filter.first_index = self.native
        shown, calls = text_filter.feed(delta.content or "") if delta.content else ("", [])
        if choice.finish_reason is not None:
            shown += text_filter.finish()  # an unterminated block stays text: nothing made up
        if delta.content is not None or shown:
            delta.content = shown
        if calls:
            start = self.native + self.recovered
            self.recovered += len(calls)
            delta.tool_calls = [
                *(delta.tool_calls or ()),
                *(
                    ChunkToolCall(
                        index=start + n,
                        id=call.id,
                        type="function",
                        function=ChunkFunction(
                            name=self.names.get(call.name, call.name), arguments=call.arguments
                        ),
                    )
                    for n, call in enumerate(calls)
                ),
            ]
        if choice.finish_reason == "stop" and self.recovered:
            choice.finish_reason = "tool_calls"
        return chunk
