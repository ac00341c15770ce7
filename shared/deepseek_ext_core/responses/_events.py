"""Streamed Responses events (docs/deepseek-api.md §6.7), read into deltas.

The stream has no `data: [DONE]`: it ends with `response.completed`, `response.incomplete` or
`response.failed`. A stream that closes before one of them is truncated (the core's
`StreamTruncatedError`, as for a chat stream without `[DONE]`); `failed` is the core's 500-class
error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._base import parse_json_object
from .._errors import InternalServerError
from ._response import Response

__all__ = ["TERMINAL_EVENTS", "ResponseEvent", "event_has_substance", "parse_event"]

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


@dataclass(frozen=True, slots=True)
class ResponseEvent:
    """One event, with what it adds: `reasoning`, `text` or `arguments` deltas (and the call
    they belong to), a finished `item`, or the final `response`."""

    type: str
    data: dict[str, Any]
    reasoning: str = ""
    text: str = ""
    arguments: str = ""
    item_id: str | None = None
    item: dict[str, Any] | None = None
    response: Response | None = None

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS


def parse_event(payload: str, request_id: str | None) -> ResponseEvent:
    data = parse_json_object(payload.encode(), what="Responses stream event", request_id=request_id)
    kind = str(data.get("type", ""))
    delta = str(data.get("delta") or "")
    if kind == "response.reasoning_text.delta":
        return ResponseEvent(kind, data, reasoning=delta, item_id=data.get("item_id"))
    if kind == "response.output_text.delta":
        return ResponseEvent(kind, data, text=delta, item_id=data.get("item_id"))
    if kind == "response.function_call_arguments.delta":
        return ResponseEvent(kind, data, arguments=delta, item_id=data.get("item_id"))
    if kind == "response.output_item.done":
        return ResponseEvent(kind, data, item=data.get("item"))
    if kind in TERMINAL_EVENTS:
        response = Response.model_validate(data.get("response") or {})
        response.request_id = request_id
        if kind == "response.failed":
            message = str((response.error or {}).get("message") or "the response failed")
            raise InternalServerError(message, status_code=500, request_id=request_id, body=data)
        return ResponseEvent(kind, data, response=response)
    return ResponseEvent(kind, data)


def event_has_substance(event: ResponseEvent) -> bool:
    """Whether an event carries more than bookkeeping (created, in progress, part added)."""
    return bool(event.reasoning or event.text or event.arguments or event.item or event.terminal)
