"""Replay of recorded cassettes: Ruby VCR, pydantic-ai, and vcrpy's own files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import vcr

from deepseek_ext_emulator import Emulator, Fault, Reply

from .emu_ref import chat, client, load_yaml, ref, ruby_interaction, sse_chunks

EFFORT_HIGH = (
    "ruby_llm/chat_deepseek_thinking_control_returns_reasoning_content_for_effort_high.yml"
)
BINARY = (
    "ruby_llm/"
    "chat_with_extended_thinking_deepseek_deepseek-reasoner_returns_thinking_when_available.yml"
)
STREAM = "ruby_llm/chat_streaming_responses_deepseek_deepseek-chat_supports_streaming_responses.yml"
PYDANTIC_STREAM = "pydantic-ai/test_deepseek_model_thinking_stream.yaml"
PYDANTIC_TOOLS = "pydantic-ai/test_deepseek_deferred_capability_with_thinking.yaml"


@pytest.fixture
def http(deepseek_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(deepseek_emulator.base_url) as c:
        yield c


@pytest.mark.parametrize("cassette", [EFFORT_HIGH, BINARY])
def test_ruby_vcr_non_stream_replay_is_byte_identical(
    deepseek_emulator: Emulator, http: httpx.Client, cassette: str
) -> None:
    request, body, headers = ruby_interaction(cassette)
    assert deepseek_emulator.load_cassette(ref(cassette)) == 1
    response = http.post("/chat/completions", json=request)
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["x-ds-trace-id"] == headers["X-Ds-Trace-Id"]
    assert deepseek_emulator.unused_interactions() == []


def test_ruby_vcr_stream_replay(deepseek_emulator: Emulator, http: httpx.Client) -> None:
    request, body, _ = ruby_interaction(STREAM)
    deepseek_emulator.load_cassette(ref(STREAM))
    with http.stream("POST", "/chat/completions", json=request) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.read() == body


def test_pydantic_ai_parsed_body_stream_replay(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    data = load_yaml(ref(PYDANTIC_STREAM))
    interaction = data["interactions"][0]
    deepseek_emulator.load_cassette(ref(PYDANTIC_STREAM))
    # key order differs from the recording: matching compares JSON as data
    request = dict(reversed(list(interaction["request"]["parsed_body"].items())))
    with http.stream("POST", "/v1/chat/completions", json=request) as response:
        text = response.read().decode()
    assert text == interaction["response"]["body"]["string"]
    assert sse_chunks(text)[0]["choices"][0]["delta"]["reasoning_content"] == ""


def test_pydantic_ai_multi_turn_tools_replay_in_order(deepseek_emulator: Emulator) -> None:
    data = load_yaml(ref(PYDANTIC_TOOLS))
    requests = [item["request"]["parsed_body"] for item in data["interactions"]]
    deepseek_emulator.load_cassette(ref(PYDANTIC_TOOLS))
    with client(deepseek_emulator.base_url) as c:
        # pydantic-ai sent strict tools to the non-beta URL and DeepSeek accepted them;
        # the emulator deliberately rejects that (strict is only honoured on /beta).
        assert c.post("/chat/completions", json=requests[0]).status_code == 400
        deepseek_emulator.validate = False
        for item, request in zip(data["interactions"], requests, strict=True):
            answer = c.post("/chat/completions", json=request).json()
            assert answer == item["response"]["parsed_body"]
    assert deepseek_emulator.unused_interactions() == []


def test_each_recording_replays_once_unless_repeats(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    request, body, _ = ruby_interaction(EFFORT_HIGH)
    deepseek_emulator.load_cassette(ref(EFFORT_HIGH))
    assert http.post("/chat/completions", json=request).content == body
    second = http.post("/chat/completions", json=request).json()
    assert second["choices"][0]["message"]["content"].startswith("Echo: ")
    deepseek_emulator.load_cassette(ref(EFFORT_HIGH), allow_repeats=True)
    assert http.post("/chat/completions", json=request).content == body  # the fresh copy
    assert http.post("/chat/completions", json=request).content == body  # repeated


def test_unmatched_requests_fall_through_and_unused_are_listed(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.load_cassette(ref(EFFORT_HIGH))
    answer = http.post("/chat/completions", json=chat(content="something else")).json()
    assert answer["choices"][0]["message"]["content"] == "Echo: something else"
    (unused,) = deepseek_emulator.unused_interactions()
    assert (
        unused.startswith("POST /chat/completions (")
        and EFFORT_HIGH.rsplit("/", maxsplit=1)[-1] in unused
    )


def test_script_wins_over_cassette_and_faults_apply_to_replays(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    request, _, _ = ruby_interaction(STREAM)
    deepseek_emulator.load_cassette(ref(STREAM))
    deepseek_emulator.push(Reply.text("scripted"))
    assert "scripted" in http.post("/chat/completions", json=request).text
    deepseek_emulator.push(Fault.drop_after_chunks(2))
    seen: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream("POST", "/chat/completions", json=request) as response,
    ):
        seen.extend(line for line in response.iter_lines() if line.startswith("data: "))
    assert len(seen) == 2 and '"content":"1"' in seen[1]


def test_folder_loading_and_constructor(tmp_path: Path) -> None:
    folder = tmp_path / "cassettes" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(ref(EFFORT_HIGH), folder / "a.yml")
    shutil.copy(ref(PYDANTIC_STREAM), folder / "b.yaml")
    (folder / "notes.txt").write_text("not a cassette")
    with Emulator(cassettes=[tmp_path / "cassettes"]) as emu:
        assert len(emu.unused_interactions()) == 2


def test_vcrpy_recording_replays_through_the_emulator(tmp_path: Path) -> None:
    cassette = tmp_path / "roundtrip.yaml"
    body = chat("deepseek-chat", content="record me")
    with Emulator() as recorder:
        recorder.push(Reply.text("recorded answer"))
        with vcr.use_cassette(str(cassette), record_mode="all"), client(recorder.base_url) as c:
            original = c.post("/chat/completions", json=body).content
    with Emulator(cassettes=[cassette]) as replayer, client(replayer.base_url) as c:
        replayed = c.post("/chat/completions", json=body)
    assert replayed.content == original
    assert json.loads(original)["choices"][0]["message"]["content"] == "recorded answer"
