"""Helpers for the emulator tests: reading reference traffic and comparing shapes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..reference_traffic import reference_path

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def ref(relative: str) -> Path:
    """Path of a reference file in the repository; a missing one fails the test."""
    return reference_path(relative)


def load_yaml(path: Path) -> Any:
    """YAML with Ruby VCR's ``!binary`` tag decoded to bytes."""
    loader: Any = type("_RefLoader", (yaml.SafeLoader,), {})
    loader.add_constructor(
        "!binary", lambda ldr, node: base64.b64decode(ldr.construct_scalar(node))
    )
    return yaml.load(path.read_bytes(), Loader=loader)


def ruby_interaction(relative: str, index: int = 0) -> tuple[Any, bytes, dict[str, str]]:
    """(request JSON, response body bytes, response headers) of a Ruby VCR cassette."""
    data = load_yaml(ref(relative))
    item = data["http_interactions"][index]
    body = item["response"]["body"]["string"]
    raw = body if isinstance(body, bytes) else body.encode()
    headers = {k: v[0] for k, v in item["response"]["headers"].items()}
    return json.loads(item["request"]["body"]["string"]), raw, headers


def sse_chunks(text: str) -> list[dict[str, Any]]:
    """JSON payloads of ``data:`` lines, ``[DONE]`` excluded."""
    out = []
    for line in text.splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            out.append(json.loads(line[6:]))
    return out


def chunk_lines(relative: str) -> list[dict[str, Any]]:
    """vercel-ai ``*.chunks.txt``: one JSON chunk per line."""
    return [json.loads(line) for line in ref(relative).read_text().splitlines() if line.strip()]


def shape(value: Any) -> Any:
    """Key order and value types, recursively; lists compare by their first element."""
    if isinstance(value, dict):
        return [(key, shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def phase(chunk: dict[str, Any]) -> str:
    """The stream phase a chat chunk belongs to."""
    choice = chunk["choices"][0]
    delta = choice["delta"]
    if choice["finish_reason"] is not None:
        return "final"
    if "role" in delta:
        return "role"
    if "tool_calls" in delta:
        return "tool_first" if "id" in delta["tool_calls"][0] else "tool_fragment"
    if delta.get("reasoning_content") is not None:
        return "reasoning"
    return "content"


def phases(chunks: list[dict[str, Any]]) -> list[str]:
    """Phase sequence with consecutive repeats collapsed."""
    out: list[str] = []
    for chunk in chunks:
        p = phase(chunk)
        if not out or out[-1] != p:
            out.append(p)
    return out


def first_of_each_phase(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Shape of the first chunk of every phase."""
    seen: dict[str, Any] = {}
    for chunk in chunks:
        seen.setdefault(phase(chunk), shape(chunk))
    return seen


def client(base_url: str, **kwargs: Any) -> httpx.Client:
    """An httpx client with the emulator's key."""
    kwargs.setdefault("verify", False)  # no CA bundle to load: loopback http only
    kwargs.setdefault("timeout", 10)
    return httpx.Client(base_url=base_url, headers=AUTH, **kwargs)


def chat(model: str = "deepseek-flash", content: str = "hi", **extra: Any) -> dict[str, Any]:
    """A minimal chat request body."""
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def stream_text(c: httpx.Client, body: dict[str, Any], path: str = "/chat/completions") -> str:
    """POST a streaming request and return the raw body text."""
    with c.stream("POST", path, json={**body, "stream": True}) as response:
        assert response.status_code == 200
        return response.read().decode()
