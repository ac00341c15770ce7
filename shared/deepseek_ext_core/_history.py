"""History to wire: the stateless multi-round `messages` list.

DeepSeek's rules for it: docs/deepseek-api.md §2.2, §2.3, §6.5.

One function, `to_wire_messages`, checks the conversation the way DeepSeek does and applies the
reasoning pass-back rule. DeepSeek changed that rule three times (docs/deepseek-api.md §2.3); the
`auto` policy sends what every era accepts: keep `reasoning_content` on every assistant message that
has it when the request carries tools or the message made tool calls, and `""` for a tool-call turn
whose reasoning was lost (history imported from another provider, say).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ._errors import InvalidConversationError
from ._messages import (
    SERVER_TURN_KEY,
    AssistantMessage,
    FilePart,
    ImagePart,
    LatestReminderMessage,
    Message,
    ReasoningPassback,
    SystemMessage,
    TextPart,
    ToolMessage,
    UserMessage,
)

WireMessage = dict[str, Any]


def to_wire_messages(
    messages: Sequence[Message],
    *,
    has_tools: bool,
    passback: ReasoningPassback = "auto",
) -> list[WireMessage]:
    """Checks `messages` and returns DeepSeek's wire form; never mutates the input.

    Raises `InvalidConversationError` naming the offending message index.
    """
    if not messages:
        raise InvalidConversationError("the message list is empty: send at least one message")
    check_tool_protocol(messages)
    _check_reminder_places(messages)
    last = len(messages) - 1
    return [
        _to_wire(message, index, is_last=index == last, has_tools=has_tools, passback=passback)
        for index, message in enumerate(messages)
    ]


def _to_wire(
    message: Message, index: int, *, is_last: bool, has_tools: bool, passback: ReasoningPassback
) -> WireMessage:
    if isinstance(message, AssistantMessage):
        return _assistant_to_wire(
            message, index, is_last=is_last, has_tools=has_tools, passback=passback
        )
    if isinstance(message, UserMessage):
        wire: WireMessage = {"role": "user", "content": _user_content(message, index)}
        if message.name is not None:
            wire["name"] = message.name
        return wire
    if isinstance(message, SystemMessage):
        _require_str(message.content, index, "system content")
        wire = {"role": "system", "content": message.content}
        if message.name is not None:
            wire["name"] = message.name
        return wire
    if isinstance(message, ToolMessage):
        _require_str(message.content, index, "tool content")
        return {"role": "tool", "content": message.content, "tool_call_id": message.tool_call_id}
    if isinstance(message, LatestReminderMessage):
        _check_reminder(message.content, index)
        return {"role": "latest_reminder", "content": message.content}
    raise InvalidConversationError(
        f"message {index}: unknown message type {type(message).__name__}; "
        "use SystemMessage, UserMessage, AssistantMessage or ToolMessage"
    )


def _require_str(value: object, index: int, what: str) -> None:
    if not isinstance(value, str):
        raise InvalidConversationError(f"message {index}: {what} must be a string")


def _user_content(message: UserMessage, index: int) -> str | list[dict[str, Any]]:
    if isinstance(message.content, str):
        return message.content
    if not isinstance(message.content, tuple | list) or not message.content:
        raise InvalidConversationError(f"message {index}: user content must be text or parts")
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            parts.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart):
            image: dict[str, Any] = {"url": part.url}
            if part.detail is not None:
                image["detail"] = part.detail
            parts.append({"type": "image_url", "image_url": image})
        elif isinstance(part, FilePart):
            parts.append({"type": "file", "file": _file_body(part, index)})
        else:
            raise InvalidConversationError(
                f"message {index}: unknown content part {type(part).__name__}"
            )
    return parts


def _file_body(part: FilePart, index: int) -> dict[str, str]:
    if (part.file_id is None) == (part.file_data is None):
        raise InvalidConversationError(
            f"message {index}: a file part needs a file_id or file_data, not both"
        )
    if part.file_id is not None:
        return {"file_id": part.file_id}
    assert part.file_data is not None
    body = {"file_data": part.file_data}
    if part.filename is not None:
        body["filename"] = part.filename
    return body


def _should_send_reasoning(
    message: AssistantMessage, *, is_last: bool, has_tools: bool, passback: ReasoningPassback
) -> bool:
    if passback == "never":
        return False
    if message.tool_calls:
        # `""` when the reasoning of a tool-call turn was lost (docs/deepseek-api.md §2.3).
        return True
    if passback == "always" or has_tools or (is_last and message.prefix):
        return message.reasoning_content is not None
    return False


def _assistant_to_wire(
    message: AssistantMessage,
    index: int,
    *,
    is_last: bool,
    has_tools: bool,
    passback: ReasoningPassback,
) -> WireMessage:
    if message.prefix and not is_last:
        raise InvalidConversationError(
            f"message {index}: only the last message may be a prefix (chat prefix completion)"
        )
    if (
        message.content is None
        and not message.tool_calls
        and message.reasoning_content is None
        and not message.extra_fields
    ):
        raise InvalidConversationError(
            f"message {index}: an assistant message needs content or tool_calls"
        )
    wire: WireMessage = {"role": "assistant", "content": message.content or ""}
    if _should_send_reasoning(message, is_last=is_last, has_tools=has_tools, passback=passback):
        # A tool-call turn whose reasoning was lost still gets the key (docs/deepseek-api.md §2.3).
        wire["reasoning_content"] = message.reasoning_content or ""
    if message.tool_calls:
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": _checked_arguments(call.arguments, index),
                },
            }
            for call in message.tool_calls
        ]
    if message.name is not None:
        wire["name"] = message.name
    if message.prefix:
        wire["prefix"] = True
    if SERVER_TURN_KEY in (message.extra_fields or {}):
        raise InvalidConversationError(
            f"message {index}: a /responses turn with server tool calls ({SERVER_TURN_KEY}), "
            "which chat completions have no place for; send this history through /responses "
            "(use_responses_api=True, DeepSeekResponses)"
        )
    for key, value in (message.extra_fields or {}).items():
        wire.setdefault(key, value)  # DeepSeek's own fields, sent back unchanged
    return wire


def _checked_arguments(arguments: str, index: int) -> str:
    try:
        json.loads(arguments)
    except (TypeError, ValueError) as exc:
        raise InvalidConversationError(
            f"message {index}: tool call arguments are not JSON: {str(arguments)[:80]!r}"
        ) from exc
    return arguments


def check_tool_protocol(messages: Sequence[Message]) -> None:
    """Every tool_calls message is followed by exactly one tool message per call id
    (docs/deepseek-api.md §2.2)."""
    pending: dict[str, int] = {}
    for index, message in enumerate(messages):
        if isinstance(message, ToolMessage):
            if message.tool_call_id not in pending:
                raise InvalidConversationError(
                    f"message {index}: tool result for {message.tool_call_id!r} does not answer "
                    "a tool call of the assistant message before it"
                )
            del pending[message.tool_call_id]
            continue
        if pending:
            _raise_unanswered(pending)
        if isinstance(message, AssistantMessage) and message.tool_calls:
            for call in message.tool_calls:
                if call.id in pending:
                    raise InvalidConversationError(
                        f"message {index}: duplicate tool call id {call.id!r}"
                    )
                pending[call.id] = index
    if pending:
        _raise_unanswered(pending)


def _raise_unanswered(pending: dict[str, int]) -> None:
    call_id, index = next(iter(pending.items()))
    raise InvalidConversationError(
        f"message {index}: tool call {call_id!r} has no tool result after it "
        "(DeepSeek needs one tool message per call id right after the tool_calls message)"
    )


_REMINDER_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLATFORMS = ("App", "Web")


def _check_reminder(content: object, index: int) -> None:
    """`<date>,<weekday>,<location>,<platform>,<language>`; the location may hold commas
    (docs/deepseek-api.md §6.10)."""
    if not isinstance(content, str):
        raise InvalidConversationError(f"message {index}: latest_reminder content must be text")
    fields = content.split(",")
    problem = None
    if len(fields) < 5:
        problem = "it needs five comma-separated fields"
    elif not _REMINDER_DATE.match(fields[0]):
        problem = f"the date {fields[0]!r} is not YYYY-MM-DD"
    elif not fields[1].strip():
        problem = "the weekday is empty"
    elif fields[-2] not in _PLATFORMS:
        problem = f"the platform {fields[-2]!r} is not App or Web"
    elif not fields[-1].strip():
        problem = "the language is empty"
    if problem is not None:
        raise InvalidConversationError(
            f"message {index}: latest_reminder content {content[:80]!r}: {problem} "
            "(<date>,<weekday>,<location>,<platform>,<language>, e.g. "
            "'2026-11-09,Monday,Singapore,Web,English')"
        )


def _check_reminder_places(messages: Sequence[Message]) -> None:
    """A latest_reminder message sits right before the user message it belongs to."""
    for index, message in enumerate(messages):
        if not isinstance(message, LatestReminderMessage):
            continue
        following = messages[index + 1] if index + 1 < len(messages) else None
        if not isinstance(following, UserMessage):
            raise InvalidConversationError(
                f"message {index}: a latest_reminder message must come right before the user "
                "message it belongs to"
            )
