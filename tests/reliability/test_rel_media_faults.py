"""The reliability suite's faults on OCR, ASR and TTS (docs/deepseek-api.md §6.11-6.13).

Each scenario scripts the emulator, then each surface (the core, sync and async; LangChain's OCR
loader, audio parser and speech tool; LlamaIndex's OCR and audio readers and the tool spec's
`speak`) makes one call with at most 3 attempts. It must end with the whole answer after the
documented retries, or with the documented typed error after the documented number of attempts;
a spare scripted behind a fault that must not be retried stays queued. A speech surface that
fails leaves no audio file behind. The figures join the suite's printed tally.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    DeepSeekClient,
    InvalidResponseError,
    PayloadTooLargeError,
    StreamTruncatedError,
    UploadTimeoutError,
)
from deepseek_ext_emulator import Emulator, Fault, Reply

from ..media_files import make_pdf, make_wav
from ._tally import TALLY
from .rel_endpoint_faults import COMMON_SCENARIOS, Scenario, judge, play, spare
from .rel_support import RetrySpy, core_policy, fake_key

PDF = make_pdf()
WAV = make_wav(1.0)


@dataclass(frozen=True)
class Surface:
    name: str
    run: Callable[[str, str, Path], str]
    """(base URL, key, a scratch folder) -> a text that shows the whole answer arrived."""
    expected: str
    speech: bool = False


def _core_ocr(base: str, key: str, folder: Path) -> str:
    with DeepSeekClient(api_key=key, base_url=base, retry_policy=core_policy(2)) as client:
        return client.ocr(PDF, filename="r.pdf").pages[1].plain_text.splitlines()[0]


def _core_async_asr(base: str, key: str, folder: Path) -> str:
    async def run() -> str:
        options: dict[str, Any] = {"api_key": key, "base_url": base}
        async with AsyncDeepSeekClient(**options, retry_policy=core_policy(2)) as client:
            return (await client.transcribe(WAV, filename="m.wav")).text

    return asyncio.run(run())


def _core_tts(base: str, key: str, folder: Path) -> str:
    with DeepSeekClient(api_key=key, base_url=base, retry_policy=core_policy(2)) as client:
        result = client.speak_to_file("Hello there", folder / "a.wav")
    return (folder / "a.wav").read_bytes()[:4].decode() + f" {result.bytes > 44}"


def _core_async_tts(base: str, key: str, folder: Path) -> str:
    async def run() -> str:
        options: dict[str, Any] = {"api_key": key, "base_url": base}
        async with AsyncDeepSeekClient(**options, retry_policy=core_policy(2)) as client:
            result = await client.speak_to_file("Hello there", folder / "a.wav")
        return (folder / "a.wav").read_bytes()[:4].decode() + f" {result.bytes > 44}"

    return asyncio.run(run())


def _langchain_ocr(base: str, key: str, folder: Path) -> str:
    from langchain_deepseek_ext import DeepSeekOCRLoader

    (folder / "r.pdf").write_bytes(PDF)
    loader = DeepSeekOCRLoader(folder / "r.pdf", api_key=key, base_url=base, max_retries=2)
    return loader.load()[1].page_content.splitlines()[0]


def _langchain_audio(base: str, key: str, folder: Path) -> str:
    from langchain_core.document_loaders import Blob

    from langchain_deepseek_ext import DeepSeekAudioParser

    parser = DeepSeekAudioParser(api_key=key, base_url=base, max_retries=2)
    return parser.parse(Blob.from_data(WAV, path="m.wav"))[0].page_content


def _langchain_tts(base: str, key: str, folder: Path) -> str:
    from langchain_deepseek_ext import DeepSeekTextToSpeech

    tool = DeepSeekTextToSpeech(output_dir=str(folder), api_key=key, base_url=base, max_retries=2)
    path = Path(tool.invoke({"text": "Hello there"}))
    return path.read_bytes()[:4].decode() + f" {path.stat().st_size > 44}"


def _llamaindex_ocr(base: str, key: str, folder: Path) -> str:
    from llamaindex_deepseek_ext import DeepSeekOCRReader

    (folder / "r.pdf").write_bytes(PDF)
    reader = DeepSeekOCRReader(api_key=key, api_base=base, max_retries=2)
    return asyncio.run(reader.aload_data(folder / "r.pdf"))[1].text.splitlines()[0]


def _llamaindex_audio(base: str, key: str, folder: Path) -> str:
    from llamaindex_deepseek_ext import DeepSeekAudioReader

    (folder / "m.wav").write_bytes(WAV)
    reader = DeepSeekAudioReader(api_key=key, api_base=base, max_retries=2)
    return reader.load_data(folder / "m.wav")[0].text


def _llamaindex_speak(base: str, key: str, folder: Path) -> str:
    from llamaindex_deepseek_ext import DeepSeekToolSpec

    spec = DeepSeekToolSpec(audio_dir=str(folder), api_key=key, api_base=base, max_retries=2)
    path = Path(spec.speak("Hello there"))
    return path.read_bytes()[:4].decode() + f" {path.stat().st_size > 44}"


OUTLOOK = "Outlook"
HEARD = "Transcript of m.wav: 1.0 seconds of speech."
AUDIO = "RIFF True"
SURFACES = [
    Surface("core OCR", _core_ocr, OUTLOOK),
    Surface("core async ASR", _core_async_asr, HEARD),
    Surface("core TTS to a file", _core_tts, AUDIO, speech=True),
    Surface("core async TTS to a file", _core_async_tts, AUDIO, speech=True),
    Surface("LangChain OCR loader", _langchain_ocr, OUTLOOK),
    Surface("LangChain audio parser", _langchain_audio, HEARD),
    Surface("LangChain speech tool", _langchain_tts, AUDIO, speech=True),
    Surface("LlamaIndex OCR reader", _llamaindex_ocr, OUTLOOK),
    Surface("LlamaIndex audio reader", _llamaindex_audio, HEARD),
    Surface("LlamaIndex tool spec speak", _llamaindex_speak, AUDIO, speech=True),
]


def _cut_speech() -> list[Fault]:
    return [
        Fault.drop_after_chunks(2, reply=Reply.speech(make_wav(1.0), chunk_size=4096)),
        spare(),
    ]


SCENARIOS = [
    *COMMON_SCENARIOS,
    Scenario("408 not retried", lambda: [Fault.status(408), spare()], 1, UploadTimeoutError, 1, speech=False),  # noqa: E501
    Scenario("413 not retried", lambda: [Fault.status(413), spare()], 1, PayloadTooLargeError, 1, speech=False),  # noqa: E501
    Scenario("truncated body every attempt", lambda: [Fault.truncated_body()] * 3, 3, InvalidResponseError, speech=False),  # noqa: E501
    Scenario("keep-alive newlines before the JSON", lambda: [Fault.keep_alive(5, over=0.2)], 1, speech=False),  # noqa: E501
    Scenario("audio cut mid-stream, not retried", _cut_speech, 1, StreamTruncatedError, 1, speech=True),  # noqa: E501
    Scenario("audio cut before its end, not retried", lambda: [Fault.truncated_body(), spare()], 1, StreamTruncatedError, 1, speech=True),  # noqa: E501
]  # fmt: skip

CASES = [
    pytest.param(scenario, surface, id=f"{scenario.name}-{surface.name}")
    for scenario in SCENARIOS
    for surface in SURFACES
    if scenario.speech is None or scenario.speech == surface.speech
]


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[tuple[Emulator, str]]:
    key = fake_key()
    with Emulator(api_key=key) as emu:
        yield emu, key


@pytest.mark.parametrize(("scenario", "surface"), CASES)
def test_a_fault_on_ocr_asr_or_tts_ends_as_documented(
    module_emulator: tuple[Emulator, str],
    scenario: Scenario,
    surface: Surface,
    retry_spy: RetrySpy,  # keeps the backoff short
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator, key = module_emulator
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        played = play(emulator, key, scenario, lambda b, k: surface.run(b, k, folder), monkeypatch)
        left = sorted(p.name for p in folder.iterdir() if p.name not in ("r.pdf", "m.wav"))
    judge(
        emulator, scenario, played, surface=surface.name, expected=surface.expected, label="media"
    )
    if scenario.error is not None and surface.speech:
        assert left == [], f"{surface.name} left {left}"  # no partial audio file


BAD_MEDIA = [
    ("ocr", (b"plain text",), {"filename": "a.txt"}, "not a file DeepSeek's OCR reads"),
    ("ocr", (b"",), {"filename": "a.pdf"}, "is empty"),
    ("ocr", (PDF,), {"filename": "a.pdf", "purpose": "layout"}, "purpose must be one of"),
    ("ocr", (PDF,), {}, "filename must be given"),
    ("transcribe", (make_wav(1, bits=8),), {"filename": "a.wav"}, "8-bit"),
    ("transcribe", (make_wav(1, rate=11025),), {"filename": "a.wav"}, "11025 Hz"),
    ("transcribe", (make_wav(125, rate=8000),), {"filename": "a.wav"}, "at most 120 s"),
    ("transcribe", (WAV + b"\x00" * 8 * 1024 * 1024,), {"filename": "a.wav"}, "8 MiB"),
    ("transcribe", (b"fLaC\x00\x00",), {"filename": "a.flac"}, "neither WAV nor Ogg"),
    ("speak", ("",), {}, "something to read aloud"),
    ("speak", ("中" * 5001,), {}, "billed characters"),
    ("speak", ("Hi",), {"voice_id": "nova"}, "voice_id must be one of"),
    ("speak", ("Hi",), {"format": "mp3"}, "format must be one of"),
    ("upload_file", (PDF,), {"filename": "a.pdf", "purpose": "ocr"}, "purpose must be one of"),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "needle"), BAD_MEDIA)
def test_bad_media_input_is_rejected_before_sending(
    module_emulator: tuple[Emulator, str],
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    needle: str,
) -> None:
    from deepseek_ext_core import InvalidRequestError

    emulator, key = module_emulator
    emulator.reset()
    error: BaseException | None = None
    with DeepSeekClient(api_key=key, base_url=emulator.base_url) as client:
        try:
            getattr(client, method)(*args, **kwargs)
        except Exception as exc:
            error = exc
    sent = len(emulator.requests)
    TALLY.bad_input(rejected_before_sending=error is not None and sent == 0, known_bug=False)
    assert isinstance(error, InvalidRequestError) and needle in str(error), repr(error)
    assert sent == 0
