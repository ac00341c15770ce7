"""ASR (``POST /v1/tools/asr``) and TTS (``POST /v1/tools/tts``) as DeepSeek documents them
(docs/deepseek-api.md §6.12-6.13), with no audio library.

ASR reads the WAV or Ogg Opus header it is sent and refuses what DeepSeek refuses (8 MiB, 120 s,
16-bit PCM WAV at seven rates, Ogg Opus); its default transcript names the file and its length.
TTS checks its JSON body and streams audio of a length that follows the text (0.18 s a billed
character, so 10,000 characters last 30 minutes): a WAV header, then 24 kHz 16-bit mono samples.
"""

from __future__ import annotations

import secrets
import struct
import unicodedata
from collections.abc import Mapping
from typing import Any

from deepseek_ext_emulator._wire import ErrorSpec, api_error

MAX_ASR_BYTES = 8 * 1024 * 1024
MAX_ASR_SECONDS = 120.0
WAV_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
VOICES = ("stella", "tide")
FORMATS = ("wav", "pcm")
MAX_TTS_CHARACTERS = 10_000
MAX_TTS_BODY = 64 * 1024
SECONDS_PER_CHARACTER = 0.18
SAMPLE_RATE = 24_000
AUDIO_CHUNK = 16 * 1024
"""Bytes per streamed piece of audio (one chunk of the chunked body each)."""


def audio_seconds(data: bytes) -> float | ErrorSpec:
    """The length of a WAV or Ogg Opus upload, or DeepSeek's error for it."""
    if len(data) > MAX_ASR_BYTES:
        return api_error(413, "File too large: at most 8 MiB", type_="invalid_request_error")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        seconds = _wav_seconds(data)
    elif data[:4] == b"OggS" and b"OpusHead" in data[:128]:
        seconds = _ogg_seconds(data)
    else:
        return _invalid("unsupported audio format: send 16-bit PCM WAV or Ogg Opus")
    if isinstance(seconds, ErrorSpec):
        return seconds
    if seconds > MAX_ASR_SECONDS:
        return _invalid(f"audio is {seconds:.1f} s long; at most 120 s is supported")
    return seconds


def _wav_seconds(data: bytes) -> float | ErrorSpec:
    position = 12
    byte_rate = 0
    while position + 8 <= len(data):
        chunk, size = data[position : position + 4], struct.unpack_from("<I", data, position + 4)[0]
        if chunk == b"fmt ":
            fmt, _, rate, byte_rate, _, bits = struct.unpack_from("<HHIIHH", data, position + 8)
            if fmt not in (1, 0xFFFE) or bits != 16 or rate not in WAV_RATES:
                return _invalid("unsupported WAV format: 16-bit PCM at a supported rate only")
        elif chunk == b"data" and byte_rate:
            available = len(data) - position - 8
            length = available if size in (0, 0xFFFFFFFF) else min(size, available)
            return length / byte_rate
        position += 8 + size + (size & 1)
    return _invalid("malformed WAV file")


def _ogg_seconds(data: bytes) -> float:
    last = data.rfind(b"OggS")
    granule = struct.unpack_from("<q", data, last + 6)[0]
    head = data.find(b"OpusHead")
    pre_skip = struct.unpack_from("<H", data, head + 10)[0]
    return float(max(0, int(granule) - int(pre_skip)) / 48000)


def asr_body(text: str, seconds: float) -> dict[str, Any]:
    """DeepSeek's ASR answer."""
    return {
        "request_id": secrets.token_hex(16),
        "text": text,
        "duration_ms": round(seconds * 1000),
    }


def billed(text: str) -> int:
    """Characters as TTS bills them (a CJK ideograph counts 2)."""
    return sum(2 if unicodedata.east_asian_width(c) == "W" and c.isalpha() else 1 for c in text)


def check_tts(body: Any, size: int) -> ErrorSpec | None:
    """DeepSeek's refusals of a TTS body."""
    if size > MAX_TTS_BODY:
        return api_error(
            413, "Request body too large: at most 64 KiB", type_="invalid_request_error"
        )
    if not isinstance(body, Mapping):
        return _invalid("request body must be a JSON object")
    unknown = sorted(set(body) - {"text", "voice_id", "format", "filter_markdown"})
    if unknown:
        return _invalid(f"unknown field(s): {', '.join(unknown)}")
    text = body.get("text")
    if not isinstance(text, str) or not any(c.isalnum() for c in text):
        return _invalid("no readable text")
    if billed(text) > MAX_TTS_CHARACTERS:
        return _invalid("text is too long: at most 10000 characters")
    if body.get("voice_id", "stella") not in VOICES:
        return _invalid(f"voice_id must be one of {', '.join(VOICES)}")
    if body.get("format", "wav") not in FORMATS:
        return _invalid(f"format must be one of {', '.join(FORMATS)}")
    return None


def speech_audio(body: Mapping[str, Any]) -> tuple[str, tuple[bytes, ...]]:
    """The content type and the pieces of audio for a checked TTS body."""
    samples = round(billed(str(body["text"])) * SECONDS_PER_CHARACTER * SAMPLE_RATE)
    pcm_bytes = samples * 2
    wav = body.get("format", "wav") == "wav"
    head = wav_header(pcm_bytes) if wav else b""
    total = len(head) + pcm_bytes
    pieces = [head + b"\x00" * min(AUDIO_CHUNK - len(head), pcm_bytes)] if head else []
    sent = len(pieces[0]) if pieces else 0
    silence = b"\x00" * AUDIO_CHUNK
    while sent < total:
        piece = silence[: min(AUDIO_CHUNK, total - sent)]
        pieces.append(piece)
        sent += len(piece)
    return ("audio/wav" if wav else "audio/pcm"), tuple(pieces)


def wav_header(pcm_bytes: int) -> bytes:
    """A 44-byte header for 24 kHz 16-bit mono PCM of `pcm_bytes`."""
    return (
        b"RIFF"
        + struct.pack("<I", 36 + pcm_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
        + b"data"
        + struct.pack("<I", pcm_bytes)
    )


def _invalid(message: str) -> ErrorSpec:
    return api_error(400, message, type_="invalid_request_error")
