"""OpenTelemetry spans and metrics for the core's requests (the `otel` extra).

With `opentelemetry-api` installed, every chat and FIM completion (streamed or not) and every web
Search and Fetch emits a span and metrics following OpenTelemetry's GenAI semantic conventions
(https://opentelemetry.io/docs/specs/semconv/gen-ai/): span `chat deepseek-flash`, kind CLIENT,
`gen_ai.operation.name`, `gen_ai.provider.name` = `deepseek`, request and response model, token
usage, finish reasons, response id; the histograms `gen_ai.client.operation.duration` and
`gen_ai.client.token.usage`. DeepSeek's own figures go in `deepseek.*` attributes: cache-hit,
cache-miss and reasoning tokens, estimated cost, request id, peak or off-peak price period.

Message content is recorded only when asked for (`configure_telemetry(capture_content=True)` or
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`). The API is imported at the first
request, not with the package, so `import deepseek_ext_core` costs the same with or without it;
without it nothing is recorded and nothing changes. Spans go wherever the application's
OpenTelemetry SDK sends them (none configured: the API's no-op).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from ._usage import PricedResponse, completed_at, estimate_response_cost, is_peak
from ._version import package_version

if TYPE_CHECKING:
    from opentelemetry.metrics import Histogram, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from ._response import ChatCompletion, FIMCompletion
    from ._stream import AsyncChatStream, AsyncStream, ChatStream, Stream

__all__ = [
    "Operation",
    "atraced",
    "configure_telemetry",
    "finish_answer",
    "finish_tool",
    "follow_chat_stream",
    "follow_fim_stream",
    "start_operation",
    "traced",
]

R = TypeVar("R")

PROVIDER = "deepseek"
CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# The bucket boundaries the conventions give for these two histograms.
_TOKEN_BUCKETS = [4.0**power for power in range(14)]
_DURATION_BUCKETS = [0.01 * 2.0**power for power in range(14)]
_REQUEST_ATTRIBUTES = {
    "max_tokens": "gen_ai.request.max_tokens",
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
}


class _Instruments:
    """The tracer, the two histograms, and whether content is recorded."""

    def __init__(
        self,
        tracer_provider: TracerProvider | None,
        meter_provider: MeterProvider | None,
        capture_content: bool | None,
    ) -> None:
        from opentelemetry import metrics, trace

        self._trace = trace
        self._metrics = metrics
        self.explicit = tracer_provider is not None or meter_provider is not None
        """Providers were given: always record. Otherwise the global ones are used, and only
        once the application has set one (until then OpenTelemetry's no-ops would cost a
        request 40 µs for nothing, benchmarks/telemetry_overhead.py)."""
        version = package_version()
        self.tracer: Tracer = trace.get_tracer(__name__, version, tracer_provider)
        meter = metrics.get_meter(__name__, version, meter_provider)
        self.tokens: Histogram = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.duration: Histogram = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._unset = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
        self._unset_meters = ("_ProxyMeterProvider", "NoOpMeterProvider")
        if capture_content is None:
            capture_content = os.environ.get(CAPTURE_CONTENT_ENV, "").lower() == "true"
        self.capture_content = capture_content

    def active(self) -> bool:
        """Whether anything would be recorded: providers given, or an SDK set globally."""
        if self.explicit:
            return True
        return not isinstance(self._trace.get_tracer_provider(), self._unset) or (
            type(self._metrics.get_meter_provider()).__name__ not in self._unset_meters
        )


class _State:
    """The instruments in use: unresolved until the first request or `configure_telemetry`."""

    resolved = False
    instruments: _Instruments | None = None


_STATE = _State()


def configure_telemetry(
    *,
    enabled: bool = True,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    capture_content: bool | None = None,
) -> None:
    """Where the core's spans and metrics go (default: OpenTelemetry's global providers, set up
    at the first request), whether message content is recorded, or `enabled=False` for none.
    Raises `ImportError` naming the extra when `opentelemetry-api` is not installed."""
    _STATE.resolved = True
    if not enabled:
        _STATE.instruments = None
        return
    try:
        _STATE.instruments = _Instruments(tracer_provider, meter_provider, capture_content)
    except ImportError as exc:
        _STATE.instruments = None
        raise ImportError(
            "telemetry needs opentelemetry-api: pip install 'deepseek-ext[otel]'"
        ) from exc


def _current() -> _Instruments | None:
    if not _STATE.resolved:
        _STATE.resolved = True
        try:
            _STATE.instruments = _Instruments(None, None, None)
        except ImportError:
            _STATE.instruments = None
    return _STATE.instruments


def start_operation(
    name: str, body: Mapping[str, Any], base_url: str, *, tool: str | None = None
) -> Operation | None:
    """A span for one request about to be sent (with its retries); None when telemetry is off.

    `name` is the GenAI operation (`chat`, `text_completion`, `execute_tool`); `body` the wire
    body; `tool` the web tool's name for `execute_tool`."""
    instruments = _current()
    if instruments is None or not instruments.active():
        return None
    return Operation(instruments, name, body, base_url, tool)


