"""Audio headers read, not guessed: what ASR takes is told from a file's bytes
(docs/deepseek-api.md §6.12: 16-bit PCM WAV at one of seven rates, or Ogg Opus; at most 120 s)."""

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .._errors import InvalidRequestError

WAV_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)
"""`data` sizes a streamed WAV writes before it knows its length."""
_HEADER_SCAN = 64 * 1024
"""How much of a WAV file is read to find its fmt and data chunks."""
MIB = 1024 * 1024
_OPUS_RATE = 48000
"""Ogg Opus granule positions count 48 kHz samples, whatever the input rate."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a file's header says: its container, rate, channels and length in seconds."""

    container: str
    """`wav` or `ogg-opus`."""
    sample_rate: int
    channels: int
    seconds: float


def read_wav(data: bytes, name: str) -> AudioInfo:
    """A WAV file's format and length, or `InvalidRequestError` saying what ASR refuses."""
    fmt, offset, size = _wav_layout(data, name)
    available = len(data) - offset
    length = available if size in _UNKNOWN_SIZES else min(size, available)
    return _checked_wav(fmt, length, name)


def _checked_wav(fmt: tuple[int, int, int, int, int], length: int, name: str) -> AudioInfo:
    audio_format, channels, rate, byte_rate, bits = fmt
    if audio_format != _WAVE_FORMAT_PCM or bits != 16:
        raise InvalidRequestError(
            f"{name} is a WAV file of {bits}-bit samples in format {audio_format}; DeepSeek's "
            "ASR takes 16-bit PCM WAV (or Ogg Opus)"
        )
    if rate not in WAV_RATES:
        raise InvalidRequestError(
            f"{name} is sampled at {rate} Hz; DeepSeek's ASR takes WAV at "
            f"{', '.join(str(r) for r in WAV_RATES)} Hz"
        )
    if channels not in (1, 2):
        raise InvalidRequestError(
            f"{name} has {channels} channels; DeepSeek's ASR takes mono or stereo"
        )
    if byte_rate <= 0:
        raise InvalidRequestError(f"{name} is a WAV file whose header gives no byte rate")
    return AudioInfo("wav", rate, channels, length / byte_rate)


def read_ogg_opus(data: bytes, name: str) -> AudioInfo:
    """An Ogg Opus file's channels and length (the last page's granule position, less the
    pre-skip, in 48 kHz samples)."""
    if data[:4] != b"OggS" or len(data) < 47:
        raise InvalidRequestError(f"{name} is not an Ogg file")
    segments = data[26]
    head = 27 + segments
    if data[head : head + 8] != b"OpusHead":
        raise InvalidRequestError(
            f"{name} is an Ogg file but not Ogg Opus; DeepSeek's ASR takes Ogg Opus or 16-bit "
            "PCM WAV"
        )
    channels = data[head + 9]
    (pre_skip,) = struct.unpack_from("<H", data, head + 10)
    last = data.rfind(b"OggS")
    (granule,) = struct.unpack_from("<q", data, last + 6)
    seconds = max(0, granule - pre_skip) / _OPUS_RATE
    return AudioInfo("ogg-opus", _OPUS_RATE, channels, seconds)


def read_audio(data: bytes, name: str) -> AudioInfo:
    """The header of a file for ASR, WAV or Ogg Opus by its first bytes."""
    if data[:4] == b"RIFF":
        return read_wav(data, name)
    if data[:4] == b"OggS":
        return read_ogg_opus(data, name)
    raise InvalidRequestError(
        f"{name} is neither WAV nor Ogg; DeepSeek's ASR takes 16-bit PCM WAV or Ogg Opus, told "
        "from the content"
    )


@dataclass(frozen=True, slots=True)
class AudioSegment:
    """A piece of a longer recording, a WAV file of its own."""

    index: int
    start_seconds: float
    end_seconds: float
    data: bytes


def split_wav(
    source: str | os.PathLike[str] | bytes, *, max_seconds: float = 120.0, max_bytes: int = 8 * MIB
) -> Iterator[AudioSegment]:
    """A 16-bit PCM WAV recording as WAV segments ASR takes (at most `max_seconds` of audio and
    `max_bytes` each, cut between whole frames), read a segment at a time: a long recording is
    never held in memory whole. A recording within the limits is one segment."""
    if isinstance(source, bytes):
        opened: IO[bytes] = io.BytesIO(source)
        name = "the recording"
    else:
        opened, name = Path(source).open("rb"), Path(source).name  # noqa: SIM115 (closed below)
    with opened as stream:
        head = stream.read(_HEADER_SCAN)
        fmt, data_offset, data_size = _wav_layout(head, name)
        stream.seek(0, io.SEEK_END)
        available = stream.tell() - data_offset
        size = available if data_size in _UNKNOWN_SIZES else min(data_size, available)
        _, channels, rate, byte_rate, bits = fmt
        _checked_wav(fmt, 0, name)
        block = channels * bits // 8
        per_segment = min(int(max_seconds * rate), (max_bytes - 44) // block) * block
        if per_segment <= 0:
            raise InvalidRequestError(f"{name}: segments of {max_bytes} bytes hold no audio")
        stream.seek(data_offset)
        for index, start in enumerate(range(0, size, per_segment)):
            pcm = stream.read(min(per_segment, size - start))
            yield AudioSegment(
                index,
                start / byte_rate,
                (start + len(pcm)) / byte_rate,
                _wav_file(pcm, channels, rate, bits),
            )


def _wav_layout(head: bytes, name: str) -> tuple[tuple[int, int, int, int, int], int, int]:
    """The fmt fields, where the samples start and the declared data size."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise InvalidRequestError(f"{name} is not a WAV file (no RIFF/WAVE header)")
    position = 12
    fmt: tuple[int, int, int, int, int] | None = None
    while position + 8 <= len(head):
        chunk_id = head[position : position + 4]
        (size,) = struct.unpack_from("<I", head, position + 4)
        body = position + 8
        if chunk_id == b"fmt " and size >= 16:
            audio_format, channels, rate, byte_rate, _ = struct.unpack_from("<HHIIH", head, body)
            (bits,) = struct.unpack_from("<H", head, body + 14)
            if audio_format == _WAVE_FORMAT_EXTENSIBLE and size >= 40:
                (audio_format,) = struct.unpack_from("<H", head, body + 24)
            fmt = (audio_format, channels, rate, byte_rate, bits)
        elif chunk_id == b"data" and fmt is not None:
            return fmt, body, size
        position = body + size + (size & 1)
    raise InvalidRequestError(f"{name} is a WAV file without a readable fmt and data chunk")


def _wav_file(pcm: bytes, channels: int, rate: int, bits: int) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", _WAVE_FORMAT_PCM, channels, rate, rate * block, block, bits)
    return (
        b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
        + b"fmt " + struct.pack("<I", 16) + fmt
        + b"data" + struct.pack("<I", len(pcm)) + pcm
    )  # fmt: skip
