"""Pure translations between LlamaIndex objects and the core's neutral objects.

No I/O here: `base.py` sends, this module only maps. Names follow the direction of travel:
`to_core_messages`, `to_core_tools`, `to_core_tool_choice` on the way out; `from_completion`,
`ChatStreamState.from_chunk`, `usage_to_metadata` on the way back. Converters build new objects
and never mutate the caller's messages.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    ContentBlock,
    DocumentBlock,
    ImageBlock,
    LogProb,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from deepseek_ext_core import (
    AssistantMessage,
    ChatAccumulator,
    ChatCompletion,
    ChatCompletionChunk,
    ContentPart,
    FilePart,
    FunctionName,
    ImagePart,
    InvalidConversationError,
    LatestReminderMessage,
    Message,
    NamedToolChoice,
    PricedResponse,
    ResponseMessage,
    SystemMessage,
    TextPart,
    Tool,
    ToolCall,
    ToolChoice,
    ToolFunction,
    ToolMessage,
    UserMessage,
    estimate_response_cost,
    summarize_usage,
)
from deepseek_ext_core.integration import wire_tool_arguments

__all__ = [
    "FIELDS_KEY",
    "FILE_URL_SCHEME",
    "ROLE_KEY",
    "ChatStreamState",
    "dump_tool_arguments",
    "file_block",
    "from_completion",
    "from_response_message",
    "latest_reminder_message",
    "to_completion_response",
    "to_core_messages",
    "to_core_tool_choice",
    "to_core_tools",
    "usage_to_metadata",
]

PREFIX_KEY = "prefix"
"""`ChatMessage.additional_kwargs` key marking a final assistant message as a chat prefix
(docs/deepseek-api.md §6.2)."""
FIELDS_KEY = "deepseek_fields"
"""`ChatMessage.additional_kwargs` key holding the fields of DeepSeek's message this library
does not model (server tool blocks, citations...); they go back unchanged with the message."""
ROLE_KEY = "deepseek_role"
"""`ChatMessage.additional_kwargs` key naming a DeepSeek role LlamaIndex has no name for:
`"latest_reminder"` (see `latest_reminder_message`)."""


def latest_reminder_message(
    *, date: str, weekday: str, location: str = "", platform: str, language: str
) -> ChatMessage:
    """DeepSeek's latest_reminder message, to put right before the user message it belongs to:
    `date` YYYY-MM-DD, `weekday` in `language`, `platform` "App" or "Web" (docs/deepseek-api.md
    §6.10). Other LLMs read it as a system note."""
    content = LatestReminderMessage.build(
        date=date, weekday=weekday, location=location, platform=platform, language=language
    ).content
    return ChatMessage(
        role=MessageRole.SYSTEM, content=content, additional_kwargs={ROLE_KEY: "latest_reminder"}
    )


_SYSTEM_ROLES = frozenset({MessageRole.SYSTEM, MessageRole.DEVELOPER})
_ASSISTANT_ROLES = frozenset({MessageRole.ASSISTANT, MessageRole.CHATBOT, MessageRole.MODEL})
_TOOL_ROLES = frozenset({MessageRole.TOOL, MessageRole.FUNCTION})


# -- outgoing ---------------------------------------------------------------------------------


def dump_tool_arguments(arguments: Mapping[str, Any] | str) -> str:
    """Tool-call arguments as the JSON string DeepSeek expects.

    A string is the model's own text: sent back byte for byte when it is JSON (it is part of the
    cached prefix), as `{}` when it is empty or not JSON (the core's `wire_tool_arguments`, the
    same rule as the LangChain adapter's). A mapping (hand-built history) is dumped with
    `json.dumps` defaults, as DeepSeek emits and as the LangChain adapter does, so both adapters
    produce the same request bytes.
    """
    if isinstance(arguments, str):
        return wire_tool_arguments(arguments)
    return json.dumps(dict(arguments), ensure_ascii=False)


def to_core_messages(messages: Sequence[ChatMessage]) -> list[Message]:
    """LlamaIndex chat history -> the core's neutral messages (validated later by the core)."""
    return [_to_core_message(message, index) for index, message in enumerate(messages)]


def _to_core_message(message: ChatMessage, index: int) -> Message:
    if message.additional_kwargs.get(ROLE_KEY) == "latest_reminder":
        return LatestReminderMessage(content=_text_of(message))
    role = MessageRole(message.role)
    if role in _SYSTEM_ROLES:
        return SystemMessage(content=_text_of(message))
    if role == MessageRole.USER:
        return UserMessage(content=_user_content(message))
    if role in _ASSISTANT_ROLES:
        return _assistant_to_core(message)
    if role in _TOOL_ROLES:
        call_id = message.additional_kwargs.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise InvalidConversationError(
                f"message {index}: a tool message needs additional_kwargs['tool_call_id']"
            )
        return ToolMessage(content=_text_of(message), tool_call_id=call_id)
    raise InvalidConversationError(f"message {index}: role {role.value!r} is not supported")


def _text_of(message: ChatMessage) -> str:
    return "".join(block.text for block in message.blocks if isinstance(block, TextBlock))


FILE_URL_SCHEME = "deepseek-file://"
"""`ImageBlock(url=...)` or `DocumentBlock(url=...)` with this prefix names a file uploaded with
`upload_file` (see `file_block`)."""


def file_block(file_id: str) -> DocumentBlock:
    """A block naming a file uploaded with the client's `upload_file`, for a user message."""
    return DocumentBlock(url=FILE_URL_SCHEME + file_id)


def _user_content(message: ChatMessage) -> str | tuple[ContentPart, ...]:
    if not any(isinstance(block, ImageBlock | DocumentBlock) for block in message.blocks):
        return _text_of(message)
    parts: list[ContentPart] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            parts.append(TextPart(text=block.text))
        elif _file_id(block) is not None:
            parts.append(FilePart(file_id=_file_id(block)))
        elif isinstance(block, ImageBlock):
            parts.append(ImagePart(url=_image_url(block), detail=block.detail))
        elif isinstance(block, DocumentBlock):
            parts.append(_document_part(block))
    return tuple(parts)


def _url_path(block: DocumentBlock) -> str:
    url = str(block.url or "")
    return "" if url.startswith("data:") else urlsplit(url).path


def _file_id(block: object) -> str | None:
    url = str(getattr(block, "url", None) or "")
    return url[len(FILE_URL_SCHEME) :] if url.startswith(FILE_URL_SCHEME) else None


def _document_part(block: DocumentBlock) -> FilePart:
    """A document sent inline. DeepSeek takes no URL for a file, so a `url` is read by
    LlamaIndex's own `resolve_document`, as its other LLMs read it."""
    raw = block.resolve_document().read()
    url = str(block.url or "")
    declared = url[5:].split(";", 1)[0].split(",", 1)[0] if url.startswith("data:") else None
    mime = (
        block.document_mimetype or declared or block._guess_mimetype() or "application/octet-stream"
    )
    data = base64.b64encode(raw).decode("ascii")
    # LlamaIndex names an untitled document "input_document"; the file's own name says more.
    named = block.title if block.title and block.title != "input_document" else None
    name = named or Path(str(block.path) if block.path is not None else _url_path(block)).name
    return FilePart(file_data=f"data:{mime};base64,{data}", filename=name)


def _image_url(block: ImageBlock) -> str:
    url = str(block.url) if block.url is not None else ""
    if block.image is None and block.path is None and url.startswith(("http://", "https://")):
        return url  # DeepSeek fetches remote images itself; do not download them here.
    if url.startswith("data:"):
        return url
    return block.inline_url()


def _assistant_to_core(message: ChatMessage) -> AssistantMessage:
    thinking = [block for block in message.blocks if isinstance(block, ThinkingBlock)]
    reasoning: str | None
    if thinking:
        reasoning = "".join(block.content or "" for block in thinking)
    else:
        stored = message.additional_kwargs.get("reasoning_content")
        reasoning = stored if isinstance(stored, str) else None
    calls = tuple(
        ToolCall(
            id=block.tool_call_id or "",
            name=block.tool_name,
            arguments=dump_tool_arguments(block.tool_kwargs),
        )
        for block in message.blocks
        if isinstance(block, ToolCallBlock)
    ) or _legacy_tool_calls(message.additional_kwargs.get("tool_calls"))
    has_text = any(isinstance(block, TextBlock) for block in message.blocks)
    fields = message.additional_kwargs.get(FIELDS_KEY)
    return AssistantMessage(
        content=_text_of(message) if has_text else None,
        tool_calls=calls,
        reasoning_content=reasoning,
        prefix=bool(message.additional_kwargs.get(PREFIX_KEY, False)),
        extra_fields=dict(fields) if isinstance(fields, Mapping) and fields else None,
    )


def _legacy_tool_calls(value: object) -> tuple[ToolCall, ...]:
    """OpenAI-style `additional_kwargs["tool_calls"]` (objects or dicts) of older histories."""
    if not isinstance(value, list):
        return ()
    calls: list[ToolCall] = []
    for item in value:
        raw = item.model_dump() if hasattr(item, "model_dump") else item
        if isinstance(raw, Mapping) and isinstance(raw.get("function"), Mapping):
            function = raw["function"]
            calls.append(
                ToolCall(
                    id=str(raw.get("id") or ""),
                    name=str(function.get("name") or ""),
                    arguments=dump_tool_arguments(function.get("arguments") or "{}"),
                )
            )
    return tuple(calls)


def to_core_tools(specs: Sequence[Mapping[str, Any]], *, strict: bool) -> list[Tool]:
    """OpenAI-style tool specs (`ToolMetadata.to_openai_tool()`) -> core tools.

    With `strict`, every tool is marked strict; the core converts the schemas to DeepSeek's
    strict subset and routes the request to `/beta` (docs/deepseek-api.md §5.3).
    """
    return [
        Tool(
            function=ToolFunction(
                name=spec["function"]["name"],
                description=spec["function"].get("description"),
                parameters=spec["function"].get("parameters"),
                strict=True if strict else None,
            )
        )
        for spec in specs
    ]


def to_core_tool_choice(
    tool_choice: str | Mapping[str, Any] | None, *, tool_required: bool
) -> ToolChoice | None:
    """LlamaIndex's `tool_choice` / `tool_required` -> the core's ToolChoice.

    A bare tool name (what `FunctionAgent(initial_tool_choice=...)` passes) forces that tool.
    """
    if tool_choice is None:
        return "required" if tool_required else None
    if isinstance(tool_choice, Mapping):
        name = tool_choice.get("function", {}).get("name") or tool_choice.get("name")
        if not isinstance(name, str):
            raise ValueError(f"tool_choice has no function name: {dict(tool_choice)!r}")
        return NamedToolChoice(function=FunctionName(name=name))
    if tool_choice in ("none", "auto", "required"):
        return tool_choice  # type: ignore[return-value]
    return NamedToolChoice(function=FunctionName(name=tool_choice))


# -- incoming ---------------------------------------------------------------------------------


def from_response_message(message: ResponseMessage) -> ChatMessage:
    """A DeepSeek assistant message -> a ChatMessage with Thinking, Text and ToolCall blocks.

    Tool calls are also listed in `additional_kwargs["tool_calls"]` (the core's `WireToolCall`s):
    parts of llama-index-core (streaming structured output, token counting) still read them there.
    """
    blocks: list[ThinkingBlock | TextBlock | ToolCallBlock] = []
    if message.reasoning_content is not None:
        blocks.append(ThinkingBlock(content=message.reasoning_content))
    blocks.append(TextBlock(text=message.content or ""))
    blocks.extend(
        ToolCallBlock(
            tool_call_id=call.id, tool_name=call.function.name, tool_kwargs=call.function.arguments
        )
        for call in message.tool_calls or []
    )
    extra: dict[str, Any] = {"tool_calls": list(message.tool_calls)} if message.tool_calls else {}
    if message.__pydantic_extra__:
        extra[FIELDS_KEY] = dict(message.__pydantic_extra__)
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=list(blocks), additional_kwargs=extra)


