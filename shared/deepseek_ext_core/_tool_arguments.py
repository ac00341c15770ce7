"""Tool-call arguments as the model wrote them, and as they can be sent back.

The model writes arguments as JSON text, and that text is not always JSON: a tool without
parameters gets `""`, and a model can write `{"city": Paris}` (docs/deepseek-api.md §5.4).
A framework keeps the text as written, so its user and the agent can see what went wrong. What
goes back to DeepSeek in the history must be valid either way, since DeepSeek does not document
whether it accepts non-JSON arguments: valid JSON text is sent byte for byte (it is part of the
cached prefix), anything else as `{}`, and the tool result that answers the call says what was
wrong.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["parse_tool_arguments", "wire_tool_arguments"]


def parse_tool_arguments(text: str | None) -> dict[str, Any] | None:
    """The arguments as a dict: `{}` for empty text, None when the text is not a JSON object."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def wire_tool_arguments(text: str | None) -> str:
    """The arguments to send back: the text itself when it is JSON, else `"{}"`."""
    if text is None or not text.strip():
        return "{}"
    try:
        json.loads(text)
    except ValueError:
        return "{}"
    return text
