"""A TTS answer read as it arrives (sync and async twins over one pure tracker): audio to an
iterator or to a file, a cut stream raised, never a partly written file left as if complete."""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO

import httpx

from .._base import no_release
from .._errors import StreamTruncatedError
from .._usage import TTS_CHARACTER_PRICE_USD
from ..limits._slots import released
from ._tts import SpeechResult

_KNOWN_LENGTH_MAX = 0xFFFFFFFF - 1
"""A streamed WAV may write 0 or 0xFFFFFFFF as its data size: unknown, nothing to check."""


class AudioTracker:
    """Counts the bytes of one answer and tells, at its end, whether it is whole: the transport
    framing is checked by httpx; this checks what the audio itself says (a WAV's declared data
    size, whole 16-bit samples)."""

    def __init__(self, format: str) -> None:
        self.format = format
        self.received = 0
        self.chunks = 0
        self._head = b""

    def feed(self, data: bytes) -> None:
        """One piece of audio, as it reached the caller."""
        if len(self._head) < 64:
            self._head += data[: 64 - len(self._head)]
        self.received += len(data)
        self.chunks += 1

    def cut(self, why: str) -> StreamTruncatedError:
        """The error for a stream that ended early."""
        return StreamTruncatedError(
            f"the speech stream was cut after {self.received} bytes ({why}); DeepSeek cannot "
            "resume it: ask again",
            chunks_received=self.chunks,
        )

    def check_end(self) -> None:
        """Raises if the audio that arrived is not a whole answer."""
        if self.received == 0:
            raise self.cut("no audio arrived")
        if self.received % 2 and self.format == "pcm":
            raise self.cut("it ends in the middle of a 16-bit sample")
        if self.format == "wav":
            declared = _declared_wav_bytes(self._head)
            if declared is not None and self.received < declared:
                raise self.cut(f"the WAV header declares {declared} bytes")


def _declared_wav_bytes(head: bytes) -> int | None:
    """The whole size a WAV's header declares (RIFF size + 8), when it declares one."""
    if head[:4] != b"RIFF" or len(head) < 8:
        return None
    (riff_size,) = struct.unpack_from("<I", head, 4)
    if riff_size == 0 or riff_size > _KNOWN_LENGTH_MAX:
        return None
    return int(riff_size) + 8


class MeteredAudio:
    """What every speech stream counts: billed characters and the audio that arrived."""

    characters: int
    _tracker: AudioTracker

    @property
    def estimated_cost(self) -> Decimal:
        """USD for the text (CNY 3 per 10,000 characters, list price), billed whatever
        happens to the stream."""
        return TTS_CHARACTER_PRICE_USD * self.characters

    @property
    def bytes_received(self) -> int:
        """Audio bytes that reached the caller so far."""
        return self._tracker.received


class _SpeechBase(MeteredAudio):
    def __init__(
        self,
        response: httpx.Response,
        release: Callable[[], None],
        *,
        format: str,
        characters: int,
        request_id: str | None,
    ) -> None:
        self._response = response
        self._release = release
        self._tracker = AudioTracker(format)
        self.format = format
        """`wav` or `pcm` (24 kHz, 16-bit mono)."""
        self.characters = characters
        """Billed characters of the text."""
        self.request_id = request_id
        self.content_type = response.headers.get("content-type", "")

    def _result(self, path: Path | None) -> SpeechResult:
        return SpeechResult(
            format=self.format,
            bytes=self._tracker.received,
            characters=self.characters,
            request_id=self.request_id,
            path=path,
        )


