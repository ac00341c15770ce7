"""Faults through every surface: the documented attempts, then success or the right typed error.

Each scenario scripts the emulator, then each of the 12 drivers (core / LangChain / LlamaIndex,
sync / async, call / stream) makes one call with `max_retries=2` (at most 3 attempts). The
emulator's recorded requests are the attempts; for a refused connection, which no server sees,
the retry spy's computed waits are (one per failed attempt). What the caller holds is compared
with what the server sent: a full answer must be exact, a broken stream must leave the caller
exactly the pieces sent before the break, and nothing may be retried after a chunk reached the
caller (the spare reply scripted behind the fault must still be queued).

Slow faults (keep-alive for seconds, read timeouts) are in `test_rel_slow_faults.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.exceptions import ModelError

from deepseek_ext_core import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    DeepSeekError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    RateLimitError,
    ServiceUnavailableError,
    StreamTruncatedError,
    UnprocessableEntityError,
)
from deepseek_ext_emulator import Emulator, Fault, Reply

from ._tally import TALLY, FaultResult
from .rel_support import (
    DRIVERS,
    PIECES,
    RESPONSES_DRIVERS,
    TEXT,
    Driver,
    Outcome,
    RetrySpy,
    Target,
    closed_port_url,
    count_transport_requests,
    fake_key,
    split_pieces,
    sse_body,
    text_of_complete_events,
)

ISR = "insufficient_system_resource"
PARTIAL = "half an answer"
P = split_pieces()
RAW_STREAM = sse_body(P)
# Cut points inside an event's JSON (not at its end, where the partial line would still parse):
# in the middle of the third content piece's event, and in the middle of the first event.
_MID = RAW_STREAM.index(b'"content":"' + P[2].encode()) + 4
MID_CUT = (_MID + 0.5) / len(RAW_STREAM)
FIRST_EVENT_CUT = (RAW_STREAM.index(b"\n\n") // 2 + 0.5) / len(RAW_STREAM)


def full() -> Reply:
    return Reply.text(TEXT, chunks=PIECES)


def interrupted() -> Reply:
    return Reply.text(PARTIAL, chunks=2, finish_reason=ISR)


def raw_stream(body: bytes) -> Reply:
    return Reply.raw_response(200, body, content_type="text/event-stream; charset=utf-8")


@dataclass(frozen=True)
class Expect:
    """What one call must end with."""

    attempts: int
    error: type[DeepSeekError] | None = None
    status: int | None = None
    delivered: str = ""
    """For an error: the exact text the caller must hold (pieces streamed before the break)."""
    flagged: bool = False
    """Returned normally, but with `finish_reason="insufficient_system_resource"`."""
    pending_after: int = 0
    """Scripted items still queued afterwards (a spare reply proves there was no retry)."""


def ok(attempts: int, pending_after: int = 0) -> Expect:
    return Expect(attempts, pending_after=pending_after)


def typed(
    error: type[DeepSeekError],
    attempts: int,
    *,
    status: int | None = None,
    delivered: str = "",
    pending_after: int = 0,
) -> Expect:
    return Expect(attempts, error, status, delivered, pending_after=pending_after)


@dataclass(frozen=True)
class Scenario:
    name: str
    script: Callable[[], list[Reply | Fault]]
    call: Expect | None = None
    stream: Expect | None = None
    refused: bool = False
    wrong_key: bool = False
    waits: tuple[float, ...] | None = None
    """The exact waits the retry layer must compute (a Retry-After is honoured as given)."""
    known_bugs: dict[str, str] = field(default_factory=dict)
    """Driver-name prefix -> reason, for an xfail(strict=True) (a reported bug)."""


def both(
    name: str, script: Callable[[], list[Reply | Fault]], expect: Expect, **settings: Any
) -> Scenario:
    """A scenario whose calls and streams must end the same way."""
    return Scenario(name, script, call=expect, stream=expect, **settings)


_STATUS_CLASS = {
    500: InternalServerError,
    502: InternalServerError,
    503: ServiceUnavailableError,
    504: InternalServerError,
}
_QUOTA_429 = json.dumps(
    {"error": {"message": "Rate limit: quota exhausted for this month", "type": "rate_limit_error"}}
)
_NO_CHOICES = json.dumps(
    {"id": "x", "object": "chat.completion", "created": 0, "model": "deepseek-flash", "choices": []}
)

Script = Callable[[], list[Reply | Fault]]


def status_then_full(code: int) -> Script:
    return lambda: [Fault.status(code), full()]


def status_always(code: int) -> Script:
    return lambda: [Fault.status(code)] * 3


SCENARIOS: list[Scenario] = [
    both(
        "429 with Retry-After",
        lambda: [Fault.status(429, retry_after=1), full()],
        ok(2),
        waits=(1.0,),
    ),
    both("429 without Retry-After", status_then_full(429), ok(2)),
    both(
        "429 every attempt",
        lambda: [Fault.status(429, retry_after=0)] * 3,
        typed(RateLimitError, 3, status=429),
    ),
    both(
        "429 quota exhausted",
        lambda: [Fault.status(429, body=_QUOTA_429), full()],
        typed(RateLimitError, 1, status=429, pending_after=1),
    ),
    *(both(f"{code} once", status_then_full(code), ok(2)) for code in (500, 502, 503, 504)),
    *(
        both(
            f"{code} every attempt",
            status_always(code),
            typed(_STATUS_CLASS[code], 3, status=code),
        )
        for code in (500, 502, 503, 504)
    ),
    both(
        "400 not retried",
        lambda: [Reply.error(400, "Invalid max_tokens value"), full()],
        typed(BadRequestError, 1, status=400, pending_after=1),
    ),
    both("401 not retried", list, typed(AuthenticationError, 1, status=401), wrong_key=True),
    both(
        "402 not retried",
        lambda: [Reply.insufficient_balance(), full()],
        typed(InsufficientBalanceError, 1, status=402, pending_after=1),
    ),
    both(
        "422 not retried",
        lambda: [Reply.error(422, "Invalid parameters"), full()],
        typed(UnprocessableEntityError, 1, status=422, pending_after=1),
    ),
    both("connection refused", list, typed(APIConnectionError, 3), refused=True),
    both("reset before headers once", lambda: [Fault.reset_before_headers(), full()], ok(2)),
    both(
        "reset before headers every attempt",
        lambda: [Fault.reset_before_headers()] * 3,
        typed(APIConnectionError, 3),
    ),
    Scenario(
        "reset mid-body or mid-stream",
        lambda: [Fault.drop_after_chunks(3, reply=full()), full()],
        call=ok(2),
        stream=typed(StreamTruncatedError, 1, delivered="".join(P[:2]), pending_after=1),
    ),
    both(
        "reset before the first event",
        lambda: [Fault.drop_after_chunks(0, reply=full()), full()],
        ok(2),
    ),
    Scenario(
        "stream without [DONE]",
        lambda: [Fault.no_done(reply=full()), full()],
        stream=typed(StreamTruncatedError, 1, delivered=TEXT, pending_after=1),
    ),
    Scenario(
        "stream stalls and closes without [DONE]",
        lambda: [Fault.no_done(after_chunks=3, reply=full()), full()],
        stream=typed(StreamTruncatedError, 1, delivered="".join(P[:2]), pending_after=1),
    ),
    both("empty 200 body once", lambda: [Fault.empty_body(), full()], ok(2)),
    Scenario(
        "empty 200 body every attempt",
        lambda: [Fault.empty_body()] * 3,
        call=typed(InvalidResponseError, 3),
        stream=typed(StreamTruncatedError, 3),
    ),
    Scenario(
        "truncated JSON body once",
        lambda: [Fault.truncated_body(at=0.5, reply=full()), full()],
        call=ok(2),
    ),
    Scenario(
        "truncated JSON body every attempt",
        lambda: [Fault.truncated_body(at=0.5, reply=full())] * 3,
        call=typed(InvalidResponseError, 3),
    ),
    Scenario(
        "stream cut inside an event",
        lambda: [Fault.truncated_body(at=MID_CUT, reply=raw_stream(RAW_STREAM)), full()],
        stream=typed(
            StreamTruncatedError,
            1,
            delivered=text_of_complete_events(RAW_STREAM[:_MID]),
            pending_after=1,
        ),
    ),
    Scenario(
        "stream cut inside its first event",
        lambda: [Fault.truncated_body(at=FIRST_EVENT_CUT, reply=raw_stream(RAW_STREAM)), full()],
        stream=ok(2),
    ),
    Scenario(
        "error event before the first chunk",
        lambda: [raw_stream(sse_body(P, error_after=0)), full()],
        stream=ok(2),
    ),
    Scenario(
        "error event mid-stream",
        lambda: [raw_stream(sse_body(P, error_after=2)), full()],
        stream=typed(InternalServerError, 1, delivered="".join(P[:2]), pending_after=1),
    ),
    Scenario(
        "insufficient_system_resource once",
        lambda: [interrupted(), full()],
        call=ok(2),
        stream=Expect(1, delivered=PARTIAL, flagged=True, pending_after=1),
    ),
    Scenario(
        "insufficient_system_resource every attempt",
        lambda: [interrupted()] * 3,
        call=Expect(3, delivered=PARTIAL, flagged=True),
    ),
    Scenario(
        "200 without choices",
        lambda: [Reply.raw_response(200, _NO_CHOICES), full()],
        call=ok(2),
    ),
]


# The same faults through `/responses`, except those written in chat's stream bytes (their
# cut points, `[DONE]`, error events and `choices` are chat's), which have their /responses
# forms below: a Responses stream of `full()` is 11 events (created, in_progress, item added,
# six text deltas, item done, completed), so its third text delta is event 6.
CHAT_SHAPED = {
    "reset mid-body or mid-stream",
    "stream without [DONE]",
    "stream stalls and closes without [DONE]",
    "stream cut inside an event",
    "stream cut inside its first event",
    "error event before the first chunk",
    "error event mid-stream",
    "insufficient_system_resource once",
    "insufficient_system_resource every attempt",
    "200 without choices",
}
_RESPONSES_EVENTS_BEFORE_TEXT = 3


def responses_failing_after(pieces: int) -> Reply:
    """A Responses stream whose answer fails (`response.failed`) after `pieces` text deltas."""
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"status": "in_progress"}}
    ]
    events += [{"type": "response.output_text.delta", "delta": p} for p in P[:pieces]]
    failed = {"status": "failed", "error": {"code": "server_error", "message": "overloaded"}}
    events.append({"type": "response.failed", "response": failed})
    body = "".join(
        f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n"
        for n, e in enumerate(events)
    )
    return raw_stream(body.encode())


RESPONSES_SCENARIOS: list[Scenario] = [
    Scenario(
        "answer fails before its first text (/responses)",
        lambda: [responses_failing_after(0), full()],
        stream=ok(2),
    ),
    Scenario(
        "answer fails mid-stream (/responses)",
        lambda: [responses_failing_after(2), full()],
        stream=typed(InternalServerError, 1, delivered="".join(P[:2]), pending_after=1),
    ),
    Scenario(
        "reset mid-body or mid-stream (/responses)",
        lambda: [Fault.drop_after_chunks(_RESPONSES_EVENTS_BEFORE_TEXT + 2, reply=full()), full()],
        call=ok(2),
        stream=typed(StreamTruncatedError, 1, delivered="".join(P[:2]), pending_after=1),
    ),
    Scenario(
        "stream without its completed event (/responses)",
        lambda: [
            Fault.no_done(after_chunks=_RESPONSES_EVENTS_BEFORE_TEXT + PIECES + 1, reply=full()),
            full(),
        ],
        stream=typed(StreamTruncatedError, 1, delivered=TEXT, pending_after=1),
    ),
    Scenario(
        "stream stalls and closes before its text ends (/responses)",
        lambda: [
            Fault.no_done(after_chunks=_RESPONSES_EVENTS_BEFORE_TEXT + 2, reply=full()),
            full(),
        ],
        stream=typed(StreamTruncatedError, 1, delivered="".join(P[:2]), pending_after=1),
    ),
    Scenario(
        "stream closes before its first text (/responses)",
        lambda: [
            Fault.no_done(after_chunks=_RESPONSES_EVENTS_BEFORE_TEXT, reply=full()),
            full(),
        ],
        stream=ok(2),
    ),
]


def _cases() -> list[object]:
    runs = [(scenario, DRIVERS) for scenario in SCENARIOS]
    runs += [(s, RESPONSES_DRIVERS) for s in SCENARIOS if s.name not in CHAT_SHAPED]
    runs += [(scenario, RESPONSES_DRIVERS) for scenario in RESPONSES_SCENARIOS]
    cases: list[object] = []
    for scenario, drivers in runs:
        for driver in drivers:
            expect = scenario.stream if driver.stream else scenario.call
            if expect is None:
                continue
            marks = [
                pytest.mark.xfail(strict=True, reason=reason)
                for prefix, reason in scenario.known_bugs.items()
                if driver.name.startswith(prefix)
            ][:1]
            cases.append(
                pytest.param(
                    scenario, driver, expect, marks=marks, id=f"{scenario.name}|{driver.name}"
                )
            )
    return cases


def classify(out: Outcome) -> FaultResult:
    if out.error is None:
        return "flagged" if out.finish_reason == ISR else "recovered"
    return "typed" if isinstance(out.error, DeepSeekError) else "untyped"


def lost_data(out: Outcome, expect: Expect) -> bool:
    """Whether the caller holds less (or other) than what the server sent it."""
    if expect.error is None and not expect.flagged:
        return out.received != TEXT
    return out.received != expect.delivered


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[tuple[Emulator, str]]:
    key = fake_key()
    with Emulator(api_key=key) as emu:
        yield emu, key


@pytest.fixture
def served(module_emulator: tuple[Emulator, str]) -> Iterator[tuple[Emulator, str]]:
    """The module's emulator, emptied before each test (starting one per test costs 20 ms)."""
    emu, key = module_emulator
    emu.reset()
    yield emu, key
    assert not emu.errors, emu.errors


