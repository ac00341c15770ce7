"""Request to wire body: the thinking-mode guard, pass-back, routing to `/beta`, input checks.

Pure functions: the clients only send what `prepare_*` returns, so everything here is tested
without HTTP and both adapters produce byte-identical bodies for the same conversation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ._capabilities import ModelCapabilities, get_capabilities
from ._errors import InvalidRequestError, ThinkingModeConflictError, UnsupportedInputError
from ._history import to_wire_messages
from ._messages import AssistantMessage, ImagePart, Message, UserMessage
from ._request import WEB_TOOL_TYPES, ChatRequest, FIMRequest, NamedToolChoice, ServerTool, Tool
from ._strict import to_strict_schema
from ._tool_names import is_wire_name, wire_names
from ._tool_schema import object_schema

CHAT_PATH = "/chat/completions"
BETA_CHAT_PATH = "/beta/chat/completions"
FIM_PATH = "/beta/completions"


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """What goes on the wire: a path below the base URL and the JSON body, and how to read the
    answer back (tool names to restore, tool calls to recover from text)."""

    path: str
    body: dict[str, Any]
    tool_names: dict[str, str] | None = None
    """`{wire name: original name}` for the tools sent under another name; None when none."""
    text_tool_calls: bool = False
    """Whether tool calls written into the answer's text are recovered (tools were offered)."""

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def json_bytes(self) -> bytes:
        """The exact bytes sent: compact JSON, UTF-8, non-ASCII kept as is. Text holding a
        lone surrogate (which UTF-8 cannot carry) raises `InvalidRequestError`, before sending."""
        text = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidRequestError(
                f"the request holds a lone surrogate (U+{ord(text[exc.start]):04X}, character "
                f"{exc.start + 1} of its JSON), which cannot be sent as UTF-8; replace it "
                "(text.encode('utf-8', 'replace').decode()) before sending"
            ) from None


def thinking_is_on(request: ChatRequest, caps: ModelCapabilities) -> bool:
    """Whether the request runs in thinking mode, explicit or by the model's default."""
    if request.thinking is not None:
        return request.thinking == "enabled"
    return caps.thinking_default


def _guarded_thinking(request: ChatRequest, caps: ModelCapabilities) -> str | None:
    """The `thinking` value to send, after the thinking-mode guard.

    DeepSeek rejects a forced tool_choice and logprobs in thinking mode (docs/deepseek-api.md §2.1,
    §5.2). When the caller left thinking to the server default, such a request is sent with thinking
    disabled; when the caller enabled it explicitly, that is a contradiction and raises.
    """
    forced = request.tool_choice == "required" or isinstance(request.tool_choice, NamedToolChoice)
    if not (forced or request.logprobs) or not thinking_is_on(request, caps):
        return request.thinking
    what = "a forced tool_choice" if forced else "logprobs"
    if request.thinking == "enabled" or not caps.thinking_switchable:
        raise ThinkingModeConflictError(
            f"{what} is rejected by DeepSeek in thinking mode, and thinking is enabled for "
            f"{request.model}; use tool_choice='auto' or disable thinking"
        )
    return "disabled"


def _check_inputs(messages: tuple[Message, ...], caps: ModelCapabilities) -> None:
    for index, message in enumerate(messages):
        if (
            isinstance(message, UserMessage)
            and not isinstance(message.content, str)
            and not caps.image_input
            and any(isinstance(part, ImagePart) for part in message.content)
        ):
            raise UnsupportedInputError(
                f"message {index}: {caps.model} does not take image input (deepseek-flash does)"
            )


def _tools_body(
    request: ChatRequest, names: dict[str, str]
) -> tuple[list[dict[str, Any]] | None, bool]:
    """The wire `tools` and whether strict mode (hence `/beta`) is on."""
    if not request.tools:
        if request.tool_choice not in (None, "none"):
            raise InvalidRequestError("tool_choice was given without any tools")
        return None, False
    functions = [tool for tool in request.tools if isinstance(tool, Tool)]
    strict = [bool(tool.function.strict) for tool in functions]
    if any(strict) and not all(strict):
        raise InvalidRequestError(
            "DeepSeek's strict mode needs strict=True on every tool of the request"
        )
    strict_on = bool(strict) and all(strict)
    tools = []
    for tool in request.tools:
        if isinstance(tool, ServerTool):
            tools.append(tool.model_dump())  # a server-side tool goes as given
            continue
        dumped = tool.model_dump(exclude_none=True)
        function = dumped["function"]
        function["name"] = names.get(function["name"], function["name"])
        function["parameters"] = object_schema(function.get("parameters"), function["name"])
        if strict_on:
            dumped["function"]["parameters"] = to_strict_schema(
                dumped["function"].get("parameters") or {"type": "object", "properties": {}}
            )
        tools.append(dumped)
    if isinstance(request.tool_choice, NamedToolChoice):
        offered = {tool.function.name for tool in functions}
        if request.tool_choice.function.name not in offered:
            raise InvalidRequestError(
                f"tool_choice names {request.tool_choice.function.name!r}, which is not among "
                f"the tools: {sorted(offered)}"
            )
    return tools, strict_on


