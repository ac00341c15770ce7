"""Error mapping and retries, over `httpx.MockTransport` (docs/deepseek-api.md §3.5, §4.1, §7).

Sync and async clients run through one parametrized test wherever the behaviour is the same.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tenacity import Retrying

from deepseek_ext_core import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    DeepSeekError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
    StreamTruncatedError,
    UnprocessableEntityError,
)
from deepseek_ext_core.integration import is_retryable, parse_retry_after

from .core_support import (
    TEXT_STREAM,
    byte_stream,
    call,
    call_chat,
    chunk,
    collect_stream,
    completion_body,
    fake_key,
    make_client,
    simple_request,
    sse,
)

TRACE_ID = "486c413494762ea02b81f53e9f5944a4"
NO_WAIT = RetryPolicy(max_retries=2, initial_backoff=0)

Script = Callable[[httpx.Request, int], httpx.Response]


class Server:
    """A scripted DeepSeek: `script(request, attempt)` answers; requests are counted."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[httpx.Request] = []

    @property
    def attempts(self) -> int:
        return len(self.requests)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.script(request, len(self.requests))


def error_body(message: str, type_: str = "invalid_request_error") -> dict[str, Any]:
    return {
        "error": {"message": message, "type": type_, "param": None, "code": "invalid_request_error"}
    }


def status_response(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if body is None:
        body = error_body(f"status {status}")
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"x-ds-trace-id": TRACE_ID, **headers})


def ok_response(body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json=body or completion_body(), headers={"x-ds-trace-id": TRACE_ID})


def stream_response(mode: str, parts: list[bytes], error: BaseException | None = None) -> Any:
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream; charset=utf-8", "x-ds-trace-id": TRACE_ID},
        content=byte_stream(mode, parts, error),
    )


async def chat_error(mode: str, server: Server, policy: RetryPolicy = NO_WAIT) -> DeepSeekError:
    client = make_client(mode, server, retry_policy=policy)
    with pytest.raises(DeepSeekError) as info:
        await call_chat(client, simple_request())
    return info.value


def cause_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and its `__cause__`s, stopping at a cycle."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__
    return chain


# ---- every httpx exception class is mapped at the choke point ----------------------------------

HTTPX_EXCEPTIONS = sorted(
    {
        obj
        for name in dir(httpx)
        if isinstance(obj := getattr(httpx, name), type) and issubclass(obj, Exception)
    },
    key=lambda cls: cls.__name__,
)


def test_the_httpx_exception_list_is_complete() -> None:
    assert len(HTTPX_EXCEPTIONS) >= 28
    assert httpx.ReadTimeout in HTTPX_EXCEPTIONS
    assert httpx.StreamConsumed in HTTPX_EXCEPTIONS


def instantiate(cls: type[Exception]) -> Exception:
    request = httpx.Request("POST", "https://api.deepseek.com/chat/completions")
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("boom", request=request, response=httpx.Response(500, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=request)
    try:
        return cls("boom")
    except TypeError:
        return cls()


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda c: c.__name__)
async def test_httpx_exception_on_send_becomes_deepseek_error(
    mode: str, cls: type[Exception]
) -> None:
    def script(request: httpx.Request, attempt: int) -> httpx.Response:
        raise instantiate(cls)

    error = await chat_error(mode, Server(script), RetryPolicy(max_retries=0))
    assert isinstance(error.__cause__, cls)
    if issubclass(cls, httpx.TimeoutException):
        assert isinstance(error, APITimeoutError)


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda c: c.__name__)
async def test_httpx_exception_when_opening_a_stream_becomes_deepseek_error(
    mode: str, cls: type[Exception]
) -> None:
    def script(request: httpx.Request, attempt: int) -> httpx.Response:
        raise instantiate(cls)

    client = make_client(mode, Server(script), retry_policy=RetryPolicy(max_retries=0))
    outcome = await collect_stream(client, simple_request())
    assert isinstance(outcome.error, DeepSeekError)
    assert isinstance(outcome.error.__cause__, cls)


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda c: c.__name__)
async def test_httpx_exception_in_the_middle_of_a_stream_becomes_deepseek_error(
    mode: str, cls: type[Exception]
) -> None:
    server = Server(
        lambda r, n: stream_response(mode, [sse(TEXT_STREAM[:2], done=False)], instantiate(cls))
    )
    client = make_client(mode, server, retry_policy=NO_WAIT)
    outcome = await collect_stream(client, simple_request())
    assert isinstance(outcome.error, DeepSeekError)
    if not issubclass(cls, httpx.TimeoutException):  # timeouts: see the xfail test below
        assert any(isinstance(e, cls) for e in cause_chain(outcome.error))
    assert len(outcome.chunks) == 2  # what arrived was delivered first
    assert server.attempts == 1  # never retried after the first chunk


