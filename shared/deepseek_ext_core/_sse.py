"""A sans-IO server-sent-events decoder (docs/deepseek-api.md §4.1).

Fed raw bytes as they arrive, it returns the `data` payloads of complete events. It ignores
comments (`: keep-alive`, DeepSeek's liveness signal while a request is queued) and blank
keep-alive lines, accepts LF, CRLF and CR line ends, joins multi-line `data:` fields, and decodes
UTF-8 only on whole lines so a character split across reads is never broken. `data: [DONE]` ends
the stream; `done` tells the caller whether it came, because a stream that closes without it is
truncated, not finished (anthropic-sdk-python's `SSEDecoder` is the model).
"""

from __future__ import annotations

DONE = "[DONE]"


class SSEDecoder:
    """Incremental decoder: `feed()` bytes, get payload strings; `close()` at end of input."""

    __slots__ = ("_buffer", "_data", "done")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self.done = False
        """True once `data: [DONE]` was decoded; later input is ignored."""

    def feed(self, chunk: bytes) -> list[str]:
        """The payloads of the events completed by `chunk` (never `[DONE]` itself)."""
        if self.done or not chunk:
            return []
        buffer = self._buffer + chunk
        held = b""
        if buffer.endswith(b"\r"):
            # A CR at the end may be the first half of a CRLF split across reads.
            buffer, held = buffer[:-1], b"\r"
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop() + held
        return self._lines(lines)

    def close(self) -> list[str]:
        """Flushes a last event that was not followed by a blank line."""
        if self.done:
            return []
        rest = self._buffer.replace(b"\r", b"")
        self._buffer = b""
        return self._lines([rest, b""] if rest else [b""])

    def _lines(self, lines: list[bytes]) -> list[str]:
        events: list[str] = []
        data = self._data
        for raw in lines:
            if not raw:
                if data:
                    payload = "\n".join(data)
                    data.clear()
                    if payload == DONE:
                        self.done = True
                        return events
                    events.append(payload)
                continue
            if raw.startswith(b"data:"):
                value = raw[6:] if raw.startswith(b"data: ") else raw[5:]
                data.append(value.decode("utf-8", errors="replace"))
            # Comments (":"), `event:`, `id:` and `retry:` carry nothing DeepSeek uses.
        return events
