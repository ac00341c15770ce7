"""Turn a :class:`Reply` into DeepSeek's exact bytes: bodies, SSE events, key order.

Key orders and delta phases follow the recorded streams (vercel-ai 2026-08, ruby_llm
2026-06, prism 2025-07): ``id, object, created, model, system_fingerprint, choices,
usage`` for chunks; ``id, object, created, model, choices, usage, system_fingerprint``
for bodies; first delta, reasoning, content, tool-call fragments, finish chunk with
usage, ``[DONE]``. Stream events are built from pre-formatted prefixes so a
50,000-piece stream costs one small string join per piece.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from deepseek_ext_emulator._replies import Raw, Reply, Usage, split_arguments, split_text
from deepseek_ext_emulator._wire import (
    FINGERPRINTS,
    completion_id,
    dumps,
    tool_call_id,
    usage_body,
)

_STR = json.JSONEncoder(ensure_ascii=False).encode
DONE = b"data: [DONE]\n\n"
JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream; charset=utf-8"


@dataclass(frozen=True)
class Context:
    """The request facts that decide the wire shape of an answer."""

    endpoint: Literal["chat", "fim"]
    model: str
    """Canonical model id echoed in ``model``."""
    thinking: bool
    stream: bool
    include_usage: bool
    logprobs: bool = False
    top_logprobs: int = 0
    prompt_tokens: int = 1
    echo_prefix: str = ""
    """FIM ``echo: true``: the prompt, repeated before the completion."""
    cached_tokens: int = 0
    """Input tokens served from the emulated context cache."""
    created: int = 0
    """The answer's ``created`` (Unix seconds); 0: now."""
    max_tokens: int | None = None
    """The request's ``max_tokens``: an answer longer than this (one piece ~ one token,
    reasoning first) is cut there with ``finish_reason: "length"``, as DeepSeek cuts it."""


@dataclass(frozen=True)
class Rendered:
    """Bytes ready to send: either a whole ``body`` or a list of SSE ``events``."""

    status: int
    content_type: str
    body: bytes = b""
    events: tuple[bytes, ...] | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Parts:
    reasoning: list[str] | None
    content: list[str]
    calls: list[tuple[str, str, str, list[str]]]  # (id, name, arguments, fragments)
    finish: str
    usage: dict[str, Any]


def render_raw(raw: Raw, headers: tuple[tuple[str, str], ...] = ()) -> Rendered:
    """A scripted raw response, byte for byte (an SSE body is sent event by event)."""
    every = raw.headers + headers
    if raw.content_type.startswith("text/event-stream"):
        return Rendered(raw.status, raw.content_type, events=split_sse(raw.body), headers=every)
    return Rendered(raw.status, raw.content_type, body=raw.body, headers=every)


def render(reply: Reply, ctx: Context) -> Rendered:
    """Render ``reply`` for the request described by ``ctx``."""
    if reply.error_spec is not None:
        err = reply.error_spec
        return Rendered(err.status, err.content_type, body=err.body, headers=reply.headers)
    if reply.raw is not None:
        return render_raw(reply.raw, reply.headers)
    parts = _parts(reply, ctx)
    fingerprint = FINGERPRINTS.get(ctx.model, FINGERPRINTS["deepseek-flash"])
    if ctx.endpoint == "fim":
        if ctx.stream:
            events = _fim_events(parts, ctx, fingerprint)
            return Rendered(200, SSE_TYPE, events=events, headers=reply.headers)
        return Rendered(
            200, JSON_TYPE, body=_fim_body(parts, ctx, fingerprint), headers=reply.headers
        )
    if ctx.stream:
        return Rendered(
            200, SSE_TYPE, events=_chat_events(parts, ctx, fingerprint), headers=reply.headers
        )
    return Rendered(200, JSON_TYPE, body=_chat_body(parts, ctx, fingerprint), headers=reply.headers)


def split_sse(body: bytes) -> tuple[bytes, ...]:
    """Split a recorded SSE body into events, each keeping its blank-line terminator."""
    events = [part + b"\n\n" for part in body.split(b"\n\n") if part.strip()]
    return tuple(events)