@pytest.mark.parametrize(("scenario", "driver", "expect"), _cases())
def test_fault(
    scenario: Scenario,
    driver: Driver,
    expect: Expect,
    served: tuple[Emulator, str],
    retry_spy: RetrySpy,
    known_bug: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator, key = served
    emulator.push(*scenario.script())
    base_url = closed_port_url() if scenario.refused else emulator.base_url
    target = Target(base_url, fake_key() if scenario.wrong_key else key)
    sent = count_transport_requests(monkeypatch)

    out = driver.run(target)

    waits = retry_spy.waits()
    # A refused connection never reaches the emulator: count what httpx's transports tried.
    attempts = len(sent) if scenario.refused else len(emulator.requests)
    lost = lost_data(out, expect)
    TALLY.fault(scenario.name, classify(out), lost_data=lost, known_bug=known_bug)

    if expect.error is None:
        assert out.error is None, f"expected success, got {out.error!r}"
        assert out.finish_reason == (ISR if expect.flagged else "stop")
    else:
        assert isinstance(out.error, expect.error), f"expected {expect.error}, got {out.error!r}"
        if expect.status is not None:
            assert getattr(out.error, "status_code", None) == expect.status
        if driver.surface == "langchain":  # both vocabularies
            assert isinstance(out.error, ModelError), type(out.error).__mro__
    assert attempts == expect.attempts, f"{attempts} attempts, documented {expect.attempts}"
    assert not lost, f"the caller holds {out.received!r}"
    assert emulator.pending == expect.pending_after, "a reply meant for a retry was (not) used"
    if scenario.waits is not None:
        assert tuple(w.computed for w in waits) == scenario.waits
    elif expect.attempts > 1 and expect.error is not RateLimitError:
        # Exponential backoff from the policy (core 10 ms, adapters 500 ms), +-10% jitter.
        first = waits[0].computed
        base = 0.01 if driver.surface == "core" else 0.5
        assert base * 0.89 <= first <= base * 1.11, first


# The transport faults DeepSeek is documented or seen to produce; the two that take wall-clock
# time run in test_rel_slow_faults.py, which checks its own names.
FAST_FAULT_KINDS = {
    "429 with Retry-After",
    "429 without Retry-After",
    "500 once",
    "502 once",
    "503 once",
    "504 once",
    "connection refused",
    "reset before headers once",
    "reset mid-body or mid-stream",
    "stream without [DONE]",
    "empty 200 body once",
    "truncated JSON body once",
    "insufficient_system_resource once",
}


def test_the_scenarios_cover_every_fault_kind() -> None:
    assert {scenario.name for scenario in SCENARIOS} >= FAST_FAULT_KINDS
