"""A Responses request (`POST /responses`, docs/deepseek-api.md §6.7), checked before sending.

DeepSeek's Responses endpoint is stateless and silently ignores what it does not support. A
field that asks for something DeepSeek will not do is refused here, by name: a silently ignored
`previous_response_id` loses the conversation without a word. Values that match what DeepSeek
does anyway (`store=False`, `truncation="disabled"`, `background=False`) are accepted, so code
written for OpenAI's Responses API keeps working where it can.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._capabilities import get_capabilities
from .._errors import InvalidRequestError, ThinkingModeConflictError
from .._messages import (
    AssistantMessage,
    LatestReminderMessage,
    Message,
    SystemMessage,
    ToolMessage,
    UserMessage,
)
from .._prepare import PreparedRequest
from .._tool_names import is_wire_name, wire_names
from .._tool_schema import object_schema
from ._items import to_response_items
from ._schema import to_deepseek_json_schema

__all__ = ["RESPONSES_PATH", "ResponsesRequest", "prepare_responses_request"]

RESPONSES_PATH = "/responses"
_MESSAGES = (SystemMessage, UserMessage, AssistantMessage, ToolMessage, LatestReminderMessage)
Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]

_REFUSED: dict[str, str] = {
    "previous_response_id": "DeepSeek's /responses is stateless: send the whole history",
    "conversation": "DeepSeek's /responses is stateless: send the whole history",
    "include": "DeepSeek returns no encrypted reasoning or other included data",
    "metadata": "DeepSeek ignores it",
    "prompt": "DeepSeek has no stored prompts",
    "prompt_cache_key": "DeepSeek's context cache is automatic",
    "prompt_cache_retention": "DeepSeek's context cache is automatic",
    "service_tier": "DeepSeek has one service tier",
    "context_management": "DeepSeek ignores it",
    "stream_options": "DeepSeek ignores it",
    "max_tool_calls": "DeepSeek ignores it",
}
"""Fields DeepSeek ignores whatever they say: refused, with the reason, when given at all."""
_ONLY: dict[str, object] = {"store": False, "background": False, "truncation": "disabled"}
"""Fields DeepSeek ignores, accepted when they say what DeepSeek does anyway."""


class ResponsesRequest(BaseModel):
    """A request to DeepSeek's Responses API, as OpenAI's SDK spells it (`input`,
    `instructions`, `max_output_tokens`, `reasoning`, `text`, `tools`).

    `input` is a string, the core's neutral messages (the replay rules are applied to them),
    or wire items sent as given. `text={"format": {"type": "json_schema", ...}}` is DeepSeek's
    native JSON-schema output, in thinking mode too.
    """

    model_config = ConfigDict(
        extra="allow", frozen=True, arbitrary_types_allowed=True, defer_build=True
    )
    model: str
    input: str | Sequence[Any]
    """A string, the core's neutral messages, or wire items (dicts), taken as given (a union
    would let pydantic turn wire dicts into messages)."""
    instructions: str | None = None
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_output_tokens: int | None = Field(default=None, ge=1)
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    user: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_-]+$", max_length=512)
    tools: list[Mapping[str, Any]] | None = None
    tool_choice: str | Mapping[str, Any] | None = None
    reasoning: Mapping[str, Any] | None = None
    """`{"effort": ...}`: `none` turns thinking off; unset keeps the model's default."""
    text: Mapping[str, Any] | None = None
    """`{"format": {"type": "text" | "json_object" | "json_schema", ...}}`."""
    parallel_tool_calls: bool | None = None
    extra_body: dict[str, Any] | None = None


