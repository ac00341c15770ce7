"""Request checks DeepSeek performs, answered with DeepSeek's own 400 messages.

Wordings come from captures and issue threads (docs/deepseek-api.md §7.2, and
``tests/data/reference-traffic/issue-logs/``): unknown model, max_tokens range, reasoning
pass-back, tool-message protocol, empty assistant message, ``Thinking mode does not
support this tool_choice`` (https://github.com/tickernelz/opencode-mem/issues/253),
``prefix is only available when using beta api``
(https://github.com/QuantumNous/new-api/issues/999). Where no real wording was found
(prefix on a non-last message, strict tools outside /beta, logprobs in thinking mode)
the message is modelled on the nearest real one.

Deliberately stricter than observed: pydantic-ai's 2026-06 cassette sent ``strict``
tools to the non-beta URL and got 200 (strict is then silently not enforced, the bug
of https://github.com/langchain-ai/langchain/issues/40029); the emulator answers 400 so
a client that mis-routes is caught.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deepseek_ext_emulator._wire import (
    CANONICAL_MODELS,
    MAX_TOKENS_LIMIT,
    THINKING_BY_DEFAULT,
    ErrorSpec,
    bad_request,
    with_request_id,
)

_ROLES = ("system", "user", "assistant", "tool", "latest_reminder")
_WEB_TOOLS = ("deepseek_web_search", "deepseek_read_url")
_BETA_HINT = '(set base_url="https://api.deepseek.com/beta")'
_SUPPORTED = "deepseek-flash, deepseek-v4-pro"


@dataclass(frozen=True)
class Checked:
    """A request that passed validation, with the facts the renderer needs."""

    model: str
    """Canonical model id."""
    thinking: bool


def deserialize_error(detail: str) -> ErrorSpec:
    """The serde-style message DeepSeek returns for bodies of the wrong shape."""
    return bad_request(f"Failed to deserialize the JSON body into the target type: {detail}")


def thinking_mode(body: Mapping[str, Any], requested_model: str) -> bool:
    """On by default except for ``deepseek-chat``; ``thinking.type`` switches it."""
    thinking = body.get("thinking")
    if isinstance(thinking, Mapping):
        kind = thinking.get("type")
        if kind == "enabled":
            return True
        if kind == "disabled":
            return False
    return THINKING_BY_DEFAULT.get(requested_model, True)


def check_chat(body: Any, *, beta: bool) -> Checked | ErrorSpec:
    """Validate a ``/chat/completions`` body; return the facts or the error to answer."""
    if not isinstance(body, Mapping):
        return deserialize_error("invalid type: expected struct ChatCompletionRequest")
    model = _check_model(body)
    if isinstance(model, ErrorSpec):
        return model
    messages = body.get("messages")
    if messages is None:
        return deserialize_error("missing field `messages`")
    if not isinstance(messages, list) or not messages:
        return deserialize_error("messages: invalid type, expected a non-empty sequence")
    for check in (_check_shapes, _check_assistant_content, _check_tool_replies):
        error = check(messages)
        if error is not None:
            return error
    error = _check_max_tokens(body) or _check_prefix(messages, beta=beta)
    error = error or _check_strict(body, beta=beta) or _check_safety(body)
    error = error or _check_tool_names(body)
    error = error or _check_reminders(messages)
    if error is not None:
        return error
    thinking = thinking_mode(body, body["model"])
    if thinking:
        error = _check_thinking(body, messages)
        if error is not None:
            return error
    return Checked(model=model, thinking=thinking)


def check_fim(body: Any) -> Checked | ErrorSpec:
    """Validate a ``/beta/completions`` body (FIM is always non-thinking)."""
    if not isinstance(body, Mapping):
        return deserialize_error("invalid type: expected struct CompletionRequest")
    model = _check_model(body)
    if isinstance(model, ErrorSpec):
        return model
    if "prompt" not in body:
        return deserialize_error("missing field `prompt`")
    if not isinstance(body["prompt"], str):
        return deserialize_error("prompt: invalid type, expected a string")
    error = _check_max_tokens(body)
    if error is not None:
        return error
    return Checked(model=model, thinking=False)


def _check_model(body: Mapping[str, Any]) -> str | ErrorSpec:
    if "model" not in body:
        return deserialize_error("missing field `model`")
    requested = body["model"]
    if not isinstance(requested, str) or requested not in CANONICAL_MODELS:
        return bad_request(
            f"The supported API model names are {_SUPPORTED}, but you passed {requested}."
        )
    return CANONICAL_MODELS[requested]


def _check_max_tokens(body: Mapping[str, Any]) -> ErrorSpec | None:
    value = body.get("max_tokens")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS_LIMIT:
        return bad_request(
            f"Invalid max_tokens value, the valid range of max_tokens is [1, {MAX_TOKENS_LIMIT}]"
        )
    return None


def _check_shapes(messages: Sequence[Any]) -> ErrorSpec | None:
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            return deserialize_error(f"messages[{i}]: invalid type, expected a message object")
        role = message.get("role")
        if role is None:
            return deserialize_error(f"messages[{i}]: missing field `role`")
        if role not in _ROLES:
            expected = ", ".join(f"`{r}`" for r in _ROLES)
            return deserialize_error(
                f"messages[{i}]: unknown variant `{role}`, expected one of {expected}"
            )
        content = message.get("content")
        if role in ("system", "tool", "assistant") and isinstance(content, list):
            # Only user messages accept content parts (docs/deepseek-api.md §2.2).
            return deserialize_error(f"messages[{i}]: invalid type: sequence, expected a string")
        if role == "tool" and "tool_call_id" not in message:
            return deserialize_error(f"messages[{i}]: missing field `tool_call_id`")
    return None


def _check_assistant_content(messages: Sequence[Mapping[str, Any]]) -> ErrorSpec | None:
    for message in messages:
        if message["role"] != "assistant":
            continue
        if message.get("content") is None and not message.get("tool_calls"):
            return bad_request("content or tool_calls must be set")
    return None


def _check_tool_replies(messages: Sequence[Mapping[str, Any]]) -> ErrorSpec | None:
    """Every tool_calls message must be followed by one tool message per call id."""
    for i, message in enumerate(messages):
        calls = message.get("tool_calls") if message["role"] == "assistant" else None
        if not calls:
            continue
        wanted = {call.get("id") for call in calls if isinstance(call, Mapping)}
        answered: set[Any] = set()
        for follower in messages[i + 1 :]:
            if follower["role"] != "tool":
                break
            answered.add(follower.get("tool_call_id"))
        if not wanted <= answered:
            return bad_request("insufficient tool messages following tool_calls message")
    return None


def _check_prefix(messages: Sequence[Mapping[str, Any]], *, beta: bool) -> ErrorSpec | None:
    last = len(messages) - 1
    for i, message in enumerate(messages):
        if not message.get("prefix"):
            continue
        if not beta:
            return bad_request(f"prefix is only available when using beta api {_BETA_HINT}")
        if i != last or message["role"] != "assistant":
            return bad_request(
                "prefix mode is only allowed on the last message, which must be an assistant "
                "message (refer to https://api-docs.deepseek.com/guides/chat_prefix_completion)."
            )
    return None


def _check_strict(body: Mapping[str, Any], *, beta: bool) -> ErrorSpec | None:
    tools = body.get("tools")
    if beta or not isinstance(tools, list):
        return None
    for tool in tools:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(function, Mapping) and function.get("strict"):
            return bad_request(f"strict mode is only available when using beta api {_BETA_HINT}")
    return None


_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _check_tool_names(body: Mapping[str, Any]) -> ErrorSpec | None:
    """DeepSeek's pattern for function names, with its 400 for any other (MCP names)."""
    tools = body.get("tools")
    for index, tool in enumerate(tools if isinstance(tools, list) else ()):
        function = tool.get("function") if isinstance(tool, Mapping) else None
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str) and not _TOOL_NAME.match(name):
            return bad_request(
                f"Invalid 'tools[{index}].function.name': string does not match pattern. "
                "Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'."
            )
    return None


