"""TTS over DeepSeek's WebSocket (docs/deepseek-api.md §6.13): text sent piece by piece as it is
written (an LLM's streamed answer, say), audio received as it is synthesized.

The protocol: `{"event": "text", "text": …}` messages, then `{"event": "finish_text"}`; binary
frames of audio come back meanwhile, then a text frame `{"event": "finish", "code": …}`. DeepSeek
does not document every field of that frame: a `code` of 0 or 200 (or none) is taken as success,
any other as a failure with that status. Needs the `speech` extra (websockets), imported here
when first used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from .._errors import (
    APIConnectionError,
    APITimeoutError,
    DeepSeekError,
    InvalidRequestError,
    error_from_response,
)
from ._tts import VOICES

LIVE_FORMATS = ("pcm", "opus")
"""`pcm` (raw 24 kHz 16-bit mono) or `opus`."""
FINISH_TEXT = json.dumps({"event": "finish_text"})
_SUCCESS_CODES = (0, 200, None)


def require_websockets() -> None:
    """Raises a clear error when the `speech` extra is missing."""
    try:
        import websockets  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "TTS over a WebSocket needs websockets: pip install 'deepseek-ext[speech]'"
        ) from exc


def live_url(tts_url: str, *, voice_id: str, format: str, filter_markdown: bool) -> str:
    """The WebSocket URL for the client's TTS URL (`https` -> `wss`), its query extended."""
    if voice_id not in VOICES:
        raise InvalidRequestError(f"voice_id must be one of {', '.join(VOICES)}, got {voice_id!r}")
    if format not in LIVE_FORMATS:
        raise InvalidRequestError(
            f"format must be one of {', '.join(LIVE_FORMATS)} over the WebSocket, got {format!r}"
        )
    parts = urlsplit(tts_url)
    scheme = {"https": "wss", "http": "ws"}[parts.scheme]
    ours = urlencode(
        {"voice_id": voice_id, "format": format, "filter_markdown": str(filter_markdown).lower()}
    )
    query = f"{parts.query}&{ours}" if parts.query else ours
    return urlunsplit((scheme, parts.netloc, parts.path, query, ""))


def text_event(piece: str) -> str:
    """One piece of text, as sent."""
    if not isinstance(piece, str):
        raise InvalidRequestError(f"speak_live reads text pieces (str), got {type(piece).__name__}")
    return json.dumps({"event": "text", "text": piece}, ensure_ascii=False)


def finish_error(frame: Mapping[str, Any]) -> DeepSeekError | None:
    """The error a final frame reports, or None for success."""
    code = frame.get("code")
    if code in _SUCCESS_CODES:
        return None
    message = str(frame.get("message") or f"the speech ended with code {code}")
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    body = json.dumps({"error": {"message": message}}).encode()
    return error_from_response(status, {}, body)


def handshake_error(exc: BaseException) -> DeepSeekError:
    """A failed WebSocket opening as this package's error: an HTTP refusal typed by status
    (so 429 and 5xx are retried), anything else a connection error."""
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        response = exc.response
        return error_from_response(
            response.status_code, dict(response.headers.raw_items()), bytes(response.body or b"")
        )
    if isinstance(exc, TimeoutError):
        return APITimeoutError(f"the WebSocket opening timed out ({type(exc).__name__})")
    return APIConnectionError(f"the WebSocket could not be opened ({type(exc).__name__}: {exc})")


class MaskedLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to websockets: it logs the opening request's headers at DEBUG, the
    key among them; every record is written with the key masked."""

    def __init__(self, logger: logging.Logger, secret: str) -> None:
        super().__init__(logger, {})
        self._secret = secret

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        if self._secret:
            text = text.replace(self._secret, "**********")
        kwargs.pop("stacklevel", None)
        self.logger.log(level, "%s", text, **kwargs)


def _websocket_options(
    headers: list[tuple[str, str]], open_timeout: float | None
) -> dict[str, Any]:
    """What both websockets clients are given: the request headers (the key among them, its
    value masked in websockets' own logs), no compression, no frame size limit."""
    secret = next((v[7:] for n, v in headers if n.lower() == "authorization"), "")
    agent = next((v for n, v in headers if n.lower() == "user-agent"), None)
    return {
        "additional_headers": [(n, v) for n, v in headers if n.lower() != "user-agent"],
        "user_agent_header": agent,
        "open_timeout": open_timeout,
        "compression": None,
        "max_size": None,
        "logger": MaskedLogger(logging.getLogger("websockets.client"), secret),
    }


def open_live(url: str, headers: list[tuple[str, str]], open_timeout: float | None) -> Any:
    """A sync websockets connection, or this package's error for a failed opening."""
    from websockets.sync.client import connect

    try:
        connection = connect(url, **_websocket_options(headers, open_timeout))
    except Exception as exc:
        raise handshake_error(exc) from exc
    # The session outlives this call (the stream closes it); entering it is what websockets
    # 17.1+ asks of a connection used without `with` (else a DeprecationWarning), and a no-op
    # returning the connection in earlier releases.
    return connection.__enter__()


async def aopen_live(url: str, headers: list[tuple[str, str]], open_timeout: float | None) -> Any:
    """An asyncio websockets connection, or this package's error for a failed opening."""
    from websockets.asyncio.client import connect

    try:
        return await connect(url, **_websocket_options(headers, open_timeout))
    except Exception as exc:
        raise handshake_error(exc) from exc
