"""A batch input file: JSONL in the OpenAI Batch input format, each line checked on its own.

One line: `{"custom_id": "...", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`.
`url` is `/v1/chat/completions` or `/chat/completions` for chat, `/beta/completions` for FIM. The
body is DeepSeek's wire body; it goes through the same checks as any request of the core
(`prepare_chat_request`), so a line that would be refused by DeepSeek is reported, with its line
number and `custom_id`, before anything is sent, and the other lines still run.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._errors import InvalidRequestError
from .._prepare import PreparedRequest, prepare_chat_request, prepare_fim_request
from .._request import ChatRequest, FIMRequest
from ._wire_in import messages_from_wire

__all__ = ["CHAT_URLS", "FIM_URLS", "BadLine", "BatchRequest", "parse_lines", "read_batch_input"]

CHAT_URLS = frozenset({"/v1/chat/completions", "/chat/completions"})
FIM_URLS = frozenset({"/beta/completions"})
_LINE_KEYS = frozenset({"custom_id", "method", "url", "body"})
_BOM = b"\xef\xbb\xbf"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One checked line of the input."""

    custom_id: str
    line_number: int
    """1-based, as editors count."""
    request: ChatRequest | FIMRequest
    prepared: PreparedRequest
    """The wire body as it will be sent (checked by the core already)."""

    @property
    def model(self) -> str:
        return self.request.model


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that is not sent, and why."""

    line_number: int
    custom_id: str | None
    message: str

    def __str__(self) -> str:
        named = f" ({self.custom_id})" if self.custom_id else ""
        return f"line {self.line_number}{named}: {self.message}"


def read_batch_input(path: str | Path) -> tuple[list[BatchRequest], list[BadLine]]:
    """Every line of the JSONL file at `path` (`"-"`: standard input; blank lines skipped),
    checked. Lines are decoded
    one at a time, so a byte that is not UTF-8 makes its own line bad, not the file; a UTF-8
    byte order mark before the first line is dropped."""
    if str(path) == "-":  # standard input, read once (bytes where it has them)
        stdin = sys.stdin
        raw = getattr(stdin, "buffer", None) or (
            line.encode("utf-8", "surrogateescape") for line in stdin
        )
        return parse_lines(_decoded(raw))
    with Path(path).open("rb") as raw:
        return parse_lines(_decoded(raw))


def _decoded(raw: Iterable[bytes]) -> Iterator[str]:
    for number, line in enumerate(raw, start=1):
        data = line[len(_BOM) :] if number == 1 and line.startswith(_BOM) else line
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _Undecodable(f"not UTF-8 (byte {exc.start + 1}: {data[exc.start]:#04x})")


class _Undecodable(str):
    """A line that could not be decoded: the reason, in place of its text."""


def parse_lines(lines: Iterable[str]) -> tuple[list[BatchRequest], list[BadLine]]:
    """The requests among `lines`, and the lines that are not sent. A `custom_id` seen before
    makes the later line bad: the output could not tell the two answers apart."""
    requests: list[BatchRequest] = []
    bad: list[BadLine] = []
    seen: set[str] = set()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        parsed = _parse_line(text, number)
        if isinstance(parsed, BatchRequest) and parsed.custom_id in seen:
            parsed = BadLine(number, parsed.custom_id, "custom_id is used by an earlier line")
        if isinstance(parsed, BadLine):
            bad.append(parsed)
        else:
            seen.add(parsed.custom_id)
            requests.append(parsed)
    return requests, bad


def _parse_line(text: str, number: int) -> BatchRequest | BadLine:
    if isinstance(text, _Undecodable):
        return BadLine(number, None, str(text))
    try:
        line = json.loads(text)
    except RecursionError:
        return BadLine(number, None, "nested too deeply to read")
    except ValueError as exc:
        return BadLine(number, None, f"not JSON ({exc})")
    if not isinstance(line, Mapping):
        return BadLine(number, None, "not a JSON object")
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return BadLine(number, None, "custom_id must be a non-empty string")
    if _LONE_SURROGATE.search(custom_id):
        # It could not be written to the output (UTF-8), after the answer was paid for.
        return BadLine(number, None, "custom_id holds a lone surrogate (\\ud800-\\udfff)")
    try:
        request, prepared = _checked(line)
    except RecursionError:
        return BadLine(number, custom_id, "body nested too deeply to send")
    except (ValueError, InvalidRequestError) as exc:
        return BadLine(number, custom_id, _describe(exc))
    return BatchRequest(custom_id, number, request, prepared)


def _checked(line: Mapping[str, Any]) -> tuple[ChatRequest | FIMRequest, PreparedRequest]:
    unknown = set(line) - _LINE_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    if line.get("method", "POST") != "POST":
        raise ValueError(f"method must be POST, not {line.get('method')!r}")
    url = line.get("url")
    body = line.get("body")
    if not isinstance(body, Mapping):
        raise ValueError("body must be a JSON object")
    if body.get("stream"):
        raise ValueError("stream must be false or absent: batch answers are not streamed")
    if "stream_options" in body:
        raise ValueError("stream_options has no meaning without streaming")
    if url in CHAT_URLS:
        chat = _chat_request(body)
        prepared = prepare_chat_request(chat, stream=False)
        prepared.json_bytes()  # sendable as UTF-8, checked now rather than after paying
        return chat, prepared
    if url in FIM_URLS:
        fim = FIMRequest.model_validate(dict(body))
        prepared = prepare_fim_request(fim, stream=False)
        prepared.json_bytes()
        return fim, prepared
    allowed = sorted(CHAT_URLS | FIM_URLS)
    raise ValueError(f"url must be one of {allowed}, not {url!r}")


def _chat_request(body: Mapping[str, Any]) -> ChatRequest:
    fields = {key: value for key, value in body.items() if key not in ("messages", "thinking")}
    thinking = body.get("thinking")
    if isinstance(thinking, Mapping):
        thinking = thinking.get("type")
    if thinking is not None:
        fields["thinking"] = thinking
    fields["messages"] = messages_from_wire(body.get("messages"))
    return ChatRequest.model_validate(fields)


def _describe(exc: Exception) -> str:
    """One line naming what was wrong (pydantic's errors as `body.field: message`)."""
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(part) for part in error["loc"])
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            parts.append(f"body.{where}: {message}" if where else message)
        return "; ".join(parts)
    return str(exc)
