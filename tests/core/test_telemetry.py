"""OpenTelemetry: a span and metrics per request of the core (and so of both adapters and batch
jobs), by the GenAI semantic conventions, checked with the SDK's in-memory exporters."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    BadRequestError,
    ChatRequest,
    DeepSeekClient,
    FIMRequest,
    PayloadTooLargeError,
    RetryPolicy,
    StreamTruncatedError,
    UserMessage,
    configure_telemetry,
)
from deepseek_ext_core._telemetry import _STATE
from deepseek_ext_emulator import Emulator, Fault, Reply

from ..media_files import make_pdf, make_wav

KEY = "sk-telemetry-test-9c2e41"
HELLO = ChatRequest(model="deepseek-flash", messages=(UserMessage("hello there"),))


@dataclass
class Recorded:
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[tuple[dict[str, Any], int, float]]:
        data = self.metrics.get_metrics_data()
        found: list[tuple[dict[str, Any], int, float]] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            assert isinstance(point, HistogramDataPoint)
                            found.append((dict(point.attributes or {}), point.count, point.sum))
        return found


def attributes_of(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def _configure(capture_content: bool | None = None) -> Recorded:
    spans, metrics = InMemorySpanExporter(), InMemoryMetricReader()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    configure_telemetry(
        tracer_provider=tracer_provider,
        meter_provider=MeterProvider(metric_readers=[metrics]),
        capture_content=capture_content,
    )
    return Recorded(spans, metrics)


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    yield _configure()
    _STATE.resolved = False  # back to the global providers, resolved at the next request


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


def _client(emulator: Emulator, **options: Any) -> DeepSeekClient:
    return DeepSeekClient(api_key=KEY, base_url=emulator.base_url, **options)


def test_a_chat_is_one_client_span_with_the_genai_attributes(
    recorded: Recorded, emulator: Emulator
) -> None:
    emulator.push(Reply.text("General Kenobi.", reasoning="A greeting."))
    request = ChatRequest(
        model="deepseek-v4-pro", messages=(UserMessage("hello there"),), max_tokens=50, top_p=0.5
    )
    with _client(emulator) as client:
        answer = client.chat(request)

    (span,) = recorded.finished()
    attributes = attributes_of(span)
    assert span.name == "chat deepseek-v4-pro"
    assert span.kind == SpanKind.CLIENT
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "deepseek"
    assert attributes["gen_ai.request.model"] == "deepseek-v4-pro"
    assert attributes["gen_ai.request.max_tokens"] == 50
    assert attributes["gen_ai.request.top_p"] == 0.5
    assert attributes["gen_ai.response.model"] == answer.model
    assert attributes["gen_ai.response.id"] == answer.id
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert answer.usage is not None
    assert attributes["gen_ai.usage.input_tokens"] == answer.usage.prompt_tokens
    assert attributes["gen_ai.usage.output_tokens"] == answer.usage.completion_tokens
    assert attributes["deepseek.usage.reasoning_tokens"] == answer.usage.reasoning_tokens > 0
    assert attributes["deepseek.usage.cache_hit_tokens"] == 0
    assert attributes["deepseek.request_id"] == answer.request_id
    assert attributes["deepseek.price_period"] in ("peak", "off-peak")
    assert attributes["deepseek.cost.estimated_usd"] > 0
    assert attributes["server.address"] == "127.0.0.1"
    assert "gen_ai.input.messages" not in attributes  # content is opt-in

    tokens = recorded.points("gen_ai.client.token.usage")
    by_type = {point[0]["gen_ai.token.type"]: point for point in tokens}
    assert by_type["input"][2] == answer.usage.prompt_tokens
    assert by_type["output"][2] == answer.usage.completion_tokens
    assert by_type["input"][0]["gen_ai.request.model"] == "deepseek-v4-pro"
    ((duration_attributes, count, seconds),) = recorded.points("gen_ai.client.operation.duration")
    assert count == 1
    assert 0 < seconds < 30
    assert duration_attributes["gen_ai.operation.name"] == "chat"


def test_retries_stay_inside_one_span_and_a_final_error_marks_it(
    recorded: Recorded, emulator: Emulator
) -> None:
    emulator.push(Fault.status(503), Fault.status(400))
    policy = RetryPolicy(max_retries=2, initial_backoff=0, jitter=0)
    with _client(emulator, retry_policy=policy) as client, pytest.raises(BadRequestError):
        client.chat(HELLO)

    (span,) = recorded.finished()
    assert span.status.status_code == StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "400"
    assert len(emulator.requests) == 2
    ((attributes, _, _),) = recorded.points("gen_ai.client.operation.duration")
    assert attributes["error.type"] == "400"
    assert recorded.points("gen_ai.client.token.usage") == []


async def test_an_async_stream_span_ends_with_the_stream_and_its_usage(
    recorded: Recorded, emulator: Emulator
) -> None:
    emulator.push(Reply.text("one two three", chunks=3, reasoning="count"))
    async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        stream = await client.stream_chat(HELLO)
        assert recorded.finished() == []  # open while the stream is
        async with stream:
            pieces = [chunk async for chunk in stream]

    (span,) = recorded.finished()
    attributes = attributes_of(span)
    assert pieces
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.output_tokens"] > 0


def test_a_stream_left_early_still_ends_its_span(recorded: Recorded, emulator: Emulator) -> None:
    emulator.push(Reply.text("a b c d e f", chunks=6))
    with _client(emulator) as client, client.stream_chat(HELLO) as stream:
        next(iter(stream))

    (span,) = recorded.finished()
    assert "gen_ai.response.finish_reasons" not in (span.attributes or {})


def test_fim_and_web_tools_have_spans_of_their_own(recorded: Recorded, emulator: Emulator) -> None:
    fim = FIMRequest(model="deepseek-flash", prompt="def add(a, b):", suffix="\n")
    with DeepSeekClient(
        api_key=KEY, base_url=emulator.base_url, beta_base_url=emulator.beta_base_url
    ) as client:
        client.fim(fim)
        with client.stream_fim(fim) as stream:
            list(stream)
        client.search("deepseek pricing")
        client.fetch(emulator.pages[0].url)

    names = [span.name for span in recorded.finished()]
    assert names == [
        "text_completion deepseek-flash",
        "text_completion deepseek-flash",
        "execute_tool search",
        "execute_tool fetch",
    ]
    streamed = attributes_of(recorded.finished()[1])
    assert streamed["gen_ai.usage.output_tokens"] > 0
    search = attributes_of(recorded.finished()[2])
    assert search["gen_ai.tool.name"] == "search"
    assert search["deepseek.cost.estimated_usd"] == 0.00075


def test_ocr_asr_and_tts_have_spans_with_their_cost(
    recorded: Recorded, emulator: Emulator, tmp_path: Path
) -> None:
    with _client(emulator) as client:
        client.ocr(make_pdf(), filename="r.pdf")
        client.transcribe(make_wav(2.0), filename="m.wav")
        client.speak_to_file("Hello", tmp_path / "a.wav")
        emulator.push(Fault.status(413))
        with pytest.raises(PayloadTooLargeError):
            client.ocr(make_pdf(), filename="r.pdf")

    spans = recorded.finished()
    assert [span.name for span in spans] == [
        "execute_tool ocr", "execute_tool asr", "execute_tool tts", "execute_tool ocr"
    ]  # fmt: skip
    costs = [attributes_of(span).get("deepseek.cost.estimated_usd") for span in spans[:3]]
    assert costs == pytest.approx([0.00045, 2 * 0.0000325, 5 * 0.000045])
    assert spans[3].status.status_code.name == "ERROR"


def test_a_live_speech_span_ends_with_the_session(recorded: Recorded, emulator: Emulator) -> None:
    with _client(emulator) as client:
        with client.speak_live(["Hello ", "there"]) as stream:
            assert recorded.finished() == []  # open: the span waits for the session to end
            list(stream)
        assert len(recorded.finished()) == 1
        emulator.push(Fault.drop_after_chunks(1))
        with pytest.raises(StreamTruncatedError), client.speak_live(["A longer text."]) as cut:
            list(cut)

    done, broken = recorded.finished()
    assert done.name == broken.name == "execute_tool tts"
    assert attributes_of(done)["deepseek.cost.estimated_usd"] == pytest.approx(11 * 0.000045)
    assert broken.status.status_code == StatusCode.ERROR


def test_content_is_recorded_only_when_asked_and_never_the_key(emulator: Emulator) -> None:
    recorded = _configure(capture_content=True)
    try:
        emulator.push(Reply.text("General Kenobi.", reasoning="A greeting."))
        with _client(emulator) as client:
            client.chat(HELLO)
    finally:
        _STATE.resolved = False

    (span,) = recorded.finished()
    attributes = attributes_of(span)
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {"role": "user", "content": "hello there"}
    ]
    (output,) = json.loads(str(attributes["gen_ai.output.messages"]))
    assert output["parts"][-1] == {"type": "text", "content": "General Kenobi."}
    assert output["parts"][0]["type"] == "reasoning"
    assert KEY not in json.dumps({key: str(value) for key, value in attributes.items()})


def test_both_adapters_and_batch_jobs_are_traced_through_the_core(
    recorded: Recorded, emulator: Emulator, tmp_path: Path
) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from deepseek_ext_core.batch import run_batch
    from langchain_deepseek_ext import ChatDeepSeek
    from llamaindex_deepseek_ext import DeepSeek

    ChatDeepSeek(model="deepseek-flash", api_key=KEY, base_url=emulator.base_url).invoke("hi")
    DeepSeek(model="deepseek-flash", api_key=KEY, api_base=emulator.base_url).chat(
        [ChatMessage(role="user", content="hi")]
    )
    line = {
        "custom_id": "one",
        "url": "/chat/completions",
        "body": {"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]},
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(line) + "\n")
    run_batch(
        tmp_path / "in.jsonl", tmp_path / "out.jsonl", api_key=KEY, base_url=emulator.base_url
    )

    assert [span.name for span in recorded.finished()] == ["chat deepseek-flash"] * 3


def test_disabled_telemetry_records_nothing(emulator: Emulator) -> None:
    recorded = _configure()
    configure_telemetry(enabled=False)
    try:
        with _client(emulator) as client:
            client.chat(HELLO)
    finally:
        _STATE.resolved = False
    assert recorded.finished() == []


_WITHOUT_OTEL = """
import sys
sys.modules["opentelemetry"] = None  # as if the extra were not installed
import deepseek_ext_core as core
from deepseek_ext_emulator import Emulator
with Emulator(api_key="k") as emulator, core.DeepSeekClient(
    api_key="k", base_url=emulator.base_url
) as client:
    request = core.ChatRequest(model="deepseek-flash", messages=(core.UserMessage("hi"),))
    answer = client.chat(request)
