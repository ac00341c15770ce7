"""TTS over a WebSocket (``wss://…/v1/tools/tts``, docs/deepseek-api.md §6.13): the client sends
``{"event": "text", "text": …}`` messages as its text is written, then ``{"event":
"finish_text"}``; the server answers each piece of text with binary audio frames as it is
synthesized, then a text frame ``{"event": "finish", "code": 0}``, and closes.

DeepSeek documents the events but not every field of the final frame; the emulator sends
``code`` 0 for success and DeepSeek's HTTP-like status with a ``message`` for a failure. Audio is
silence as long as the text (0.18 s a billed character): raw 24 kHz 16-bit mono for ``pcm``, 20 ms
Opus silence packets for ``opus``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from deepseek_ext_emulator._faults import Fault
from deepseek_ext_emulator._speech import (
    AUDIO_CHUNK,
    SAMPLE_RATE,
    SECONDS_PER_CHARACTER,
    VOICES,
    billed,
)
from deepseek_ext_emulator._websocket import TEXT, WebSocket
from deepseek_ext_emulator._wire import ErrorSpec, api_error

LIVE_FORMATS = ("pcm", "opus")
_OPUS_SILENCE = b"\xf8\xff\xfe"
"""One 20 ms Opus silence packet."""

Session = Callable[[WebSocket], None]


def live_key(headers: Mapping[str, str]) -> str:
    """The bearer key: from `Authorization`, else the `bearer.<key>` subprotocol."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    for protocol in headers.get("sec-websocket-protocol", "").split(","):
        if protocol.strip().startswith("bearer."):
            return protocol.strip()[len("bearer.") :]
    return ""


def live_session(query: str, fault: Fault) -> Session | ErrorSpec:
    """The session for a checked query, or DeepSeek's error for it (sent before the upgrade)."""
    params = {key: values[-1] for key, values in parse_qs(query).items()}
    unknown = sorted(set(params) - {"voice_id", "format", "filter_markdown"})
    if unknown:
        return _invalid(f"unknown parameter(s): {', '.join(unknown)}")
    if params.get("voice_id", "stella") not in VOICES:
        return _invalid(f"voice_id must be one of {', '.join(VOICES)}")
    audio_format = params.get("format", "pcm")
    if audio_format not in LIVE_FORMATS:
        return _invalid(f"format must be one of {', '.join(LIVE_FORMATS)}")
    if params.get("filter_markdown", "true") not in ("true", "false"):
        return _invalid("filter_markdown must be true or false")

    def run(socket: WebSocket) -> None:
        _converse(socket, audio_format, fault.drop_after)

    return run


def _converse(socket: WebSocket, audio_format: str, drop_after: int | None) -> None:
    sent = 0
    while (message := socket.receive()) is not None:
        opcode, payload = message
        event = _event(payload) if opcode == TEXT else None
        if event is None:
            _finish(socket, 400, "messages must be JSON text events")
            return
        if event.get("event") == "finish_text":
            _finish(socket, 0, "ok")
            return
        text = event.get("text")
        if event.get("event") != "text" or not isinstance(text, str):
            _finish(socket, 400, "expected a text or finish_text event")
            return
        for piece in _audio(text, audio_format):
            if drop_after is not None and sent >= drop_after:
                socket.abort()
                return
            socket.send_binary(piece)
            sent += 1


def _event(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _finish(socket: WebSocket, code: int, message: str) -> None:
    socket.send_text(json.dumps({"event": "finish", "code": code, "message": message}))
    socket.close()


def _audio(text: str, audio_format: str) -> list[bytes]:
    seconds = billed(text) * SECONDS_PER_CHARACTER
    if audio_format == "opus":
        data = _OPUS_SILENCE * round(seconds * 50)
    else:
        data = b"\x00" * (round(seconds * SAMPLE_RATE) * 2)
    return [data[i : i + AUDIO_CHUNK] for i in range(0, len(data), AUDIO_CHUNK)]


def _invalid(message: str) -> ErrorSpec:
    return api_error(400, message, type_="invalid_request_error")
