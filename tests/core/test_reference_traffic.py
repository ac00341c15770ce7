"""Replay of real DeepSeek chat-completions traffic from `tests/data/reference-traffic/`.

Every non-streaming body is parsed with `ChatCompletion`; every stream goes through `SSEDecoder`
(fed in random splits), `ChatCompletionChunk` and `ChatAccumulator`. The expected values are
computed independently from the recording with `json` alone. Sources: that folder's PROVENANCE.md.
Responses-API interactions (`/responses`), error interactions and the Markdown logs are skipped.
"""

from __future__ import annotations

import base64
import json
import random
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from deepseek_ext_core import (
    AssistantMessage,
    ChatAccumulator,
    ChatCompletion,
    ChatCompletionChunk,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
    to_wire_messages,
)
from deepseek_ext_core.integration import SSEDecoder

from ..reference_traffic import REFERENCE_DIR as REFERENCE

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _VCRLoader(_BASE_LOADER):  # type: ignore[misc]
    """Safe YAML loader that also reads Ruby VCR's `!binary` (base64) strings, as bytes."""


def _binary(loader: Any, node: Any) -> bytes:
    return base64.b64decode(loader.construct_scalar(node))


_VCRLoader.add_constructor("!binary", _binary)


@dataclass(frozen=True)
class Recording:
    """One recorded response body (`stream` says whether it is SSE) and, if known, its request."""

    id: str
    body: bytes
    stream: bool
    request: dict[str, Any] | None = None


def _as_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _vercel_sse(text: str) -> bytes:
    lines = [line for line in text.splitlines() if line.strip()]
    return "".join(f"data: {line}\n\n" for line in lines).encode() + b"data: [DONE]\n\n"


def _is_chat_completion(body: bytes) -> bool:
    try:
        return json.loads(body).get("object") == "chat.completion"
    except ValueError:
        return False


