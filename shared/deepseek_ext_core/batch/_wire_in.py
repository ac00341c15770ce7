"""Wire-format messages (as a batch file holds them) read back into the core's neutral messages,
so a batch line goes through the same checks and the same pass-back rule as any other request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._messages import (
    AssistantMessage,
    ContentPart,
    FilePart,
    ImagePart,
    LatestReminderMessage,
    Message,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
)

__all__ = ["messages_from_wire"]

_FIELDS = {
    "system": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "tool": {"role", "content", "tool_call_id"},
    "latest_reminder": {"role", "content"},
}


def messages_from_wire(value: object) -> tuple[Message, ...]:
    """`body["messages"]` as neutral messages; `ValueError` naming the message and field."""
    if not isinstance(value, list) or not value:
        raise ValueError("messages must be a non-empty list")
    return tuple(_message(item, index) for index, item in enumerate(value))


def _message(item: object, index: int) -> Message:
    if not isinstance(item, Mapping):
        raise ValueError(f"messages[{index}] is not an object")
    role = item.get("role")
    if role == "assistant":
        return _assistant(item, index)
    if role not in _FIELDS:
        raise ValueError(f"messages[{index}] has an unknown role {role!r}")
    unknown = set(item) - _FIELDS[role]
    if unknown:
        raise ValueError(f"messages[{index}] ({role}) has unknown fields {sorted(unknown)}")
    if role == "user":
        return UserMessage(_user_content(item.get("content"), index), name=item.get("name"))
    content = _text(item.get("content"), index)
    if role == "system":
        return SystemMessage(content, name=item.get("name"))
    if role == "tool":
        return ToolMessage(content, tool_call_id=_string(item, "tool_call_id", index))
    return LatestReminderMessage(content)


def _assistant(item: Mapping[str, Any], index: int) -> AssistantMessage:
    content = item.get("content")
    if content is not None:
        content = _text(content, index)
    calls = tuple(_tool_call(call, index) for call in item.get("tool_calls") or ())
    known = {"role", "content", "tool_calls", "reasoning_content", "name", "prefix"}
    extra = {key: value for key, value in item.items() if key not in known}
    return AssistantMessage(
        content=content,
        tool_calls=calls,
        reasoning_content=item.get("reasoning_content"),
        name=item.get("name"),
        prefix=bool(item.get("prefix", False)),
        # Fields DeepSeek added after this client (docs/deepseek-api.md §6.10) go back as given.
        extra_fields=extra or None,
    )


def _tool_call(call: object, index: int) -> ToolCall:
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        raise ValueError(f"messages[{index}].tool_calls holds an entry without a function")
    function = call["function"]
    arguments = function.get("arguments", "")
    if not isinstance(arguments, str):
        raise ValueError(f"messages[{index}].tool_calls: arguments must be a JSON string")
    return ToolCall(
        id=_string(call, "id", index),
        name=_string(function, "name", index),
        arguments=arguments,
    )


def _user_content(content: object, index: int) -> str | tuple[ContentPart, ...]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ValueError(f"messages[{index}].content must be a string or a list of parts")
    return tuple(_part(part, index) for part in content)


def _part(part: object, index: int) -> ContentPart:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if isinstance(part, Mapping) and kind == "text" and isinstance(part.get("text"), str):
        return TextPart(part["text"])
    if isinstance(part, Mapping) and kind == "image_url":
        image = part.get("image_url")
        if isinstance(image, Mapping) and isinstance(image.get("url"), str):
            return ImagePart(image["url"], detail=image.get("detail"))
    if isinstance(part, Mapping) and kind == "file" and isinstance(part.get("file"), Mapping):
        file = part["file"]
        return FilePart(
            file_id=file.get("file_id"),
            file_data=file.get("file_data"),
            filename=file.get("filename"),
        )
    raise ValueError(f"messages[{index}].content holds a part of unknown form {kind!r}")


def _text(content: object, index: int) -> str:
    """A system, tool or assistant content: a string, or a list of text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(part, Mapping) and part.get("type") == "text" for part in content
    ):
        return "".join(str(part.get("text", "")) for part in content)
    raise ValueError(f"messages[{index}].content must be a string or a list of text parts")


def _string(item: Mapping[str, Any], key: str, index: int) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"messages[{index}].{key} must be a non-empty string")
    return value
