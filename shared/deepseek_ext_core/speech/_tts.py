"""Text to speech (`POST /v1/tools/tts`, docs/deepseek-api.md §6.13): the request checked before
sending (text of at most 10,000 billed characters, a body of at most 64 KiB, a known voice and
format), and what a finished stream of audio cost."""

import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from .._errors import InvalidRequestError
from .._prepare import PreparedRequest
from .._usage import TTS_CHARACTER_PRICE_USD

TTS_PATH = "/v1/tools/tts"
VOICES = ("stella", "tide")
FORMATS = ("wav", "pcm")
MAX_TTS_CHARACTERS = 10_000
MAX_TTS_BODY_BYTES = 64 * 1024
PCM_SAMPLE_RATE = 24_000
"""`pcm` audio is raw 24 kHz, 16-bit signed, mono."""

Voice = Literal["stella", "tide"]
AudioFormat = Literal["wav", "pcm"]


def billed_characters(text: str) -> int:
    """Characters as TTS bills them: a Chinese (CJK ideograph) character counts 2."""
    return sum(2 if _is_cjk(char) else 1 for char in text)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def prepare_speech(
    text: str,
    *,
    voice_id: str = "stella",
    format: str = "wav",
    filter_markdown: bool = True,
) -> PreparedRequest:
    """The wire request of a TTS call; raises `InvalidRequestError` before anything is sent."""
    if not isinstance(text, str) or not any(_readable(char) for char in text):
        raise InvalidRequestError("speak needs text with something to read aloud")
    if voice_id not in VOICES:
        raise InvalidRequestError(f"voice_id must be one of {', '.join(VOICES)}, got {voice_id!r}")
    if format not in FORMATS:
        raise InvalidRequestError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    billed = billed_characters(text)
    if billed > MAX_TTS_CHARACTERS:
        raise InvalidRequestError(
            f"the text is {billed} billed characters (a Chinese character counts 2); DeepSeek's "
            f"TTS takes at most {MAX_TTS_CHARACTERS} a request: split it"
        )
    body = {
        "text": text,
        "voice_id": voice_id,
        "format": format,
        "filter_markdown": bool(filter_markdown),
    }
    prepared = PreparedRequest(TTS_PATH, body)
    size = len(prepared.json_bytes())
    if size > MAX_TTS_BODY_BYTES:
        raise InvalidRequestError(
            f"the TTS request body is {size} bytes; DeepSeek takes at most {MAX_TTS_BODY_BYTES} "
            "(64 KiB): split the text"
        )
    return prepared


def accept_header(body: dict[str, object]) -> str:
    """The `Accept` value of a TTS request: the audio it asks for, not the client's JSON."""
    return "audio/pcm" if body.get("format") == "pcm" else "audio/wav"


def new_speech_path(folder: str | None, format: str = "wav") -> Path:
    """A new, unused file name for spoken audio in `folder` (the system's temporary folder
    when None), for tools that save speech and hand its path on."""
    base = Path(folder) if folder else Path(tempfile.gettempdir())
    return base / f"deepseek-speech-{uuid.uuid4().hex}.{format}"


def _readable(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


@dataclass(frozen=True, slots=True)
class SpeechResult:
    """A finished speech stream: where it went, its size and what it cost."""

    format: str
    bytes: int
    characters: int
    """Billed characters (a Chinese character counts 2)."""
    request_id: str | None = None
    path: Path | None = None
    """The file the audio was saved to (complete: written under another name, then renamed)."""

    @property
    def estimated_cost(self) -> Decimal:
        """USD: CNY 3 per 10,000 characters (list price)."""
        return TTS_CHARACTER_PRICE_USD * self.characters

    @property
    def seconds(self) -> float:
        """The audio's length, from its size (24 kHz, 16-bit mono)."""
        header = 44 if self.format == "wav" else 0
        return max(0, self.bytes - header) / (PCM_SAMPLE_RATE * 2)
