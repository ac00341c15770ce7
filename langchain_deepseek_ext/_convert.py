"""LangChain messages <-> the core's neutral objects. Pure: no I/O, never mutates its inputs.

Directions:

- `to_core_messages`: LangChain history -> `deepseek_ext_core` messages (what the core checks and
  serializes, applying DeepSeek's reasoning pass-back rule).
- `from_completion`: a core `ChatCompletion` -> `AIMessage`.
- `from_chunk` / `stream_end_chunk`: streamed deltas -> `AIMessageChunk`s, then one closing chunk
  carrying usage and response metadata taken from the accumulated stream.
- `usage_to_metadata`: DeepSeek usage -> LangChain `UsageMetadata`.

Reasoning is stored where langchain-deepseek stores it, `additional_kwargs["reasoning_content"]`,
and `response_metadata["model_provider"] = "deepseek"` lets `content_blocks` expose it as a
standard `{"type": "reasoning"}` block. On the way in, a `reasoning` content block is read too,
so histories produced with `output_version="v1"` (or restored from a checkpoint) round-trip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    InvalidToolCall,
)
from langchain_core.messages import SystemMessage as LCSystemMessage
from langchain_core.messages import ToolCall as LCToolCall
from langchain_core.messages import ToolMessage as LCToolMessage
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk

from deepseek_ext_core import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ContentPart,
    FilePart,
    ImagePart,
    LatestReminderMessage,
    Message,
    Response,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UnsupportedInputError,
    Usage,
    UserMessage,
    estimate_response_cost,
)
from deepseek_ext_core.integration import wire_tool_arguments

__all__ = [
    "FIELDS_KEY",
    "LATEST_REMINDER_ROLE",
    "PREFIX_KEY",
    "PROVIDER",
    "REASONING_KEY",
    "from_chunk",
    "from_completion",
    "from_response",
    "latest_reminder_message",
    "stream_end_chunk",
    "to_core_messages",
    "usage_to_metadata",
]

PROVIDER = "deepseek"
REASONING_KEY = "reasoning_content"
PREFIX_KEY = "prefix"
"""`additional_kwargs` key marking the last `AIMessage` as a chat prefix completion."""
FIELDS_KEY = "deepseek_fields"
"""`additional_kwargs` key holding the fields of DeepSeek's message this library does not model
(server tool blocks, citations...); they go back to DeepSeek unchanged with the message."""
LATEST_REMINDER_ROLE = "latest_reminder"
"""`ChatMessage(role="latest_reminder", content=...)` is DeepSeek's latest_reminder message."""


def latest_reminder_message(
    *, date: str, weekday: str, location: str = "", platform: str, language: str
) -> ChatMessage:
    """DeepSeek's latest_reminder message, to put right before the human message it belongs to:
    `date` YYYY-MM-DD, `weekday` in `language`, `platform` "App" or "Web" (docs/deepseek-api.md
    §6.10)."""
    content = LatestReminderMessage.build(
        date=date, weekday=weekday, location=location, platform=platform, language=language
    ).content
    return ChatMessage(role=LATEST_REMINDER_ROLE, content=content)


_ROLE_ALIASES = {"human": "user", "ai": "assistant", "developer": "system"}


# ---------------------------------------------------------------------------------------------
# LangChain -> core
# ---------------------------------------------------------------------------------------------


def to_core_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """The neutral history for `messages`; raises `UnsupportedInputError` for unknown types."""
    answered = {m.tool_call_id for m in messages if isinstance(m, LCToolMessage)}
    return [_to_core(message, answered) for message in messages]


def _to_core(message: BaseMessage, answered: set[str]) -> Message:
    if isinstance(message, AIMessage):
        return _assistant(message, answered)
    if isinstance(message, HumanMessage):
        return UserMessage(content=_user_content(message.content), name=message.name)
    if isinstance(message, LCSystemMessage):
        return SystemMessage(content=_text_only(message.content, "system"), name=message.name)
    if isinstance(message, LCToolMessage):
        return ToolMessage(
            content=_tool_content(message.content), tool_call_id=message.tool_call_id
        )
    if isinstance(message, ChatMessage):
        return _chat_message(message, answered)
    raise UnsupportedInputError(
        f"{type(message).__name__} is not supported by DeepSeek; "
        "use SystemMessage, HumanMessage, AIMessage or ToolMessage"
    )


