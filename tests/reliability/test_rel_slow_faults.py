"""Faults that take wall-clock time: keep-alive for seconds, read timeouts.

The 12 drivers run side by side, each against its own emulator, so a scenario costs its own
duration once rather than twelve times. Each driver's result is still checked on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from langchain_core.exceptions import ModelTimeoutError

from deepseek_ext_core import APITimeoutError
from deepseek_ext_emulator import Emulator, Fault, Reply

from ._tally import TALLY
from .rel_support import DRIVERS, PIECES, TEXT, Driver, Outcome, RetrySpy, Target, fake_key

KEEP_ALIVE_SECONDS = 3.0
KEEP_ALIVE_LINES = 12  # one every 0.25 s
READ_TIMEOUT = 1.0  # shorter than the keep-alive period: only the keep-alive lines save the call
SHORT_TIMEOUT = 0.3
SERVER_DELAY = 1.5


def full() -> Reply:
    return Reply.text(TEXT, chunks=PIECES)


@dataclass
class Run:
    driver: Driver
    outcome: Outcome
    attempts: int
    pending: int
    seconds: float


def run_everywhere(script: Callable[[], list[Reply | Fault]], timeout: float) -> list[Run]:
    """Runs every driver at once, each against its own emulator scripted with `script()`."""

    def one(driver: Driver) -> Run:
        key = fake_key()
        with Emulator(api_key=key) as emu:
            emu.push(*script())
            start = time.perf_counter()
            out = driver.run(Target(emu.base_url, key, timeout=timeout))
            seconds = time.perf_counter() - start
            assert not emu.errors, emu.errors
            return Run(driver, out, len(emu.requests), emu.pending, seconds)

    with ThreadPoolExecutor(max_workers=len(DRIVERS)) as pool:
        return list(pool.map(one, DRIVERS))


def test_keep_alive_lines_for_seconds_keep_a_call_alive(retry_spy: RetrySpy) -> None:
    """`: keep-alive` comments (streams) and blank lines (calls) for 3 s, read timeout 1 s."""
    runs = run_everywhere(
        lambda: [Fault.keep_alive(KEEP_ALIVE_LINES, over=KEEP_ALIVE_SECONDS, reply=full())],
        timeout=READ_TIMEOUT,
    )
    for run in runs:
        out = run.outcome
        lost = out.received != TEXT
        TALLY.fault(
            "keep-alive for seconds",
            "recovered" if out.error is None else "untyped",
            lost_data=lost,
        )
        assert out.error is None, f"{run.driver.name}: {out.error!r}"
        assert not lost, f"{run.driver.name}: {out.received!r}"
        assert run.attempts == 1, f"{run.driver.name}: {run.attempts} attempts"
        # The answer came after the keep-alive period, well past one read timeout.
        assert run.seconds >= KEEP_ALIVE_SECONDS * 0.9, f"{run.driver.name}: {run.seconds:.2f} s"


def test_read_timeout_once_is_retried(retry_spy: RetrySpy) -> None:
    runs = run_everywhere(
        lambda: [Fault.delay(SERVER_DELAY, reply=full()), full()], timeout=SHORT_TIMEOUT
    )
    for run in runs:
        out = run.outcome
        lost = out.received != TEXT
        TALLY.fault(
            "read timeout once", "recovered" if out.error is None else "untyped", lost_data=lost
        )
        assert out.error is None, f"{run.driver.name}: {out.error!r}"
        assert not lost
        assert run.attempts == 2, f"{run.driver.name}: {run.attempts} attempts"
        assert run.seconds < SERVER_DELAY, "the client waited for the slow server"


def test_read_timeout_every_attempt_raises_a_timeout_error(retry_spy: RetrySpy) -> None:
    runs = run_everywhere(
        lambda: [Fault.delay(SERVER_DELAY, reply=full())] * 3, timeout=SHORT_TIMEOUT
    )
    for run in runs:
        out = run.outcome
        typed = isinstance(out.error, APITimeoutError)
        TALLY.fault(
            "read timeout every attempt",
            "typed" if typed else "untyped",
            lost_data=bool(out.received),
        )
        assert typed, f"{run.driver.name}: {out.error!r}"
        if run.driver.surface == "langchain":
            assert isinstance(out.error, ModelTimeoutError)
        assert run.attempts == 3, f"{run.driver.name}: {run.attempts} attempts"
        assert run.seconds < SERVER_DELAY * 2


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_retry_after_is_really_waited(asynchronous: bool, key: str, emulator: Emulator) -> None:
    """Without the spy: the core sleeps the server's Retry-After (1 s), not its 10 ms backoff."""
    emulator.push(Fault.status(429, retry_after=1), full())
    driver = Driver("core", asynchronous, stream=False)
    start = time.perf_counter()
    out = driver.run(Target(emulator.base_url, key))
    seconds = time.perf_counter() - start
    TALLY.fault(
        "429 with Retry-After, real wait",
        "recovered" if out.error is None else "untyped",
        lost_data=out.received != TEXT,
    )
    assert out.error is None and out.received == TEXT
    assert len(emulator.requests) == 2
    assert 1.0 <= seconds < 2.0, seconds