async def test_mid_stream_timeout_keeps_the_httpx_exception_as_cause(mode: str) -> None:
    timeout = httpx.ReadTimeout("idle")
    server = Server(lambda r, n: stream_response(mode, [sse(TEXT_STREAM[:2], done=False)], timeout))
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert isinstance(outcome.error, APITimeoutError)
    assert outcome.error.__cause__ is timeout


# ---- status to class --------------------------------------------------------------------------

STATUS_CASES = {
    "400": (
        400,
        error_body(
            "The supported API model names are deepseek-flash, deepseek-v4-pro, "
            "but you passed gpt-4."
        ),
        BadRequestError,
    ),
    "400 context length": (
        400,
        error_body(
            "This model's maximum context length is 1048576 tokens. However, you requested "
            "1048600 tokens (1048600 in the messages, 0 in the completion). Please reduce the "
            "length of the messages or completion."
        ),
        ContextLengthExceededError,
    ),
    "401": (
        401,
        error_body(
            "Authentication Fails, Your api key: ****abcd is invalid", "authentication_error"
        ),
        AuthenticationError,
    ),
    "402": (402, error_body("Insufficient Balance", "unknown_error"), InsufficientBalanceError),
    "422": (
        422,
        error_body("Failed to deserialize the JSON body into the target type"),
        UnprocessableEntityError,
    ),
    "429": (429, error_body("Rate limit reached", "rate_limit_error"), RateLimitError),
    "500": (500, error_body("Internal server error", "server_error"), InternalServerError),
    "502": (502, error_body("Bad gateway", "server_error"), InternalServerError),
    "503": (503, error_body("Server overloaded", "server_error"), ServiceUnavailableError),
    "504": (504, error_body("Gateway timeout", "server_error"), InternalServerError),
    "404": (404, error_body("Not found"), APIStatusError),
}


@pytest.mark.parametrize(
    ("status", "body", "cls"), list(STATUS_CASES.values()), ids=list(STATUS_CASES)
)
async def test_status_maps_to_its_class(
    mode: str, status: int, body: dict[str, Any], cls: type[APIStatusError]
) -> None:
    error = await chat_error(
        mode, Server(lambda r, n: status_response(status, body)), RetryPolicy(max_retries=0)
    )
    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert error.message == body["error"]["message"]
    assert error.error_type == body["error"]["type"]
    assert error.code == "invalid_request_error"
    assert error.request_id == TRACE_ID
    assert error.body == body
    assert body["error"]["message"] in str(error)
    assert TRACE_ID in str(error)


NON_JSON = {
    "openresty html 401": (
        401,
        b"<html><head><title>401 Authorization Required</title></head></html>",
        "text/html",
        AuthenticationError,
        "401 Authorization Required",
    ),
    "empty 502": (502, b"", "text/plain", InternalServerError, "HTTP 502"),
    "plain text 503": (
        503,
        b"upstream overloaded\n",
        "text/plain",
        ServiceUnavailableError,
        "upstream overloaded",
    ),
    "json as octet-stream": (
        400,
        json.dumps(error_body("Invalid max_tokens value")).encode(),
        "application/octet-stream",
        BadRequestError,
        "Invalid max_tokens value",
    ),
    "error as a string": (
        400,
        b'{"error": "bad thing"}',
        "application/json",
        BadRequestError,
        "bad thing",
    ),
    "json list": (400, b"[1, 2]", "application/json", BadRequestError, "HTTP 400"),
    "invalid utf-8": (500, b"\xff\xfe\xfd oops", "text/plain", InternalServerError, "oops"),
}