def _chat_message(message: ChatMessage, answered: set[str]) -> Message:
    role = _ROLE_ALIASES.get(message.role, message.role)
    if role == "user":
        return UserMessage(content=_user_content(message.content), name=message.name)
    if role == "system":
        return SystemMessage(content=_text_only(message.content, "system"), name=message.name)
    if role == "assistant":
        return _assistant(AIMessage(content=message.content, name=message.name), answered)
    if role == LATEST_REMINDER_ROLE:
        return LatestReminderMessage(content=_text_only(message.content, LATEST_REMINDER_ROLE))
    raise UnsupportedInputError(f"ChatMessage role {message.role!r} is not supported by DeepSeek")


def _assistant(message: AIMessage, answered: set[str]) -> AssistantMessage:
    text, block_reasoning = _assistant_content(message.content)
    reasoning = message.additional_kwargs.get(REASONING_KEY)
    if not isinstance(reasoning, str):
        reasoning = block_reasoning
    calls = [_tool_call(call) for call in message.tool_calls]
    # A malformed call only goes back when the caller answered it; unanswered it would break
    # DeepSeek's "every call gets a result" rule for a call no tool ever ran.
    calls += [
        ToolCall(id=bad["id"], name=bad["name"] or "", arguments=wire_tool_arguments(bad["args"]))
        for bad in message.invalid_tool_calls
        if bad.get("id") in answered and bad["id"] is not None
    ]
    extra = message.additional_kwargs.get(FIELDS_KEY)
    return AssistantMessage(
        content=text,
        tool_calls=tuple(calls),
        reasoning_content=reasoning,
        name=message.name,
        prefix=message.additional_kwargs.get(PREFIX_KEY) is True,
        extra_fields=dict(extra) if isinstance(extra, dict) and extra else None,
    )


def _tool_call(call: LCToolCall) -> ToolCall:
    return ToolCall(
        id=call["id"] or "",
        name=call["name"],
        arguments=json.dumps(call["args"], ensure_ascii=False),
    )


def _block_text(block: str | dict[str, Any]) -> str | None:
    """The text of a string or `text` content block; None for any other block."""
    if isinstance(block, str):
        return block
    return str(block.get("text", "")) if block.get("type") == "text" else None


def _assistant_content(content: str | list[str | dict[str, Any]]) -> tuple[str | None, str | None]:
    """Text and reasoning of an AI message's content (string or content blocks)."""
    if isinstance(content, str):
        return content, None
    texts: list[str] = []
    reasoning: list[str] = []
    for block in content:
        text = _block_text(block)
        if text is not None:
            texts.append(text)
        elif isinstance(block, dict) and block.get("type") == "reasoning":
            reasoning.append(str(block.get("reasoning", "")))
        elif isinstance(block, dict) and block.get("type") == "thinking":  # Anthropic-style
            reasoning.append(str(block.get("thinking", "")))
        # tool_call / tool_use blocks duplicate `tool_calls`; other blocks have no wire form.
    return "".join(texts), ("".join(reasoning) if reasoning else None)


def _text_only(content: str | list[str | dict[str, Any]], role: str) -> str:
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        text = _block_text(block)
        if text is None:
            kind = block.get("type") if isinstance(block, dict) else None
            raise UnsupportedInputError(
                f"DeepSeek accepts only text in {role} messages, got a {kind!r} block"
            )
        parts.append(text)
    return "".join(parts)


def _tool_content(content: str | list[str | dict[str, Any]]) -> str:
    """Tool results are strings on the wire (docs/deepseek-api.md §2.2).

    A list of text blocks is sent as its text. Any other list (plain strings, other blocks, an
    empty list) is sent as its JSON text, byte for byte what langchain-deepseek sends
    (`json.dumps` defaults), so a tool returning `["a", "b"]` reads the same after a migration.
    """
    if isinstance(content, str):
        return content
    if content and all(
        isinstance(block, dict) and block.get("type") == "text" for block in content
    ):
        return "".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    return json.dumps(content)


def _user_content(content: str | list[str | dict[str, Any]]) -> str | tuple[ContentPart, ...]:
    if isinstance(content, str):
        return content
    parts: list[ContentPart] = []
    for block in content:
        part = TextPart(text=block) if isinstance(block, str) else _user_part(block)
        parts.append(part)
    if all(isinstance(p, TextPart) for p in parts):
        return "".join(p.text for p in parts if isinstance(p, TextPart))
    return tuple(parts)


