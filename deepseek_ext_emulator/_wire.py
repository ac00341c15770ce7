"""Wire facts the emulator reproduces: model table, id formats, usage and error bodies.

Everything here is copied from recorded DeepSeek traffic (see
``tests/data/reference-traffic/PROVENANCE.md``) or from the API reference
(``docs/deepseek-api.md``), not from the client code in ``deepseek_ext_core``: the
emulator is a second, independent reading of the same documents, so a client bug does
not get mirrored on the server side.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any

# Request model id -> canonical id echoed in ``model`` (docs/deepseek-api.md §1.4: legacy names and
# ``deepseek-v4-flash`` are aliases answered as ``deepseek-flash``, observed 2026-10-06).
CANONICAL_MODELS: dict[str, str] = {
    "deepseek-flash": "deepseek-flash",
    "deepseek-v4-pro": "deepseek-v4-pro",
    "deepseek-v4-flash": "deepseek-flash",
    "deepseek-v4-flash-vision-exp": "deepseek-flash",
    "deepseek-chat": "deepseek-flash",
    "deepseek-reasoner": "deepseek-flash",
}

# Thinking is on by default for every V4+ id; ``deepseek-chat`` is the legacy
# non-thinking name (docs/deepseek-api.md §1.4, §2.1).
THINKING_BY_DEFAULT: dict[str, bool] = {name: name != "deepseek-chat" for name in CANONICAL_MODELS}

# 32-hex fingerprints as served in 2026-08 (vercel-ai fixtures): one per deployment.
FINGERPRINTS: dict[str, str] = {
    "deepseek-flash": "a26a7955944dc5c60445bff77fac9c8e",
    "deepseek-v4-pro": "a307abda487cd1b463329ccb945ce396",
}

MAX_TOKENS_LIMIT = 393216

# Newest documented ``GET /models`` body (docs/deepseek-api.md §1.6); aliases are not listed.
MODELS_BODY: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "deepseek-flash",
            "object": "model",
            "owned_by": "deepseek",
            "name": "DeepSeek-V4.1-Flash",
            "context_window": 1048576,
            "max_output_tokens": MAX_TOKENS_LIMIT,
            "input_modalities": ["text", "image"],
            "output_modalities": ["text"],
            "effort": {"supported_levels": ["low", "high", "max"], "default_level": "high"},
            "api_capabilities": {"anthropic_messages": {"system_prompt_update": "in-history"}},
        },
        {
            "id": "deepseek-v4-pro",
            "object": "model",
            "owned_by": "deepseek",
            "name": "DeepSeek-V4-Pro",
            "context_window": 1048576,
            "max_output_tokens": MAX_TOKENS_LIMIT,
            "input_modalities": ["text"],
            "output_modalities": ["text"],
        },
    ],
}

_BASE62 = string.ascii_letters + string.digits


def dumps(obj: Any) -> str:
    """Compact JSON with raw UTF-8, the way DeepSeek writes its bodies."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def completion_id() -> str:
    """A bare UUIDv4: DeepSeek has no ``chatcmpl-`` prefix (every recording in
    tests/data/reference-traffic)."""
    return str(uuid.uuid4())


def trace_id() -> str:
    """Value of the ``x-ds-trace-id`` header: 32 lowercase hex characters."""
    return secrets.token_hex(16)


def tool_call_id(index: int) -> str:
    """``call_00_`` + 24 base62 characters, the format used since 2025-12."""
    suffix = "".join(secrets.choice(_BASE62) for _ in range(24))
    return f"call_{index:02d}_{suffix}"


def usage_body(
    prompt_tokens: int,
    completion_tokens: int,
    *,
    cached_tokens: int,
    reasoning_tokens: int | None,
) -> dict[str, Any]:
    """Usage in DeepSeek's real key order.

    ``completion_tokens_details`` exists only in thinking mode (absent, not null,
    otherwise) and ``prompt_tokens_details.cached_tokens`` duplicates the hit count.
    """
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens},
    }
    if reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    usage["prompt_cache_hit_tokens"] = cached_tokens
    usage["prompt_cache_miss_tokens"] = prompt_tokens - cached_tokens
    return usage


@dataclass(frozen=True)
class ErrorSpec:
    """An error answer: HTTP status, the JSON envelope (or raw bytes) and its content type."""

    status: int
    body: bytes
    content_type: str = "application/json"


def error_envelope(
    message: str,
    *,
    type_: str = "invalid_request_error",
    code: str = "invalid_request_error",
) -> dict[str, Any]:
    """DeepSeek's error body: ``code`` is the generic value even for 401/402 (docs/deepseek-api.md
    §7.2)."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def api_error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    code: str = "invalid_request_error",
    content_type: str | None = None,
) -> ErrorSpec:
    """Build an :class:`ErrorSpec` with DeepSeek's envelope.

    400 bodies default to ``application/octet-stream`` because that is what the chat
    endpoint sent in 2026-06 (tests/data/reference-traffic/ruby_llm); clients must parse JSON
    regardless.
    """
    if content_type is None:
        content_type = "application/octet-stream" if status == 400 else "application/json"
    body = dumps(error_envelope(message, type_=type_, code=code)).encode()
    return ErrorSpec(status, body, content_type)


def bad_request(message: str) -> ErrorSpec:
    """HTTP 400 ``invalid_request_error``, the class of every captured validation failure."""
    return api_error(400, message)


def auth_error(presented_key: str) -> ErrorSpec:
    """HTTP 401 echoing only the last four characters of the key that was sent."""
    return api_error(
        401,
        f"Authentication Fails, Your api key: ****{presented_key[-4:]} is invalid",
        type_="authentication_error",
    )


def insufficient_balance() -> ErrorSpec:
    """HTTP 402 as quoted in https://github.com/Aider-AI/aider/issues/4851: ``type`` is
    ``unknown_error``."""
    return api_error(402, "Insufficient Balance", type_="unknown_error")


def with_request_id(message: str) -> str:
    """Append ``(request_id: <uuid>)`` the way some V4 400 messages end."""
    return f"{message} (request_id: {uuid.uuid4()})"
