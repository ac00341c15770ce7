"""Request models: strict on the way out, so typos and out-of-range values fail before sending.

Every documented parameter of `POST /chat/completions` (docs/deepseek-api.md §2.1) and of FIM (`POST
/beta/completions`, docs/deepseek-api.md §6.3) is a typed field; `extra_body` is the one escape
hatch and is merged last into the JSON body.
"""

# No `from __future__ import annotations`: pydantic would have to evaluate every field's
# annotation string when the class is created, which made importing these models slower.

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._messages import (
    AssistantMessage,
    LatestReminderMessage,
    ReasoningPassback,
    SystemMessage,
    ToolMessage,
    UserMessage,
)

# defer_build: a model's validator is built on its first use, so the models a program never
# touches (FIM, balance, model list...) cost nothing, and `import deepseek_ext_core` less.
_STRICT = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)
_MESSAGE_TYPES = (SystemMessage, UserMessage, AssistantMessage, ToolMessage, LatestReminderMessage)

Stop: TypeAlias = str | Annotated[list[str], Field(max_length=16)]


class ToolFunction(BaseModel):
    """A function the model may call (docs/deepseek-api.md §5.1)."""

    model_config = _STRICT
    name: Annotated[str, Field(min_length=1)]
    """Any name a framework tool can have (`asana.create_task`, a 90-character MCP name): one
    DeepSeek refuses (it takes letters, digits, `_` and `-`, at most 64) is sent mapped, and the
    calls coming back carry it again (see `_tool_names`)."""
    description: str | None = None
    """What the function does; the model reads it."""
    parameters: dict[str, Any] | None = None
    """A JSON Schema object; omit for a function without parameters."""
    strict: bool | None = None
    """Strict mode (beta): the request goes to `/beta` and the schema is made strict
    (docs/deepseek-api.md §5.3)."""


class Tool(BaseModel):
    """A tool entry of `tools`; DeepSeek only has functions."""

    model_config = _STRICT
    type: Literal["function"] = "function"
    function: ToolFunction


class ServerTool(BaseModel):
    """A tool DeepSeek runs itself (`{"type": "deepseek_web_search"}`, ...) or any entry whose
    type is not `function`: sent as given, every field kept (docs/deepseek-api.md §6.10)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)
    type: str

    @field_validator("type")
    @classmethod
    def _not_a_function(cls, value: str) -> str:
        if value == "function":
            raise ValueError("a function tool needs a `function` entry")
        return value


def is_server_tool_spec(tool: object) -> bool:
    """Whether a tool given as a dict is one DeepSeek runs itself: its `type` is a name other
    than `function`, and it is not a JSON Schema (`"type": "object"`) meant as a function."""
    if not isinstance(tool, Mapping):
        return False
    kind = tool.get("type")
    schema_like = "function" in tool or "properties" in tool or "parameters" in tool
    return isinstance(kind, str) and kind not in ("function", "object") and not schema_like


WEB_TOOL_TYPES = frozenset({"deepseek_web_search", "deepseek_read_url"})
"""DeepSeek's server-side web tools (docs/deepseek-api.md §6.10)."""


class SafetyCheck(BaseModel):
    """`safety_check`: `high` turns on DeepSeek's review of input and output; `low` is the
    default review, as when it is left out (docs/deepseek-api.md §6.10)."""

    model_config = _STRICT
    level: Literal["low", "high"]


class FunctionName(BaseModel):
    """The function a named tool choice forces."""

    model_config = _STRICT
    name: str


class NamedToolChoice(BaseModel):
    """`tool_choice` that forces one function."""

    model_config = _STRICT
    type: Literal["function"] = "function"
    function: FunctionName


ToolChoice: TypeAlias = Literal["none", "auto", "required"] | NamedToolChoice


def json_mode_instruction(schema: Mapping[str, Any] | None = None) -> str:
    """A system instruction for JSON mode: DeepSeek needs the word "json" in the prompt, and has
    no `json_schema` format, so a schema, when there is one, is asked for in words
    (docs/deepseek-api.md §6.1)."""
    if schema is None:
        return "Respond with a single JSON object."
    text = json.dumps(schema, ensure_ascii=False)
    return (
        "Respond with a single JSON object, no prose and no code fences. "
        f"It must validate against this JSON Schema:\n{text}"
    )


class ResponseFormat(BaseModel):
    """`text` or `json_object`; DeepSeek has no `json_schema` format (docs/deepseek-api.md §6.1)."""

    model_config = _STRICT
    type: Literal["text", "json_object"]


class StreamOptions(BaseModel):
    """Streaming options; `include_usage` puts usage on the finish chunk."""

    model_config = _STRICT
    include_usage: bool


Temperature = Annotated[float, Field(ge=0, le=2)]
Penalty = Annotated[float, Field(ge=-2, le=2)]


ThinkingMode: TypeAlias = Literal["enabled", "disabled"]


