"""What a scripted answer says: text, reasoning, tool calls, errors, and how to split it.

A :class:`Reply` describes content, not wire format. The emulator decides the wire
shape from the request (thinking mode, stream or not, chat or FIM), just as DeepSeek
does, so one scripted reply works for every client call style.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from deepseek_ext_emulator._wire import ErrorSpec, api_error, dumps, insufficient_balance

# Word-ish pieces with their leading whitespace (" user", " asks"), like real deltas.
_WORD_PIECES = re.compile(r"\s*\S+|\s+")
# Argument fragments: words, runs of spaces, single punctuation ('{', '"', ': ').
_ARG_PIECES = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class ToolCall:
    """One function call the model makes; ``id`` is generated when left ``None``."""

    name: str
    arguments: str
    """The JSON text of the arguments, exactly as the model would emit it."""
    id: str | None = None


@dataclass(frozen=True)
class Usage:
    """Token counts to report instead of the emulator's estimate."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    """Prompt tokens served from cache (DeepSeek reports multiples of 64)."""
    reasoning_tokens: int | None = None
    """Defaults to the number of reasoning pieces in thinking mode."""


@dataclass(frozen=True)
class Raw:
    """A response replayed byte for byte (cassettes); SSE bodies are still sent event by event."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reply:
    """A scripted answer. Build it with the class methods; fields are the fine print.

    In thinking mode a reply without ``reasoning`` answers ``reasoning_content: ""``;
    in non-thinking mode ``reasoning`` is dropped, as the server would never send it.
    Set ``thinking`` to force a mode regardless of the request.
    """

    content: str = ""
    reasoning: str | None = None
    calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    """``None`` means ``tool_calls`` when there are calls, else ``stop``."""
    pieces: int | None = None
    """Number of stream pieces the content is split into (``None``: word by word)."""
    reasoning_pieces: int | None = None
    """Number of stream pieces the reasoning is split into (``None``: word by word)."""
    piece_size: int | None = None
    """Characters per piece for content and reasoning; overrides the word split."""
    usage: Usage | None = None
    thinking: bool | None = None
    error_spec: ErrorSpec | None = None
    raw: Raw | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())
    """Extra response headers, e.g. to test header handling."""
    tool: str | None = None
    """The tool endpoint this answers (``ocr``, ``asr``, ``tts``); None for chat, FIM and
    Responses. A tool answer at the head of the queue is taken by that endpoint only."""
    tool_answer: Mapping[str, Any] | None = None
    """What an OCR or ASR answer says (see :meth:`ocr`, :meth:`transcript`)."""
    audio: bytes | None = None
    """The audio a TTS answer streams (see :meth:`speech`)."""

    def __post_init__(self) -> None:
        """Reject splits that cannot be honoured, at build time rather than mid-request."""
        for count, text, label in (
            (self.pieces, self.content, "chunks"),
            (self.reasoning_pieces, self.reasoning or "", "reasoning_chunks"),
        ):
            if count is not None and text and not 1 <= count <= len(text):
                raise ValueError(f"cannot split {len(text)} characters into {label}={count}")
        if self.piece_size is not None and self.piece_size < 1:
            raise ValueError("chunk_size must be >= 1")

    @classmethod
    def text(
        cls,
        content: str,
        *,
        reasoning: str | None = None,
        chunks: int | None = None,
        reasoning_chunks: int | None = None,
        chunk_size: int | None = None,
        finish_reason: str | None = None,
        usage: Usage | None = None,
    ) -> Reply:
        """A plain answer, optionally with reasoning and a given stream split."""
        return cls(
            content=content,
            reasoning=reasoning,
            finish_reason=finish_reason,
            pieces=chunks,
            reasoning_pieces=reasoning_chunks,
            piece_size=chunk_size,
            usage=usage,
        )

    @classmethod
    def tool_calls(
        cls,
        calls: Sequence[ToolCall | tuple[str, Mapping[str, Any] | str]],
        *,
        content: str = "",
        reasoning: str | None = None,
        usage: Usage | None = None,
    ) -> Reply:
        """One or several (parallel) tool calls, e.g. ``[("get_weather", {"city": "Paris"})]``.

        Dict arguments are serialised with ``json.dumps`` defaults (``{"city": "Paris"}``,
        with spaces), which is what DeepSeek emits.
        """
        built: list[ToolCall] = []
        for call in calls:
            if isinstance(call, ToolCall):
                built.append(call)
                continue
            name, args = call
            text = args if isinstance(args, str) else json.dumps(dict(args), ensure_ascii=False)
            built.append(ToolCall(name=name, arguments=text))
        if not built:
            raise ValueError("Reply.tool_calls needs at least one call")
        return cls(content=content, reasoning=reasoning, calls=tuple(built), usage=usage)

    @classmethod
    def dsml_tool_calls(
        cls,
        calls: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        before: str = "",
        after: str = "",
        bar: str = "\uff5c",
        block: str = "tool_calls",
        reasoning: str | None = None,
        chunks: int | None = None,
        chunk_size: int | None = None,
        finish_reason: str | None = None,
    ) -> Reply:
        """Tool calls written into the text as DSML markup, with ``finish_reason: "stop"``, as
        DeepSeek V4 models sometimes answer (deepseek-ai/DeepSeek-V3#1244): string values as
        ``string="true"``, others as JSON. ``bar`` is U+FF5C (DeepSeek's) or ``"|"``;
        ``block`` is ``tool_calls`` or ``function_calls`` (V3.2)."""
        tag = f"{bar}DSML{bar}"
        lines = [f"<{tag}{block}>"]
        for name, arguments in calls:
            lines.append(f'<{tag}invoke name="{name}">')
            for key, value in arguments.items():
                text, is_string = (
                    (value, "true") if isinstance(value, str) else (dumps(value), "false")
                )
                lines.append(
                    f'<{tag}parameter name="{key}" string="{is_string}">{text}</{tag}parameter>'
                )
            lines.append(f"</{tag}invoke>")
        lines.append(f"</{tag}{block}>")
        return cls(
            content=before + "\n".join(lines) + after,
            reasoning=reasoning,
            pieces=chunks,
            piece_size=chunk_size,
            finish_reason=finish_reason,
        )

    @classmethod
    def json(cls, value: Any, *, reasoning: str | None = None, chunks: int | None = None) -> Reply:
        """A JSON-mode answer: ``value`` serialised as the content string."""
        return cls(content=dumps(value), reasoning=reasoning, pieces=chunks)

    @classmethod
    def fim(
        cls, text: str, *, chunks: int | None = None, finish_reason: str | None = None
    ) -> Reply:
        """A FIM (``/beta/completions``) answer; ``text`` is the filled-in middle."""
        return cls(content=text, pieces=chunks, finish_reason=finish_reason)

    @classmethod
    def filler(cls, chunks: int, *, piece: str = "lorem ", reasoning_chunks: int = 0) -> Reply:
        """A long answer of exactly ``chunks`` content pieces, for benchmarks (e.g. 50,000)."""
        if chunks < 1 or reasoning_chunks < 0 or not piece:
            raise ValueError("filler needs chunks >= 1, reasoning_chunks >= 0 and a piece")
        return cls(
            content=piece * chunks,
            reasoning=piece * reasoning_chunks if reasoning_chunks else None,
            piece_size=len(piece),
        )

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str = "invalid_request_error",
        content_type: str | None = None,
    ) -> Reply:
        """An error answer with DeepSeek's envelope ``{"error": {message, type, param, code}}``."""
        return cls(
            error_spec=api_error(
                status, message, type_=error_type, code=code, content_type=content_type
            )
        )

    @classmethod
    def insufficient_balance(cls) -> Reply:
        """The real 402 body (``Insufficient Balance``, type ``unknown_error``)."""
        return cls(error_spec=insufficient_balance())

    @classmethod
    def context_length_exceeded(cls, requested: int, *, limit: int = 1048576) -> Reply:
        """The recorded 400 for an over-long prompt (ruby_llm context-length cassettes)."""
        return cls.error(
            400,
            f"This model's maximum context length is {limit} tokens. However, you requested "
            f"{requested} tokens ({requested} in the messages, 0 in the completion). "
            "Please reduce the length of the messages or completion.",
        )

    @classmethod
    def ocr(cls, pages: Sequence[str], *, finish_reasons: Sequence[str] = ()) -> Reply:
        """An OCR answer with these raw page texts (grounding markup included as given);
        ``finish_reasons`` per page, ``stop`` for the rest (``length`` marks a cut page)."""
        answer = {"pages": list(pages), "finish_reasons": list(finish_reasons)}
        return cls(tool="ocr", tool_answer=answer)

    @classmethod
    def transcript(cls, text: str, *, duration_ms: int | None = None) -> Reply:
        """An ASR answer; ``duration_ms`` defaults to the uploaded audio's length."""
        return cls(tool="asr", tool_answer={"text": text, "duration_ms": duration_ms})

    @classmethod
    def speech(cls, audio: bytes, *, chunk_size: int = 16 * 1024) -> Reply:
        """A TTS answer streaming exactly ``audio``, ``chunk_size`` bytes a piece (so
        ``Fault.drop_after_chunks(n, reply=...)`` cuts it after ``n * chunk_size`` bytes)."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        return cls(tool="tts", audio=audio, piece_size=chunk_size)

    @classmethod
    def raw_response(
        cls,
        status: int,
        body: bytes | str,
        *,
        content_type: str = "application/json",
        headers: Sequence[tuple[str, str]] = (),
    ) -> Reply:
        """Exact bytes to send (SSE bodies are split on blank lines and streamed)."""
        data = body.encode() if isinstance(body, str) else body
        return cls(raw=Raw(status, data, content_type, tuple(headers)))


def split_text(text: str, *, pieces: int | None, piece_size: int | None) -> list[str]:
    """Split ``text`` into stream pieces whose concatenation is ``text`` exactly."""
    if not text:
        return []
    if piece_size is not None:
        if piece_size < 1:
            raise ValueError("chunk_size must be >= 1")
        return [text[i : i + piece_size] for i in range(0, len(text), piece_size)]
    if pieces is not None:
        if not 1 <= pieces <= len(text):
            raise ValueError(f"cannot split {len(text)} characters into {pieces} pieces")
        size, extra = divmod(len(text), pieces)
        out: list[str] = []
        start = 0
        for i in range(pieces):
            end = start + size + (1 if i < extra else 0)
            out.append(text[start:end])
            start = end
        return out
    return _WORD_PIECES.findall(text)


def split_arguments(arguments: str) -> list[str]:
    """Fragment tool-call arguments the way real streams do (``{``, ``"``, ``city``, ...)."""
    return _ARG_PIECES.findall(arguments)
