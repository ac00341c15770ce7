"""A Responses answer (docs/deepseek-api.md §6.7), read permissively: output items, usage in
the core's terms (so cost and telemetry work as for chat), and what a conversation keeps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._errors import InternalServerError, InvalidResponseError
from .._messages import SERVER_TURN_KEY, AssistantMessage, ToolCall
from .._response import CompletionTokensDetails, PromptTokensDetails, Usage, WithRequestId

__all__ = ["SERVER_TURN_KEY", "Response", "ResponseUsage", "check_status"]

_SERVER_TOOL_ITEMS = frozenset({"web_search_call"})

_OPEN = ConfigDict(extra="allow", defer_build=True)


class ResponseUsage(BaseModel):
    """`usage` as the Responses API reports it; `input_tokens` includes the cached ones."""

    model_config = _OPEN
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None

    def as_usage(self) -> Usage:
        """The core's `Usage`: cache hits and reasoning tokens where chat reports them."""
        cached = int((self.input_tokens_details or {}).get("cached_tokens") or 0)
        reasoning = (self.output_tokens_details or {}).get("reasoning_tokens")
        return Usage(
            prompt_tokens=self.input_tokens,
            completion_tokens=self.output_tokens,
            total_tokens=self.total_tokens or self.input_tokens + self.output_tokens,
            prompt_cache_hit_tokens=cached,
            prompt_cache_miss_tokens=max(self.input_tokens - cached, 0),
            prompt_tokens_details=PromptTokensDetails(cached_tokens=cached),
            completion_tokens_details=CompletionTokensDetails(reasoning_tokens=reasoning)
            if reasoning is not None
            else None,
        )


class Response(WithRequestId):
    """A `/responses` answer. `output_text`, `reasoning_text` and `function_calls` read its
    items; `to_message()` is the turn to keep in history; `parsed()` the JSON-schema answer."""

    model_config = _OPEN
    id: str = ""
    object: str = "response"
    created_at: int = 0
    status: str = "completed"
    model: str = ""
    output: list[dict[str, Any]] = Field(default_factory=list)
    usage_: ResponseUsage | None = Field(default=None, alias="usage")
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None

    @property
    def created(self) -> int:
        return self.created_at

    @property
    def usage(self) -> Usage | None:
        """Usage in the core's terms (what pricing and telemetry read)."""
        return None if self.usage_ is None else self.usage_.as_usage()

    @property
    def output_text(self) -> str:
        return "".join(
            part.get("text", "")
            for item in self.output
            if item.get("type") == "message"
            for part in item.get("content") or ()
            if part.get("type") == "output_text"
        )

    @property
    def reasoning_text(self) -> str | None:
        texts = [
            part.get("text", "")
            for item in self.output
            if item.get("type") == "reasoning"
            for part in item.get("content") or ()
            if part.get("type") == "reasoning_text"
        ]
        return "".join(texts) if texts else None

    @property
    def function_calls(self) -> list[dict[str, Any]]:
        return [item for item in self.output if item.get("type") == "function_call"]

    @property
    def finish_reason(self) -> str:
        """`stop`, `tool_calls`, or why it is incomplete (`max_output_tokens`, ...), as chat
        names its finish reasons."""
        if self.status == "incomplete":
            return str((self.incomplete_details or {}).get("reason") or "incomplete")
        return "tool_calls" if self.function_calls else "stop"

    def parsed(self) -> Any:
        """The answer's text as JSON (for `text.format` json_schema or json_object)."""
        try:
            return json.loads(self.output_text)
        except ValueError as exc:
            raise InvalidResponseError(
                f"the answer is not JSON (finish: {self.finish_reason}; request id "
                f"{self.request_id})"
            ) from exc

    def to_message(self) -> AssistantMessage:
        """The neutral assistant turn to keep: its reasoning, text and calls."""
        calls = tuple(
            ToolCall(id=str(c.get("call_id") or c.get("id")), name=str(c.get("name")),
                     arguments=str(c.get("arguments") or "{}"))
            for c in self.function_calls
        )  # fmt: skip
        # A server-tool turn interleaves reasoning, searches and commentary: the neutral fields
        # cannot hold that order, so the items ride along for the next request.
        server_turn = any(item.get("type") in _SERVER_TOOL_ITEMS for item in self.output)
        return AssistantMessage(
            content=self.output_text or None,
            tool_calls=calls,
            reasoning_content=self.reasoning_text,
            extra_fields={SERVER_TURN_KEY: [dict(i) for i in self.output]} if server_turn else None,
        )

    def restore_names(self, names: Mapping[str, str] | None) -> Response:
        """Calls under the original tool names (in place); see `_tool_names`."""
        for call in self.function_calls if names else ():
            call["name"] = names.get(call.get("name", ""), call.get("name"))  # type: ignore[union-attr]
        return self


def check_status(response: Response) -> Response:
    """A `failed` response is the core's 500-class error (retried as one)."""
    if response.status == "failed":
        message = str((response.error or {}).get("message") or "the response failed")
        raise InternalServerError(message, status_code=500, body=response.error)
    return response