def usage_to_metadata(response: PricedResponse, *, requested_model: str) -> dict[str, Any]:
    """A response's usage -> flat `additional_kwargs` entries (TokenCountingHandler reads them)."""
    usage = response.usage
    if usage is None:
        return {}
    summary = summarize_usage(usage)
    return {
        "prompt_tokens": summary.input_tokens,
        "completion_tokens": summary.output_tokens,
        "total_tokens": summary.total_tokens,
        "cache_hit_tokens": summary.cache_hit_tokens,
        "cache_miss_tokens": summary.cache_miss_tokens,
        "reasoning_tokens": summary.reasoning_tokens,
        "estimated_cost_usd": estimate_response_cost(response, requested_model=requested_model),
    }


def to_logprobs(raw: Mapping[str, Any] | None) -> list[list[LogProb]] | None:
    """DeepSeek's `logprobs.content` (docs/deepseek-api.md §3.4) as LlamaIndex's: per token, its
    top alternatives (the token itself when no alternatives were asked for)."""
    content = raw.get("content") if raw else None
    if not isinstance(content, list):
        return None
    positions: list[list[LogProb]] = []
    for item in content:
        if not isinstance(item, Mapping):
            continue
        options = item.get("top_logprobs") or [item]
        positions.append(
            [
                LogProb(
                    token=str(option.get("token", "")),
                    logprob=float(option.get("logprob", 0.0)),
                    bytes=list(option.get("bytes") or []),
                )
                for option in options
                if isinstance(option, Mapping)
            ]
        )
    return positions


