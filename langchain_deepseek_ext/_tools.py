"""LangChain tool definitions and `tool_choice` values -> the OpenAI-style dicts the core takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from deepseek_ext_core.integration import is_server_tool_spec

__all__ = ["format_tool", "is_azure_endpoint", "tool_choice_to_wire"]


def is_azure_endpoint(base_url: str | None) -> bool:
    """Whether `base_url` is an Azure deployment (`*.azure.com`), as langchain-deepseek tells."""
    host = urlsplit(base_url or "").hostname or ""
    return host == "azure.com" or host.endswith(".azure.com")


def tool_choice_to_wire(
    choice: dict[str, Any] | str | bool | None, tools: Sequence[dict[str, Any]]
) -> dict[str, Any] | str | None:
    """`"any"` -> `"required"`; True -> the only tool (or `"required"`); a name -> named choice."""
    if choice is None or choice is False:
        return None
    if choice is True:
        functions = [tool for tool in tools if not is_server_tool_spec(tool)]
        if len(functions) == 1:
            return _named(functions[0]["function"]["name"])
        return "required"
    if isinstance(choice, dict):
        return choice
    if choice in ("auto", "none", "required"):
        return choice
    if choice == "any":
        return "required"
    return _named(choice)


def format_tool(
    tool: dict[str, Any] | type | Callable[..., Any] | BaseTool, strict: bool | None
) -> dict[str, Any]:
    """An OpenAI-format tool dict; `strict` is set explicitly, even on dict input. A dict whose
    `type` is not `function` (a server-side tool such as `{"type": "deepseek_web_search"}`) is
    sent as given."""
    if isinstance(tool, dict) and is_server_tool_spec(tool):
        return dict(tool)
    formatted = convert_to_openai_tool(tool, strict=strict)
    if strict is not None:  # OpenAI-format dicts come back unchanged, without `strict`
        formatted = {**formatted, "function": {**formatted["function"], "strict": strict}}
    return formatted


def _named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}