@pytest.mark.parametrize(
    ("status", "content", "ctype", "cls", "needle"), list(NON_JSON.values()), ids=list(NON_JSON)
)
async def test_non_json_error_bodies_are_tolerated(
    mode: str, status: int, content: bytes, ctype: str, cls: type[APIStatusError], needle: str
) -> None:
    server = Server(
        lambda r, n: httpx.Response(status, content=content, headers={"content-type": ctype})
    )
    error = await chat_error(mode, server, RetryPolicy(max_retries=0))
    assert type(error) is cls
    assert needle in error.message


async def test_request_id_from_the_message_when_no_header(mode: str) -> None:
    message = (
        "The `reasoning_content` in the thinking mode must be passed back to the API. "
        "(request_id: 7d6fde7c-b731-4375-a3be-50fb0c5441b6)"
    )
    server = Server(lambda r, n: httpx.Response(400, json=error_body(message)))
    error = await chat_error(mode, server)
    assert isinstance(error, BadRequestError)
    assert error.request_id == "7d6fde7c-b731-4375-a3be-50fb0c5441b6"


async def test_request_id_on_success(mode: str) -> None:
    client = make_client(mode, Server(lambda r, n: ok_response()))
    completion = await call_chat(client, simple_request())
    assert completion.request_id == TRACE_ID
    # Not part of DeepSeek's body: never dumped, never shown, so a re-serialized answer is
    # exactly what the server sent.
    assert "request_id" not in completion.model_dump()
    assert TRACE_ID not in repr(completion)


# ---- retry counts -----------------------------------------------------------------------------

RETRY_COUNTS = {
    "400": (400, "bad", 1),
    "401": (401, "Authentication Fails", 1),
    "402": (402, "Insufficient Balance", 1),
    "422": (422, "invalid", 1),
    "429": (429, "Rate limit reached", 3),
    "429 balance": (429, "Your account balance is insufficient", 1),
    "429 quota": (429, "Quota exceeded for this key", 1),
    "500": (500, "oops", 3),
    "502": (502, "bad gateway", 3),
    "503": (503, "overloaded", 3),
    "504": (504, "timeout", 3),
}


@pytest.mark.parametrize(
    ("status", "message", "attempts"), list(RETRY_COUNTS.values()), ids=list(RETRY_COUNTS)
)
async def test_retry_count_per_status(mode: str, status: int, message: str, attempts: int) -> None:
    server = Server(lambda r, n: status_response(status, error_body(message)))
    error = await chat_error(mode, server)
    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert server.attempts == attempts


@pytest.mark.parametrize("max_retries", [0, 1, 4])
async def test_max_retries_bounds_the_attempts(mode: str, max_retries: int) -> None:
    server = Server(lambda r, n: status_response(503))
    await chat_error(mode, server, RetryPolicy(max_retries=max_retries, initial_backoff=0))
    assert server.attempts == max_retries + 1


async def test_client_max_retries_argument_is_used(mode: str) -> None:
    server = Server(lambda r, n: status_response(500))
    client = make_client(mode, server, max_retries=0)
    with pytest.raises(InternalServerError):
        await call_chat(client, simple_request())
    assert server.attempts == 1


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("reset"), APIConnectionError),
    ],
    ids=["connect", "read-timeout", "protocol"],
)
async def test_transport_failures_are_retried(
    mode: str, exc: Exception, cls: type[DeepSeekError]
) -> None:
    def script(request: httpx.Request, attempt: int) -> httpx.Response:
        raise exc

    server = Server(script)
    error = await chat_error(mode, server)
    assert type(error) is cls
    assert server.attempts == 3


