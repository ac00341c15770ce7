"""OCR, ASR and TTS on the asynchronous client: the twins of `_media_client`'s methods, differing
by `await` and the client they call. A mixin of `AsyncDeepSeekClient`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from ._base import ClientSettings, mapped_transport_errors, parse_body, raise_for_status
from ._errors import find_request_id
from ._files import FileSource, PreparedUpload
from ._prepare import PreparedRequest
from ._telemetry import Operation, atraced, finish_tool, start_operation
from .limits._slots import mark_status, released

if TYPE_CHECKING:
    from .ocr import OCRResult
    from .speech import (
        AsyncLiveSpeechStream,
        AsyncSpeechStream,
        AudioFormat,
        SpeechResult,
        Transcription,
        Voice,
    )

R = TypeVar("R")


class AsyncMediaMethods:
    """`ocr`, `transcribe`, `speak`, `speak_to_file` and `speak_live`, awaited."""

    if TYPE_CHECKING:  # provided by AsyncDeepSeekClient
        _settings: ClientSettings

        def _headers(self, *, json_body: bool, stream: bool = False) -> httpx.Headers: ...

        _http: httpx.AsyncClient

        async def _acquire(self, body: Mapping[str, Any] | None = None) -> Callable[[], None]: ...
        async def _retry(self, attempt: Callable[[], Awaitable[R]]) -> R: ...
        async def _send(
            self,
            method: str,
            prepared: PreparedRequest | str,
            *,
            params: Mapping[str, str] | None = None,
            upload: PreparedUpload | None = None,
        ) -> httpx.Response: ...

    async def ocr(
        self,
        file: FileSource,
        *,
        purpose: Literal["text_recognition", "rich_layout_recognition"] = "text_recognition",
        filename: str | None = None,
    ) -> OCRResult:
        """`POST /v1/tools/ocr` (see `DeepSeekClient.ocr`)."""
        from .ocr import OCR_PATH, OCRResult, checked_result, prepare_ocr

        upload = prepare_ocr(file, purpose=purpose, filename=filename)

        async def attempt() -> OCRResult:
            response = await self._send("POST", OCR_PATH, upload=upload)
            result = parse_body(OCRResult, response, response.content)
            result.filename = upload.filename
            return checked_result(result)

        body = {"purpose": purpose, "filename": upload.filename}
        op = start_operation("execute_tool", body, self._settings.base_url, tool="ocr")
        try:
            return await atraced(op, lambda: self._retry(attempt), finish_tool)
        finally:
            upload.close()

    async def transcribe(self, file: FileSource, *, filename: str | None = None) -> Transcription:
        """`POST /v1/tools/asr` (see `DeepSeekClient.transcribe`)."""
        from .speech import ASR_PATH, Transcription, prepare_transcription

        upload = prepare_transcription(file, filename=filename)

        async def attempt() -> Transcription:
            response = await self._send("POST", ASR_PATH, upload=upload)
            result = parse_body(Transcription, response, response.content)
            result.filename = upload.filename
            return result

        op = start_operation(
            "execute_tool", {"filename": upload.filename}, self._settings.base_url, tool="asr"
        )
        try:
            return await atraced(op, lambda: self._retry(attempt), finish_tool)
        finally:
            upload.close()

    async def transcribe_long(
        self, file: FileSource, *, filename: str | None = None
    ) -> AsyncIterator[Transcription]:
        """`transcribe` for recordings of any length (see `DeepSeekClient.transcribe_long`),
        iterated with `async for`."""
        from .speech import split_wav
        from .speech._asr import is_wav_source

        if not is_wav_source(file):
            yield await self.transcribe(file, filename=filename)
            return
        assert isinstance(file, str | os.PathLike | bytes)
        name = filename or (os.path.basename(file) if not isinstance(file, bytes) else None)
        for segment in split_wav(file):
            result = await self.transcribe(segment.data, filename=name or "recording.wav")
            result.start_seconds, result.end_seconds = segment.start_seconds, segment.end_seconds
            yield result

    async def speak(
        self,
        text: str,
        *,
        voice_id: Voice = "stella",
        format: AudioFormat = "wav",
        filter_markdown: bool = True,
    ) -> AsyncSpeechStream:
        """`POST /v1/tools/tts` (see `DeepSeekClient.speak`): iterate with `async for`, or
        `await stream.stream_to_file(path)`; close with `aclose` or `async with`."""
        from .speech import AsyncSpeechStream, billed_characters, prepare_speech

        prepared = prepare_speech(
            text, voice_id=voice_id, format=format, filter_markdown=filter_markdown
        )
        characters = billed_characters(text)

        async def attempt() -> AsyncSpeechStream:
            release = await self._acquire(prepared.body)
            try:
                response = await self._open_audio(prepared)
                mark_status(release, response.status_code)
                stream = AsyncSpeechStream(
                    await self._checked_open(response),
                    release,
                    format=format,
                    characters=characters,
                    request_id=find_request_id(response.headers),
                )
            except BaseException:
                await released(release)
                raise
            await stream.aprime()  # closes the stream and frees its slot when it fails
            return stream

        op = start_operation("execute_tool", prepared.body, self._settings.base_url, tool="tts")
        return await atraced(op, lambda: self._retry(attempt), finish_tool)

    async def speak_to_file(
        self,
        text: str,
        path: str | os.PathLike[str],
        *,
        voice_id: Voice = "stella",
        format: AudioFormat = "wav",
        filter_markdown: bool = True,
    ) -> SpeechResult:
        """`speak`, saved to `path` as it arrives (see `DeepSeekClient.speak_to_file`)."""
        stream = await self.speak(
            text, voice_id=voice_id, format=format, filter_markdown=filter_markdown
        )
        async with stream:
            return await stream.stream_to_file(path)

    async def speak_live(
        self,
        texts: Iterable[str] | AsyncIterable[str],
        *,
        voice_id: Voice = "stella",
        format: Literal["pcm", "opus"] = "pcm",
        filter_markdown: bool = True,
    ) -> AsyncLiveSpeechStream:
        """TTS over DeepSeek's WebSocket (see `DeepSeekClient.speak_live`): iterate the
        returned stream with `async for`, in an `async with` block; `texts` may be an async
        iterable. Needs the `speech` extra (websockets)."""
        from .speech import AsyncLiveSpeechStream
        from .speech._live import aopen_live, live_url, require_websockets

        require_websockets()
        url = live_url(
            self._settings.url("/v1/tools/tts"),
            voice_id=voice_id,
            format=format,
            filter_markdown=filter_markdown,
        )
        headers = list(self._settings.headers(json_body=False).multi_items())

        async def attempt() -> AsyncLiveSpeechStream:
            release = await self._acquire()
            try:
                connection = await aopen_live(url, headers, self._settings.timeout.connect)
            except BaseException:
                await released(release)
                raise
            return AsyncLiveSpeechStream(connection, release, texts, format=format)

        body = {"voice_id": voice_id, "format": format}
        op = start_operation("execute_tool", body, self._settings.base_url, tool="tts")
        return await atraced(op, lambda: self._retry(attempt), _follow_live)

    async def _open_audio(self, prepared: PreparedRequest) -> httpx.Response:
        from .speech._tts import accept_header

        headers = self._headers(json_body=True)
        headers["Accept"] = accept_header(prepared.body)
        with mapped_transport_errors:
            request = self._http.build_request(
                "POST",
                self._settings.url(prepared.path),
                content=prepared.json_bytes(),
                headers=headers,
                timeout=self._settings.request_timeout,
            )
            return await self._http.send(request, stream=True)

    @staticmethod
    async def _checked_open(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            try:
                with mapped_transport_errors:
                    content = await response.aread()
                raise_for_status(response, content)
            finally:
                await response.aclose()
        return response


def _follow_live(op: Operation, stream: AsyncLiveSpeechStream) -> None:
    """A live session's span ends with the session (its cost is known only then)."""
    stream.traced_by(op)
