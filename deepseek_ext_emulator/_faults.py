"""Transport misbehaviour on demand: the failures a DeepSeek client must survive.

Each failure mode below was seen in the wild or is documented (docs/deepseek-api.md §3.5,
§4.1, §7; ``tests/data/reference-traffic/issue-logs/``): keep-alive comments or blank lines
while a request is queued, 429/5xx, streams that stop without ``[DONE]``, blank or cut-off
bodies, dropped connections.
A :class:`Fault` occupies one slot of the script queue and answers one request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from deepseek_ext_emulator._replies import Reply
from deepseek_ext_emulator._wire import ErrorSpec, api_error

# Edge (ELB) pages for gateway errors are HTML, not the JSON envelope: clients must
# cope with error bodies they cannot parse (docs/deepseek-api.md §7.2, last bullet).
_GATEWAY_HTML = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)
_REASONS = {502: "Bad Gateway", 504: "Gateway Time-out"}
# Messages from the official error-code table (docs/deepseek-api.md §7.1); no real 429/5xx body was
# ever captured, so type names here are the emulator's own.
_JSON_STATUS = {
    429: ("Rate Limit Reached", "rate_limit_error"),
    500: ("Server Error", "server_error"),
    503: ("Server Overloaded", "server_error"),
}


def status_error(
    status: int, body: bytes | None = None, content_type: str | None = None
) -> ErrorSpec:
    """The default body for an injected error status (JSON for 429/500/503, HTML for 502/504)."""
    if body is not None:
        return ErrorSpec(status, body, content_type or "application/json")
    if status in _REASONS:
        html = _GATEWAY_HTML.format(code=status, reason=_REASONS[status])
        return ErrorSpec(status, html.encode(), content_type or "text/html")
    message, type_ = _JSON_STATUS.get(status, ("Server Error", "server_error"))
    return api_error(status, message, type_=type_, content_type=content_type or "application/json")


@dataclass(frozen=True)
class Fault:
    """How one answer is (mis)delivered. Build with the class methods; fields combine.

    ``reply`` is the answer to deliver; ``None`` means "what the responder, a cassette
    or the echo default would have answered". Delays are in seconds.
    """

    reply: Reply | None = None
    error: ErrorSpec | None = None
    """Answer with this status and body instead of ``reply``."""
    retry_after: str | None = None
    keep_alive_count: int = 0
    """``: keep-alive`` comments (stream) or blank lines (non-stream) before the answer."""
    keep_alive_over: float = 0.0
    """Seconds over which the keep-alive lines are spread."""
    delay_seconds: float = 0.0
    """Silence before the status line is sent."""
    chunk_delay: float = 0.0
    """Pause before each SSE event (non-stream: once, before the body)."""
    drop_after: int | None = None
    """Close the socket abruptly after this many SSE events (non-stream: mid-body)."""
    stop_after: int | None = None
    """End the stream cleanly after this many events (no finish chunk, no ``[DONE]``)."""
    omit_done: bool = False
    """End the stream cleanly without ``data: [DONE]``."""
    empty: bool = False
    """200 with an empty body."""
    truncate_at: float | None = None
    """Send only this fraction of the body bytes, with consistent framing."""
    reset: bool = False
    """Reset the TCP connection after reading the request, before any header."""

    @classmethod
    def status(
        cls,
        code: int,
        *,
        retry_after: float | str | None = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
    ) -> Fault:
        """Answer ``code`` (429, 500, 502, 503, 504...), optionally with ``Retry-After``."""
        data = body.encode() if isinstance(body, str) else body
        ra = None if retry_after is None else _retry_after_text(retry_after)
        return cls(error=status_error(code, data, content_type), retry_after=ra)

    @classmethod
    def keep_alive(cls, count: int, *, over: float = 0.0, reply: Reply | None = None) -> Fault:
        """``count`` keep-alive lines before the answer, spread over ``over`` seconds."""
        return cls(reply=reply, keep_alive_count=count, keep_alive_over=over)

    @classmethod
    def drop_after_chunks(cls, chunks: int, *, reply: Reply | None = None) -> Fault:
        """Drop the connection after ``chunks`` SSE events (no terminating chunk)."""
        return cls(reply=reply, drop_after=chunks)

    @classmethod
    def no_done(cls, *, after_chunks: int | None = None, reply: Reply | None = None) -> Fault:
        """End the stream without ``[DONE]``; with ``after_chunks``, stall-then-close early."""
        return cls(reply=reply, omit_done=True, stop_after=after_chunks)

    @classmethod
    def empty_body(cls) -> Fault:
        """HTTP 200 with ``Content-Length: 0`` (a blank body after a wait:
        https://github.com/deepseek-ai/DeepSeek-V3/issues/450)."""
        return cls(empty=True)

    @classmethod
    def truncated_body(cls, *, at: float = 0.5, reply: Reply | None = None) -> Fault:
        """A well-framed body cut at fraction ``at``: unparsable JSON or a half stream."""
        if not 0.0 <= at < 1.0:
            raise ValueError("at must be in [0, 1)")
        return cls(reply=reply, truncate_at=at)

    @classmethod
    def slow_chunks(cls, delay: float, *, reply: Reply | None = None) -> Fault:
        """Wait ``delay`` seconds before every SSE event."""
        return cls(reply=reply, chunk_delay=delay)

    @classmethod
    def reset_before_headers(cls) -> Fault:
        """Read the request, then reset the connection (RST) without answering."""
        return cls(reset=True)

    @classmethod
    def delay(cls, seconds: float, *, reply: Reply | None = None) -> Fault:
        """Say nothing for ``seconds`` before the status line (read-timeout tests)."""
        return cls(reply=reply, delay_seconds=seconds)

    def with_reply(self, reply: Reply) -> Fault:
        """The same fault delivering ``reply``."""
        return replace(self, reply=reply)

    def combined(self, other: Fault) -> Fault:
        """Merge the non-default settings of ``other`` into this fault."""
        changes = {
            name: getattr(other, name)
            for name in self.__dataclass_fields__
            if getattr(other, name) != getattr(Fault(), name)
        }
        return replace(self, **changes)


def _retry_after_text(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)
