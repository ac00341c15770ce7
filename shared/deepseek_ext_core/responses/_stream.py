"""Responses streams: the events as they come, and the answer merged from them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from .._stream import AsyncStream, OpenedStream, Stream
from ._events import ResponseEvent
from ._response import Response

__all__ = ["AsyncResponseStream", "ResponseAccumulator", "ResponseStream"]


class ResponseAccumulator:
    """Folds events into the answer so far: the final `Response` once it came, else one built
    from the deltas and finished items (what a cut stream delivered)."""

    def __init__(self) -> None:
        self.final: Response | None = None
        self.reasoning: list[str] = []
        self.text: list[str] = []
        self.items: list[dict[str, Any]] = []

    def add(self, event: ResponseEvent) -> None:
        if event.reasoning:
            self.reasoning.append(event.reasoning)
        elif event.text:
            self.text.append(event.text)
        elif event.item is not None:
            self.items.append(event.item)
        elif event.response is not None:
            self.final = event.response

    def response(self, request_id: str | None) -> Response:
        if self.final is not None:
            return self.final
        output: list[dict[str, Any]] = []
        if self.reasoning and not any(i.get("type") == "reasoning" for i in self.items):
            reasoning = {"type": "reasoning", "text": "".join(self.reasoning)}
            output.append(
                {"type": "reasoning", "content": [{"type": "reasoning_text", **reasoning}]}
            )
        output += self.items
        if self.text and not any(i.get("type") == "message" for i in self.items):
            part = {"type": "output_text", "text": "".join(self.text)}
            output.append({"type": "message", "role": "assistant", "content": [part]})
        partial = Response(status="incomplete", output=output)
        partial.request_id = request_id
        return partial


class ResponseStream(Stream[ResponseEvent]):
    """Events of a streamed Responses call; `final_response()` is the answer (merged so far)."""

    def __init__(self, opened: OpenedStream[ResponseEvent, Iterator[bytes]]) -> None:
        super().__init__(opened)
        self.accumulator = ResponseAccumulator()
        self._fold = self.accumulator.add

    def final_response(self) -> Response:
        """The answer: the final one once it came, else what arrived so far."""
        return self.accumulator.response(self.request_id)


class AsyncResponseStream(AsyncStream[ResponseEvent]):
    """Async events of a streamed Responses call; `final_response()` is the answer so far."""

    def __init__(self, opened: OpenedStream[ResponseEvent, AsyncIterator[bytes]]) -> None:
        super().__init__(opened)
        self.accumulator = ResponseAccumulator()
        self._fold = self.accumulator.add

    def final_response(self) -> Response:
        """The answer: the final one once it came, else what arrived so far."""
        return self.accumulator.response(self.request_id)