try:
    core.configure_telemetry()
except ImportError as exc:
    print("refused:", exc)
print("answered:", answer.choices[0].message.content)
"""


def test_without_the_extra_requests_work_and_configuring_says_what_to_install() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_OTEL], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "answered: Echo: hi" in done.stdout
    assert "refused: telemetry needs opentelemetry-api: pip install 'deepseek-ext[otel]'" in (
        done.stdout
    )


def test_importing_the_core_does_not_import_opentelemetry() -> None:
    code = "import sys, deepseek_ext_core; print('opentelemetry' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "False"


_GLOBAL_PROVIDER_LATER = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import deepseek_ext_core as core
from deepseek_ext_core._telemetry import start_operation
from deepseek_ext_emulator import Emulator

request = core.ChatRequest(model="deepseek-flash", messages=(core.UserMessage("hi"),))
with Emulator(api_key="k") as emulator, core.DeepSeekClient(
    api_key="k", base_url=emulator.base_url
) as client:
    print("before any SDK:", start_operation("chat", {"model": "m"}, emulator.base_url))
    client.chat(request)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)  # the application sets up OpenTelemetry later
    client.chat(request)
print("spans:", [span.name for span in exporter.get_finished_spans()])
"""


def test_the_global_providers_are_used_once_the_application_sets_them() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _GLOBAL_PROVIDER_LATER], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "before any SDK: None" in done.stdout  # the no-op API costs nothing
    assert "spans: ['chat deepseek-flash']" in done.stdout


def test_a_rejected_key_never_reaches_the_span(recorded: Recorded, emulator: Emulator) -> None:
    wrong = "sk-wrong-key-5d1f0b8a27c4"
    with (
        DeepSeekClient(api_key=wrong, base_url=emulator.base_url) as client,
        pytest.raises(Exception, match="401"),
    ):
        client.chat(HELLO)

    (span,) = recorded.finished()
    assert span.status.status_code == StatusCode.ERROR
    everything = json.loads(span.to_json())
    assert (span.attributes or {})["error.type"] == "401"
    assert wrong not in json.dumps(everything)
    assert wrong[-8:] not in json.dumps(everything)