class _Answer(PricedResponse, Protocol):
    """A Responses answer, as the span reads it."""

    @property
    def id(self) -> str: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def finish_reason(self) -> str: ...


class Operation:
    """One request's span and measurements, from before the first attempt to the answer (or the
    end of its stream)."""

    def __init__(
        self,
        instruments: _Instruments,
        name: str,
        body: Mapping[str, Any],
        base_url: str,
        tool: str | None,
    ) -> None:
        from opentelemetry.trace import SpanKind

        self._instruments = instruments
        self._started = time.perf_counter()
        self._ended = False
        model = str(body.get("model", ""))
        server = urlsplit(base_url)
        self._metric_attributes: dict[str, Any] = {
            "gen_ai.operation.name": name,
            "gen_ai.provider.name": PROVIDER,
            "server.address": server.hostname or "",
        }
        if server.port is not None:
            self._metric_attributes["server.port"] = server.port
        attributes = dict(self._metric_attributes)
        if tool is None:
            self._metric_attributes["gen_ai.request.model"] = model
            attributes["gen_ai.request.model"] = model
            for key, attribute in _REQUEST_ATTRIBUTES.items():
                if isinstance(body.get(key), int | float):
                    attributes[attribute] = body[key]
            if instruments.capture_content:
                attributes["gen_ai.input.messages"] = _input_messages(body)
            title = f"{name} {model}"
        else:
            attributes["gen_ai.tool.name"] = tool
            if instruments.capture_content:
                attributes["gen_ai.tool.call.arguments"] = json.dumps(body, ensure_ascii=False)
            title = f"{name} {tool}"
        self.span: Span = instruments.tracer.start_span(
            title, kind=SpanKind.CLIENT, attributes=attributes
        )

    # -- outcomes ----------------------------------------------------------------------------

    def completed(self, response: ChatCompletion | FIMCompletion | _Answer) -> None:
        """A chat or FIM answer (the merged one, for a stream): its figures, then the end."""
        span = self.span
        if response.model:
            span.set_attribute("gen_ai.response.model", response.model)
            self._metric_attributes["gen_ai.response.model"] = response.model
        if response.id:
            span.set_attribute("gen_ai.response.id", response.id)
        choices = getattr(response, "choices", None)
        if choices is not None:
            reasons = [choice.finish_reason for choice in choices if choice.finish_reason]
        else:  # a Responses answer: one finish reason of its own
            reasons = [str(getattr(response, "finish_reason", "") or "")]
        if any(reasons):
            span.set_attribute("gen_ai.response.finish_reasons", reasons)
        if response.request_id:
            span.set_attribute("deepseek.request_id", response.request_id)
        at = completed_at(response.created)
        span.set_attribute("deepseek.price_period", "peak" if is_peak(at or _now()) else "off-peak")
        usage = response.usage
        if usage is not None:
            span.set_attributes(
                {
                    "gen_ai.usage.input_tokens": usage.prompt_tokens,
                    "gen_ai.usage.output_tokens": usage.completion_tokens,
                    "deepseek.usage.cache_hit_tokens": usage.cache_hit_tokens,
                    "deepseek.usage.cache_miss_tokens": usage.cache_miss_tokens,
                    "deepseek.usage.reasoning_tokens": usage.reasoning_tokens,
                }
            )
            cost = estimate_response_cost(response)
            if cost is not None:
                span.set_attribute("deepseek.cost.estimated_usd", float(cost))
            tokens = self._instruments.tokens
            tokens.record(
                usage.prompt_tokens, {**self._metric_attributes, "gen_ai.token.type": "input"}
            )
            tokens.record(
                usage.completion_tokens,
                {**self._metric_attributes, "gen_ai.token.type": "output"},
            )
        if self._instruments.capture_content:
            span.set_attribute("gen_ai.output.messages", _output_messages(response))
        self._end()

    def tool_completed(self, request_id: str | None, cost_usd: float | None) -> None:
        """A web Search or Fetch answer."""
        if request_id:
            self.span.set_attribute("deepseek.request_id", request_id)
        if cost_usd is not None:
            self.span.set_attribute("deepseek.cost.estimated_usd", cost_usd)
        self._end()

    def failed(self, error: BaseException) -> None:
        """The request ended in `error` (after its retries)."""
        from opentelemetry.trace import Status, StatusCode

        error_type = type(error).__name__
        status = getattr(error, "status_code", None)
        self.span.set_attribute("error.type", str(status) if status else error_type)
        request_id = getattr(error, "request_id", None)
        if request_id:
            self.span.set_attribute("deepseek.request_id", request_id)
        # The message, not the exception: a traceback's locals are not for spans.
        self.span.set_status(Status(StatusCode.ERROR, f"{error_type}: {error}"))
        self._metric_attributes["error.type"] = str(status) if status else error_type
        self._end()

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._instruments.duration.record(
            time.perf_counter() - self._started, self._metric_attributes
        )
        self.span.end()

    # -- streams -----------------------------------------------------------------------------

    def follow(
        self,
        stream: Stream[Any] | AsyncStream[Any],
        merged: Callable[[], ChatCompletion | FIMCompletion | None],
    ) -> None:
        """Ends with `stream`: when it closes (read to the end, left early, or broken), with
        what `merged()` then gives."""
        release = stream._on_close

        def on_close() -> None:
            try:
                release()
            finally:
                response = merged()
                if response is None:
                    self._end()
                else:
                    self.completed(response)

        stream._on_close = on_close


