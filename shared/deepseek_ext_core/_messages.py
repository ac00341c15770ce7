"""Neutral conversation messages: what both adapters translate their framework messages into.

They mirror DeepSeek's stateless multi-round format (docs/deepseek-api.md §2.2) but stay free of
wire details, so the pass-back rule and the conversation checks live in one place
(`_history.py`). All are frozen: converters build new ones and never mutate the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

SERVER_TURN_KEY = "responses_server_turn"
"""The `extra_fields` key of a `/responses` turn in which DeepSeek ran server tools
(`web_search`): the turn's output items in their order, which the next `/responses` request sends
back (`web_search_call` items go back as they came: docs/deepseek-api.md §6.7). Chat completions
have no place for them."""


@dataclass(frozen=True, slots=True)
class TextPart:
    """A text part of a user message."""

    text: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image part of a user message: an http(s) URL or a `data:` URL."""

    url: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file part of a user message (docs/deepseek-api.md §6.8): the id of an uploaded file
    (`upload_file`), or the file inline as a `data:` URL with its `filename`."""

    file_id: str | None = None
    file_data: str | None = None
    filename: str | None = None


ContentPart: TypeAlias = TextPart | ImagePart | FilePart


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call made by the model; `arguments` is the raw JSON string it produced."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class SystemMessage:
    """A system prompt."""

    content: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class UserMessage:
    """A user turn: plain text, or parts (text and images) for models that take images."""

    content: str | tuple[ContentPart, ...]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class AssistantMessage:
    """An assistant turn as stored in history.

    `reasoning_content` is kept exactly as received (including `""`): DeepSeek requires it back
    on tool-call turns in thinking mode (docs/deepseek-api.md §2.3). `prefix=True` marks the last
    message as a chat prefix completion (docs/deepseek-api.md §6.2); its `reasoning_content` is then
    the reasoning prefix.
    """

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning_content: str | None = None
    name: str | None = None
    prefix: bool = False
    extra_fields: Mapping[str, Any] | None = None
    """Fields of DeepSeek's answer this library does not model (server tool blocks, citations,
    whatever comes next), sent back unchanged with the message, as DeepSeek asks."""


@dataclass(frozen=True, slots=True)
class LatestReminderMessage:
    """DeepSeek's `latest_reminder` message: the date, weekday, location, platform and language
    of the user it comes before (docs/deepseek-api.md §6.10). Place it right before its user
    message; `content` is `"<date>,<weekday>,<location>,<platform>,<language>"`, see `build`."""

    content: str

    @classmethod
    def build(
        cls, *, date: str, weekday: str, location: str = "", platform: str, language: str
    ) -> LatestReminderMessage:
        """The message from its parts: `date` as YYYY-MM-DD, `weekday` written in `language`
        ("Monday", "星期一"), `location` optional, `platform` "App" or "Web", `language` named
        in itself ("English", "中文")."""
        return cls(",".join((date, weekday, location, platform, language)))


@dataclass(frozen=True, slots=True)
class ToolMessage:
    """The result of one tool call, answering `tool_call_id`."""

    content: str
    tool_call_id: str


Message: TypeAlias = (
    SystemMessage | UserMessage | AssistantMessage | ToolMessage | LatestReminderMessage
)

ReasoningPassback: TypeAlias = Literal["auto", "always", "never"]
"""How `reasoning_content` is sent back (docs/deepseek-api.md §2.3).

- `auto`: every assistant message that has it, when the request carries tools or the message has
  tool_calls; `""` for a tool-call turn whose reasoning was lost. Satisfies every era's rule.
- `always`: every assistant message that has it, tools or not (byte-stable prefixes for caching).
- `never`: strip it (only for legacy R1-style proxies that reject it).
"""