async def test_recovers_after_transient_failures(mode: str) -> None:
    def script(request: httpx.Request, attempt: int) -> httpx.Response:
        if attempt == 1:
            raise httpx.ConnectError("refused")
        if attempt == 2:
            return status_response(503)
        return ok_response()

    server = Server(script)
    completion = await call_chat(make_client(mode, server, retry_policy=NO_WAIT), simple_request())
    assert completion.message.content == "Hello"
    assert server.attempts == 3


async def test_same_body_on_every_attempt(mode: str) -> None:
    server = Server(lambda r, n: status_response(503) if n < 3 else ok_response())
    await call_chat(make_client(mode, server, retry_policy=NO_WAIT), simple_request())
    bodies = {request.content for request in server.requests}
    assert len(bodies) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"  \n\n ",
        b'{"id": "x", "object": "chat.completion", "choi',
        b"<html>oops</html>",
        b'{"unexpected": true}',
    ],
    ids=["empty", "blank", "truncated", "html", "wrong-shape"],
)
async def test_unusable_200_body_is_retried_then_invalid_response(
    mode: str, content: bytes
) -> None:
    server = Server(lambda r, n: httpx.Response(200, content=content))
    error = await chat_error(mode, server)
    assert isinstance(error, InvalidResponseError)
    assert server.attempts == 3


async def test_unusable_200_body_then_good_one(mode: str) -> None:
    server = Server(lambda r, n: httpx.Response(200, content=b"") if n == 1 else ok_response())
    completion = await call_chat(make_client(mode, server, retry_policy=NO_WAIT), simple_request())
    assert completion.message.content == "Hello"
    assert server.attempts == 2


async def test_insufficient_system_resource_is_retried_then_returned(mode: str) -> None:
    body = completion_body("partial ans", finish_reason="insufficient_system_resource")
    server = Server(lambda r, n: ok_response(body))
    completion = await call_chat(make_client(mode, server, retry_policy=NO_WAIT), simple_request())
    assert server.attempts == 3
    assert completion.finish_reason == "insufficient_system_resource"
    assert completion.message.content == "partial ans"


async def test_insufficient_system_resource_then_complete_answer(mode: str) -> None:
    cut = completion_body("part", finish_reason="insufficient_system_resource")
    server = Server(lambda r, n: ok_response(cut if n == 1 else completion_body("whole")))
    completion = await call_chat(make_client(mode, server, retry_policy=NO_WAIT), simple_request())
    assert server.attempts == 2
    assert completion.message.content == "whole"
    assert completion.finish_reason == "stop"


@pytest.mark.parametrize("prefix", [b"\n\n\n", b"\r\n\r\n", b" \n \n\t"])
async def test_non_streaming_body_after_keep_alive_blank_lines_parses(
    mode: str, prefix: bytes
) -> None:
    content = prefix + json.dumps(completion_body("ok", reasoning="")).encode()
    server = Server(lambda r, n: httpx.Response(200, content=content))
    completion = await call_chat(make_client(mode, server), simple_request())
    assert completion.message.content == "ok"
    assert completion.message.reasoning_content == ""
    assert server.attempts == 1


# ---- Retry-After and backoff --------------------------------------------------------------------


def recording_policy(waits: list[float], **fields: Any) -> RetryPolicy:
    """A policy whose retriers record their waits instead of sleeping."""

    class Recording(RetryPolicy):
        def retrying(self, sleep: Callable[[float], None] | None = None) -> Retrying:
            return RetryPolicy.retrying(self, sleep=waits.append)

        def async_retrying(self, sleep: Any = None) -> Any:
            async def record(seconds: float) -> None:
                waits.append(seconds)

            return RetryPolicy.async_retrying(self, sleep=record)

    return Recording(**fields)