def traced(
    op: Operation | None, call: Callable[[], R], finish: Callable[[Operation, R], None]
) -> R:
    """`call()`, its outcome recorded on `op` (nothing more when telemetry is off)."""
    if op is None:
        return call()
    try:
        result = call()
    except BaseException as exc:
        op.failed(exc)
        raise
    finish(op, result)
    return result


async def atraced(
    op: Operation | None, call: Callable[[], Awaitable[R]], finish: Callable[[Operation, R], None]
) -> R:
    """`await call()`, its outcome recorded on `op`."""
    if op is None:
        return await call()
    try:
        result = await call()
    except BaseException as exc:
        op.failed(exc)
        raise
    finish(op, result)
    return result


def finish_answer(op: Operation, response: ChatCompletion | FIMCompletion | _Answer) -> None:
    op.completed(response)


class _PricedToolResult(Protocol):
    @property
    def request_id(self) -> str | None: ...
    @property
    def estimated_cost(self) -> Any: ...


def finish_tool(op: Operation, result: _PricedToolResult) -> None:
    op.tool_completed(result.request_id, float(result.estimated_cost))


def follow_chat_stream(op: Operation, stream: ChatStream | AsyncChatStream) -> None:
    """A chat stream's span ends with the message merged from its chunks."""
    op.follow(stream, stream.completion)


def follow_fim_stream(
    op: Operation, stream: Stream[FIMCompletion] | AsyncStream[FIMCompletion]
) -> None:
    """A FIM stream's span ends with its last event (which carries the usage)."""
    seen: list[FIMCompletion | None] = [None]

    def keep(item: FIMCompletion) -> None:
        seen[0] = item

    stream._fold = keep
    op.follow(stream, lambda: seen[0])


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _input_messages(body: Mapping[str, Any]) -> str:
    messages = body.get("messages")
    if messages is None:  # FIM
        messages = [{"role": "user", "parts": [{"type": "text", "content": body.get("prompt")}]}]
    return json.dumps(messages, ensure_ascii=False)


def _output_messages(response: ChatCompletion | FIMCompletion | _Answer) -> str:
    outputs: list[dict[str, Any]] = []
    choices = getattr(response, "choices", None)
    if choices is None:  # a Responses answer
        text = str(getattr(response, "output_text", ""))
        return json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": text}]}])
    for choice in choices:
        parts: Sequence[dict[str, Any]]
        message = getattr(choice, "message", None)
        if message is None:
            parts = [{"type": "text", "content": getattr(choice, "text", "")}]
        else:
            parts = [
                *(
                    [{"type": "reasoning", "content": message.reasoning_content}]
                    if message.reasoning_content
                    else []
                ),
                *([{"type": "text", "content": message.content}] if message.content else []),
                *(
                    {
                        "type": "tool_call",
                        "id": call.id,
                        "name": call.function.name,
                        "arguments": call.function.arguments,
                    }
                    for call in message.tool_calls or ()
                ),
            ]
        outputs.append(
            {"role": "assistant", "parts": list(parts), "finish_reason": choice.finish_reason}
        )
    return json.dumps(outputs, ensure_ascii=False)