def _parts(reply: Reply, ctx: Context) -> _Parts:
    thinking = ctx.thinking if reply.thinking is None else reply.thinking
    if ctx.endpoint == "fim":
        thinking = False  # FIM is non-thinking only (docs/deepseek-api.md §2.4)
    reasoning = None
    if thinking:
        reasoning = split_text(
            reply.reasoning or "", pieces=reply.reasoning_pieces, piece_size=reply.piece_size
        )
    content = split_text(reply.content, pieces=reply.pieces, piece_size=reply.piece_size)
    calls: list[tuple[str, str, str, list[str]]] = []
    if ctx.endpoint == "chat":
        for index, call in enumerate(reply.calls):
            call_id = call.id or tool_call_id(index)
            calls.append((call_id, call.name, call.arguments, split_arguments(call.arguments)))
    finish = reply.finish_reason or ("tool_calls" if calls else "stop")
    if ctx.max_tokens is not None:
        reasoning, content, calls, cut = _within(ctx.max_tokens, reasoning, content, calls)
        if cut:
            finish = "length"
    usage = _usage(reply.usage, ctx, reasoning, content, calls)
    return _Parts(reasoning, content, calls, finish, usage)


def _within(
    budget: int,
    reasoning: list[str] | None,
    content: list[str],
    calls: list[tuple[str, str, str, list[str]]],
) -> tuple[list[str] | None, list[str], list[tuple[str, str, str, list[str]]], bool]:
    """The answer cut at `budget` tokens (reasoning, then content, then whole tool calls: a
    call cut in its arguments is dropped, its JSON would not parse), and whether it was cut."""
    used = len(reasoning or [])
    if used > budget:
        return (reasoning or [])[:budget], [], [], True
    if used + len(content) > budget:
        return reasoning, content[: budget - used], [], True
    used += len(content)
    kept: list[tuple[str, str, str, list[str]]] = []
    for call in calls:
        used += len(call[3])
        if used > budget:
            return reasoning, content, kept, True
        kept.append(call)
    return reasoning, content, kept, False


def _usage(
    override: Usage | None,
    ctx: Context,
    reasoning: list[str] | None,
    content: list[str],
    calls: list[tuple[str, str, str, list[str]]],
) -> dict[str, Any]:
    reasoning_tokens = None if reasoning is None else len(reasoning)
    if override is not None:
        if override.reasoning_tokens is not None and reasoning is not None:
            reasoning_tokens = override.reasoning_tokens
        return usage_body(
            override.prompt_tokens,
            override.completion_tokens,
            cached_tokens=override.cached_tokens,
            reasoning_tokens=reasoning_tokens,
        )
    # One piece ~ one token: the real streams carry one token per delta.
    completion = len(content) + sum(len(c[3]) for c in calls) + (reasoning_tokens or 0)
    return usage_body(
        ctx.prompt_tokens,
        max(completion, 1),
        cached_tokens=min(ctx.cached_tokens, ctx.prompt_tokens),
        reasoning_tokens=reasoning_tokens,
    )


def _logprob_entry(piece: str, top: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"token": piece, "logprob": -0.0001, "bytes": list(piece.encode())}
    alternative = {"token": piece, "logprob": -0.0001, "bytes": list(piece.encode())}
    entry["top_logprobs"] = [alternative] if top > 0 else []
    return entry


