"""One account, many workers: a real Redis, real processes, the emulator as the account.

The emulator answers 429 above its account cap (16 in flight), as DeepSeek does. Six processes
of 40 concurrent requests each (LangChain, LlamaIndex and batch jobs) overrun it on their own;
sharing a `RedisLimiter` they never do.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis as redis_py

from deepseek_ext_core import (
    BudgetExceededError,
    ChatRequest,
    DeepSeekClient,
    LimiterQueueFullError,
    LimiterTimeoutError,
    LimiterUnavailableError,
    RedisLimiter,
    UserMessage,
)
from deepseek_ext_emulator import Emulator, Fault, Reply

from .redis_server import RedisServer, redis_server

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key"
REQUEST = ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")])


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY, latency=0.05, account_concurrency=16) as emu:
        yield emu


def _fleet(
    emulator: Emulator, redis_url: str, account: str, tmp_path: Path
) -> list[dict[str, int]]:
    modes = ["langchain", "langchain", "llamaindex", "llamaindex", "batch", "batch"]
    processes = []
    for number, mode in enumerate(modes):
        folder = tmp_path / f"worker-{number}"
        folder.mkdir(parents=True)
        command = [sys.executable, "-m", "tests.limits.worker", mode, emulator.base_url,
                   redis_url, account, str(folder)]  # fmt: skip
        processes.append(
            subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
    results = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, err.decode()[-2000:]
            results.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return results


def test_six_processes_share_the_account_cap_through_redis(
    emulator: Emulator, redis: RedisServer, account: str, tmp_path: Path
) -> None:
    unshared = _fleet(emulator, "-", account, tmp_path / "alone")
    alone = (emulator.most_in_flight, emulator.rate_limited)
    emulator.most_in_flight = emulator.rate_limited = 0

    shared = _fleet(emulator, redis.url, account, tmp_path / "shared")
    together = (emulator.most_in_flight, emulator.rate_limited)

    print(f"\nwithout the shared limiter: most in flight {alone[0]}, 429s {alone[1]}")
    print(f"with RedisLimiter (cap 16): most in flight {together[0]}, 429s {together[1]}")
    assert alone[1] > 0  # each process alone believes it owns the account: 429s
    assert together[0] <= 16 and together[1] == 0
    assert sum(r["answered"] for r in shared) == 240  # every request answered once
    assert sum(r["answered"] + r["failed"] for r in unshared) == 240


def test_a_killed_worker_gives_its_slots_back_within_the_lease(
    emulator: Emulator, redis: RedisServer, account: str
) -> None:
    code = (
        "import sys, time\n"
        "from deepseek_ext_core import RedisLimiter\n"
        f"l = RedisLimiter.from_url({redis.url!r}, name={account!r}, max_concurrency=3, "
        "lease_seconds=1.5)\n"
        "held = [l.acquire(timeout=5) for _ in range(3)]\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"held"
        limiter = RedisLimiter.from_url(redis.url, name=account, max_concurrency=3)
        assert limiter.in_flight() == 3
        with pytest.raises(LimiterTimeoutError):
            limiter.acquire(timeout=0.2)  # renewed while the worker lives
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        started = time.monotonic()
        lease = limiter.acquire(timeout=5)
        assert time.monotonic() - started < 3  # within the 1.5 s lease (and a poll)
        lease.release()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_429_slows_every_worker_sharing_the_account(redis: RedisServer, account: str) -> None:
    with Emulator(api_key=KEY) as emu:
        emu.push(Fault.status(429, retry_after=0), Reply.text("ok"))
        one = RedisLimiter.from_url(
            redis.url, name=account, max_concurrency=8, cooldown_seconds=0.3
        )
        other = RedisLimiter.from_url(redis.url, name=account, max_concurrency=8)
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=one) as client:
            assert client.chat(REQUEST).message.content == "ok"
        raw = redis_py.Redis.from_url(redis.url, decode_responses=True)
        assert raw.get(other.keys["cap"]) == "4"  # halved for the whole account, once


def test_the_budget_is_the_accounts_across_workers(redis: RedisServer, account: str) -> None:
    with Emulator(api_key=KEY) as emu:
        first = RedisLimiter.from_url(
            redis.url, name=account, max_concurrency=4, max_cost_usd="0.00005"
        )
        second = RedisLimiter.from_url(
            redis.url, name=account, max_concurrency=4, max_cost_usd="0.00005"
        )
        request = REQUEST.model_copy(update={"max_tokens": 64})
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=first) as client:
            client.chat(request)
        spent = first.spent_usd()
        assert spent > 0
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=second) as client:
            with pytest.raises(BudgetExceededError, match="shared budget"):
                for _ in range(20):
                    client.chat(request)
        assert second.spent_usd() <= Decimal("0.00005") + spent


def test_back_pressure_refuses_past_the_queue(redis: RedisServer, account: str) -> None:
    limiter = RedisLimiter.from_url(redis.url, name=account, max_concurrency=1, max_queued=0)
    lease = limiter.acquire(timeout=1)
    with pytest.raises(LimiterQueueFullError):
        limiter.acquire(timeout=1)
    lease.release()


def test_redis_down_fails_closed_by_default_and_open_when_asked(tmp_path: Path) -> None:
    with redis_server(tmp_path) as server, Emulator(api_key=KEY) as emu:
        closed = RedisLimiter.from_url(
            server.url, name="down", max_concurrency=2, socket_timeout=0.5
        )
        opened = RedisLimiter.from_url(
            server.url, name="down", max_concurrency=2, socket_timeout=0.5, fail_open=True
        )
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=closed) as client:
            assert client.chat(REQUEST).message.content
        server.stop()  # Redis goes away mid-run
        sent = len(emu.requests)
        started = time.monotonic()
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=closed) as client:
            with pytest.raises(LimiterUnavailableError, match=r"Redis at redis://127\.0\.0\.1"):
                client.chat(REQUEST)
        assert time.monotonic() - started < 5  # an error, never a hang
        assert len(emu.requests) == sent  # nothing sent without a slot
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=opened) as client:
            assert client.chat(REQUEST).message.content  # sent, and logged
        assert len(emu.requests) == sent + 1
        server.start()  # back: the closed one works again
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=closed) as client:
            assert client.chat(REQUEST).message.content


def test_redis_holds_no_key_and_no_content_and_every_key_expires(
    redis: RedisServer, account: str
) -> None:
    secret = "sk-" + os.urandom(16).hex()
    with Emulator(api_key=secret) as emu:
        limiter = RedisLimiter.from_url(
            redis.url, name=account, max_concurrency=2, max_cost_usd=1, cooldown_seconds=0.1
        )
        emu.push(Fault.status(429, retry_after=0))
        with DeepSeekClient(api_key=secret, base_url=emu.base_url, limiter=limiter) as client:
            client.chat(ChatRequest(model="deepseek-flash", messages=[UserMessage("very private")]))
    raw = redis_py.Redis.from_url(redis.url)
    keys = [
        k.decode() if isinstance(k, bytes) else k for k in raw.keys(f"deepseek-ext:{account}:*")
    ]
    assert keys  # something was kept
    dump = repr([(k, raw.dump(k)) for k in keys])
    assert secret not in dump and secret[3:15] not in dump and "very private" not in dump
    assert all(raw.pttl(k) > 0 for k in keys)  # nothing stays for good


async def test_the_async_client_and_its_streams_hold_a_slot_only_while_in_flight(
    redis: RedisServer, account: str
) -> None:
    from deepseek_ext_core import AsyncDeepSeekClient

    with Emulator(api_key=KEY) as emu:
        limiter = RedisLimiter.from_url(redis.url, name=account, max_concurrency=2)
        async with AsyncDeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=limiter) as c:
            assert (await c.chat(REQUEST)).message.content
            stream = await c.stream_chat(REQUEST)
            assert limiter.in_flight() == 1  # held while the stream is open
            async with stream:
                async for _ in stream:
                    break  # closed early
        for _ in range(50):  # the release runs as a task of the loop
            if limiter.in_flight() == 0:
                break
            await asyncio.sleep(0.01)
        assert limiter.in_flight() == 0
