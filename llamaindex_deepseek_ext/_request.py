"""Pure request building: LLM settings plus per-call kwargs -> the core's `ChatRequest`.

LlamaIndex hands every per-call option through `**kwargs`; this module is the one place that
decides what each one means, so the sync and async methods of `DeepSeek` only differ by `await`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from deepseek_ext_core import ChatRequest, ResponseFormat, ServerTool, StreamOptions, Tool
from deepseek_ext_core.integration import is_server_tool_spec, thinking_mode

from ._convert import to_core_messages, to_core_tool_choice, to_core_tools

__all__ = ["CALL_OPTIONS", "build_chat_request", "split_additional_kwargs"]

CALL_OPTIONS = frozenset(
    {
        "thinking", "reasoning_effort", "max_tokens", "temperature", "top_p",
        "frequency_penalty", "presence_penalty", "response_format", "stop", "tools",
        "tool_choice", "logprobs", "top_logprobs", "user_id", "reasoning_passback", "extra_body",
        "recover_text_tool_calls",
        "model", "safety_check",
    }
)  # fmt: skip
"""Per-call kwargs `chat`/`stream_chat`/... accept (the `ChatRequest` fields a caller may set)."""


def split_additional_kwargs(
    additional_kwargs: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The anchor's `additional_kwargs` -> (known request options, extra JSON body fields)."""
    options: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in additional_kwargs.items():
        if key == "extra_body" and isinstance(value, Mapping):
            extra.update(value)
        elif key in CALL_OPTIONS:
            options[key] = value
        else:
            extra[key] = value
    return options, extra


def build_chat_request(
    defaults: Mapping[str, Any],
    messages: Sequence[ChatMessage],
    call_kwargs: Mapping[str, Any],
    *,
    stream: bool,
    stream_usage: bool,
) -> ChatRequest:
    """The `ChatRequest` for one call: `defaults` (from the LLM) overridden by `call_kwargs`.

    Raises `TypeError` on an unknown per-call option (a typo must not vanish silently). A
    `tool_choice` without tools is dropped, never sent (DeepSeek would reject it).
    """
    unknown = sorted(set(call_kwargs) - CALL_OPTIONS)
    if unknown:
        raise TypeError(
            f"unknown DeepSeek option(s) {unknown}; known: {sorted(CALL_OPTIONS)} "
            "(put other JSON fields in extra_body)"
        )
    options = {k: v for k, v in defaults.items() if v is not None}
    extra_body = dict(options.pop("extra_body", None) or {})
    for key, value in call_kwargs.items():
        if key == "extra_body":
            extra_body.update(value or {})
        elif value is not None:
            options[key] = value
    if "thinking" in options:
        options["thinking"] = thinking_mode(options["thinking"])
    tools = _tools(options.pop("tools", None))
    tool_choice = options.pop("tool_choice", None)
    if "response_format" in options and isinstance(options["response_format"], Mapping):
        options["response_format"] = ResponseFormat.model_validate(options["response_format"])
    # Only the fields set: pydantic validates every field it is given, on every call.
    if tools:
        options["tools"] = tools
        options["tool_choice"] = _choice(tool_choice)
    if stream:
        options["stream_options"] = StreamOptions(include_usage=stream_usage)
    if extra_body:
        options["extra_body"] = extra_body
    return ChatRequest(messages=tuple(to_core_messages(messages)), stream=stream, **options)


def _tools(value: object) -> list[Tool | ServerTool]:
    if not value:
        return []
    if not isinstance(value, Sequence):
        raise TypeError(f"tools must be a list, got {type(value).__name__}")
    tools: list[Tool | ServerTool] = []
    for tool in value:
        if isinstance(tool, Tool | ServerTool):
            tools.append(tool)
        elif is_server_tool_spec(tool):
            tools.append(ServerTool.model_validate(dict(tool)))  # DeepSeek runs it; sent as given
        elif isinstance(tool, Mapping):
            tools.extend(to_core_tools([tool], strict=bool(tool["function"].get("strict"))))
        else:
            raise TypeError(f"a tool must be a core Tool or an OpenAI-style dict, got {tool!r}")
    return tools


def _choice(value: object) -> Any:
    if value is None or isinstance(value, str | Mapping):
        return to_core_tool_choice(value, tool_required=False)
    return value  # already a core NamedToolChoice
