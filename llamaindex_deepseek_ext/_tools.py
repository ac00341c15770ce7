"""Tool calls of a ChatResponse: selections for LlamaIndex, with a clear error on bad JSON."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection

from deepseek_ext_core.integration import parse_tool_arguments

__all__ = ["ToolArgumentsError", "keep_first_tool_call", "tool_selections"]


class ToolArgumentsError(ValueError):
    """The model produced tool-call arguments that are not a JSON object (docs/deepseek-api.md
    §5.4)."""


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """The `ToolSelection`s of `response`, arguments parsed from the model's JSON text.

    While a stream is still running (`finish_reason` present and None) arguments may be partial
    and read as `{}`; on a finished response, arguments that are not a JSON object raise.
    """
    calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    if not calls and error_on_no_tool_call:
        raise ValueError("Expected at least one tool call, but the response has none.")
    extra = response.additional_kwargs
    in_progress = "finish_reason" in extra and extra["finish_reason"] is None
    return [
        ToolSelection(
            tool_id=call.tool_call_id or "",
            tool_name=call.tool_name,
            tool_kwargs=_arguments(call, lenient=in_progress),
        )
        for call in calls
    ]


def keep_first_tool_call(response: ChatResponse) -> ChatResponse:
    """Drops every tool call after the first (when parallel calls were not allowed)."""
    calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    extra = {id(call) for call in calls[1:]}
    response.message.blocks = [b for b in response.message.blocks if id(b) not in extra]
    wire_calls = response.message.additional_kwargs.get("tool_calls")
    if isinstance(wire_calls, list):
        response.message.additional_kwargs["tool_calls"] = wire_calls[:1]
    return response


def _arguments(call: ToolCallBlock, *, lenient: bool) -> dict[str, Any]:
    if isinstance(call.tool_kwargs, dict):
        return call.tool_kwargs
    value = parse_tool_arguments(call.tool_kwargs)  # `""` (a tool without parameters) is `{}`
    if value is not None:
        return value
    if lenient:
        return {}
    raise ToolArgumentsError(
        f"tool call {call.tool_call_id!r} to {call.tool_name!r}: the model's arguments are not "
        f"a JSON object: {call.tool_kwargs[:200]!r}"
    )