_PASSTHROUGH = (
    "max_tokens", "temperature", "top_p", "frequency_penalty", "presence_penalty", "stop",
    "logprobs", "top_logprobs", "user_id",
)  # fmt: skip


def prepare_chat_request(request: ChatRequest, *, stream: bool | None = None) -> PreparedRequest:
    """The wire path and body for `request`; raises `InvalidRequestError` before sending.

    `stream` overrides `request.stream` (the clients' `chat` and `stream_chat` set it).
    """
    caps = get_capabilities(request.model)
    if (
        request.max_tokens is not None
        and caps.known
        and request.max_tokens > caps.max_output_tokens
    ):
        raise InvalidRequestError(
            f"max_tokens={request.max_tokens} is above {caps.model}'s maximum of "
            f"{caps.max_output_tokens}"
        )
    if request.top_logprobs is not None and not request.logprobs:
        raise InvalidRequestError("top_logprobs needs logprobs=True")
    messages: tuple[Message, ...] = request.messages
    _check_inputs(messages, caps)
    thinking = _guarded_thinking(request, caps)
    _check_safety_check(request)
    names = _tool_name_map(request)
    tools, strict = _tools_body(request, names)
    body: dict[str, Any] = {
        "model": request.model,
        "messages": to_wire_messages(
            messages, has_tools=tools is not None, passback=request.reasoning_passback
        ),
    }
    if names:
        _rename_history(body["messages"], names)
    if thinking is not None:
        body["thinking"] = {"type": thinking}
    thinking_on = thinking == "enabled" or (thinking is None and caps.thinking_default)
    if request.reasoning_effort is not None and thinking_on:
        body["reasoning_effort"] = request.reasoning_effort
    for name in _PASSTHROUGH:
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    if request.response_format is not None:
        body["response_format"] = request.response_format.model_dump()
    if request.safety_check is not None:
        body["safety_check"] = request.safety_check.model_dump()
    if tools is not None:
        body["tools"] = tools
    if request.tool_choice is not None:
        body["tool_choice"] = _dump_choice(request.tool_choice)
        if isinstance(request.tool_choice, NamedToolChoice) and names:
            chosen = request.tool_choice.function.name
            body["tool_choice"]["function"]["name"] = names.get(chosen, chosen)
    _add_stream(body, request.stream if stream is None else stream, request.stream_options)
    if request.extra_body:
        body.update(request.extra_body)
    last = messages[-1]
    prefix = isinstance(last, AssistantMessage) and last.prefix
    return PreparedRequest(
        BETA_CHAT_PATH if prefix or strict else CHAT_PATH,
        body,
        tool_names={wire: name for name, wire in names.items()} or None,
        text_tool_calls=tools is not None and request.recover_text_tool_calls,
    )


def _tool_name_map(request: ChatRequest) -> dict[str, str]:
    """`{original: wire}` for the names DeepSeek would refuse: the tools' and the history's."""
    offered = [tool.function.name for tool in request.tools or () if isinstance(tool, Tool)]
    history = [
        call.name
        for message in request.messages
        if isinstance(message, AssistantMessage)
        for call in message.tool_calls
    ]
    if all(is_wire_name(name) for name in (*offered, *history)):
        return {}  # the common case: one match a name, nothing to map
    return wire_names(offered, history)


def _rename_history(messages: list[dict[str, Any]], names: dict[str, str]) -> None:
    for message in messages:
        for call in message.get("tool_calls") or ():
            function = call.get("function")
            if isinstance(function, dict) and function.get("name") in names:
                function["name"] = names[function["name"]]


def _check_safety_check(request: ChatRequest) -> None:
    """With `safety_check` high and no web tool, DeepSeek takes only `tool_choice` auto or none
    (docs/deepseek-api.md §6.10)."""
    if request.safety_check is None or request.safety_check.level != "high":
        return
    web = any(isinstance(t, ServerTool) and t.type in WEB_TOOL_TYPES for t in request.tools or ())
    if not web and request.tool_choice not in (None, "auto", "none"):
        raise InvalidRequestError(
            "safety_check {'level': 'high'} without a web tool allows only tool_choice 'auto' "
            f"or 'none', not {_dump_choice(request.tool_choice)!r}"
        )


def _dump_choice(choice: object) -> object:
    return choice.model_dump() if isinstance(choice, NamedToolChoice) else choice


def _add_stream(body: dict[str, Any], stream: bool, options: Any) -> None:
    body["stream"] = stream
    if stream:
        body["stream_options"] = options.model_dump() if options else {"include_usage": True}


def prepare_fim_request(request: FIMRequest, *, stream: bool | None = None) -> PreparedRequest:
    """The wire path and body for a FIM completion (always `/beta/completions`)."""
    body = request.model_dump(exclude_none=True, exclude={"extra_body", "stream", "stream_options"})
    _add_stream(body, request.stream if stream is None else stream, request.stream_options)
    if request.extra_body:
        body.update(request.extra_body)
    return PreparedRequest(FIM_PATH, body)