def thinking_mode(value: ThinkingMode | bool | None) -> ThinkingMode | None:
    """`True`/`False`, as framework users often write it, as DeepSeek's `"enabled"`/`"disabled"`."""
    if isinstance(value, bool):
        return "enabled" if value else "disabled"
    return value


class ChatRequest(BaseModel):
    """A chat completion request in neutral terms; `prepare_chat_request` makes the wire body."""

    model_config = _STRICT
    model: Annotated[str, Field(min_length=1)]
    """The model id: `deepseek-flash`, `deepseek-v4-pro`, or a legacy name."""
    messages: Annotated[tuple[Any, ...], Field(min_length=1)]
    """The conversation so far, as neutral messages (`deepseek_ext_core.UserMessage`, ...)."""
    thinking: ThinkingMode | None = None
    """Thinking mode; None leaves the server default (on for the V4 family). Strict: a bool is
    refused here, and the adapters turn their users' True/False into these with
    `thinking_mode`."""
    reasoning_effort: Literal["low", "high", "max"] | None = None
    """Thinking effort; only sent in thinking mode."""
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    """Upper bound on reasoning plus answer tokens."""
    temperature: Temperature | None = None
    """Sampling temperature, 0 to 2; ignored by DeepSeek in thinking mode."""
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    """Nucleus sampling, 0 to 1."""
    frequency_penalty: Penalty | None = None
    """-2 to 2; deprecated by DeepSeek (no effect)."""
    presence_penalty: Penalty | None = None
    """-2 to 2; deprecated by DeepSeek (no effect)."""
    response_format: ResponseFormat | None = None
    """`{"type": "json_object"}` for JSON mode."""
    stop: Stop | None = None
    """Up to 16 stop sequences."""
    stream: bool = False
    """Stream the answer as server-sent events."""
    stream_options: StreamOptions | None = None
    """Defaults to `include_usage: true` when streaming."""
    tools: Annotated[list[Tool | ServerTool], Field(max_length=128)] | None = None
    """At most 128 functions; an entry of another type (a server-side tool) is sent as given."""
    tool_choice: ToolChoice | None = None
    """`none`, `auto`, `required` or a named function."""
    logprobs: bool | None = None
    """Return log probabilities of the output tokens."""
    top_logprobs: Annotated[int, Field(ge=0, le=20)] | None = None
    """0 to 20 alternatives per token; needs `logprobs`."""
    user_id: Annotated[str, Field(pattern=r"^[a-zA-Z0-9_-]+$", max_length=512)] | None = None
    """Your end user's id, for isolation and scheduling (docs/deepseek-api.md §10.1)."""
    safety_check: SafetyCheck | None = None
    """`{"level": "high"}` for DeepSeek's content review; with it and no web tool, only
    `tool_choice` `auto` or `none` is allowed."""
    reasoning_passback: ReasoningPassback = "auto"
    """How `reasoning_content` is sent back (never sent itself); see `ReasoningPassback`."""
    recover_text_tool_calls: bool = True
    """When tools are offered and the model writes its calls into the text as DSML or
    `<tool_call>` markup, recover them as real tool calls (never sent itself)."""
    extra_body: dict[str, Any] | None = None
    """Extra JSON fields, merged last into the body."""

    @field_validator("messages", mode="before")
    @classmethod
    def _known_messages(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for index, message in enumerate(value):
                if not isinstance(message, _MESSAGE_TYPES):
                    raise ValueError(
                        f"message {index} is a {type(message).__name__}, not a neutral message "
                        "(SystemMessage, UserMessage, AssistantMessage, ToolMessage, "
                        "LatestReminderMessage)"
                    )
            return tuple(value)
        return value


class FIMRequest(BaseModel):
    """A fill-in-the-middle completion (`POST /beta/completions`, docs/deepseek-api.md §6.3)."""

    model_config = _STRICT
    model: Annotated[str, Field(min_length=1)]
    """A model that supports FIM (non-thinking mode only)."""
    prompt: str
    """The text before the gap."""
    suffix: str | None = None
    """The text after the gap."""
    max_tokens: Annotated[int, Field(ge=1, le=4096)] | None = None
    """At most 4K for FIM."""
    temperature: Temperature | None = None
    """0 to 2."""
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    """0 to 1."""
    frequency_penalty: Penalty | None = None
    """-2 to 2."""
    presence_penalty: Penalty | None = None
    """-2 to 2."""
    stop: Stop | None = None
    """Up to 16 stop sequences."""
    echo: bool | None = None
    """Echo the prompt in the output."""
    logprobs: Annotated[int, Field(ge=0, le=20)] | None = None
    """Log probabilities of the top N tokens."""
    stream: bool = False
    """Stream the completion."""
    stream_options: StreamOptions | None = None
    """Defaults to `include_usage: true` when streaming."""
    extra_body: dict[str, Any] | None = None
    """Extra JSON fields, merged last into the body."""
