"""DeepSeek's speech endpoints: ASR (`POST /v1/tools/asr`, docs/deepseek-api.md §6.12), audio
checked from its header before sending; TTS (`POST /v1/tools/tts`, docs/deepseek-api.md §6.13),
audio streamed to the caller as it is synthesized, a cut stream raised and a partial file never
left behind.

Loaded when first used (`client.transcribe(...)`, `client.speak(...)`).
"""

from ._asr import ASR_PATH, MAX_ASR_BYTES, MAX_ASR_SECONDS, Transcription, prepare_transcription
from ._audio import WAV_RATES, AudioInfo, read_audio
from ._stream import AsyncSpeechStream, AudioTracker, SpeechStream
from ._tts import (
    FORMATS,
    MAX_TTS_BODY_BYTES,
    MAX_TTS_CHARACTERS,
    PCM_SAMPLE_RATE,
    TTS_PATH,
    VOICES,
    AudioFormat,
    SpeechResult,
    Voice,
    billed_characters,
    prepare_speech,
)

__all__ = [
    "ASR_PATH",
    "FORMATS",
    "MAX_ASR_BYTES",
    "MAX_ASR_SECONDS",
    "MAX_TTS_BODY_BYTES",
    "MAX_TTS_CHARACTERS",
    "PCM_SAMPLE_RATE",
    "TTS_PATH",
    "VOICES",
    "WAV_RATES",
    "AsyncSpeechStream",
    "AudioFormat",
    "AudioInfo",
    "AudioTracker",
    "SpeechResult",
    "SpeechStream",
    "Transcription",
    "Voice",
    "billed_characters",
    "prepare_speech",
    "prepare_transcription",
    "read_audio",
]