@contextlib.contextmanager
def whole_file(path: Path) -> Iterator[IO[bytes]]:
    """A file to write the audio into: a new file beside `path`, renamed to `path` when the
    block ends normally and removed when it raises, so a cut never leaves a file that looks
    complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise


class SpeechStream(_SpeechBase):
    """An open TTS answer. Iterate it for the audio as it is synthesized, or `stream_to_file`;
    close it (or use `with`) to free the connection. A cut raises `StreamTruncatedError` after
    the audio that did arrive was delivered."""

    _chunks: Iterator[bytes] | None = None
    _first: bytes = b""

    def prime(self) -> None:
        """Reads the first piece of audio, so that an answer which ends or breaks before any
        audio fails inside the retries (closed, its slot freed), not in the caller's loop."""
        self._chunks = self._response.iter_bytes()
        try:
            try:
                self._first = next(self._chunks, b"")
            except httpx.TransportError as exc:
                raise self._tracker.cut(type(exc).__name__) from exc
            if not self._first:
                raise self._tracker.cut("no audio arrived")
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_bytes()

    def iter_bytes(self) -> Iterator[bytes]:
        """The audio, piece by piece, as it arrives; checked whole at its end."""
        tracker = self._tracker
        chunks = self._chunks if self._chunks is not None else self._response.iter_bytes()
        try:
            try:
                if self._first:
                    first, self._first = self._first, b""
                    tracker.feed(first)
                    yield first
                for data in chunks:
                    tracker.feed(data)
                    yield data
            except httpx.TransportError as exc:
                raise tracker.cut(type(exc).__name__) from exc
            tracker.check_end()
        finally:
            self.close()

    def stream_to_file(self, path: str | os.PathLike[str]) -> SpeechResult:
        """Saves the audio to `path` as it arrives (memory stays flat). It is written under a
        temporary name beside `path` and renamed when whole; a cut removes it and raises."""
        target = Path(path)
        with whole_file(target) as out:
            for data in self.iter_bytes():
                out.write(data)
        return self._result(target)

    def read_all(self) -> SpeechResult:
        """Reads the audio to its end without keeping it (its size and cost)."""
        for _ in self.iter_bytes():
            pass
        return self._result(None)

    def close(self) -> None:
        """Closes the answer and frees its slot (a second call does nothing)."""
        self._response.close()
        release, self._release = self._release, no_release
        release()

    def __enter__(self) -> SpeechStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncSpeechStream(_SpeechBase):
    """The async twin of `SpeechStream`."""

    _chunks: AsyncIterator[bytes] | None = None
    _first: bytes = b""

    async def aprime(self) -> None:
        """Reads the first piece of audio (see `SpeechStream.prime`)."""
        self._chunks = self._response.aiter_bytes()
        try:
            try:
                self._first = await anext(self._chunks, b"")
            except httpx.TransportError as exc:
                raise self._tracker.cut(type(exc).__name__) from exc
            if not self._first:
                raise self._tracker.cut("no audio arrived")
        except BaseException:
            await self.aclose()
            raise

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.aiter_bytes()

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The audio, piece by piece, as it arrives; checked whole at its end."""
        tracker = self._tracker
        chunks = self._chunks if self._chunks is not None else self._response.aiter_bytes()
        try:
            try:
                if self._first:
                    first, self._first = self._first, b""
                    tracker.feed(first)
                    yield first
                async for data in chunks:
                    tracker.feed(data)
                    yield data
            except httpx.TransportError as exc:
                raise tracker.cut(type(exc).__name__) from exc
            tracker.check_end()
        finally:
            await self.aclose()

    async def stream_to_file(self, path: str | os.PathLike[str]) -> SpeechResult:
        """Saves the audio to `path` as it arrives; written under a temporary name and renamed
        when whole, removed on a cut."""
        target = Path(path)
        with whole_file(target) as out:
            async for data in self.aiter_bytes():
                out.write(data)  # local disk: small blocking writes, as the sync twin
        return self._result(target)

    async def read_all(self) -> SpeechResult:
        """Reads the audio to its end without keeping it (its size and cost)."""
        async for _ in self.aiter_bytes():
            pass
        return self._result(None)

    async def aclose(self) -> None:
        """Closes the answer and frees its slot."""
        await self._response.aclose()
        release, self._release = self._release, no_release
        await released(release)

    async def __aenter__(self) -> AsyncSpeechStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
