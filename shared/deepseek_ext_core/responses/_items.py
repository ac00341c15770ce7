"""The `input` of a Responses request from the core's neutral messages, with DeepSeek's replay
rules applied so that no request meets their 400s (docs/deepseek-api.md §6.7):

- in thinking mode with tools, each assistant turn's reasoning goes back as a `reasoning` item
  with its text, before that turn's items ("The `reasoning_text` in the thinking mode must be
  passed back to the API");
- one turn's calls come before their outputs: DeepSeek merges a turn's calls into one assistant
  message, so the interleaved order is a 400 ("No tool output found for tool call ...");
- every `function_call` has its `function_call_output` (a missing one is refused here, by id);
- `latest_reminder` messages are refused by this endpoint, so here too, before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._errors import InvalidConversationError, InvalidRequestError
from .._history import check_tool_protocol
from .._messages import (
    SERVER_TURN_KEY,
    AssistantMessage,
    ImagePart,
    LatestReminderMessage,
    Message,
    SystemMessage,
    TextPart,
    ToolMessage,
    UserMessage,
)

__all__ = ["to_response_items"]


def to_response_items(messages: Sequence[Message], *, thinking: bool) -> list[dict[str, Any]]:
    """The wire items of `messages` (a new list; the messages are not changed)."""
    # The same rule as chat: every call answered right after its turn, once (`_history`).
    check_tool_protocol(messages)
    items: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, LatestReminderMessage):
            raise InvalidRequestError(
                "latest_reminder messages are refused by DeepSeek's /responses endpoint "
                "(docs/deepseek-api.md §6.10): send them through chat completions, or drop them"
            )
        if isinstance(message, ToolMessage):
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.tool_call_id,
                    "output": message.content,
                }
            )
        elif isinstance(message, SystemMessage):
            items.append({"type": "message", "role": "system", "content": message.content})
        elif isinstance(message, UserMessage):
            items.append({"type": "message", "role": "user", "content": _user_content(message)})
        elif isinstance(message, AssistantMessage):
            items += _assistant_items(message, thinking=thinking)
    return items


def _user_content(message: UserMessage) -> str | list[dict[str, Any]]:
    if isinstance(message.content, str):
        return message.content
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            parts.append({"type": "input_text", "text": part.text})
        elif isinstance(part, ImagePart):
            parts.append({"type": "input_image", "image_url": part.url})
        else:
            raise InvalidRequestError(
                f"/responses takes text and images in user messages, not {type(part).__name__}"
            )
    return parts


def _assistant_items(message: AssistantMessage, *, thinking: bool) -> list[dict[str, Any]]:
    """One assistant turn: its reasoning first, then its text, then all its calls together."""
    items: list[dict[str, Any]] = []
    fields = dict(message.extra_fields or {})
    server_turn = fields.pop(SERVER_TURN_KEY, None)
    if fields:  # a chat answer's own fields: /responses has no place for them
        raise InvalidConversationError(
            f"an assistant turn carries DeepSeek chat fields {sorted(fields)}, which /responses "
            "has no place for; send this history through chat completions, or remove them "
            "from the message's DeepSeek fields"
        )
    if server_turn is not None:
        items += _server_turn_items(server_turn)
    elif message.reasoning_content:
        items.append(
            {
                "type": "reasoning",
                "summary": [],
                "content": [{"type": "reasoning_text", "text": message.reasoning_content}],
            }
        )
    elif thinking and message.tool_calls:
        raise InvalidConversationError(
            "an assistant turn with tool calls has no reasoning to pass back, which DeepSeek "
            "requires in thinking mode (keep the turn's reasoning_content, or turn thinking off)"
        )
    if message.content and server_turn is None:
        items.append(
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": message.content}],
            }
        )
    items += [
        {
            "type": "function_call",
            "call_id": call.id,
            "name": call.name,
            "arguments": call.arguments or "{}",
        }
        for call in message.tool_calls
    ]
    return items


def _server_turn_items(output: Any) -> list[dict[str, Any]]:
    """A server-tool turn's items in their order: `web_search_call` items as they came,
    reasoning and text rebuilt in the input shape; its function calls follow from `tool_calls`."""
    if not isinstance(output, list) or not all(isinstance(i, dict) for i in output):
        raise InvalidConversationError(
            f"an assistant turn's {SERVER_TURN_KEY!r} must be the list of its output items"
        )
    items: list[dict[str, Any]] = []
    for item in output:
        kind = item.get("type")
        texts = [p.get("text", "") for p in item.get("content") or () if isinstance(p, dict)]
        if kind == "reasoning" and any(texts):
            items.append(
                {
                    "type": "reasoning",
                    "summary": [],
                    "content": [{"type": "reasoning_text", "text": "".join(texts)}],
                }
            )
        elif kind == "message" and any(texts):
            items.append(
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "".join(texts)}],
                }
            )
        elif kind == "web_search_call":
            items.append(dict(item))
    return items
