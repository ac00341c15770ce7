"""LangChain tool definitions and `tool_choice` values -> the OpenAI-style dicts the core takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

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
        if len(tools) == 1:
            return _named(tools[0]["function"]["name"])
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
    """An OpenAI-format tool dict; `strict` is set explicitly, even on dict input."""
    formatted = convert_to_openai_tool(tool, strict=strict)
    if strict is not None:  # OpenAI-format dicts come back unchanged, without `strict`
        formatted = {**formatted, "function": {**formatted["function"], "strict": strict}}
    return formatted


def _named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}
