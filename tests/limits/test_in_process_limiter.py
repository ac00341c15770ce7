"""`InProcessLimiter`: one process's threads and event loops share the account's limits."""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal
from typing import Any

import pytest

from deepseek_ext_core import (
    BudgetExceededError,
    ChatRequest,
    DeepSeekClient,
    InProcessLimiter,
    LimiterQueueFullError,
    LimiterTimeoutError,
    UserMessage,
)
from deepseek_ext_emulator import Emulator

KEY = "test-key"


def test_threads_of_two_clients_never_pass_the_shared_cap() -> None:
    limiter = InProcessLimiter(3)
    with Emulator(api_key=KEY, latency=0.05, account_concurrency=3) as emu:
        request = ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")])
        clients = [
            DeepSeekClient(api_key=KEY, base_url=emu.base_url, limiter=limiter) for _ in range(2)
        ]
        threads = [threading.Thread(target=clients[n % 2].chat, args=(request,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for client in clients:
            client.close()
    assert emu.most_in_flight <= 3 and emu.rate_limited == 0
    assert len(emu.requests) == 12
    assert limiter.in_flight == 0


def test_timeouts_back_pressure_and_budget() -> None:
    limiter = InProcessLimiter(1, max_queued=0, max_cost_usd="0.01")
    held = limiter.acquire(timeout=1, estimate_usd=Decimal("0.004"))
    with pytest.raises(LimiterQueueFullError):
        limiter.acquire(timeout=1)
    roomy = InProcessLimiter(1)
    first = roomy.acquire(timeout=1)
    started = time.monotonic()
    with pytest.raises(LimiterTimeoutError):
        roomy.acquire(timeout=0.1)
    assert 0.09 <= time.monotonic() - started < 1
    first.release()
    held.release(cost_usd=Decimal("0.008"))
    assert limiter.spent_usd == Decimal("0.008")
    with pytest.raises(BudgetExceededError, match=r"budget of \$0\.01"):
        limiter.acquire(timeout=1, estimate_usd=Decimal("0.004"))


async def test_coroutines_wait_their_turn() -> None:
    limiter = InProcessLimiter(2)
    most = 0

    async def one() -> None:
        nonlocal most
        lease = await limiter.aacquire(timeout=5)
        most = max(most, limiter.in_flight)
        await asyncio.sleep(0.01)
        await lease.arelease()

    await asyncio.gather(*(one() for _ in range(10)))
    assert most == 2 and limiter.in_flight == 0


class _Counting(InProcessLimiter):
    """Counts the slots asked for, sync and async."""

    def __init__(self) -> None:
        super().__init__(4)
        self.asked = 0

    def acquire(self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)) -> Any:
        self.asked += 1
        return super().acquire(timeout=timeout, estimate_usd=estimate_usd)

    async def aacquire(self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)) -> Any:
        self.asked += 1
        return await super().aacquire(timeout=timeout, estimate_usd=estimate_usd)


async def test_every_client_part_of_both_frameworks_takes_the_limiter() -> None:
    from llama_index.core.llms import ChatMessage

    from langchain_deepseek_ext import ChatDeepSeek, DeepSeekSearch
    from langchain_deepseek_ext import DeepSeekFIM as LangChainFIM
    from llamaindex_deepseek_ext import DeepSeek, DeepSeekToolSpec
    from llamaindex_deepseek_ext import DeepSeekFIM as LlamaIndexFIM

    limiter = _Counting()
    with Emulator(api_key=KEY) as emu:
        lc: dict[str, Any] = {"api_key": KEY, "base_url": emu.base_url, "limiter": limiter}
        li: dict[str, Any] = {"api_key": KEY, "api_base": emu.base_url, "limiter": limiter}
        ChatDeepSeek(**lc).invoke("hi")
        await ChatDeepSeek(**lc).ainvoke("hi")
        LangChainFIM(**lc, beta_base_url=emu.beta_base_url).invoke("def f():")
        DeepSeekSearch(**lc).invoke({"query": "off-peak"})
        DeepSeek(**li).chat([ChatMessage(role="user", content="hi")])
        LlamaIndexFIM(**li, beta_base_url=emu.beta_base_url).complete("def f():")
        DeepSeekToolSpec(**li).search("off-peak")
    assert limiter.asked == 7
    assert limiter.in_flight == 0


def test_the_emulators_balance_runs_out() -> None:
    with Emulator(api_key=KEY, balance_cny=0.025) as emu:
        with DeepSeekClient(api_key=KEY, base_url=emu.base_url, max_retries=0) as client:
            request = ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")])
            client.chat(request)
            client.chat(request)
            from deepseek_ext_core import InsufficientBalanceError

            with pytest.raises(InsufficientBalanceError):
                client.chat(request)
