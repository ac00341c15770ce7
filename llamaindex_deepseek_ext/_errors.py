"""The LlamaIndex adapter's own exception; every other error is the core's (`deepseek_ext_core`).

```
ValueError
 └── ToolArgumentsError    a finished tool call whose arguments are not a JSON object,
                           raised only with `get_tool_calls_from_response(strict_arguments=True)`
```
"""

from __future__ import annotations

__all__ = ["ToolArgumentsError"]


class ToolArgumentsError(ValueError):
    """The model produced tool-call arguments that are not a JSON object (docs/deepseek-api.md
    §5.4)."""
