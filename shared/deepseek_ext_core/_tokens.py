"""Offline token estimates (deepseek-api.md §9): never downloads anything.

DeepSeek documents rough ratios: one English character is about 0.3 tokens, one Chinese
character about 0.6. The estimate counts CJK characters and everything else apart; billing always
uses the server's `usage`. Chat messages add a few tokens of role markers each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._messages import AssistantMessage, Message, TextPart, ToolMessage, UserMessage

_PER_MESSAGE_OVERHEAD = 4
_IMAGE_TOKENS = 1024  # the larger of the two documented per-image caps (§12.10)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3040 <= code <= 0x30FF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
    )


def count_tokens(text: str) -> int:
    """Estimated tokens in `text` by DeepSeek's character ratios."""
    if not text:
        return 0
    if text.isascii():
        return math.ceil(len(text) * 0.3)
    cjk = sum(1 for char in text if _is_cjk(char))
    return math.ceil((len(text) - cjk) * 0.3 + cjk * 0.6)


def _message_text(message: Message) -> tuple[str, int]:
    """The text of a message, and the tokens of its non-text parts."""
    if isinstance(message, UserMessage) and not isinstance(message.content, str):
        text = "".join(p.text for p in message.content if isinstance(p, TextPart))
        images = sum(1 for p in message.content if not isinstance(p, TextPart))
        return text, images * _IMAGE_TOKENS
    if isinstance(message, AssistantMessage):
        calls = "".join(c.name + c.arguments for c in message.tool_calls)
        return (message.content or "") + (message.reasoning_content or "") + calls, 0
    if isinstance(message, ToolMessage):
        return message.content, 0
    return str(message.content), 0


def count_message_tokens(messages: Sequence[Message]) -> int:
    """Estimated prompt tokens of a conversation."""
    total = 0
    for message in messages:
        text, extra = _message_text(message)
        total += count_tokens(text) + extra + _PER_MESSAGE_OVERHEAD
    return total
