"""A live TTS session (sync and async twins): the caller's text pieces are sent as they come,
by a thread or a task, while the audio is read here as it arrives. A failure of the caller's
text source ends the session with that failure; a connection that closes before the final frame
raises `StreamTruncatedError` after the audio that did arrive was delivered."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .._base import no_release
from ..limits._slots import released
from ._live import FINISH_TEXT, finish_error, text_event
from ._stream import AudioTracker, MeteredAudio
from ._tts import billed_characters

if TYPE_CHECKING:
    from .._telemetry import Operation


class _LiveBase(MeteredAudio):
    def __init__(self, connection: Any, release: Callable[[], None], *, format: str) -> None:
        self._connection = connection
        self._release = release
        self._tracker = AudioTracker(format)
        self._failure: BaseException | None = None
        self.format = format
        """`pcm` or `opus`."""
        self.characters = 0
        """Billed characters sent so far (a Chinese character counts 2)."""
        self._operation: Operation | None = None
        self._error: BaseException | None = None
        self._done = False
        """The final frame arrived."""

    def traced_by(self, operation: Operation) -> None:
        """Ends `operation`'s span with the session: its cost, or the error it ended in."""
        self._operation = operation

    def _end_span(self) -> None:
        operation, self._operation = self._operation, None
        if operation is None:
            return
        if self._error is not None:
            operation.failed(self._error)
        else:
            operation.tool_completed(None, float(self.estimated_cost))

    def _frame(self, message: str | bytes) -> bytes | None:
        """Audio to deliver, or None for a text frame (raises for a failure it reports);
        `_done` is set by the final frame."""
        if isinstance(message, bytes):
            self._tracker.feed(message)
            return message
        try:
            frame = json.loads(message)
        except ValueError:
            frame = {}
        if isinstance(frame, dict) and frame.get("event") == "finish":
            self._done = True
            error = finish_error(frame)
            if error is not None:
                raise error
        return None

    def _end(self, closed: BaseException | None) -> None:
        if self._failure is not None:
            raise self._failure
        if not self._done:
            raise self._tracker.cut("the connection closed before the final frame") from closed
        if self.format == "pcm" and self._tracker.received % 2:
            raise self._tracker.cut("it ends in the middle of a 16-bit sample")


class LiveSpeechStream(_LiveBase):
    """A live TTS session: iterate it for the audio; the text pieces are sent meanwhile."""

    def __init__(
        self, connection: Any, release: Callable[[], None], texts: Iterable[str], *, format: str
    ) -> None:
        super().__init__(connection, release, format=format)
        self._texts = texts
        self._sender: threading.Thread | None = None

    def _send_all(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for piece in self._texts:
                event = text_event(piece)
                if piece:
                    self._connection.send(event)
                    self.characters += billed_characters(piece)
            self._connection.send(FINISH_TEXT)
        except ConnectionClosed:
            return  # the connection broke: the receiving side reports the cut
        except BaseException as exc:  # the caller's text source failed
            if not self._done:
                self._failure = exc
            self._connection.close()

    def __iter__(self) -> Iterator[bytes]:
        from websockets.exceptions import ConnectionClosed

        self._sender = threading.Thread(target=self._send_all, daemon=True, name="tts-sender")
        self._sender.start()
        closed: BaseException | None = None
        try:
            try:
                for message in self._connection:
                    audio = self._frame(message)
                    if audio is not None:
                        yield audio
                    elif self._done:
                        break
            except ConnectionClosed as exc:
                closed = exc
            self._end(closed)
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            self.close()

    def close(self) -> None:
        """Closes the session and frees its slot (a second call does nothing)."""
        self._connection.close()
        if self._sender is not None and self._sender is not threading.current_thread():
            self._sender.join(timeout=10)
        release, self._release = self._release, no_release
        release()
        self._end_span()

    def __enter__(self) -> LiveSpeechStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncLiveSpeechStream(_LiveBase):
    """The async twin of `LiveSpeechStream`: text from an iterable or an async iterable."""

    def __init__(
        self,
        connection: Any,
        release: Callable[[], None],
        texts: Iterable[str] | AsyncIterable[str],
        *,
        format: str,
    ) -> None:
        super().__init__(connection, release, format=format)
        self._texts = texts
        self._sender: asyncio.Task[None] | None = None

    async def _pieces(self) -> AsyncIterator[str]:
        if isinstance(self._texts, AsyncIterable):
            async for piece in self._texts:
                yield piece
        else:
            for piece in self._texts:
                yield piece

    async def _send_all(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for piece in self._pieces():
                event = text_event(piece)
                if piece:
                    await self._connection.send(event)
                    self.characters += billed_characters(piece)
            await self._connection.send(FINISH_TEXT)
        except asyncio.CancelledError:
            raise
        except ConnectionClosed:
            return  # the connection broke: the receiving side reports the cut
        except BaseException as exc:  # the caller's text source failed
            if not self._done:
                self._failure = exc
            await self._connection.close()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._receive()

    async def _receive(self) -> AsyncIterator[bytes]:
        from websockets.exceptions import ConnectionClosed

        self._sender = asyncio.ensure_future(self._send_all())
        closed: BaseException | None = None
        try:
            try:
                async for message in self._connection:
                    audio = self._frame(message)
                    if audio is not None:
                        yield audio
                    elif self._done:
                        break
            except ConnectionClosed as exc:
                closed = exc
            if self._sender is not None:
                await asyncio.wait([self._sender], timeout=10)
            self._end(closed)
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Closes the session, stops sending and frees its slot."""
        await self._connection.close()
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
        release, self._release = self._release, no_release
        await released(release)
        self._end_span()

    async def __aenter__(self) -> AsyncLiveSpeechStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