def _check_safety(body: Mapping[str, Any]) -> ErrorSpec | None:
    """`safety_check`: level low or high; high without a web tool takes tool_choice auto or
    none only (DeepSeek's safety guide, 2026-11-13)."""
    check = body.get("safety_check")
    if check is None:
        return None
    if not isinstance(check, Mapping) or check.get("level") not in ("low", "high"):
        return bad_request("safety_check.level must be low or high")
    tools = body.get("tools")
    listed = tools if isinstance(tools, list) else []
    web = any(isinstance(t, Mapping) and t.get("type") in _WEB_TOOLS for t in listed)
    forced = body.get("tool_choice") not in (None, "auto", "none")
    if check["level"] == "high" and not web and forced:
        return bad_request("with safety_check and no web tools, tool_choice must be auto or none")
    return None


def _check_reminders(messages: Sequence[Mapping[str, Any]]) -> ErrorSpec | None:
    """A latest_reminder message comes right before a user message."""
    for i, message in enumerate(messages):
        if message["role"] != "latest_reminder":
            continue
        following = messages[i + 1] if i + 1 < len(messages) else None
        if following is None or following["role"] != "user":
            return bad_request("latest_reminder must be followed by a user message")
    return None


def _check_thinking(
    body: Mapping[str, Any], messages: Sequence[Mapping[str, Any]]
) -> ErrorSpec | None:
    tool_choice = body.get("tool_choice")
    if tool_choice == "required" or isinstance(tool_choice, Mapping):
        return bad_request("Thinking mode does not support this tool_choice")
    if body.get("logprobs"):
        return bad_request("Thinking mode does not support the parameter `logprobs`")
    if body.get("tools"):
        # Newest rule (docs/deepseek-api.md §2.3): with tools, tool-call turns must carry their
        # reasoning back; "" is accepted (pydantic-ai replays it), missing/null is not.
        for message in messages:
            lost = message.get("reasoning_content") is None
            if message["role"] == "assistant" and message.get("tool_calls") and lost:
                return bad_request(
                    with_request_id(
                        "The `reasoning_content` in the thinking mode must be passed back "
                        "to the API."
                    )
                )
    return None
