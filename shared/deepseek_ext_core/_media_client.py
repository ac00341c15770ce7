"""OCR, ASR and TTS on the synchronous client (docs/deepseek-api.md §6.11-6.13): thin methods that
send what `deepseek_ext_core.ocr` and `deepseek_ext_core.speech` build and check, loaded when first
called. A mixin of `DeepSeekClient`, which provides the transport it declares."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from ._base import ClientSettings, mapped_transport_errors, parse_body, raise_for_status
from ._errors import find_request_id
from ._files import FileSource, PreparedUpload
from ._prepare import PreparedRequest
from ._telemetry import Operation, finish_tool, start_operation, traced
from .limits._slots import mark_status

if TYPE_CHECKING:
    from .ocr import OCRResult
    from .speech import (
        AudioFormat,
        LiveSpeechStream,
        SpeechResult,
        SpeechStream,
        Transcription,
        Voice,
    )

R = TypeVar("R")


class MediaMethods:
    """`ocr`, `transcribe`, `speak`, `speak_to_file` and `speak_live`."""

    if TYPE_CHECKING:  # provided by DeepSeekClient
        _settings: ClientSettings

        def _headers(self, *, json_body: bool, stream: bool = False) -> httpx.Headers: ...

        _http: httpx.Client

        def _acquire(self, body: Mapping[str, Any] | None = None) -> Callable[[], None]: ...
        def _retry(self, attempt: Callable[[], R]) -> R: ...
        def _send(
            self,
            method: str,
            prepared: PreparedRequest | str,
            *,
            params: Mapping[str, str] | None = None,
            upload: PreparedUpload | None = None,
        ) -> httpx.Response: ...

    def ocr(
        self,
        file: FileSource,
        *,
        purpose: Literal["text_recognition", "rich_layout_recognition"] = "text_recognition",
        filename: str | None = None,
    ) -> OCRResult:
        """`POST /v1/tools/ocr`: the pages of a PDF, Word or PowerPoint file or an image (a
        path, bytes or an open binary file, at most 100 MiB), streamed from disk; pages in
        order, grounding markup parsed (`page.plain_text`, `page.layout`). Billed per page."""
        from .ocr import OCR_PATH, OCRResult, checked_result, prepare_ocr

        upload = prepare_ocr(file, purpose=purpose, filename=filename)

        def attempt() -> OCRResult:
            response = self._send("POST", OCR_PATH, upload=upload)
            result = parse_body(OCRResult, response, response.content)
            result.filename = upload.filename
            return checked_result(result)

        body = {"purpose": purpose, "filename": upload.filename}
        op = start_operation("execute_tool", body, self._settings.base_url, tool="ocr")
        try:
            return traced(op, lambda: self._retry(attempt), finish_tool)
        finally:
            upload.close()

    def transcribe(self, file: FileSource, *, filename: str | None = None) -> Transcription:
        """`POST /v1/tools/asr`: the text of 16-bit PCM WAV or Ogg Opus audio (at most 8 MiB
        and 120 s, read from its header before sending). Billed per second of audio."""
        from .speech import ASR_PATH, Transcription, prepare_transcription

        upload = prepare_transcription(file, filename=filename)

        def attempt() -> Transcription:
            response = self._send("POST", ASR_PATH, upload=upload)
            result = parse_body(Transcription, response, response.content)
            result.filename = upload.filename
            return result

        op = start_operation(
            "execute_tool", {"filename": upload.filename}, self._settings.base_url, tool="asr"
        )
        try:
            return traced(op, lambda: self._retry(attempt), finish_tool)
        finally:
            upload.close()

    def transcribe_long(
        self, file: FileSource, *, filename: str | None = None
    ) -> Iterator[Transcription]:
        """`transcribe` for recordings of any length: a WAV file (a path or bytes) longer than
        ASR takes is split between frames into segments within its limits (`split_wav`), read
        and sent one at a time; each `Transcription` has its `start_seconds`/`end_seconds`.
        Other audio is transcribed whole (its limits apply)."""
        from .speech import split_wav
        from .speech._asr import is_wav_source

        if not is_wav_source(file):
            yield self.transcribe(file, filename=filename)
            return
        assert isinstance(file, str | os.PathLike | bytes)
        name = filename or (os.path.basename(file) if not isinstance(file, bytes) else None)
        for segment in split_wav(file):
            result = self.transcribe(segment.data, filename=name or "recording.wav")
            result.start_seconds, result.end_seconds = segment.start_seconds, segment.end_seconds
            yield result

    def speak(
        self,
        text: str,
        *,
        voice_id: Voice = "stella",
        format: AudioFormat = "wav",
        filter_markdown: bool = True,
    ) -> SpeechStream:
        """`POST /v1/tools/tts`: `text` read aloud, the audio streamed as it is synthesized
        (`wav`, or `pcm`: raw 24 kHz 16-bit mono). Iterate the stream or `stream_to_file`;
        close it, or use it in a `with` block. Retried only until the answer begins."""
        from .speech import SpeechStream, billed_characters, prepare_speech

        prepared = prepare_speech(
            text, voice_id=voice_id, format=format, filter_markdown=filter_markdown
        )
        characters = billed_characters(text)

        def attempt() -> SpeechStream:
            release = self._acquire(prepared.body)
            try:
                response = self._open_audio(prepared)
                mark_status(release, response.status_code)
                stream = SpeechStream(
                    self._checked_open(response),
                    release,
                    format=format,
                    characters=characters,
                    request_id=find_request_id(response.headers),
                )
            except BaseException:
                release()
                raise
            stream.prime()  # closes the stream and frees its slot when it fails
            return stream

        op = start_operation("execute_tool", prepared.body, self._settings.base_url, tool="tts")
        return traced(op, lambda: self._retry(attempt), finish_tool)

    def speak_to_file(
        self,
        text: str,
        path: str | os.PathLike[str],
        *,
        voice_id: Voice = "stella",
        format: AudioFormat = "wav",
        filter_markdown: bool = True,
    ) -> SpeechResult:
        """`speak`, saved to `path` as it arrives; the file appears only when the audio is
        whole (a cut stream raises `StreamTruncatedError` and leaves no file)."""
        with self.speak(
            text, voice_id=voice_id, format=format, filter_markdown=filter_markdown
        ) as stream:
            return stream.stream_to_file(path)

    def speak_live(
        self,
        texts: Iterable[str],
        *,
        voice_id: Voice = "stella",
        format: Literal["pcm", "opus"] = "pcm",
        filter_markdown: bool = True,
    ) -> LiveSpeechStream:
        """TTS over DeepSeek's WebSocket: the pieces of `texts` (an LLM's streamed answer, say)
        are sent as they come, and the audio is read as it is synthesized; iterate the returned
        stream, in a `with` block. The opening is retried per the policy, nothing after it.
        Needs the `speech` extra (websockets)."""
        from .speech import LiveSpeechStream
        from .speech._live import live_url, open_live, require_websockets

        require_websockets()
        url = live_url(
            self._settings.url("/v1/tools/tts"),
            voice_id=voice_id,
            format=format,
            filter_markdown=filter_markdown,
        )
        headers = list(self._settings.headers(json_body=False).multi_items())

        def attempt() -> LiveSpeechStream:
            release = self._acquire()
            try:
                connection = open_live(url, headers, self._settings.timeout.connect)
            except BaseException:
                release()
                raise
            return LiveSpeechStream(connection, release, texts, format=format)

        body = {"voice_id": voice_id, "format": format}
        op = start_operation("execute_tool", body, self._settings.base_url, tool="tts")
        return traced(op, lambda: self._retry(attempt), _follow_live)

    def _open_audio(self, prepared: PreparedRequest) -> httpx.Response:
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
            return self._http.send(request, stream=True)

    @staticmethod
    def _checked_open(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            try:
                with mapped_transport_errors:
                    content = response.read()
                raise_for_status(response, content)
            finally:
                response.close()
        return response


def _follow_live(op: Operation, stream: LiveSpeechStream) -> None:
    """A live session's span ends with the session (its cost is known only then)."""
    stream.traced_by(op)
