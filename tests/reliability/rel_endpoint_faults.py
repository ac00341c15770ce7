"""The fault matrix of the endpoints beside chat (web Search/Fetch and Files; OCR, ASR and TTS):
a scenario scripts the emulator, a surface makes one call, and the outcome is judged the same way
for every endpoint: the whole answer after the documented retries, or the documented typed error
after the documented number of attempts, a spare left queued behind a fault that must not be
retried. Outcomes join the suite's tally under a label (`web`, `media`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from deepseek_ext_core import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    DeepSeekError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
)
from deepseek_ext_emulator import Emulator, Fault

from ._tally import TALLY
from .rel_support import closed_port_url, count_transport_requests, fake_key


@dataclass(frozen=True)
class Scenario:
    name: str
    script: Callable[[], list[Fault]]
    attempts: int
    error: type[DeepSeekError] | None = None
    pending_after: int = 0
    wrong_key: bool = False
    refused: bool = False
    speech: bool | None = None
    """Only for speech surfaces (True), only for the others (False), or both (None)."""


def spare() -> Fault:
    """A harmless fault queued behind one that must not be retried: still queued after."""
    return Fault.delay(0.0)


def status_once(code: int) -> Callable[[], list[Fault]]:
    return lambda: [Fault.status(code)]


COMMON_SCENARIOS = [
    Scenario("429 with Retry-After", lambda: [Fault.status(429, retry_after=0)], 2),
    Scenario("429 every attempt", lambda: [Fault.status(429, retry_after=0)] * 3, 3, RateLimitError),  # noqa: E501
    *(Scenario(f"{code} once", status_once(code), 2) for code in (500, 502, 503, 504)),
    Scenario("500 every attempt", lambda: [Fault.status(500)] * 3, 3, InternalServerError),
    Scenario("503 every attempt", lambda: [Fault.status(503)] * 3, 3, ServiceUnavailableError),
    Scenario("400 not retried", lambda: [Fault.status(400), spare()], 1, BadRequestError, 1),
    Scenario("401 not retried", list, 1, AuthenticationError, wrong_key=True),
    Scenario("connection refused", list, 3, APIConnectionError, refused=True),
    Scenario("reset before headers once", lambda: [Fault.reset_before_headers()], 2),
    Scenario("empty body once", lambda: [Fault.empty_body()], 2),
]  # fmt: skip
"""What every endpoint beside chat must survive the same way; each test adds its own."""


@dataclass
class Played:
    """What one surface's call under one scenario gave."""

    answer: str | None
    error: BaseException | None
    sent: list[str]
    """Requests httpx's transports tried (what counts when no server saw them)."""


def play(
    emulator: Emulator,
    key: str,
    scenario: Scenario,
    call: Callable[[str, str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> Played:
    """Scripts `scenario` and makes the surface's call (base URL, key) once."""
    emulator.reset()
    emulator.push(*scenario.script())
    base = closed_port_url() if scenario.refused else emulator.base_url
    used_key = fake_key() if scenario.wrong_key else key
    sent = count_transport_requests(monkeypatch)
    try:
        return Played(call(base, used_key), None, sent)
    except Exception as exc:  # judged by `judge`: the documented class, or a broken promise
        return Played(None, exc, sent)


def judge(
    emulator: Emulator, scenario: Scenario, played: Played, *, surface: str, expected: str,
    label: str,
) -> None:  # fmt: skip
    """Asserts the documented outcome and the number of attempts, and tallies it."""
    if scenario.error is None:
        assert played.error is None, f"{surface}: {played.error!r}"
        assert played.answer == expected
        TALLY.fault(f"{label}: {scenario.name}", "recovered", lost_data=False)
    else:
        assert isinstance(played.error, scenario.error), f"{surface}: {played.error!r}"
        TALLY.fault(f"{label}: {scenario.name}", "typed", lost_data=False)
    if scenario.refused:  # no server saw them: count what httpx's transports tried
        assert len(played.sent) == scenario.attempts
    else:
        assert len(emulator.requests) == scenario.attempts
    assert emulator.pending == scenario.pending_after