def _request_body(request: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(request.get("parsed_body"), dict):
        return dict(request["parsed_body"])
    raw = (request.get("body") or {}).get("string")
    if not raw:
        return None
    try:
        parsed = json.loads(_as_bytes(raw))
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _cassette_recordings(path: Path) -> list[Recording]:
    data = yaml.load(path.read_bytes(), Loader=_VCRLoader)  # a SafeLoader subclass
    interactions = data.get("http_interactions") or data.get("interactions") or []
    found: list[Recording] = []
    for index, interaction in enumerate(interactions):
        request, response = interaction["request"], interaction["response"]
        status = int(response["status"]["code"])
        if not str(request["uri"]).endswith("/chat/completions") or status != 200:
            continue  # Responses API, other hosts, error interactions
        rel = f"{path.relative_to(REFERENCE)}#{index}"
        if isinstance(response.get("parsed_body"), dict):
            body = json.dumps(response["parsed_body"], ensure_ascii=False).encode()
        else:
            body = _as_bytes(response["body"]["string"])
        stream = body.lstrip().startswith(b"data:")
        found.append(Recording(rel, body, stream, _request_body(request)))
    return found


def _collect() -> list[Recording]:
    found: list[Recording] = []
    for path in sorted(REFERENCE.glob("prism/*")):
        if path.suffix in (".json", ".sse"):
            found.append(
                Recording(
                    str(path.relative_to(REFERENCE)), path.read_bytes(), path.suffix == ".sse"
                )
            )
    for path in sorted(REFERENCE.glob("vercel-ai/**/*")):
        rel = str(path.relative_to(REFERENCE))
        if "responses@" in rel or not path.is_file():
            continue  # Responses-API fixtures
        if path.name.endswith(".chunks.txt"):
            found.append(Recording(rel, _vercel_sse(path.read_text(encoding="utf-8")), True))
        elif path.suffix == ".json" and _is_chat_completion(path.read_bytes()):
            found.append(Recording(rel, path.read_bytes(), False))
    for pattern in ("ruby_llm/**/*.yml", "pydantic-ai/*.yaml"):
        for path in sorted(REFERENCE.glob(pattern)):
            found.extend(_cassette_recordings(path))
    return found


RECORDINGS = _collect()
BODIES = [r for r in RECORDINGS if not r.stream]
STREAMS = [r for r in RECORDINGS if r.stream]
REQUESTS = [r for r in RECORDINGS if r.request and r.request.get("messages")]


def test_the_replay_covers_every_source() -> None:
    sources = {r.id.split("/", 1)[0] for r in RECORDINGS}
    assert sources == {"prism", "vercel-ai", "ruby_llm", "pydantic-ai"}
    assert len(BODIES) >= 30
    assert len(STREAMS) >= 30
    expectations = [
        _expected_from_chunks([json.loads(p) for p in _data_payloads(r.body)]) for r in STREAMS
    ]
    assert any(e.reasoning for e in expectations)
    assert any(len(e.tool_calls) >= 2 for e in expectations)  # parallel calls
    assert any(e.reasoning and e.tool_calls for e in expectations)  # thinking with tools
    assert any(e.finish_reason == "length" for e in expectations)


# ---- independent expectations (json only) -----------------------------------------------------


def _data_payloads(body: bytes) -> list[str]:
    """The `data:` payloads before [DONE], read naively (recordings use one line per event)."""
    payloads = []
    for line in body.decode("utf-8").replace("\r\n", "\n").split("\n"):
        if line.startswith("data:"):
            payload = line[5:].removeprefix(" ")
            if payload == "[DONE]":
                break
            payloads.append(payload)
    return payloads


@dataclass
class Expected:
    content: str | None
    reasoning: str | None
    tool_calls: list[tuple[str, str, Any]]
    usage: dict[str, Any] | None
    finish_reason: str | None


def _expected_from_chunks(chunks: list[dict[str, Any]]) -> Expected:
    content: list[str] | None = None
    reasoning: list[str] | None = None
    calls: dict[int, dict[str, Any]] = {}
    usage = None
    finish = None
    for item in chunks:
        if item.get("usage"):
            usage = item["usage"]
        for choice in item.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content") is not None:
                content = [*(content or []), delta["content"]]
            if delta.get("reasoning_content") is not None:
                reasoning = [*(reasoning or []), delta["reasoning_content"]]
            for fragment in delta.get("tool_calls") or []:
                call = calls.setdefault(fragment["index"], {"id": "", "name": "", "args": ""})
                function = fragment.get("function") or {}
                call["id"] = call["id"] or fragment.get("id") or ""
                call["name"] = call["name"] or function.get("name") or ""
                call["args"] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    return Expected(
        content=None if content is None else "".join(content),
        reasoning=None if reasoning is None else "".join(reasoning),
        tool_calls=[(c["id"], c["name"], json.loads(c["args"])) for _, c in sorted(calls.items())],
        usage=usage,
        finish_reason=finish,
    )


def _expected_from_body(raw: dict[str, Any]) -> Expected:
    choice = raw["choices"][0]
    message = choice["message"]
    return Expected(
        content=message.get("content"),
        reasoning=message.get("reasoning_content"),
        tool_calls=[
            (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in message.get("tool_calls") or []
        ],
        usage=raw.get("usage"),
        finish_reason=choice.get("finish_reason"),
    )


def _check(completion: ChatCompletion, expected: Expected) -> None:
    message = completion.message
    assert message.content == expected.content
    assert message.reasoning_content == expected.reasoning
    calls = [
        (c.id, c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []
    ]
    assert calls == expected.tool_calls
    assert completion.finish_reason == expected.finish_reason
    if expected.usage is None:
        assert completion.usage is None
        return
    usage = completion.usage
    assert usage is not None
    raw = expected.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (
        raw["prompt_tokens"],
        raw["completion_tokens"],
        raw["total_tokens"],
    )
    if "prompt_cache_hit_tokens" in raw:
        assert usage.cache_hit_tokens == raw["prompt_cache_hit_tokens"]
        assert usage.cache_miss_tokens == raw["prompt_cache_miss_tokens"]
    details = raw.get("completion_tokens_details") or {}
    assert usage.reasoning_tokens == (details.get("reasoning_tokens") or 0)
    # Stored history built from the answer is a valid conversation for the next request.
    stored = message.to_message()
    assert stored.reasoning_content == expected.reasoning
    history: list[Message] = [UserMessage("q"), stored]
    history += [ToolMessage("result", tool_call_id=c.id) for c in stored.tool_calls]
    wire = to_wire_messages(history, has_tools=bool(stored.tool_calls))
    if stored.tool_calls:
        assert wire[1]["reasoning_content"] == (expected.reasoning or "")


# ---- the replay -------------------------------------------------------------------------------


@pytest.mark.parametrize("recording", BODIES, ids=[r.id for r in BODIES])
def test_non_streaming_body(recording: Recording) -> None:
    raw = json.loads(recording.body)
    completion = ChatCompletion.model_validate_json(recording.body)
    assert (completion.id, completion.model, completion.created) == (
        raw["id"],
        raw["model"],
        raw["created"],
    )
    assert completion.object == "chat.completion"
    assert completion.system_fingerprint == raw.get("system_fingerprint")
    _check(completion, _expected_from_body(raw))


def _random_split(data: bytes, seed: str) -> list[bytes]:
    rng = random.Random(zlib.crc32(seed.encode()))
    pieces, start = [], 0
    while start < len(data):
        size = rng.choice([1, 2, 3, 7, 64, 500, 4096])
        pieces.append(data[start : start + size])
        start += size
    return pieces


@pytest.mark.parametrize("recording", STREAMS, ids=[r.id for r in STREAMS])
def test_stream(recording: Recording) -> None:
    expected_payloads = _data_payloads(recording.body)
    raw_chunks = [json.loads(p) for p in expected_payloads]
    for split in range(2):
        decoder = SSEDecoder()
        payloads: list[str] = []
        for piece in _random_split(recording.body, f"{recording.id}/{split}"):
            payloads.extend(decoder.feed(piece))
        payloads.extend(decoder.close())
        assert decoder.done, "every recording ends with data: [DONE]"
        assert payloads == expected_payloads
    accumulator = ChatAccumulator()
    for payload in payloads:
        parsed = ChatCompletionChunk.model_validate_json(payload)
        assert not (parsed.model_extra or {}).get("error")
        accumulator.add(parsed)
    assert accumulator.chunk_count == len(raw_chunks)
    completion = accumulator.completion()
    assert completion.id == raw_chunks[0]["id"]
    assert completion.model == raw_chunks[0]["model"]
    _check(completion, _expected_from_chunks(raw_chunks))


# ---- real requests that DeepSeek answered with 200 are valid conversations --------------------


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _neutral(message: dict[str, Any]) -> Message:
    role = message["role"]
    if role == "system":
        return SystemMessage(_text(message["content"]))
    if role == "user":
        content = message["content"]
        if isinstance(content, list):
            return UserMessage(
                tuple(
                    ImagePart(p["image_url"]["url"])
                    if p.get("type") == "image_url"
                    else TextPart(p.get("text", ""))
                    for p in content
                )
            )
        return UserMessage(str(content))
    if role == "assistant":
        calls = tuple(
            ToolCall(c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or []
        )
        content = message.get("content")
        return AssistantMessage(
            content=None if content is None else _text(content),
            tool_calls=calls,
            reasoning_content=message.get("reasoning_content"),
        )
    assert role == "tool", role
    return ToolMessage(_text(message["content"]), tool_call_id=message["tool_call_id"])


@pytest.mark.parametrize("recording", REQUESTS, ids=[r.id for r in REQUESTS])
def test_accepted_request_history_converts(recording: Recording) -> None:
    assert recording.request is not None
    sent = recording.request["messages"]
    messages = [_neutral(m) for m in sent]
    wire = to_wire_messages(messages, has_tools=bool(recording.request.get("tools")))
    assert [m["role"] for m in wire] == [m["role"] for m in sent]
    for original, converted in zip(sent, wire, strict=True):
        # Real reasoning that was sent back (and accepted) is still sent back, unchanged.
        if (
            original["role"] == "assistant"
            and original.get("reasoning_content") is not None
            and (recording.request.get("tools") or original.get("tool_calls"))
        ):
            assert converted["reasoning_content"] == original["reasoning_content"]
        if original["role"] == "tool":
            assert converted["tool_call_id"] == original["tool_call_id"]