def http_date(seconds_from_now: float) -> str:
    return format_datetime(
        datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now), usegmt=True
    )


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [("3", 3.0, 3.0), ("0.5", 0.5, 0.5), ("3600", 45.0, 45.0), ("date+30", 27.0, 30.0)],
    ids=["seconds", "fraction", "capped", "http-date"],
)
async def test_retry_after_on_429_is_honoured_and_capped(
    mode: str, header: str, low: float, high: float
) -> None:
    value = http_date(30) if header == "date+30" else header
    waits: list[float] = []
    server = Server(
        lambda r, n: (
            status_response(429, error_body("Rate limit reached"), **{"retry-after": value})
            if n == 1
            else ok_response()
        )
    )
    policy = recording_policy(waits, max_retries=2, max_retry_after=45.0)
    await call_chat(make_client(mode, server, retry_policy=policy), simple_request())
    assert server.attempts == 2
    assert len(waits) == 1
    assert low <= waits[0] <= high


async def test_retry_after_on_503_is_honoured(mode: str) -> None:
    waits: list[float] = []
    server = Server(
        lambda r, n: status_response(503, **{"retry-after": "7"}) if n == 1 else ok_response()
    )
    policy = recording_policy(waits, max_retries=2, initial_backoff=0.01)
    await call_chat(make_client(mode, server, retry_policy=policy), simple_request())
    assert waits == [7.0]


def failing(times: int, exc: Exception) -> Callable[[], str]:
    state = {"left": times}

    def attempt() -> str:
        if state["left"] > 0:
            state["left"] -= 1
            raise exc
        return "done"

    return attempt


def test_retrying_records_exponential_backoff() -> None:
    waits: list[float] = []
    policy = RetryPolicy(max_retries=5, initial_backoff=0.5, max_backoff=3.0, jitter=0.0)
    exc = ServiceUnavailableError("busy", status_code=503)
    assert policy.retrying(sleep=waits.append)(failing(5, exc)) == "done"
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_retrying_jitter_stays_in_bounds() -> None:
    waits: list[float] = []
    policy = RetryPolicy(max_retries=30, initial_backoff=1.0, max_backoff=1.0, jitter=0.1)
    exc = InternalServerError("oops", status_code=500)
    policy.retrying(sleep=waits.append)(failing(30, exc))
    assert len(waits) == 30
    assert all(0.9 <= w <= 1.1 for w in waits)
    assert len(set(waits)) > 1  # it is jittered


@pytest.mark.parametrize(
    ("retry_after", "expected"), [(3.0, 3.0), (0.0, 0.0), (500.0, 60.0)], ids=["3s", "0s", "cap"]
)
def test_retrying_honours_retry_after(retry_after: float, expected: float) -> None:
    waits: list[float] = []
    exc = RateLimitError("slow down", status_code=429, retry_after=retry_after)
    RetryPolicy(max_retries=2).retrying(sleep=waits.append)(failing(2, exc))
    assert waits == [expected, expected]


async def test_async_retrying_records_waits() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    exc = RateLimitError("slow down", status_code=429, retry_after=2.0)
    attempt = failing(2, exc)

    async def run() -> str:
        return attempt()

    assert await RetryPolicy(max_retries=3).async_retrying(sleep=sleep)(run) == "done"
    assert waits == [2.0, 2.0]


def test_retrying_gives_up_and_reraises() -> None:
    waits: list[float] = []
    exc = InternalServerError("oops", status_code=500)
    with pytest.raises(InternalServerError) as info:
        RetryPolicy(max_retries=2, initial_backoff=0).retrying(sleep=waits.append)(failing(10, exc))
    assert info.value is exc
    assert len(waits) == 2


def test_policy_rejects_negative_retries() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


def test_is_retryable_table() -> None:
    assert is_retryable(RateLimitError("Rate limit", status_code=429))
    assert not is_retryable(RateLimitError("insufficient BALANCE", status_code=429))
    assert is_retryable(APIStatusError("gateway", status_code=502))
    assert not is_retryable(APIStatusError("not found", status_code=404))
    assert not is_retryable(BadRequestError("bad", status_code=400))
    assert is_retryable(APITimeoutError("slow"))
    assert is_retryable(InvalidResponseError("empty"))
    assert not is_retryable(ValueError("x"))


