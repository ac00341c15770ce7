"""Helpers for the LlamaIndex suite."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from deepseek_ext_emulator import Emulator, Fault, Reply
from llamaindex_deepseek_ext import DeepSeek

T = TypeVar("T")

API_KEY = "test-key"


class Emu:
    """A started emulator with helpers: script replies, build LLMs, read what was sent."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    @property
    def beta_base_url(self) -> str:
        return self.emulator.beta_base_url

    def script(self, *replies: Reply | Fault) -> None:
        self.emulator.push(*replies)

    def llm(self, **kwargs: Any) -> DeepSeek:
        kwargs.setdefault("model", "deepseek-flash")
        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("beta_base_url", self.beta_base_url)
        return DeepSeek(api_key=API_KEY, api_base=self.base_url, **kwargs)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.emulator.requests]

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.emulator.requests]


def collect(responses: Iterable[T]) -> T:
    """The last item of a stream (consuming all of it)."""
    last: T | None = None
    for last in responses:  # noqa: B007
        pass
    assert last is not None, "the stream yielded nothing"
    return last