def _chat_body(parts: _Parts, ctx: Context, fingerprint: str) -> bytes:
    message: dict[str, Any] = {"role": "assistant", "content": "".join(parts.content)}
    if parts.reasoning is not None:
        message["reasoning_content"] = "".join(parts.reasoning)
    if parts.calls:
        message["tool_calls"] = [
            {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            for index, (call_id, name, arguments, _) in enumerate(parts.calls)
        ]
    logprobs = None
    if ctx.logprobs and parts.reasoning is None:
        logprobs = {"content": [_logprob_entry(p, ctx.top_logprobs) for p in parts.content]}
    body = {
        "id": completion_id(),
        "object": "chat.completion",
        "created": ctx.created or int(time.time()),
        "model": ctx.model,
        "choices": [
            {"index": 0, "message": message, "logprobs": logprobs, "finish_reason": parts.finish}
        ],
        "usage": parts.usage,
        "system_fingerprint": fingerprint,
    }
    return dumps(body).encode()


def _event_frame(kind: str, field: str, ctx: Context, fingerprint: str) -> tuple[str, str, str]:
    """The fixed text around each streamed choice, as DeepSeek orders it: `head` up to the
    choice's `field` value, `tail` after the choices, `mid` = no logprobs, no finish + `tail`."""
    head = (
        f'data: {{"id":"{completion_id()}","object":"{kind}",'
        f'"created":{ctx.created or int(time.time())},"model":"{ctx.model}",'
        f'"system_fingerprint":"{fingerprint}","choices":[{{"index":0,"{field}":'
    )
    tail = ',"usage":null}\n\n' if ctx.include_usage else "}\n\n"
    return head, ',"logprobs":null,"finish_reason":null}]' + tail, tail


def _chat_events(parts: _Parts, ctx: Context, fingerprint: str) -> tuple[bytes, ...]:
    head, mid, tail = _event_frame("chat.completion.chunk", "delta", ctx, fingerprint)
    thinking = parts.reasoning is not None
    out: list[str] = []
    if thinking:
        out.append(head + '{"role":"assistant","content":null,"reasoning_content":""}' + mid)
        for piece in parts.reasoning or ():
            out.append(head + '{"content":null,"reasoning_content":' + _STR(piece) + "}" + mid)
    else:
        out.append(head + '{"role":"assistant","content":""}' + mid)
    after = ',"reasoning_content":null}' if thinking else "}"
    with_logprobs = ctx.logprobs and not thinking
    for piece in parts.content:
        if with_logprobs:
            lp = dumps({"content": [_logprob_entry(piece, ctx.top_logprobs)]})
            out.append(
                head
                + '{"content":'
                + _STR(piece)
                + after
                + ',"logprobs":'
                + lp
                + ',"finish_reason":null}]'
                + tail
            )
        else:
            out.append(head + '{"content":' + _STR(piece) + after + mid)
    for index, (call_id, name, _, fragments) in enumerate(parts.calls):
        first = {
            "tool_calls": [
                {
                    "index": index,
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": ""},
                }
            ]
        }
        out.append(head + dumps(first) + mid)
        frag_head = head + '{"tool_calls":[{"index":' + str(index) + ',"function":{"arguments":'
        for fragment in fragments:
            out.append(frag_head + _STR(fragment) + "}}]}" + mid)
    final_delta = '{"content":"","reasoning_content":null}' if thinking else '{"content":""}'
    out.append(
        head
        + final_delta
        + ',"logprobs":null,"finish_reason":'
        + _STR(parts.finish)
        + '}],"usage":'
        + dumps(parts.usage)
        + "}\n\n"
    )
    return (*(event.encode() for event in out), DONE)


def _fim_body(parts: _Parts, ctx: Context, fingerprint: str) -> bytes:
    # Shape from the create-completion reference (docs/deepseek-api.md §6.3); no FIM traffic was
    # ever recorded, so the usage key order reuses the chat order.
    body = {
        "id": completion_id(),
        "object": "text_completion",
        "created": ctx.created or int(time.time()),
        "model": ctx.model,
        "system_fingerprint": fingerprint,
        "choices": [
            {
                "index": 0,
                "text": ctx.echo_prefix + "".join(parts.content),
                "logprobs": None,
                "finish_reason": parts.finish,
            }
        ],
        "usage": parts.usage,
    }
    return dumps(body).encode()


def _fim_events(parts: _Parts, ctx: Context, fingerprint: str) -> tuple[bytes, ...]:
    head, mid, _ = _event_frame("text_completion", "text", ctx, fingerprint)
    pieces = ([ctx.echo_prefix] if ctx.echo_prefix else []) + parts.content
    out = [head + _STR(piece) + mid for piece in pieces]
    out.append(
        head
        + '"","logprobs":null,"finish_reason":'
        + _STR(parts.finish)
        + '}],"usage":'
        + dumps(parts.usage)
        + "}\n\n"
    )
    return (*(event.encode() for event in out), DONE)
