"""What cassette matching compares of a request body, across Python versions.

Tool descriptions taken from docstrings differ by interpreter: Python 3.13 strips the common
indentation of every docstring when it compiles it, older versions keep it. What the adapters
send then differs in whitespace alone (the same as langchain-deepseek and LlamaIndex's OpenAI
classes send on each version), so a cassette recorded on one Python compares descriptions
with `inspect.cleandoc` applied: the text must match, the docstring indentation need not.
"""

from __future__ import annotations

import inspect
from typing import Any


def with_clean_tool_descriptions(body: Any) -> Any:
    """`body` with each `tools[].function.description` passed through `inspect.cleandoc`."""
    if not isinstance(body, dict) or not isinstance(body.get("tools"), list):
        return body
    return {**body, "tools": [_with_clean_description(tool) for tool in body["tools"]]}


def _with_clean_description(tool: Any) -> Any:
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("description"), str):
        return tool
    description = inspect.cleandoc(function["description"])
    return {**tool, "function": {**function, "description": description}}
