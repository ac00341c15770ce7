"""What each model name can do, as data (docs/deepseek-api.md §1.4, §1.5, §2.4, §6).

Adapters read context windows, thinking defaults and feature support from here instead of
branching on model names. Unknown names (a model released after this table) pass through with
conservative defaults that the caller can override.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

ONE_MILLION = 1_048_576
V4_MAX_OUTPUT = 393_216


@dataclass(frozen=True, slots=True)
class ModelCapabilities:
    """The facts a client needs about one model name."""

    model: str
    """The name the caller sends."""
    canonical: str
    """The id DeepSeek answers with (`model` in responses)."""
    context_window: int
    max_output_tokens: int
    thinking_default: bool
    """Whether thinking is on when the request says nothing."""
    thinking_switchable: bool
    """Whether `thinking: {"type": ...}` can change the mode."""
    effort_levels: tuple[str, ...]
    tools: bool
    json_mode: bool
    fim: bool
    prefix: bool
    image_input: bool
    known: bool = True
    """False for a name not in the table (defaults were guessed)."""


_EFFORTS = ("low", "high", "max")

_V4_FLASH: dict[str, Any] = {
    "canonical": "deepseek-flash",
    "context_window": ONE_MILLION,
    "max_output_tokens": V4_MAX_OUTPUT,
    "thinking_default": True,
    "thinking_switchable": True,
    "effort_levels": _EFFORTS,
    "tools": True,
    "json_mode": True,
    "fim": True,
    "prefix": True,
    "image_input": True,
}

_TABLE: dict[str, dict[str, Any]] = {
    "deepseek-flash": _V4_FLASH,
    "deepseek-v4-flash": _V4_FLASH,
    "deepseek-v4-flash-vision-exp": _V4_FLASH,
    "deepseek-v4-pro": {**_V4_FLASH, "canonical": "deepseek-v4-pro", "image_input": False},
    # Legacy names: aliases of Flash's two modes since 2026-04 (docs/deepseek-api.md §1.4, §12.2).
    "deepseek-chat": {**_V4_FLASH, "thinking_default": False, "image_input": False},
    "deepseek-reasoner": {**_V4_FLASH, "image_input": False},
}

_UNKNOWN: dict[str, Any] = {
    "context_window": 131_072,
    "max_output_tokens": 8_192,
    "thinking_default": False,
    "thinking_switchable": True,
    "effort_levels": _EFFORTS,
    "tools": True,
    "json_mode": True,
    "fim": False,
    "prefix": True,
    "image_input": False,
}

KNOWN_MODELS: tuple[str, ...] = tuple(_TABLE)

# Built once: every request looks its model up, and the objects are frozen.
_KNOWN: dict[str, ModelCapabilities] = {
    name: ModelCapabilities(model=name, **entry) for name, entry in _TABLE.items()
}


def get_capabilities(model: str, **overrides: Any) -> ModelCapabilities:
    """The capabilities of `model`; keyword arguments override single fields."""
    caps = _KNOWN.get(model)
    if caps is None:
        caps = ModelCapabilities(model=model, canonical=model, known=False, **_UNKNOWN)
    return replace(caps, **overrides) if overrides else caps
