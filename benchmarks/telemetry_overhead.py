"""What OpenTelemetry costs a request of the core: client CPU per non-streamed chat, against an
in-process httpx transport (no socket, so the figure is the client's own work).

Modes, run in alternating rounds, medians printed with their ratio to `off`:
- off: `configure_telemetry(enabled=False)`, what a process without the `otel` extra runs;
- api: the extra installed, no SDK configured (OpenTelemetry's no-op tracer and meter);
- sdk: an SDK tracer provider with a simple processor into an in-memory exporter, and a meter
  provider with an in-memory reader (what a traced application pays, exporter aside).

To compare with the code before telemetry, run this script with `PYTHONPATH` pointing at a
checkout of that commit's `shared/`: only `off` runs there (as `before`).

    python benchmarks/telemetry_overhead.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.figures, from a checkout

import deepseek_ext_core as core
from tests.figures import write_figures

BODY = json.dumps(
    {
        "id": "bench",
        "object": "chat.completion",
        "created": 1796000000,
        "model": "deepseek-flash",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
    }
).encode()
REQUEST = core.ChatRequest(model="deepseek-flash", messages=(core.UserMessage("hi"),))
CALLS = 2000
ROUNDS = 9


def _client() -> core.DeepSeekClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return core.DeepSeekClient(api_key="sk-bench", http_client=http)


def _per_call(client: core.DeepSeekClient) -> float:
    started = time.process_time()
    for _ in range(CALLS):
        client.chat(REQUEST)
    return (time.process_time() - started) / CALLS * 1e6


def _modes() -> dict[str, Callable[[], None]]:
    configure = getattr(core, "configure_telemetry", None)
    if configure is None:
        return {"before": lambda: None}
    from deepseek_ext_core._telemetry import _STATE

    def api() -> None:
        _STATE.resolved = False  # the global providers: none set, so OpenTelemetry's no-ops

    def sdk() -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        configure(
            tracer_provider=tracer_provider,
            meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
        )

    return {"off": lambda: configure(enabled=False), "api": api, "sdk": sdk}


def main() -> None:
    modes = _modes()
    figures: dict[str, list[float]] = {name: [] for name in modes}
    with _client() as client:
        for switch in modes.values():  # warm-up: imports, first spans
            switch()
            _per_call(client)
        for round_number in range(ROUNDS):
            names = list(modes)
            names = names[round_number % len(names) :] + names[: round_number % len(names)]
            for name in names:
                modes[name]()
                figures[name].append(_per_call(client))
    base = statistics.median(figures["off"]) if "off" in figures else None
    lines = [
        f"client CPU per chat, µs (median of {ROUNDS} rounds of {CALLS} calls, ± half the IQR)",
        "",
        "| | µs per chat | vs off |",
        "|---|---|---|",
    ]
    for name, values in figures.items():
        median = statistics.median(values)
        spread = (statistics.quantiles(values, n=4)[2] - statistics.quantiles(values, n=4)[0]) / 2
        ratio = f"{median / base:.2f}" if base else ""
        lines.append(f"| {name} | {median:.1f} ± {spread:.1f} | {ratio} |")
    print("\n".join(lines))
    if "--write-docs" in sys.argv[1:]:
        write_figures("telemetry", "python benchmarks/telemetry_overhead.py --write-docs", lines)


if __name__ == "__main__":
    main()
