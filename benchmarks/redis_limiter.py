"""What the shared Redis limiter costs a call, and what it saves a fleet.

1. Per call: client CPU and wall time of `acquire` + `release` against a loopback Redis (target:
   under 0.3 ms of CPU, a third of the client's own per-call CPU), next to a chat call through
   the core client against the emulator, in the same run.
2. A fleet: 4 processes, 2,000 requests, an emulator account capped at 32 in flight that also
   answers 5% of requests 429; each process believes it may send 32 at once (`max_concurrency`)
   or all share one `RedisLimiter(max_concurrency=32)`. Total wall time and 429s, side by side.

    .venv/bin/python benchmarks/redis_limiter.py [--write-docs]

Needs `redis-server` on PATH (Debian's package) and the redis extra.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.*, from a checkout

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    ChatRequest,
    DeepSeekClient,
    RedisLimiter,
    UserMessage,
)
from deepseek_ext_emulator import Emulator, Fault, Reply
from tests.figures import write_figures
from tests.limits.redis_server import redis_server

KEY = "sk-bench"
REQUEST = ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")])
PROCESSES, TOTAL, CAP = 4, 2000, 32


def per_call(redis_url: str, calls: int = 3000) -> list[str]:
    limiter = RedisLimiter.from_url(redis_url, name="bench-per-call", max_concurrency=1000)
    for _ in range(200):  # warm-up: connections, scripts loaded
        limiter.acquire(timeout=5).release()
    rounds: list[tuple[float, float]] = []
    for _ in range(5):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            limiter.acquire(timeout=5).release()
        rounds.append(((time.process_time() - cpu) / calls, (time.perf_counter() - wall) / calls))
    with Emulator(api_key=KEY) as emu, DeepSeekClient(api_key=KEY, base_url=emu.base_url) as c:
        for _ in range(50):
            c.chat(REQUEST)
        cpu = time.process_time()
        for _ in range(500):
            c.chat(REQUEST)
        client_cpu = (time.process_time() - cpu) / 500
    limiter_cpu = statistics.median(r[0] for r in rounds)
    limiter_wall = statistics.median(r[1] for r in rounds)
    verdict = "PASS" if limiter_cpu < 0.0003 else "MISS"
    return [
        "| per call | client CPU | wall |",
        "|---|---:|---:|",
        f"| RedisLimiter acquire + release | {limiter_cpu * 1e3:.3f} ms "
        f"| {limiter_wall * 1e3:.3f} ms |",
        f"| a chat call through the core client (emulator) | {client_cpu * 1e3:.3f} ms | |",
        "",
        f"limiter CPU per call: {limiter_cpu * 1e3:.3f} ms (target < 0.3 ms: {verdict}); "
        f"{limiter_cpu / client_cpu:.2f}x the client's own per-call CPU (median of 5 rounds "
        f"of {calls:,})",
    ]


async def _worker(base_url: str, redis_url: str, count: int) -> None:
    limiter = None
    if redis_url != "-":
        limiter = RedisLimiter.from_url(redis_url, name="bench-fleet", max_concurrency=CAP)
    options = {"limiter": limiter} if limiter else {"max_concurrency": CAP}
    async with AsyncDeepSeekClient(api_key=KEY, base_url=base_url, max_retries=6, **options) as c:
        results = await asyncio.gather(
            *(c.chat(REQUEST) for _ in range(count)), return_exceptions=True
        )
    print(json.dumps({"failed": sum(isinstance(r, BaseException) for r in results)}))


def fleet(redis_url: str, shared: bool) -> tuple[float, int, int, int]:
    rng = random.Random(7)

    def sometimes_429(body: object) -> Fault | Reply:
        return Fault.status(429, retry_after=0) if rng.random() < 0.05 else Reply.text("ok")

    with Emulator(api_key=KEY, account_concurrency=CAP, latency=0.02) as emu:
        emu.responder = sometimes_429  # type: ignore[assignment]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    emu.base_url,
                    redis_url if shared else "-",
                    str(TOTAL // PROCESSES),
                ],
                stdout=subprocess.PIPE,
            )
            for _ in range(PROCESSES)
        ]
        failed = 0
        for process in processes:
            out, _ = process.communicate(timeout=600)
            failed += json.loads(out.decode().strip().splitlines()[-1])["failed"]
        return time.perf_counter() - started, emu.rate_limited, emu.most_in_flight, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        base_url, redis_url, count = args.worker
        asyncio.run(_worker(base_url, redis_url, int(count)))
        return
    with tempfile.TemporaryDirectory() as folder, redis_server(Path(folder)) as redis:
        lines = per_call(redis.url)
        lines += ["", f"A fleet: {PROCESSES} processes, {TOTAL:,} requests, account cap {CAP} in "
                  "flight, 5% of answers 429, 20 ms an answer:", "",
                  "| | wall time | 429s (account cap) | most in flight | failed |",
                  "|---|---:|---:|---:|---:|"]  # fmt: skip
        for shared in (False, True):
            wall, limited, most, failed = fleet(redis.url, shared)
            name = "RedisLimiter, shared" if shared else f"max_concurrency={CAP} each"
            lines.append(f"| {name} | {wall:.2f} s | {limited} | {most} | {failed} |")
    print("\n".join(lines))
    if args.write_docs:
        write_figures("redis-limiter", "python benchmarks/redis_limiter.py --write-docs", lines)


if __name__ == "__main__":
    main()