def test_parse_retry_after_values() -> None:
    now = datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
    ts = now.timestamp()
    assert parse_retry_after("5", now=ts) == 5.0
    assert parse_retry_after(" 2.5 ", now=ts) == 2.5
    assert parse_retry_after("-3", now=ts) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon", now=ts) is None
    assert parse_retry_after("Fri, 20 Nov 2026 12:00:30 GMT", now=ts) == 30.0
    assert parse_retry_after("Fri, 20 Nov 2026 11:59:00 GMT", now=ts) == 0.0
    assert parse_retry_after("Fri, 20 Nov 2026 13:00:30 +0100", now=ts) == 30.0


async def test_nan_retry_after_does_not_escape_as_value_error(mode: str) -> None:
    assert parse_retry_after("nan") is None
    server = Server(
        lambda r, n: status_response(
            429, error_body("Rate limit reached"), **{"retry-after": "nan"}
        )
    )
    error = await chat_error(mode, server, RetryPolicy(max_retries=1, initial_backoff=0))
    assert isinstance(error, RateLimitError)
    assert server.attempts == 2


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(["inf", "1e400", "Sun, 06 Nov 1994 08:49:37 GMT"]))
def test_parse_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value, now=0.0)
    assert result is None or result >= 0 or math.isnan(result)


# ---- streams ----------------------------------------------------------------------------------


async def test_stream_delivers_everything_and_merges(mode: str) -> None:
    server = Server(lambda r, n: stream_response(mode, [sse(TEXT_STREAM)]))
    outcome = await collect_stream(make_client(mode, server), simple_request())
    assert outcome.error is None
    assert [c.choices[0].delta.content for c in outcome.chunks] == ["", "Hel", "lo", ""]
    assert outcome.completion is not None
    assert outcome.completion.message.content == "Hello"
    assert outcome.completion.request_id == TRACE_ID
    assert outcome.completion.usage is not None
    assert server.requests[0].headers["accept"] == "text/event-stream"
    assert json.loads(server.requests[0].content)["stream"] is True


async def test_stream_breaking_after_chunks_raises_truncated_and_is_not_retried(mode: str) -> None:
    parts = [sse([body], done=False) for body in TEXT_STREAM[:3]]
    server = Server(lambda r, n: stream_response(mode, parts, httpx.ReadError("reset")))
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert isinstance(outcome.error, StreamTruncatedError)
    assert outcome.error.chunks_received == 3
    assert len(outcome.chunks) == 3
    assert outcome.completion is not None
    assert outcome.completion.message.content == "Hello"  # the caller keeps what came
    assert server.attempts == 1


async def test_stream_timing_out_after_chunks_is_not_retried(mode: str) -> None:
    parts = [sse(TEXT_STREAM[:2], done=False)]
    server = Server(lambda r, n: stream_response(mode, parts, httpx.ReadTimeout("idle")))
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert isinstance(outcome.error, APITimeoutError | StreamTruncatedError)
    assert len(outcome.chunks) == 2
    assert server.attempts == 1


@pytest.mark.parametrize(
    "first",
    ["error-before-bytes", "keep-alive-then-error", "empty-body", "status-503"],
)
async def test_stream_failing_before_its_first_event_is_retried(mode: str, first: str) -> None:
    def script(request: httpx.Request, attempt: int) -> httpx.Response:
        if attempt > 1:
            return stream_response(mode, [sse(TEXT_STREAM)])
        if first == "error-before-bytes":
            return stream_response(mode, [], httpx.ReadError("reset"))
        if first == "keep-alive-then-error":
            return stream_response(mode, [b": keep-alive\n\n"], httpx.ReadError("reset"))
        if first == "empty-body":
            return stream_response(mode, [])
        return status_response(503)

    server = Server(script)
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert outcome.error is None
    assert server.attempts == 2
    assert outcome.completion is not None
    assert outcome.completion.message.content == "Hello"


