"""Response models: permissive on the way in (unknown fields kept, unknown finish reasons kept).

Shapes follow real traffic (docs/deepseek-api.md §3, §4.2, §6.3, §1.6, §1.7, and the recordings
in `tests/data/reference-traffic/`): `finish_reason` is any string (`insufficient_system_resource`
included), usage carries DeepSeek's cache fields, and everything optional is optional.
"""

# No `from __future__ import annotations`: pydantic would have to evaluate every field's
# annotation string when the class is created, which made importing these models slower.

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from ._messages import AssistantMessage, ToolCall

_OPEN = ConfigDict(extra="allow", defer_build=True)  # built on first use, as in _request

# Gateways and self-hosted servers (OpenRouter, some vLLM builds) send the chain of thought as
# `reasoning`; it is read into `reasoning_content` when that is absent, so it is kept, and sent
# back under DeepSeek's name (README "Gateways and self-hosted servers").
_REASONING = AliasChoices("reasoning_content", "reasoning")


class PromptTokensDetails(BaseModel):
    model_config = _OPEN
    cached_tokens: int | None = None


class CompletionTokensDetails(BaseModel):
    model_config = _OPEN
    reasoning_tokens: int | None = None


class Usage(BaseModel):
    """Token usage as DeepSeek reports it (docs/deepseek-api.md §3.3)."""

    model_config = _OPEN
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_cache_hit_tokens: int | None = None
    prompt_cache_miss_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None

    @property
    def cache_hit_tokens(self) -> int:
        """Input tokens served from the context cache (billed at the cache-hit price)."""
        if self.prompt_cache_hit_tokens is not None:
            return self.prompt_cache_hit_tokens
        details = self.prompt_tokens_details
        return details.cached_tokens or 0 if details else 0

    @property
    def cache_miss_tokens(self) -> int:
        """Input tokens not in the cache."""
        if self.prompt_cache_miss_tokens is not None:
            return self.prompt_cache_miss_tokens
        return max(self.prompt_tokens - self.cache_hit_tokens, 0)

    @property
    def reasoning_tokens(self) -> int:
        """Chain-of-thought tokens (part of `completion_tokens`)."""
        details = self.completion_tokens_details
        return details.reasoning_tokens or 0 if details else 0


class WireFunction(BaseModel):
    model_config = _OPEN
    name: str = ""
    arguments: str = ""


class WireToolCall(BaseModel):
    """A tool call in a non-streaming message (DeepSeek adds a non-standard `index`)."""

    model_config = _OPEN
    index: int | None = None
    id: str = ""
    type: str = "function"
    function: WireFunction


class ResponseMessage(BaseModel):
    """The assistant message of a completion."""

    model_config = _OPEN
    role: str = "assistant"
    content: str | None = None
    reasoning_content: str | None = Field(default=None, validation_alias=_REASONING)
    tool_calls: list[WireToolCall] | None = None

    def to_message(self) -> AssistantMessage:
        """The neutral message to keep in history (reasoning kept exactly, `""` included)."""
        calls = tuple(
            ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments)
            for c in self.tool_calls or ()
        )
        extra = self.__pydantic_extra__
        return AssistantMessage(
            content=self.content,
            tool_calls=calls,
            reasoning_content=self.reasoning_content,
            extra_fields=dict(extra) if extra else None,
        )


class Choice(BaseModel):
    model_config = _OPEN
    index: int = 0
    message: ResponseMessage
    logprobs: dict[str, Any] | None = None
    finish_reason: str | None = None


class WithRequestId(BaseModel):
    """A response body that keeps the request id of the HTTP response it came in."""

    # A plain field rather than a PrivateAttr: a private attribute costs every parse its
    # initialisation and every read a trip through pydantic's `__getattr__` (3 µs a call).
    request_id: str | None = Field(default=None, exclude=True, repr=False)
    """DeepSeek's `x-ds-trace-id` for this response, when the HTTP layer saw one (set by the
    client from the headers; never dumped)."""


class ChatCompletion(WithRequestId):
    """A non-streaming chat completion (docs/deepseek-api.md §3.1)."""

    model_config = _OPEN
    id: str
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None

    @property
    def message(self) -> ResponseMessage:
        """The (only) choice's message."""
        return self.choices[0].message

    @property
    def finish_reason(self) -> str | None:
        return self.choices[0].finish_reason if self.choices else None


class ChunkFunction(BaseModel):
    model_config = _OPEN
    name: str | None = None
    arguments: str | None = None


class ChunkToolCall(BaseModel):
    """A tool-call fragment; `id` and `name` arrive only on an index's first fragment
    (docs/deepseek-api.md §4.3)."""

    model_config = _OPEN
    index: int = 0
    id: str | None = None
    type: str | None = None
    function: ChunkFunction | None = None


class ChunkDelta(BaseModel):
    model_config = _OPEN
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = Field(default=None, validation_alias=_REASONING)
    tool_calls: list[ChunkToolCall] | None = None


class ChunkChoice(BaseModel):
    model_config = _OPEN
    index: int = 0
    delta: ChunkDelta = ChunkDelta()
    logprobs: dict[str, Any] | None = None
    finish_reason: str | None = None


class ChatCompletionChunk(BaseModel):
    """One streamed chunk (docs/deepseek-api.md §4.2); `choices` may be empty on a trailing
    usage-only chunk."""

    model_config = _OPEN
    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = []
    usage: Usage | None = None
    system_fingerprint: str | None = None


class FIMChoice(BaseModel):
    model_config = _OPEN
    index: int = 0
    text: str = ""
    logprobs: dict[str, Any] | None = None
    finish_reason: str | None = None


class FIMCompletion(WithRequestId):
    """A FIM completion or one streamed FIM chunk (docs/deepseek-api.md §6.3, §4.5)."""

    model_config = _OPEN
    id: str = ""
    object: str = "text_completion"
    created: int = 0
    model: str = ""
    choices: list[FIMChoice] = []
    usage: Usage | None = None
    system_fingerprint: str | None = None

    @property
    def text(self) -> str:
        return "".join(choice.text for choice in self.choices)


class ModelInfo(BaseModel):
    """One entry of `GET /models` (newer entries carry more optional fields)."""

    model_config = _OPEN
    id: str
    object: str = "model"
    owned_by: str | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None


class ModelList(BaseModel):
    model_config = _OPEN
    object: str = "list"
    data: list[ModelInfo] = []


class BalanceInfo(BaseModel):
    """One currency's balance; amounts are decimal strings on the wire (docs/deepseek-api.md
    §1.7)."""

    model_config = _OPEN
    currency: str
    total_balance: Decimal
    granted_balance: Decimal
    topped_up_balance: Decimal


class Balance(BaseModel):
    model_config = _OPEN
    is_available: bool
    balance_infos: list[BalanceInfo] = []