def prepare_responses_request(
    request: ResponsesRequest, *, stream: bool | None = None
) -> PreparedRequest:
    """The wire body of `request`, checked; raises `InvalidRequestError` before sending."""
    extra = dict(request.__pydantic_extra__ or {})
    _refuse_ignored(extra)
    # extra_body is the way to send what this library does not model, not a way around the
    # refusals: `previous_response_id` there would be ignored just as silently.
    _refuse_what_deepseek_ignores(request.extra_body or {})
    caps = get_capabilities(request.model)
    effort = (request.reasoning or {}).get("effort")
    thinking = effort != "none" and caps.thinking_default if effort is None else effort != "none"
    body: dict[str, Any] = {"model": request.model}
    names: dict[str, str] = {}
    if request.tools:
        tools, names = _tools(request.tools)
        body["tools"] = tools
    body["input"] = _input(request.input, thinking=thinking, names=names)
    reasoning = dict(request.reasoning or {})
    forced = _forced(request.tool_choice)
    if forced and thinking:
        if effort is not None:
            raise ThinkingModeConflictError(
                f"a forced tool_choice is refused in thinking mode (reasoning effort {effort!r}): "
                "use tool_choice='auto', or reasoning={'effort': 'none'}"
            )
        reasoning["effort"] = "none"  # thinking was only the default: turned off for the call
    if reasoning:
        body["reasoning"] = reasoning
    for name in ("instructions", "temperature", "top_p", "max_output_tokens", "top_logprobs",
                 "user", "parallel_tool_calls"):  # fmt: skip
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    if request.tool_choice is not None:
        body["tool_choice"] = _mapped_choice(request.tool_choice, names)
    if request.text is not None:
        body["text"] = _text(request.text)
    body["stream"] = request.stream if stream is None else stream
    body.update(extra)
    if request.extra_body:
        body.update(request.extra_body)
    wire_to_original = {wire: name for name, wire in names.items()}
    return PreparedRequest(RESPONSES_PATH, body, tool_names=wire_to_original or None)


def _refuse_ignored(extra: Mapping[str, Any]) -> None:
    _refuse_what_deepseek_ignores(extra)
    unknown = sorted(set(extra) - set(_ONLY))
    if unknown:
        raise InvalidRequestError(
            f"unknown Responses fields {unknown}; pass DeepSeek-only fields in extra_body"
        )


def _refuse_what_deepseek_ignores(fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name in _REFUSED:
            raise InvalidRequestError(f"{name} is not supported: {_REFUSED[name]}")
        if name in _ONLY and value != _ONLY[name]:
            raise InvalidRequestError(
                f"{name}={value!r} is not supported: DeepSeek's /responses only does "
                f"{name}={_ONLY[name]!r}"
            )


def _input(
    value: str | Sequence[Any],
    *,
    thinking: bool,
    names: Mapping[str, str],
) -> str | list[Any]:
    if isinstance(value, str):
        return value
    items: list[Any] = list(value)
    if items and all(isinstance(item, Mapping) for item in items):
        return [dict(item) for item in items]  # wire items, sent as given
    messages: list[Message] = [item for item in items if isinstance(item, _MESSAGES)]
    if len(messages) != len(items):
        raise InvalidRequestError(
            "input is a string, neutral messages or wire items (dicts): one kind, not a mix"
        )
    wire = to_response_items(messages, thinking=thinking)
    for item in wire:
        if item.get("type") == "function_call" and item["name"] in names:
            item["name"] = names[item["name"]]
    return wire


def _tools(tools: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    functions = [t for t in tools if t.get("type") == "function"]
    offered = [str(t.get("name", "")) for t in functions]
    names = {} if all(is_wire_name(n) for n in offered) else wire_names(offered)
    wire: list[dict[str, Any]] = []
    for tool in tools:
        kind = tool.get("type")
        if kind == "custom" and tool.get("name") != "apply_patch":
            raise InvalidRequestError(
                f"custom tool {tool.get('name')!r} is refused by DeepSeek: only apply_patch is"
            )
        entry = dict(tool)
        if kind == "function":
            name = str(entry.get("name", ""))
            entry["name"] = names.get(name, name)
            entry["parameters"] = object_schema(entry.get("parameters"), name)
        wire.append(entry)
    return wire, names


def _forced(choice: str | Mapping[str, Any] | None) -> bool:
    return choice == "required" or (
        isinstance(choice, Mapping) and choice.get("type") == "function"
    )


def _mapped_choice(
    choice: str | Mapping[str, Any], names: Mapping[str, str]
) -> str | dict[str, Any]:
    if isinstance(choice, str):
        return choice
    mapped = dict(choice)
    if mapped.get("name") in names:
        mapped["name"] = names[mapped["name"]]
    return mapped


def _text(text: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(text)
    fmt = result.get("format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        schema = fmt.get("schema")
        if not isinstance(schema, Mapping) or not fmt.get("name"):
            raise InvalidRequestError("text.format json_schema needs a name and a schema object")
        result["format"] = {**fmt, "schema": to_deepseek_json_schema(schema)}
    return result