async def test_stream_error_status_is_typed_and_not_retried_when_client_error(mode: str) -> None:
    server = Server(lambda r, n: status_response(401, error_body("Authentication Fails")))
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert isinstance(outcome.error, AuthenticationError)
    assert outcome.error.request_id == TRACE_ID
    assert server.attempts == 1


async def test_stream_without_done_raises_truncated_after_delivering_all(mode: str) -> None:
    server = Server(lambda r, n: stream_response(mode, [sse(TEXT_STREAM, done=False)]))
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert isinstance(outcome.error, StreamTruncatedError)
    assert outcome.error.chunks_received == len(TEXT_STREAM)
    assert len(outcome.chunks) == len(TEXT_STREAM)
    assert server.attempts == 1


async def test_in_stream_error_event_raises_the_typed_error(mode: str) -> None:
    events = [
        TEXT_STREAM[0],
        TEXT_STREAM[1],
        {
            "error": {
                "message": "Service overloaded, try later",
                "type": "server_error",
                "code": "overloaded",
            }
        },
    ]
    server = Server(lambda r, n: stream_response(mode, [sse(events)]))
    outcome = await collect_stream(
        make_client(mode, server, retry_policy=NO_WAIT), simple_request()
    )
    assert isinstance(outcome.error, APIStatusError)
    assert outcome.error.message == "Service overloaded, try later"
    assert outcome.error.error_type == "server_error"
    assert outcome.error.code == "overloaded"
    assert outcome.error.request_id == TRACE_ID
    assert len(outcome.chunks) == 2
    assert server.attempts == 1


async def test_chunk_with_null_error_field_is_not_an_error(mode: str) -> None:
    events = [{**TEXT_STREAM[1], "error": None}, TEXT_STREAM[3]]
    server = Server(lambda r, n: stream_response(mode, [sse(events)]))
    outcome = await collect_stream(make_client(mode, server), simple_request())
    assert outcome.error is None
    assert len(outcome.chunks) == 2


async def test_unparsable_stream_event_is_invalid_response(mode: str) -> None:
    # After content reached the caller: raised after it, not retried.
    events: list[dict[str, Any] | str] = [TEXT_STREAM[0], TEXT_STREAM[1], "{not json"]
    server = Server(lambda r, n: stream_response(mode, [sse(events)]))
    outcome = await collect_stream(make_client(mode, server), simple_request())
    assert isinstance(outcome.error, InvalidResponseError)
    assert len(outcome.chunks) == 2
    assert server.attempts == 1


async def test_unparsable_event_before_any_content_is_retried(mode: str) -> None:
    # Only DeepSeek's empty role delta came first: nothing reached the caller, so it retries.
    bodies = [sse([TEXT_STREAM[0], "{not json"]), sse(TEXT_STREAM)]
    server = Server(lambda r, n: stream_response(mode, [bodies[min(n - 1, 1)]]))
    outcome = await collect_stream(make_client(mode, server), simple_request())
    assert outcome.error is None
    assert server.attempts == 2


async def test_stream_with_crlf_keep_alives_and_split_utf8(mode: str) -> None:
    body = sse([chunk({"content": "上海"}), chunk({"content": ""}, finish_reason="stop")])
    body = b": keep-alive\r\n\r\n" + body.replace(b"\n", b"\r\n")
    cut = body.index("上".encode()) + 1
    server = Server(lambda r, n: stream_response(mode, [body[:cut], body[cut:]]))
    outcome = await collect_stream(make_client(mode, server), simple_request())
    assert outcome.error is None
    assert outcome.completion is not None
    assert outcome.completion.message.content == "上海"


async def test_fim_and_get_endpoints_map_errors_too(mode: str) -> None:
    server = Server(lambda r, n: status_response(401, error_body("Authentication Fails")))
    client = make_client(mode, server, retry_policy=NO_WAIT, api_key=fake_key())
    for method in ("list_models", "get_balance"):
        with pytest.raises(AuthenticationError):
            await call(client, method)
    assert [r.url.path for r in server.requests] == ["/models", "/user/balance"]
