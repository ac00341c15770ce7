"""The bad inputs the reliability suite covers, per surface: what to send, the error it must get.

Each `Case.make()` returns what its surface's runner in `test_rel_bad_input.py` needs:
core, the `ChatRequest` (building it may already raise); LangChain, `(input, bind_tools kwargs
or None, call kwargs)`; LlamaIndex, `(messages, tools or None, call kwargs)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from llama_index.core.base.llms.types import ChatMessage as LIMessage
from llama_index.core.base.llms.types import ImageBlock, TextBlock, ToolCallBlock
from llama_index.core.tools import FunctionTool
from pydantic import ValidationError

from deepseek_ext_core import (
    AssistantMessage,
    ChatRequest,
    ImagePart,
    InvalidConversationError,
    InvalidRequestError,
    StrictSchemaError,
    TextPart,
    ThinkingModeConflictError,
    Tool,
    ToolCall,
    ToolFunction,
    UnsupportedInputError,
    UserMessage,
)
from deepseek_ext_core import (
    ToolMessage as CoreToolMessage,
)

IMAGE_URL = "https://example.com/cat.png"
DATE_SCHEMA = {
    "type": "object",
    "properties": {"when": {"type": "string", "format": "date-time"}},
}
LOOKUP = Tool(function=ToolFunction(name="lookup", parameters={"type": "object", "properties": {}}))
LC_LOOKUP = {"type": "function", "function": {"name": "lookup", "parameters": DATE_SCHEMA}}


@dataclass(frozen=True)
class Case:
    """One bad input for one surface; `make` returns what the surface needs (see runners)."""

    name: str
    error: type[Exception]
    needle: str
    """A phrase the error message must contain (the error names the problem)."""
    make: Callable[[], Any]
    settings: dict[str, Any] = field(default_factory=dict)
    """LLM constructor settings (adapters)."""


# ---------------------------------------------------------------------------------------------
# Core: `make` returns the ChatRequest (building it may already raise)
# ---------------------------------------------------------------------------------------------


def _req(
    messages: list[Any], model: str = "deepseek-flash", **kwargs: Any
) -> Callable[[], ChatRequest]:
    return lambda: ChatRequest(model=model, messages=messages, **kwargs)


def _called(arguments: str = "{}") -> AssistantMessage:
    return AssistantMessage(tool_calls=(ToolCall("call_1", "lookup", arguments),))


HI = UserMessage("hi")
CORE_CASES = [
    Case(
        "unknown message type",
        ValidationError,
        "not a neutral message",
        _req([{"role": "wizard", "content": "hi"}]),
    ),
    Case(
        "tool result without a call",
        InvalidConversationError,
        "does not answer",
        _req([HI, CoreToolMessage("42", "call_9")]),
    ),
    Case(
        "tool call without its result",
        InvalidConversationError,
        "no tool result",
        _req([HI, _called(), UserMessage("next")]),
    ),
    Case(
        "non-JSON tool arguments",
        InvalidConversationError,
        "not JSON",
        _req([HI, _called("{oops"), CoreToolMessage("42", "call_1")]),
    ),
    Case("empty message list", ValidationError, "at least 1", _req([])),
    Case("temperature 2.5", ValidationError, "temperature", _req([HI], temperature=2.5)),
    Case("top_p 1.5", ValidationError, "top_p", _req([HI], top_p=1.5)),
    Case("max_tokens 0", ValidationError, "max_tokens", _req([HI], max_tokens=0)),
    Case(
        "max_tokens above the model's",
        InvalidRequestError,
        "max_tokens",
        _req([HI], max_tokens=10_000_000),
    ),
    Case("top_logprobs 21", ValidationError, "top_logprobs", _req([HI], top_logprobs=21)),
    Case(
        "top_logprobs without logprobs",
        InvalidRequestError,
        "logprobs",
        _req([HI], top_logprobs=3, thinking="disabled"),
    ),
    Case("17 stop sequences", ValidationError, "stop", _req([HI], stop=["x"] * 17)),
    Case("user_id with spaces", ValidationError, "user_id", _req([HI], user_id="bad id")),
    Case("misspelt parameter", ValidationError, "temprature", _req([HI], temprature=1.0)),
    Case(
        "forced tool choice with explicit thinking",
        ThinkingModeConflictError,
        "thinking",
        _req([HI], thinking="enabled", tools=[LOOKUP], tool_choice="required"),
    ),
    Case(
        "logprobs with explicit thinking",
        ThinkingModeConflictError,
        "logprobs",
        _req([HI], thinking="enabled", logprobs=True),
    ),
    Case(
        "tool_choice without tools",
        InvalidRequestError,
        "without any tools",
        _req([HI], tool_choice="required", thinking="disabled"),
    ),
    Case(
        "image to deepseek-v4-pro",
        UnsupportedInputError,
        "image",
        _req(
            [UserMessage((TextPart("what is it"), ImagePart(IMAGE_URL)))], model="deepseek-v4-pro"
        ),
    ),
    Case(
        "strict schema DeepSeek cannot take",
        StrictSchemaError,
        "format",
        _req(
            [HI], tools=[Tool(function=ToolFunction(name="f", parameters=DATE_SCHEMA, strict=True))]
        ),
    ),
    Case(
        "strict schema with a map",
        StrictSchemaError,
        "additionalProperties",
        _req(
            [HI],
            tools=[
                Tool(
                    function=ToolFunction(
                        name="f",
                        strict=True,
                        parameters={
                            "type": "object",
                            "properties": {
                                "m": {"type": "object", "additionalProperties": {"type": "integer"}}
                            },
                        },
                    )
                )
            ],
        ),
    ),
]


# ---------------------------------------------------------------------------------------------
# LangChain: `make` returns (input, bind_tools kwargs or None, call kwargs)
# ---------------------------------------------------------------------------------------------


def _lc(value: Any, tools: dict[str, Any] | None = None, **call: Any) -> Callable[[], Any]:
    return lambda: (value, tools, call)


LC_CALL = {"name": "lookup", "args": {}, "id": "call_1"}
LC_CASES = [
    Case(
        "unknown message type",
        UnsupportedInputError,
        "FunctionMessage",
        _lc([FunctionMessage(name="f", content="x")]),
    ),
    Case(
        "unknown role",
        UnsupportedInputError,
        "wizard",
        _lc([ChatMessage(role="wizard", content="hi")]),
    ),
    Case(
        "tool result without a call",
        InvalidConversationError,
        "does not answer",
        _lc([HumanMessage("hi"), ToolMessage("42", tool_call_id="call_9")]),
    ),
    Case(
        "tool call without its result",
        InvalidConversationError,
        "no tool result",
        _lc([HumanMessage("hi"), AIMessage("", tool_calls=[LC_CALL]), HumanMessage("next")]),
    ),
    Case("empty message list", ValidationError, "at least 1", _lc([])),
    Case("temperature 2.5", ValidationError, "temperature", _lc("hi"), {"temperature": 2.5}),
    Case("top_p 1.5", ValidationError, "top_p", _lc("hi"), {"top_p": 1.5}),
    Case("max_tokens 0", ValidationError, "max_tokens", _lc("hi"), {"max_tokens": 0}),
    Case(
        "top_logprobs 21",
        ValidationError,
        "top_logprobs",
        _lc("hi", logprobs=True, top_logprobs=21),
    ),
    Case("misspelt call option", ValidationError, "temprature", _lc("hi", temprature=1.0)),
    Case(
        "forced tool choice with explicit thinking",
        ThinkingModeConflictError,
        "thinking",
        _lc("hi", {"tools": [LOOKUP.model_dump(exclude_none=True)], "tool_choice": "any"}),
        {"thinking": "enabled"},
    ),
    Case(
        "image to deepseek-v4-pro",
        UnsupportedInputError,
        "image",
        _lc(
            [
                HumanMessage(
                    content=[
                        {"type": "text", "text": "what is it"},
                        {"type": "image_url", "image_url": {"url": IMAGE_URL}},
                    ]
                )
            ]
        ),
        {"model": "deepseek-v4-pro"},
    ),
    Case(
        "file block",
        UnsupportedInputError,
        "file",
        _lc([HumanMessage(content=[{"type": "file", "url": "https://example.com/a.pdf"}])]),
    ),
    Case(
        "image in a system message",
        UnsupportedInputError,
        "system",
        _lc(
            [
                SystemMessage(content=[{"type": "image_url", "image_url": {"url": IMAGE_URL}}]),
                HumanMessage("hi"),
            ]
        ),
    ),
    Case(
        "strict schema DeepSeek cannot take",
        StrictSchemaError,
        "format",
        _lc("hi", {"tools": [LC_LOOKUP], "strict": True}),
    ),
]


# ---------------------------------------------------------------------------------------------
# LlamaIndex: `make` returns (messages, tools or None, call kwargs)
# ---------------------------------------------------------------------------------------------


def lookup(when: str) -> str:
    """Look something up."""
    return when


def tally(counts: dict[str, int]) -> int:
    """Add counts up."""
    return sum(counts.values())


def _li(
    messages: list[LIMessage], tools: list[Any] | None = None, **call: Any
) -> Callable[[], Any]:
    return lambda: (messages, tools, call)


def _li_user(text: str = "hi") -> LIMessage:
    return LIMessage(role="user", content=text)


def _li_called(arguments: dict[str, Any] | str = "{}") -> LIMessage:
    block = ToolCallBlock(tool_call_id="call_1", tool_name="lookup", tool_kwargs=arguments)
    return LIMessage(role="assistant", blocks=[block])


def _li_result(call_id: str) -> LIMessage:
    return LIMessage(role="tool", content="42", additional_kwargs={"tool_call_id": call_id})


LI_CASES = [
    Case(
        "unknown role",
        ValueError,
        "wizard",
        _li(
            [
                # As a deserialised history could hold it: validation bypassed.
                LIMessage.model_construct(
                    role="wizard",  # type: ignore[arg-type]
                    blocks=[TextBlock(text="hi")],
                    additional_kwargs={},
                )
            ]
        ),
    ),
    Case(
        "tool message without a call id",
        InvalidConversationError,
        "tool_call_id",
        _li([_li_user(), LIMessage(role="tool", content="42")]),
    ),
    Case(
        "tool result without a call",
        InvalidConversationError,
        "does not answer",
        _li([_li_user(), _li_result("call_9")]),
    ),
    Case(
        "tool call without its result",
        InvalidConversationError,
        "no tool result",
        _li([_li_user(), _li_called(), _li_user("next")]),
    ),
    # Non-JSON tool arguments in a LlamaIndex history are not refused: they are sent as `{}`
    # (README "Models used the way scripts, agents and gateways use them"; test_rel_real_use.py).
    Case("empty message list", ValidationError, "at least 1", _li([])),
    Case(
        "temperature 2.5", ValidationError, "temperature", _li([_li_user()]), {"temperature": 2.5}
    ),
    Case("max_tokens 0", ValidationError, "max_tokens", _li([_li_user()]), {"max_tokens": 0}),
    Case("top_p 1.5", ValidationError, "top_p", _li([_li_user()], top_p=1.5)),
    Case(
        "top_logprobs 30",
        ValidationError,
        "top_logprobs",
        _li([_li_user()], logprobs=True, top_logprobs=30),
    ),
    Case("misspelt call option", TypeError, "temprature", _li([_li_user()], temprature=1.0)),
    Case(
        "forced tool choice with explicit thinking",
        ThinkingModeConflictError,
        "thinking",
        _li([_li_user()], [FunctionTool.from_defaults(fn=lookup)], tool_required=True),
        {"thinking": "enabled"},
    ),
    Case(
        "image to deepseek-v4-pro",
        UnsupportedInputError,
        "image",
        _li(
            [
                LIMessage(
                    role="user", blocks=[TextBlock(text="what is it"), ImageBlock(url=IMAGE_URL)]
                )
            ]
        ),
        {"model": "deepseek-v4-pro"},
    ),
    Case(
        "strict schema DeepSeek cannot take",
        StrictSchemaError,
        "additionalProperties",
        _li([_li_user()], [FunctionTool.from_defaults(fn=tally)]),
        {"strict": True},
    ),
]
