"""Chunk accumulation: a stream merged into the message the non-streaming call would return.

Content and reasoning are concatenated exactly (the first thinking delta is `""` and is kept, so a
thinking turn keeps a `reasoning_content` key even when no reasoning text came); tool-call argument
fragments are joined per `index`, taking `id` and name from an index's first fragment
(docs/deepseek-api.md §4.3); the last non-null `usage` wins, whether it rode on the finish chunk or
on a trailing chunk with empty `choices` (docs/deepseek-api.md §4.4).
"""

from __future__ import annotations

from typing import Any

from ._response import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ResponseMessage,
    Usage,
    WireFunction,
    WireToolCall,
)

# Pieces are joined every `_COMPACT_AT` chunks, so a stream's memory follows its text, not its
# chunk count: a str object costs ~57 bytes whatever it holds, ten times a 6-character token,
# which made a 50,000-chunk thinking stream hold 3 MB of objects for 300 kB of text. Each
# compaction copies the text once: ~2 ms per 50,000 chunks (docs/changelog.md, 2026-11-22).
_COMPACT_AT = 256


def _keep(parts: list[str], piece: str) -> None:
    parts.append(piece)
    if len(parts) >= _COMPACT_AT:
        parts[:] = ["".join(parts)]


def _joined(parts: list[str]) -> str:
    """The text so far; left as one piece, so the next call costs one join of two."""
    text = "".join(parts)
    if len(parts) > 1:
        parts[:] = [text]
    return text


class _ToolCallParts:
    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id = ""
        self.type = "function"
        self.name = ""
        self.arguments: list[str] = []


def _merge_extra(merged: dict[str, Any], extra: dict[str, Any]) -> None:
    """Fields of a delta this library does not model, folded as a stream delivers them: text
    is concatenated, lists are extended, anything else is replaced by its latest value."""
    for key, value in extra.items():
        before = merged.get(key)
        same_kind = type(before) is type(value) and isinstance(value, str | list)
        merged[key] = before + value if same_kind else value


class ChatAccumulator:
    """Merges chunks of one stream; `completion()` can be called at any point."""

    def __init__(self) -> None:
        self.first: ChatCompletionChunk | None = None
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.chunk_count = 0
        self._content: list[str] = []
        self._has_content = False
        self._reasoning: list[str] = []
        self._has_reasoning = False
        self._tool_calls: dict[int, _ToolCallParts] = {}
        self._logprobs: dict[str, list[Any]] = {}
        self._extra: dict[str, Any] = {}

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Folds one chunk in."""
        self.chunk_count += 1
        if self.first is None:
            self.first = chunk
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content is not None:
                self._has_content = True
                _keep(self._content, delta.content)
            if delta.reasoning_content is not None:
                self._has_reasoning = True
                _keep(self._reasoning, delta.reasoning_content)
            if delta.tool_calls:
                self._add_tool_calls(delta.tool_calls)
            if delta.__pydantic_extra__:
                _merge_extra(self._extra, delta.__pydantic_extra__)
            if choice.logprobs:
                for key, items in choice.logprobs.items():
                    if isinstance(items, list):
                        self._logprobs.setdefault(key, []).extend(items)
            if choice.finish_reason is not None:
                self.finish_reason = choice.finish_reason

    def _add_tool_calls(self, fragments: list[Any]) -> None:
        for fragment in fragments:
            parts = self._tool_calls.get(fragment.index)
            if parts is None:
                parts = self._tool_calls[fragment.index] = _ToolCallParts()
            if fragment.id:
                parts.id = fragment.id
            if fragment.type:
                parts.type = fragment.type
            function = fragment.function
            if function is not None:
                if function.name:
                    parts.name = function.name
                if function.arguments:
                    parts.arguments.append(function.arguments)

    @property
    def content(self) -> str:
        """The answer text so far."""
        return _joined(self._content)

    @property
    def reasoning_content(self) -> str | None:
        """The reasoning so far; None when the stream carried no reasoning field at all."""
        return _joined(self._reasoning) if self._has_reasoning else None

    def completion(self) -> ChatCompletion:
        """The accumulated stream as a `ChatCompletion`, equal to the non-streaming answer."""
        first = self.first
        tool_calls = [
            WireToolCall(
                index=index,
                id=parts.id,
                type=parts.type,
                function=WireFunction(name=parts.name, arguments="".join(parts.arguments)),
            )
            for index, parts in sorted(self._tool_calls.items())
        ]
        message = ResponseMessage(
            role="assistant",
            content=self.content if self._has_content else None,
            reasoning_content=self.reasoning_content,
            tool_calls=tool_calls or None,
            **self._extra,
        )
        return ChatCompletion(
            id=first.id if first else "",
            object="chat.completion",
            created=first.created if first else 0,
            model=first.model if first else "",
            choices=[
                Choice(
                    index=0,
                    message=message,
                    logprobs=dict(self._logprobs) or None,
                    finish_reason=self.finish_reason,
                )
            ],
            usage=self.usage,
            system_fingerprint=first.system_fingerprint if first else None,
        )
