"""Speech to text (`POST /v1/tools/asr`, docs/deepseek-api.md §6.12): one multipart field,
`file`, checked before sending (at most 8 MiB and 120 s of 16-bit PCM WAV or Ogg Opus)."""

# No `from __future__ import annotations`: pydantic evaluates the annotations (see _request).

import math
import os
from decimal import Decimal

from pydantic import ConfigDict

from .._errors import InvalidRequestError
from .._files import FileSource, PreparedUpload, prepare_file
from .._response import WithRequestId
from .._usage import ASR_SECOND_PRICE_USD
from ._audio import read_audio

ASR_PATH = "/v1/tools/asr"
MAX_ASR_BYTES = 8 * 1024 * 1024
"""8 MiB per file (a bigger one is a 413)."""
MAX_ASR_SECONDS = 120.0
"""Seconds of audio per request."""


class Transcription(WithRequestId):
    """The text of one audio file (languages are detected; no segments or timestamps)."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    text: str = ""
    duration_ms: int = 0
    """The audio's length as DeepSeek measured it (what it bills, per second)."""
    filename: str = ""
    """The name the file was sent under (set by the client, not DeepSeek)."""
    start_seconds: float | None = None
    """Where this segment starts in the recording, for `transcribe_long` (set by the client)."""
    end_seconds: float | None = None
    """Where this segment ends in the recording, for `transcribe_long` (set by the client)."""

    @property
    def estimated_cost(self) -> Decimal:
        """USD: CNY 0.78 an hour, per started second (list price)."""
        return ASR_SECOND_PRICE_USD * math.ceil(self.duration_ms / 1000)


def transcript_metadata(result: Transcription, source: str) -> dict[str, object]:
    """A transcript's metadata for a framework document: `source`, `duration_ms`, the request
    id and the cost, and where a segment of a long recording starts and ends."""
    metadata: dict[str, object] = {
        "source": source,
        "duration_ms": result.duration_ms,
        "request_id": result.request_id,
        "estimated_cost_usd": float(result.estimated_cost),
    }
    if result.start_seconds is not None:
        metadata["start_seconds"] = result.start_seconds
        metadata["end_seconds"] = result.end_seconds
    return metadata


def is_wav_source(file: object) -> bool:
    """Whether `file` is a path or bytes of a WAV file (what `split_wav` reads)."""
    if isinstance(file, bytes):
        return file[:4] == b"RIFF" and file[8:12] == b"WAVE"
    if isinstance(file, str | os.PathLike):
        try:
            with open(file, "rb") as stream:
                head = stream.read(12)
        except OSError:
            return False  # `transcribe` says what is wrong with it
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    return False


def prepare_transcription(file: FileSource, *, filename: str | None = None) -> PreparedUpload:
    """The checked upload of an ASR request; the header is read, not guessed from the name."""

    def check(data: bytes, name: str) -> None:
        info = read_audio(data, name)
        if info.seconds > MAX_ASR_SECONDS:
            raise InvalidRequestError(
                f"{name} is {info.seconds:.1f} s of audio; DeepSeek's ASR takes at most "
                f"{MAX_ASR_SECONDS:.0f} s a request: split it"
            )

    return prepare_file(
        file,
        filename=filename,
        max_bytes=MAX_ASR_BYTES,
        what="transcribe",
        check=check,
        head_bytes=MAX_ASR_BYTES,  # an Ogg file's length is on its last page
    )
