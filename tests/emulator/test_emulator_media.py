"""The emulator's OCR, ASR and TTS endpoints and document purposes: DeepSeek's limits and
errors, answers derived from the upload, scripted answers taken only by their endpoint."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from deepseek_ext_emulator import Emulator, Fault, Reply, _documents

from ..media_files import make_ogg_opus, make_pdf, make_wav

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


def _ocr(emulator: Emulator, data: bytes, *, name: str = "a.pdf", **fields: str) -> httpx.Response:
    form = {"purpose": "text_recognition", **fields}
    return httpx.post(
        f"{emulator.base_url}/v1/tools/ocr", data=form, files={"file": (name, data)}, headers=AUTH
    )


def _asr(emulator: Emulator, data: bytes, **fields: str) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}/v1/tools/asr", data=fields, files={"file": ("a.wav", data)},
        headers=AUTH,
    )  # fmt: skip


def _tts(emulator: Emulator, body: Any) -> httpx.Response:
    return httpx.post(f"{emulator.base_url}/v1/tools/tts", json=body, headers=AUTH)


def _message(response: httpx.Response) -> str:
    return str(response.json()["error"]["message"])


def test_ocr_sends_newlines_then_one_json_object(emulator: Emulator) -> None:
    answer = _ocr(emulator, make_pdf())
    assert answer.status_code == 200 and answer.content.startswith(b"\n\n\n{")
    body = answer.json()
    assert (body["object"], body["page_count"], body["purpose"]) == (
        "ocr.result",
        2,
        "text_recognition",
    )
    assert [p["index"] for p in body["pages"]] == [0, 1]
    assert body["pages"][0]["text"].startswith("<|ref|>Quarterly report<|/ref|><|box|>[[")
    assert body["id"].startswith("ocr-") and set(body["usage"]) == {
        "input_tokens", "output_tokens", "total_tokens"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("data", "name", "fields", "status", "message"),
    [
        (b"hello", "a.txt", {}, 400, "unsupported file type"),
        (make_pdf(), "", {}, 400, "file name"),
        (make_pdf(), "a.pdf", {"purpose": "ocr"}, 400, "purpose must be one of"),
        (make_pdf(), "a.pdf", {"pages": "1-2"}, 400, "unknown field(s) pages"),
        (make_pdf(["x"] * 1001), "a.pdf", {}, 400, "1001 pages"),
    ],
)
def test_ocr_refuses_what_deepseek_refuses(
    emulator: Emulator, data: bytes, name: str, fields: dict[str, str], status: int, message: str
) -> None:
    emulator.push(Reply.ocr(["scripted"]))
    answer = _ocr(emulator, data, name=name, **fields)
    assert answer.status_code == status and message in _message(answer)
    assert emulator.pending == 1  # a refused request leaves the script as it was


def test_ocr_over_100_mib_is_a_413(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_documents, "MAX_OCR_BYTES", 1000)
    error = _documents.document_pages(b"%PDF-" + b"0" * 1000, "a.pdf", "text_recognition")
    assert not isinstance(error, list) and error.status == 413


def test_scripted_answers_are_taken_by_their_endpoint_only(emulator: Emulator) -> None:
    emulator.push(Reply.ocr(["one"], finish_reasons=["length"]), Reply.text("for chat"))
    chat = httpx.post(
        f"{emulator.base_url}/chat/completions",
        json={"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]},
        headers=AUTH,
    )
    assert chat.json()["choices"][0]["message"]["content"] == "Echo: hi"  # not the OCR answer
    page = _ocr(emulator, make_pdf()).json()["pages"]
    assert page == [{"index": 0, "text": "one", "finish_reason": "length"}]
    assert emulator.pending == 1  # the chat reply waits for a chat request


def test_asr_measures_the_audio_it_is_sent(emulator: Emulator) -> None:
    assert _asr(emulator, make_wav(2.5)).json()["duration_ms"] == 2500
    body = _asr(emulator, make_ogg_opus(1.2)).json()
    assert body["duration_ms"] == 1200 and len(body["request_id"]) == 32
    emulator.push(Reply.transcript("scripted", duration_ms=7))
    body = _asr(emulator, make_wav(1.0)).json()
    assert (body["text"], body["duration_ms"]) == ("scripted", 7)


@pytest.mark.parametrize(
    ("data", "fields", "status", "message"),
    [
        (make_wav(1.0) + b"\x00" * 8 * 1024 * 1024, {}, 413, "8 MiB"),
        (make_wav(121, rate=8000), {}, 400, "at most 120 s"),
        (make_wav(1.0, bits=8), {}, 400, "16-bit PCM"),
        (b"ID3 mp3", {}, 400, "unsupported audio format"),
        (make_wav(1.0), {"language": "en"}, 400, "unknown field(s) language"),
    ],
)
def test_asr_refuses_what_deepseek_refuses(
    emulator: Emulator, data: bytes, fields: dict[str, str], status: int, message: str
) -> None:
    answer = _asr(emulator, data, **fields)
    assert answer.status_code == status and message in _message(answer)


def test_tts_streams_audio_as_long_as_the_text_asks(emulator: Emulator) -> None:
    short = _tts(emulator, {"text": "Hi there"})
    longer = _tts(emulator, {"text": "Hi there, a somewhat longer sentence", "format": "pcm"})
    assert short.headers["content-type"] == "audio/wav" and short.content[:4] == b"RIFF"
    assert short.headers["transfer-encoding"] == "chunked"
    assert longer.headers["content-type"] == "audio/pcm"
    seconds = (len(short.content) - 44) / 48000
    assert seconds == pytest.approx(8 * 0.18, abs=0.01)
    assert len(longer.content) > len(short.content)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": "   "}, 400, "no readable text"),
        ({"text": "Hi", "voice_id": "nova"}, 400, "voice_id"),
        ({"text": "Hi", "format": "mp3"}, 400, "format"),
        ({"text": "Hi", "speed": 1.2}, 400, "unknown field(s): speed"),
        ({"text": "中" * 5001}, 400, "too long"),
        ({"text": "a" * 70_000}, 413, "64 KiB"),
    ],
)
def test_tts_refuses_what_deepseek_refuses(
    emulator: Emulator, body: dict[str, Any], status: int, message: str
) -> None:
    answer = _tts(emulator, body)
    assert answer.status_code == status and message in _message(answer)


def test_a_scripted_speech_can_be_cut(emulator: Emulator) -> None:
    emulator.push(Fault.drop_after_chunks(2, reply=Reply.speech(b"\x01" * 5000, chunk_size=1000)))
    with pytest.raises(httpx.RemoteProtocolError):
        _tts(emulator, {"text": "Hello"})
    emulator.push(Reply.speech(b"\x02" * 10, chunk_size=4))
    assert _tts(emulator, {"text": "Hello"}).content == b"\x02" * 10


def test_files_take_the_document_purposes_and_parse_them(emulator: Emulator) -> None:
    answer = httpx.post(
        f"{emulator.base_url}/files",
        data={"purpose": "rich_layout_recognition"},
        files={"file": ("r.pdf", make_pdf())},
        headers=AUTH,
    )
    assert answer.json()["purpose"] == "rich_layout_recognition"
    stored = emulator.files.get(answer.json()["id"])
    assert stored is not None and len(stored.parsed) == 2
    bad = httpx.post(
        f"{emulator.base_url}/files", data={"purpose": "text_recognition"},
        files={"file": ("a.txt", b"plain")}, headers=AUTH,
    )  # fmt: skip
    assert bad.status_code == 400 and "unsupported file type" in _message(bad)


def test_asr_over_the_accounts_requests_in_flight_is_a_429(emulator: Emulator) -> None:
    emulator.asr_concurrency = 1
    emulator.push(Fault.delay(0.5))  # holds the first request in flight
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(_asr, emulator, make_wav(1.0))
        time.sleep(0.2)
        second = _asr(emulator, make_wav(1.0))
        assert first.result().status_code == 200
    assert second.status_code == 429 and emulator.rate_limited == 1
    assert emulator.asr_in_flight == 0 and _asr(emulator, make_wav(1.0)).status_code == 200