def from_completion(completion: ChatCompletion, *, model: str) -> ChatResponse:
    """A non-streaming answer -> ChatResponse (first choice), usage in `additional_kwargs`."""
    choice = completion.choices[0]
    extra: dict[str, Any] = {
        "finish_reason": choice.finish_reason,
        "request_id": completion.request_id,
        **usage_to_metadata(completion, requested_model=model),
    }
    return ChatResponse(
        message=from_response_message(choice.message),
        raw=completion,
        logprobs=to_logprobs(choice.logprobs),
        additional_kwargs=extra,
    )


def to_completion_response(response: ChatResponse) -> CompletionResponse:
    """A chat answer as a completion (`complete()` is a one-message chat); reasoning is kept in
    `additional_kwargs["reasoning_content"]`."""
    extra = dict(response.additional_kwargs)
    thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    if thinking:
        extra["reasoning_content"] = "".join(b.content or "" for b in thinking)
    return CompletionResponse(
        text=response.message.content or "",
        delta=response.delta,
        raw=response.raw,
        logprobs=response.logprobs,
        additional_kwargs=extra,
    )


class ChatStreamState:
    """Turns chunks into cumulative ChatResponses; one ChatResponse per chunk, none dropped.

    The core's accumulator merges content, reasoning and tool-call fragments, so the message of
    the last response equals the non-streaming message (what agents store in memory).
    """

    def __init__(
        self,
        *,
        model: str,
        accumulator: ChatAccumulator | None = None,
        request_id: str | None = None,
    ) -> None:
        self._model = model
        # A core stream folds each chunk into its own accumulator before handing it over; read
        # that one rather than holding the text twice. Without one, this state keeps its own.
        self._owns_accumulator = accumulator is None
        self._accumulator = accumulator or ChatAccumulator()
        self._finish_reason: str | None = None
        self._has_tool_calls = False
        # The accumulator's cumulative strings as of the last chunk that changed them: a
        # thinking chunk leaves the text as it was, an answer chunk the reasoning, and reading
        # an unchanged one again would join its pieces for nothing.
        self._text = ""
        self._reasoning: str | None = None
        self.request_id = request_id

    def from_chunk(self, chunk: ChatCompletionChunk) -> ChatResponse:
        """The cumulative response `chunk` yields (added first unless a stream already did)."""
        accumulator = self._accumulator
        if self._owns_accumulator:
            accumulator.add(chunk)
        delta_text = ""
        thinking_delta: str | None = None
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content:
                self._text = accumulator.content
                if choice.index == 0:
                    delta_text += delta.content
            if delta.reasoning_content is not None:
                self._reasoning = accumulator.reasoning_content
                if choice.index == 0:
                    thinking_delta = (thinking_delta or "") + delta.reasoning_content
            if delta.tool_calls or delta.__pydantic_extra__:
                self._has_tool_calls = True  # the full conversion, which keeps both
            if choice.finish_reason is not None and choice.index == 0:
                self._finish_reason = choice.finish_reason
        extra: dict[str, Any] = {
            "finish_reason": self._finish_reason,
            "request_id": self.request_id,
        }
        if chunk.usage is not None:  # once per stream, on the last chunk
            extra.update(usage_to_metadata(chunk, requested_model=self._model))
        if thinking_delta is not None:
            extra["thinking_delta"] = thinking_delta
        return ChatResponse(
            message=self._message(),
            delta=delta_text,
            raw=chunk,
            additional_kwargs=extra,
        )

    def _message(self) -> ChatMessage:
        if self._has_tool_calls:  # the full conversion: ToolCallBlocks, additional_kwargs
            return from_response_message(self._accumulator.completion().choices[0].message)
        # Text and thinking only, as nearly every chunk is: the accumulator's cumulative strings
        # directly. A ChatCompletion per chunk, joining every piece so far, made a stream
        # quadratic: 370 µs per chunk at 50,000 chunks (docs/changelog.md, 2026-11-22).
        text = TextBlock(text=self._text)
        blocks: list[ContentBlock] = (
            [text] if self._reasoning is None else [ThinkingBlock(content=self._reasoning), text]
        )
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
