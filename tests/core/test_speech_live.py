"""TTS over DeepSeek's WebSocket (docs/deepseek-api.md §6.13), against the emulator: text sent as
it is written, audio read as it arrives, an LLM's streamed answer read aloud through both
frameworks, failures of the text source and of the connection, retries of the opening, and the
key kept out of websockets' own logs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpx
import pytest

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    AuthenticationError,
    BadRequestError,
    DeepSeekClient,
    InvalidRequestError,
    RetryPolicy,
    ServiceUnavailableError,
    StreamTruncatedError,
)
from deepseek_ext_emulator import Emulator, Fault, Reply

from .media_support import KEY, media_client

FAST = RetryPolicy(max_retries=2, initial_backoff=0.01)
SAMPLES_PER_CHARACTER = round(0.18 * 24_000)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


async def _speak(
    client: DeepSeekClient | AsyncDeepSeekClient, texts: Iterable[str], **options: Any
) -> tuple[list[bytes], int]:
    """The audio pieces and the billed characters of one live session."""
    pieces: list[bytes] = []
    if isinstance(client, DeepSeekClient):
        with client.speak_live(texts, **options) as stream:
            for piece in stream:
                pieces.append(piece)
        return pieces, stream.characters
    async with await client.speak_live(texts, **options) as astream:
        async for piece in astream:
            pieces.append(piece)
    return pieces, astream.characters


async def test_text_pieces_come_back_as_audio(mode: str, emulator: Emulator) -> None:
    pieces, characters = await _speak(media_client(mode, emulator), ["Hello ", "", "there."])
    assert characters == len("Hello there.")
    assert sum(map(len, pieces)) == 2 * SAMPLES_PER_CHARACTER * characters
    request = emulator.last_request
    assert (request.method, request.path) == ("GET", "/v1/tools/tts")
    assert request.query == "voice_id=stella&format=pcm&filter_markdown=true"
    assert request.headers["authorization"] == "<redacted>"


async def test_an_async_text_source_and_opus(emulator: Emulator) -> None:
    async def words() -> AsyncIterator[str]:
        for word in ("Read ", "me ", "aloud"):
            await asyncio.sleep(0.01)
            yield word

    client = AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url)
    async with await client.speak_live(words(), format="opus", voice_id="tide") as stream:
        audio = b"".join([piece async for piece in stream])
    assert audio and set(audio) <= {0xF8, 0xFF, 0xFE}  # the emulator's Opus silence packets
    assert stream.characters == 13 and "voice_id=tide&format=opus" in emulator.last_request.query


async def test_a_failing_text_source_ends_the_session_with_its_error(
    mode: str, emulator: Emulator
) -> None:
    def answer() -> Iterator[str]:
        yield "The first sentence."
        raise RuntimeError("the model's stream broke")

    with pytest.raises(RuntimeError, match="the model's stream broke"):
        await _speak(media_client(mode, emulator), answer())


async def test_a_cut_connection_raises_after_the_audio_that_arrived(
    mode: str, emulator: Emulator
) -> None:
    emulator.push(Fault.drop_after_chunks(2))
    client = media_client(mode, emulator)
    got: list[bytes] = []
    with pytest.raises(StreamTruncatedError, match="before the final frame") as cut:
        if isinstance(client, DeepSeekClient):
            with client.speak_live(["A sentence long enough for several frames of audio."]) as s:
                for piece in s:
                    got.append(piece)
        else:
            async with await client.speak_live(["A sentence long enough for frames."]) as a:
                async for piece in a:
                    got.append(piece)
    assert len(got) == 2 and cut.value.chunks_received == 2


async def test_the_opening_is_retried_and_refusals_are_typed(mode: str, emulator: Emulator) -> None:
    emulator.push(Fault.status(503))
    pieces, _ = await _speak(media_client(mode, emulator, retry_policy=FAST), ["Hi"])
    assert pieces and len(emulator.requests) == 2
    emulator.push(*[Fault.status(503)] * 3)
    with pytest.raises(ServiceUnavailableError):
        await _speak(media_client(mode, emulator, retry_policy=FAST), ["Hi"])
    wrong = media_client(mode, emulator, api_key="sk-" + "0" * 32, max_retries=0)
    with pytest.raises(AuthenticationError):
        await _speak(wrong, ["Hi"])


@pytest.mark.parametrize(
    ("options", "message"),
    [({"voice_id": "nova"}, "voice_id must be one of"), ({"format": "wav"}, "over the WebSocket")],
)
async def test_bad_options_are_refused_before_connecting(
    mode: str, emulator: Emulator, options: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await _speak(media_client(mode, emulator), ["Hi"], **options)
    assert emulator.requests == []


async def test_a_session_holds_its_slot_until_it_ends(mode: str, emulator: Emulator) -> None:
    client = media_client(mode, emulator, max_concurrency=1)
    for _ in range(3):  # a leaked slot would block the second session for ever
        pieces, _ = await asyncio.wait_for(_speak(client, ["Hi"]), timeout=10)
        assert pieces


def test_a_failure_the_final_frame_reports_is_typed(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deepseek_ext_core.speech import _live_stream

    client = DeepSeekClient(api_key=KEY, base_url=emulator.base_url)
    with client.speak_live([]) as stream:  # nothing to read: only finish_text is sent
        assert list(stream) == [] and stream.characters == 0
    # an event the server does not know ends the session with the status it reports
    monkeypatch.setattr(_live_stream, "FINISH_TEXT", json.dumps({"event": "flush"}))
    with pytest.raises(BadRequestError, match="expected a text or finish_text event"):
        with client.speak_live(["Hi"]) as stream:
            list(stream)


def test_the_key_never_reaches_websockets_logs(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="websockets"):
        with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
            with client.speak_live(["Hi"]) as stream:
                list(stream)
    assert "> authorization: Bearer **********" in caplog.text.lower().replace("bearer", "Bearer")
    assert KEY not in caplog.text


def test_an_llm_answer_is_read_aloud_as_langchain_streams_it(emulator: Emulator) -> None:
    from langchain_deepseek_ext import ChatDeepSeek

    emulator.push(Reply.text("Sunny and warm in Paris today.", chunks=4))
    model = ChatDeepSeek(model="deepseek-flash", api_key=KEY, base_url=emulator.base_url)
    texts = (chunk.text for chunk in model.stream("Weather in Paris?"))
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        with client.speak_live(texts) as stream:
            audio = b"".join(stream)
    assert stream.characters == len("Sunny and warm in Paris today.")
    assert len(audio) == 2 * SAMPLES_PER_CHARACTER * stream.characters


async def test_an_llm_answer_is_read_aloud_as_llamaindex_streams_it(emulator: Emulator) -> None:
    from llamaindex_deepseek_ext import DeepSeek

    emulator.push(Reply.text("Take an umbrella.", chunks=3))
    llm = DeepSeek(model="deepseek-flash", api_key=KEY, api_base=emulator.base_url)

    async def deltas() -> AsyncIterator[str]:
        async for response in await llm.astream_complete("Rain?"):
            yield response.delta or ""

    client = AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url)
    async with await client.speak_live(deltas()) as stream:
        audio = b"".join([piece async for piece in stream])
    assert stream.characters == len("Take an umbrella.") and audio


def test_the_emulator_takes_the_key_as_a_subprotocol(emulator: Emulator) -> None:
    from websockets.sync.client import connect

    url = emulator.base_url.replace("http://", "ws://") + "/v1/tools/tts?format=pcm"
    with connect(url, subprotocols=["tts", f"bearer.{KEY}"], compression=None) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "tts"
        ws.send(json.dumps({"event": "finish_text"}))
        assert json.loads(ws.recv())["code"] == 0
    refused = httpx.get(
        url.replace("ws://", "http://").replace("format=pcm", "format=wav"),
        headers={"Authorization": f"Bearer {KEY}", "Upgrade": "websocket",
                 "Connection": "Upgrade", "Sec-WebSocket-Key": "x", "Sec-WebSocket-Version": "13"},
    )  # fmt: skip
    assert refused.status_code == 400 and "format must be one of pcm, opus" in refused.text