def _user_part(block: dict[str, Any]) -> ContentPart:
    kind = block.get("type")
    if kind == "text":
        return TextPart(text=str(block.get("text", "")))
    if kind == "image_url":  # OpenAI chat format
        image = block.get("image_url")
        if isinstance(image, str):
            return ImagePart(url=image)
        if isinstance(image, dict) and isinstance(image.get("url"), str):
            return ImagePart(url=image["url"], detail=image.get("detail"))
    file_id = _file_id(block)
    if kind in ("image", "file") and file_id is not None:
        return FilePart(file_id=file_id)  # uploaded with upload_file
    if kind == "image":  # LangChain standard block (v1 and legacy v0 source_type form)
        url = _image_url(block)
        if url is not None:
            return ImagePart(url=url, detail=block.get("detail"))
    if kind == "file":
        return _file_part(block)
    raise UnsupportedInputError(
        f"DeepSeek accepts text, image and file blocks in user messages, not {kind!r} "
        "(no audio or video input)"
    )


def _nested_file(block: dict[str, Any]) -> dict[str, Any]:
    nested = block.get("file")
    return nested if isinstance(nested, dict) else {}


def _file_id(block: dict[str, Any]) -> str | None:
    """The DeepSeek file id a block names: v1 `file_id`, v0 `source_type: "id"`, or OpenAI's
    `{"type": "file", "file": {"file_id": ...}}`."""
    nested = _nested_file(block)
    candidate = (
        block.get("file_id")
        or (block.get("id") if block.get("source_type") == "id" else None)
        or nested.get("file_id")
    )
    return candidate if isinstance(candidate, str) and candidate else None


def _file_part(block: dict[str, Any]) -> FilePart:
    """A file block sent inline: base64 data (v1 or v0), or OpenAI's `file_data`."""
    nested = _nested_file(block)
    extras = block["extras"] if isinstance(block.get("extras"), dict) else {}
    filename = block.get("filename") or nested.get("filename") or extras.get("filename")
    if isinstance(nested.get("file_data"), str):
        return FilePart(file_data=nested["file_data"], filename=filename)
    data = block.get("base64") or (
        block.get("data") if block.get("source_type") == "base64" else None
    )
    if isinstance(data, str):
        mime = block.get("mime_type") or "application/octet-stream"
        return FilePart(file_data=f"data:{mime};base64,{data}", filename=filename)
    raise UnsupportedInputError(
        "DeepSeek takes a file by the id of an upload (upload_file) or inline as base64, "
        "not by URL: download it, or upload it first"
    )


def _image_url(block: dict[str, Any]) -> str | None:
    if isinstance(block.get("url"), str):
        return str(block["url"])
    data = block.get("base64") or (
        block.get("data") if block.get("source_type") == "base64" else None
    )
    if isinstance(data, str):
        mime = block.get("mime_type") or "image/png"
        return f"data:{mime};base64,{data}"
    if block.get("source_type") == "url" and isinstance(block.get("url"), str):
        return str(block["url"])
    return None


# ---------------------------------------------------------------------------------------------
# core -> LangChain
# ---------------------------------------------------------------------------------------------


def usage_to_metadata(usage: Usage) -> UsageMetadata:
    """LangChain usage: cache hits as `cache_read`, reasoning tokens as `reasoning`."""
    return UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        input_token_details=InputTokenDetails(cache_read=usage.cache_hit_tokens),
        output_token_details=OutputTokenDetails(reasoning=usage.reasoning_tokens),
    )


def _response_metadata(completion: ChatCompletion, request_id: str | None) -> dict[str, Any]:
    choice = completion.choices[0] if completion.choices else None
    usage = completion.usage
    cost = estimate_response_cost(completion)
    return {
        "model_provider": PROVIDER,
        "model_name": completion.model,
        "finish_reason": choice.finish_reason if choice else None,
        "system_fingerprint": completion.system_fingerprint,
        "id": completion.id,
        "request_id": request_id,
        "token_usage": usage.model_dump(exclude_none=True) if usage is not None else None,
        # USD, an estimate from DeepSeek's price table; float so that every serializer takes it.
        "estimated_cost": float(cost) if cost is not None else None,
        "logprobs": choice.logprobs if choice else None,
    }


def _tool_calls(raw: Sequence[Any]) -> tuple[list[LCToolCall], list[InvalidToolCall]]:
    good: list[LCToolCall] = []
    bad: list[InvalidToolCall] = []
    for call in raw:
        name, arguments = call.function.name, call.function.arguments
        try:
            args = json.loads(arguments) if arguments else {}
        except ValueError as exc:
            bad.append(invalid_tool_call(name=name, args=arguments, id=call.id, error=str(exc)))
            continue
        if isinstance(args, dict):
            good.append(tool_call(name=name, args=args, id=call.id))
        else:
            bad.append(
                invalid_tool_call(name=name, args=arguments, id=call.id, error="not an object")
            )
    return good, bad


