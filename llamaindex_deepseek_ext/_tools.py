"""Tool calls of a ChatResponse: selections for LlamaIndex, whatever the model wrote."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection

from deepseek_ext_core.integration import parse_tool_arguments

from ._errors import ToolArgumentsError

__all__ = [
    "INVALID_ARGUMENTS_KEY",
    "keep_first_tool_call",
    "tool_selections",
]

INVALID_ARGUMENTS_KEY = "arguments_were_not_valid_json"
"""The one keyword a tool call whose arguments are not a JSON object is selected with.

The agent then calls the tool with it, the tool refuses it (`... got an unexpected keyword
argument 'arguments_were_not_valid_json'`), and the agent hands that failure to the model as the
tool's result, so the model learns and can call again; the keyword's value is the text the model
wrote. Raising instead would escape the agent's step and end the run."""


def tool_selections(
    response: ChatResponse, *, error_on_no_tool_call: bool, strict: bool = False
) -> list[ToolSelection]:
    """The `ToolSelection`s of `response`, arguments parsed from the model's JSON text.

    Empty arguments (a tool without parameters) read as `{}`. While a stream is still running
    (`finish_reason` present and None) arguments may be partial and read as `{}`; on a finished
    response, arguments that are not a JSON object are selected as
    `{INVALID_ARGUMENTS_KEY: <the text>}` (or raise `ToolArgumentsError` with `strict=True`).
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
            tool_kwargs=_arguments(call, in_progress=in_progress, strict=strict),
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


def _arguments(call: ToolCallBlock, *, in_progress: bool, strict: bool) -> dict[str, Any]:
    if isinstance(call.tool_kwargs, dict):
        return call.tool_kwargs
    value = parse_tool_arguments(call.tool_kwargs)  # `""` (a tool without parameters) is `{}`
    if value is not None:
        return value
    if in_progress:
        return {}
    if not strict:
        return {INVALID_ARGUMENTS_KEY: call.tool_kwargs}
    raise ToolArgumentsError(
        f"tool call {call.tool_call_id!r} to {call.tool_name!r}: the model's arguments are not "
        f"a JSON object: {call.tool_kwargs[:200]!r}"
    )
