"""DeepSeek's speech endpoints: ASR (`POST /v1/tools/asr`, docs/deepseek-api.md §6.12), audio
checked from its header before sending; TTS (`POST /v1/tools/tts`, docs/deepseek-api.md §6.13),
audio streamed to the caller as it is synthesized, a cut stream raised and a partial file never
left behind.

TTS over DeepSeek's WebSocket (`client.speak_live(texts)`) sends text as it is written and reads
audio as it is synthesized (the `speech` extra). Loaded when first used (`client.transcribe(...)`,
`client.speak(...)`).
"""

from ._asr import ASR_PATH, MAX_ASR_BYTES, MAX_ASR_SECONDS, Transcription, prepare_transcription
from ._audio import WAV_RATES, AudioInfo, AudioSegment, read_audio, split_wav
from ._live import LIVE_FORMATS
from ._live_stream import AsyncLiveSpeechStream, LiveSpeechStream
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
    "LIVE_FORMATS",
    "MAX_ASR_BYTES",
    "MAX_ASR_SECONDS",
    "MAX_TTS_BODY_BYTES",
    "MAX_TTS_CHARACTERS",
    "PCM_SAMPLE_RATE",
    "TTS_PATH",
    "VOICES",
    "WAV_RATES",
    "AsyncLiveSpeechStream",
    "AsyncSpeechStream",
    "AudioFormat",
    "AudioInfo",
    "AudioSegment",
    "AudioTracker",
    "LiveSpeechStream",
    "SpeechResult",
    "SpeechStream",
    "Transcription",
    "Voice",
    "billed_characters",
    "prepare_speech",
    "prepare_transcription",
    "read_audio",
    "split_wav",
]