def from_completion(completion: ChatCompletion, request_id: str | None = None) -> AIMessage:
    """The `AIMessage` for a (non-streamed or accumulated) completion."""
    if request_id is None:
        request_id = completion.request_id
    fields: dict[str, Any] = {}  # only what the answer has: pydantic validates what it is given
    content = ""
    message = completion.choices[0].message if completion.choices else None
    if message is not None:
        content = message.content or ""
        additional: dict[str, Any] = {}
        if message.reasoning_content is not None:
            additional[REASONING_KEY] = message.reasoning_content
        if message.__pydantic_extra__:
            additional[FIELDS_KEY] = dict(message.__pydantic_extra__)
        if additional:
            fields["additional_kwargs"] = additional
        if message.tool_calls:
            fields["tool_calls"], fields["invalid_tool_calls"] = _tool_calls(message.tool_calls)
    if completion.usage is not None:
        fields["usage_metadata"] = usage_to_metadata(completion.usage)
    return AIMessage(
        content=content,
        response_metadata=_response_metadata(completion, request_id),
        id=completion.id or None,
        **fields,
    )


def from_response(answer: Response) -> AIMessage:
    """The `AIMessage` of a Responses answer (`/responses`): text, reasoning, calls, usage."""
    message = answer.to_message()
    fields: dict[str, Any] = {}
    additional: dict[str, Any] = {}
    if message.reasoning_content is not None:
        additional[REASONING_KEY] = message.reasoning_content
    if message.extra_fields:  # a server-tool turn's items, for the next request
        additional[FIELDS_KEY] = dict(message.extra_fields)
    if additional:
        fields["additional_kwargs"] = additional
    if message.tool_calls:
        fields["tool_calls"] = [
            {
                "name": c.name,
                "args": json.loads(c.arguments or "{}"),
                "id": c.id,
                "type": "tool_call",
            }
            for c in message.tool_calls
        ]
    usage = answer.usage
    if usage is not None:
        fields["usage_metadata"] = usage_to_metadata(usage)
    cost = estimate_response_cost(answer)
    metadata = {
        "model_name": answer.model,
        "finish_reason": answer.finish_reason,
        "request_id": answer.request_id,
        "model_provider": "deepseek",
        **({"estimated_cost": float(cost)} if cost is not None else {}),
    }
    return AIMessage(
        content=message.content or "", response_metadata=metadata, id=answer.id or None, **fields
    )


def from_chunk(chunk: ChatCompletionChunk) -> AIMessageChunk | None:
    """The delta of one streamed chunk, or None when it carries no content, reasoning or calls.

    Usage and response metadata are left to `stream_end_chunk`, so that merged chunks never
    concatenate repeated strings such as the model name. Only the fields a chunk carries are
    passed: pydantic validates (and records in `model_fields_set`) every field it is given, and
    on streams of tens of thousands of chunks the empty ones cost more than the text.
    """
    if not chunk.choices:
        return None
    delta = chunk.choices[0].delta
    fields: dict[str, Any] = {}
    if delta.reasoning_content is not None:
        fields["additional_kwargs"] = {REASONING_KEY: delta.reasoning_content}
    if delta.tool_calls:
        fields["tool_call_chunks"] = [
            tool_call_chunk(
                name=call.function.name if call.function else None,
                args=call.function.arguments if call.function else None,
                id=call.id,
                index=call.index,
            )
            for call in delta.tool_calls
        ]
    elif not (delta.content or fields):
        return None
    return AIMessageChunk(
        content=delta.content or "",
        response_metadata={"model_provider": PROVIDER},
        id=chunk.id or None,
        **fields,
    )


def stream_end_chunk(
    completion: ChatCompletion, request_id: str | None, *, include_usage: bool = True
) -> AIMessageChunk:
    """The closing chunk: usage (when requested) and response metadata of the whole stream,
    and DeepSeek's fields this library does not model, whole (merging their pieces chunk by
    chunk would follow LangChain's rules, not DeepSeek's)."""
    message = completion.choices[0].message if completion.choices else None
    extra = message.__pydantic_extra__ if message is not None else None
    return AIMessageChunk(
        content="",
        additional_kwargs={FIELDS_KEY: dict(extra)} if extra else {},
        usage_metadata=usage_to_metadata(completion.usage)
        if include_usage and completion.usage is not None
        else None,
        response_metadata=_response_metadata(completion, request_id),
        id=completion.id or None,
        chunk_position="last",
    )
