"""A batch job at DeepSeek's lowest price, against the naive way, on the emulator.

2,000 chat requests that share a 2,000-token system prompt, each with a question of its own,
against the emulator with its context cache on and a fixed generation time per answer:

- naive: `asyncio.gather` over every request through `AsyncDeepSeekClient.chat`, a semaphore
  holding it to the same concurrency;
- batch: `deepseek_ext_core.batch.arun_batch` (cache warm-up on), the same concurrency.

Printed: cache-hit rate, estimated cost, what the same tokens would cost at peak prices with no
cache, and wall time, with the ratio batch/naive (target: at most 1.2). Both runs price at the
same pretended off-peak hour, and run in alternation (`--rounds`), medians reported.

    python benchmarks/batch_jobs.py            # 2,000 requests, concurrency 32, 3 rounds
    python benchmarks/batch_jobs.py --requests 500 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.figures, from a checkout

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    ChatRequest,
    SystemMessage,
    UserMessage,
    configure_telemetry,
    estimate_peak_uncached_cost,
    estimate_response_cost,
)
from deepseek_ext_core.batch import arun_batch
from deepseek_ext_emulator import Emulator
from tests.figures import write_figures

KEY = "sk-benchmark"
SYSTEM = "You grade short answers against the rubric that follows. " * 160  # ~2,000 tokens
OFF_PEAK = datetime(2026, 12, 5, 12, tzinfo=timezone.utc)  # a Saturday


@dataclass(frozen=True)
class Run:
    seconds: float
    prompt_tokens: int
    hit_tokens: int
    cost: Decimal
    peak_uncached: Decimal

    @property
    def hit_rate(self) -> float:
        return self.hit_tokens / self.prompt_tokens


def _question(number: int) -> str:
    return f"Question {number}: is the answer 'forty-two' correct?"


async def naive(emulator: Emulator, count: int, concurrency: int) -> Run:
    slots = asyncio.Semaphore(concurrency)
    async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:

        async def one(number: int) -> tuple[int, int, Decimal, Decimal]:
            request = ChatRequest(
                model="deepseek-flash",
                messages=(SystemMessage(SYSTEM), UserMessage(_question(number))),
            )
            async with slots:
                answer = await client.chat(request)
            assert answer.usage is not None
            usage = answer.usage
            cost = estimate_response_cost(answer) or Decimal(0)
            cold = estimate_peak_uncached_cost(answer.model, usage) or Decimal(0)
            return usage.prompt_tokens, usage.cache_hit_tokens, cost, cold

        started = time.perf_counter()
        results = await asyncio.gather(*(one(number) for number in range(count)))
        seconds = time.perf_counter() - started
    return Run(
        seconds,
        sum(r[0] for r in results),
        sum(r[1] for r in results),
        sum((r[2] for r in results), Decimal(0)),
        sum((r[3] for r in results), Decimal(0)),
    )


async def batch(emulator: Emulator, count: int, concurrency: int, folder: Path) -> Run:
    source, target = folder / "in.jsonl", folder / "out.jsonl"
    target.unlink(missing_ok=True)
    with source.open("w") as file:
        for number in range(count):
            body = {
                "model": "deepseek-flash",
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": _question(number)},
                ],
            }
            line = {"custom_id": f"q{number}", "url": "/v1/chat/completions", "body": body}
            file.write(json.dumps(line) + "\n")
    started = time.perf_counter()
    report = await arun_batch(
        source, target, api_key=KEY, base_url=emulator.base_url, concurrency=concurrency
    )
    seconds = time.perf_counter() - started
    assert report.succeeded == count, report.summary()
    return Run(
        seconds,
        report.prompt_tokens,
        report.cache_hit_tokens,
        report.cost_usd,
        report.peak_uncached_cost_usd,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--write-docs", action="store_true", help="also write docs/figures/batch-jobs.md"
    )
    args = parser.parse_args()
    configure_telemetry(enabled=False)  # measured apart (benchmarks/telemetry_overhead.py)
    naive_runs: list[Run] = []
    batch_runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for name in ("naive", "batch"):
                with Emulator(api_key=KEY, prefix_cache=True, latency=args.latency) as emulator:
                    emulator.pretend_time(OFF_PEAK)
                    if name == "naive":
                        naive_runs.append(
                            asyncio.run(naive(emulator, args.requests, args.concurrency))
                        )
                    else:
                        batch_runs.append(
                            asyncio.run(
                                batch(emulator, args.requests, args.concurrency, Path(folder))
                            )
                        )
    ratios = [b.seconds / n.seconds for n, b in zip(naive_runs, batch_runs, strict=True)]
    lines = [
        f"{args.requests} requests, a shared ~2,000-token system prompt, concurrency "
        f"{args.concurrency}, {args.latency * 1000:.0f} ms an answer, {args.rounds} rounds "
        "(medians)\n",
        "| | cache-hit rate | cost (off-peak) | same tokens, peak, no cache | wall time |",
        "|---|---|---|---|---|",
    ]
    for name, runs in (("naive gather", naive_runs), ("deepseek-ext batch", batch_runs)):
        hit = statistics.median(run.hit_rate for run in runs)
        cost = statistics.median(run.cost for run in runs)
        cold = statistics.median(run.peak_uncached for run in runs)
        seconds = statistics.median(run.seconds for run in runs)
        lines.append(f"| {name} | {hit:.2%} | ${cost:.4f} | ${cold:.4f} | {seconds:.2f} s |")
    ratio = statistics.median(ratios)
    verdict = "PASS" if ratio <= 1.2 else "MISS"
    pairs = zip(naive_runs, batch_runs, strict=True)
    lines += [
        f"\nwall time batch/naive: {ratio:.2f} (target <= 1.2: {verdict})",
        f"cost naive/batch: {statistics.median(n.cost / b.cost for n, b in pairs):.2f}",
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_figures("batch-jobs", "python benchmarks/batch_jobs.py --write-docs", lines)


if __name__ == "__main__":
    main()
