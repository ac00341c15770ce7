"""Client configuration, secrets, concurrency, usage and cost, capabilities, token estimates."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from deepseek_ext_core import (
    DEFAULT_PRICES,
    KNOWN_MODELS,
    AsyncDeepSeekClient,
    AuthenticationError,
    ChatCompletion,
    DeepSeekClient,
    ImagePart,
    InvalidRequestError,
    MissingAPIKeyError,
    ModelPrice,
    TextPart,
    Usage,
    UserMessage,
    count_message_tokens,
    count_tokens,
    estimate_cost,
    estimate_response_cost,
    get_capabilities,
    has_exact_tokenizer,
    is_peak,
    summarize_usage,
)

from .core_support import (
    call,
    call_chat,
    close_client,
    completion_body,
    fake_key,
    make_client,
    simple_request,
)

CLIENTS = [DeepSeekClient, AsyncDeepSeekClient]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=completion_body())


def recording(seen: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(request)

    return handler


# ---- API key and base URL ---------------------------------------------------------------------


async def test_key_from_deepseek_api_key(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    key = fake_key()
    monkeypatch.setenv("DEEPSEEK_API_KEY", key)
    seen: list[httpx.Request] = []
    client = make_client(mode, recording(seen), api_key=None)
    await call_chat(client, simple_request())
    assert seen[0].headers["authorization"] == f"Bearer {key}"


@pytest.mark.parametrize("cls", CLIENTS)
def test_openai_api_key_is_never_read(cls: type[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    openai_key = fake_key()
    monkeypatch.setenv("OPENAI_API_KEY", openai_key)
    with pytest.raises(MissingAPIKeyError) as info:
        cls()
    assert "DEEPSEEK_API_KEY" in str(info.value)
    assert openai_key not in str(info.value)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("empty", ["", SecretStr("")])
def test_empty_key_counts_as_missing(cls: type[Any], empty: Any) -> None:
    with pytest.raises(MissingAPIKeyError):
        cls(api_key=empty)


async def test_explicit_key_wins_over_env(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_key())
    key = fake_key()
    seen: list[httpx.Request] = []
    await call_chat(make_client(mode, recording(seen), api_key=SecretStr(key)), simple_request())
    assert seen[0].headers["authorization"] == f"Bearer {key}"


async def test_headers_sent(mode: str) -> None:
    key = fake_key()
    seen: list[httpx.Request] = []
    client = make_client(mode, recording(seen), api_key=key, default_headers={"X-Trace": "t1"})
    await call_chat(client, simple_request())
    headers = seen[0].headers
    assert headers["authorization"] == f"Bearer {key}"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("deepseek-ext/")
    assert headers["x-trace"] == "t1"
    assert seen[0].url == "https://api.deepseek.com/chat/completions"
    assert json.loads(seen[0].content)["model"] == "deepseek-flash"


async def test_base_url_from_env(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "https://proxy.example.com/deepseek/")
    seen: list[httpx.Request] = []
    client = make_client(mode, recording(seen), base_url=None)
    assert client.base_url == "https://proxy.example.com/deepseek"
    await call_chat(client, simple_request())
    assert str(seen[0].url) == "https://proxy.example.com/deepseek/chat/completions"


async def test_proxy_without_key_sends_no_authorization(mode: str) -> None:
    seen: list[httpx.Request] = []
    client = make_client(mode, recording(seen), api_key=None, base_url="http://127.0.0.1:8080")
    await call_chat(client, simple_request())
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "url", ["http://api.deepseek.com", "http://proxy.example.com/v1", "http://10.0.0.5:8000"]
)
def test_plain_http_to_a_remote_host_is_refused(cls: type[Any], url: str) -> None:
    with pytest.raises(InvalidRequestError, match="http"):
        cls(api_key=fake_key(), base_url=url)
    assert cls(api_key=fake_key(), base_url=url, allow_insecure_http=True).base_url == url


def test_plain_http_from_env_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://proxy.example.com")
    with pytest.raises(InvalidRequestError):
        DeepSeekClient(api_key=fake_key())


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.1:9", "http://[::1]:8080/v1"]
)
def test_plain_http_to_loopback_is_fine(cls: type[Any], url: str) -> None:
    assert cls(api_key=fake_key(), base_url=url).base_url == url


@pytest.mark.parametrize("url", ["ftp://api.deepseek.com", "api.deepseek.com", "https://"])
def test_non_http_base_url_is_refused(url: str) -> None:
    with pytest.raises(InvalidRequestError):
        DeepSeekClient(api_key=fake_key(), base_url=url)


# ---- secrets never leak -----------------------------------------------------------------------


async def test_key_never_in_repr_str_errors_or_logs(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    key = fake_key()

    def unauthorized(request: httpx.Request) -> httpx.Response:
        message = f"Authentication Fails, Your api key: ****{key[-4:]} is invalid"
        return httpx.Response(
            401, json={"error": {"message": message, "type": "authentication_error"}}
        )

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}")

    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    for handler in (unauthorized, refused):
        client = make_client(mode, handler, api_key=key, max_retries=0)
        texts += [repr(client), str(client)]
        with pytest.raises(Exception) as info:
            await call_chat(client, simple_request())
        error: BaseException | None = info.value
        while error is not None:
            texts += [repr(error), str(error), repr(getattr(error, "body", None))]
            error = error.__cause__ if error.__cause__ is not error else None
        await close_client(client)
    assert isinstance(info.value, Exception)
    texts.append(caplog.text)
    assert any("****" in text for text in texts)  # the 401 message did get through
    for text in texts:
        assert key not in text
        assert key[3:] not in text


# ---- concurrency ------------------------------------------------------------------------------


async def settle(condition: Any, timeout: float = 2.0) -> None:
    """Lets the event loop run until `condition()` holds (or fails after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.001)


async def test_max_concurrency_bounds_requests_in_flight() -> None:
    gate = asyncio.Event()
    state = {"now": 0, "peak": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await gate.wait()
        state["now"] -= 1
        return httpx.Response(200, json=completion_body())

    client = AsyncDeepSeekClient(
        api_key=fake_key(),
        max_concurrency=2,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    tasks = [asyncio.create_task(client.chat(simple_request())) for _ in range(6)]
    await settle(lambda: state["now"] == 2)
    await asyncio.sleep(0.05)
    assert state["now"] == 2  # two in flight, four waiting for a slot
    gate.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert len(results) == 6
    assert state["peak"] == 2


async def test_an_open_stream_holds_its_slot_until_closed() -> None:
    from .core_support import TEXT_STREAM, sse

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["stream"]:
            return httpx.Response(200, content=sse(TEXT_STREAM))
        return httpx.Response(200, json=completion_body())

    client = AsyncDeepSeekClient(
        api_key=fake_key(),
        max_concurrency=1,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    stream = await client.stream_chat(simple_request())
    waiting = asyncio.create_task(client.chat(simple_request()))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await stream.aclose()
    completion = await asyncio.wait_for(waiting, timeout=5)
    assert completion.message.content == "Hello"


async def test_a_failed_request_releases_its_slot(mode: str) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused")
        return ok(request)

    client = make_client(mode, handler, max_concurrency=1, max_retries=0)
    with pytest.raises(Exception):
        await call_chat(client, simple_request())
    completion = await asyncio.wait_for(call_chat(client, simple_request()), timeout=5)
    assert completion.message.content == "Hello"


@pytest.mark.parametrize(
    ("timeout", "connect", "read"), [(None, 10.0, 600.0), (30.0, 10.0, 30.0), (5.0, 5.0, 5.0)]
)
def test_default_timeouts_fit_long_thinking_answers(
    timeout: float | None, connect: float, read: float
) -> None:
    client = DeepSeekClient(api_key=fake_key(), timeout=timeout)
    configured = client._http.timeout  # private: the owned httpx client's settings
    assert (configured.connect, configured.read) == (connect, read)
    client.close()


async def test_injected_http_client_is_not_closed(mode: str) -> None:
    client = make_client(mode, ok)
    http = client._http  # private, only to read httpx's public is_closed flag
    await close_client(client)
    assert not http.is_closed


# ---- other endpoints --------------------------------------------------------------------------


async def test_models_and_balance(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/models":
            return httpx.Response(
                200,
                json={
                    "object": "list",
                    "data": [
                        {
                            "id": "deepseek-flash",
                            "object": "model",
                            "owned_by": "deepseek",
                            "context_window": 1048576,
                            "effort": {"default_level": "high"},
                        }
                    ],
                },
            )
        return httpx.Response(
            200,
            json={
                "is_available": True,
                "balance_infos": [
                    {
                        "currency": "CNY",
                        "total_balance": "110.00",
                        "granted_balance": "10.00",
                        "topped_up_balance": "100.00",
                    },
                    {
                        "currency": "USD",
                        "total_balance": "-0.00",
                        "granted_balance": "0.00",
                        "topped_up_balance": "-0.00",
                    },
                ],
            },
        )

    client = make_client(mode, handler)
    models = await call(client, "list_models")
    assert [m.id for m in models.data] == ["deepseek-flash"]
    assert models.data[0].context_window == 1_048_576
    assert models.data[0].model_extra == {"effort": {"default_level": "high"}}
    balance = await call(client, "get_balance")
    assert balance.is_available is True
    cny = balance.balance_infos[0]
    assert cny.total_balance == Decimal("110.00")
    assert isinstance(cny.total_balance, Decimal)
    assert cny.granted_balance + cny.topped_up_balance == cny.total_balance
    assert balance.balance_infos[1].total_balance == Decimal("-0.00")


async def test_401_on_balance_is_an_authentication_error(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Authentication Fails"}})

    with pytest.raises(AuthenticationError):
        await call(make_client(mode, handler, max_retries=0), "get_balance")


# ---- usage and cost (docs/deepseek-api.md §3.3, §8)  ---------------------------------------------

USAGE = Usage(
    prompt_tokens=3000,
    completion_tokens=1000,
    total_tokens=4000,
    prompt_cache_hit_tokens=1000,
    prompt_cache_miss_tokens=2000,
    completion_tokens_details={"reasoning_tokens": 400},
)
WEDNESDAY_PEAK = datetime(2026, 11, 18, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
WEDNESDAY_OFF_PEAK = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)  # 20:00 in Beijing
SATURDAY_MORNING = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)


def test_cost_off_peak_and_peak() -> None:
    # 1000 hit x 0.003 + 2000 miss x 0.15 + 1000 out x 0.60 = 903 USD per million tokens.
    assert estimate_cost("deepseek-flash", USAGE, at=WEDNESDAY_OFF_PEAK) == Decimal("0.000903")
    assert estimate_cost("deepseek-flash", USAGE, at=WEDNESDAY_PEAK) == Decimal("0.001806")
    # 1000 x 0.022 + 2000 x 0.66 + 1000 x 1.98 = 3322.
    assert estimate_cost("deepseek-v4-pro", USAGE, at=WEDNESDAY_OFF_PEAK) == Decimal("0.003322")
    assert estimate_cost("deepseek-v4-pro", USAGE, at=WEDNESDAY_PEAK) == Decimal("0.006644")


def test_weekend_is_off_peak() -> None:
    assert estimate_cost("deepseek-flash", USAGE, at=SATURDAY_MORNING) == Decimal("0.000903")


@pytest.mark.parametrize(
    "legacy",
    ["deepseek-v4-flash", "deepseek-v4-flash-vision-exp", "deepseek-chat", "deepseek-reasoner"],
)
def test_legacy_names_are_billed_as_flash(legacy: str) -> None:
    assert estimate_cost(legacy, USAGE, at=WEDNESDAY_OFF_PEAK) == Decimal("0.000903")


def test_a_response_is_priced_at_its_creation_time_and_model() -> None:
    def answer(model: str, at: datetime) -> ChatCompletion:
        return ChatCompletion(
            id="x", choices=[], model=model, created=int(at.timestamp()), usage=USAGE
        )

    assert estimate_response_cost(answer("deepseek-flash", WEDNESDAY_PEAK)) == Decimal("0.001806")
    assert estimate_response_cost(answer("deepseek-flash", WEDNESDAY_OFF_PEAK)) == Decimal(
        "0.000903"
    )
    # the model DeepSeek answered with wins; the requested one only fills a missing name
    assert estimate_response_cost(
        answer("deepseek-v4-pro", WEDNESDAY_PEAK), requested_model="deepseek-flash"
    ) == Decimal("0.006644")
    assert estimate_response_cost(
        answer("", WEDNESDAY_PEAK), requested_model="deepseek-flash"
    ) == Decimal("0.001806")
    no_usage = ChatCompletion(id="x", choices=[], model="deepseek-flash")
    assert estimate_response_cost(no_usage) is None


def test_unknown_model_has_no_cost() -> None:
    assert estimate_cost("gpt-4o", USAGE, at=WEDNESDAY_PEAK) is None


def test_price_table_can_be_replaced() -> None:
    one = Decimal(1)
    table = {"my-model": ModelPrice(one, one, one, one * 2, one * 2, one * 2)}
    assert estimate_cost("my-model", USAGE, at=WEDNESDAY_OFF_PEAK, prices=table) == Decimal("0.004")
    assert estimate_cost("deepseek-flash", USAGE, prices=table) is None
    assert set(DEFAULT_PRICES) >= {"deepseek-flash", "deepseek-v4-pro"}


BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("hour", "minute", "peak"),
    [
        (8, 59, False),
        (9, 0, True),
        (11, 59, True),
        (12, 0, False),
        (13, 59, False),
        (14, 0, True),
        (17, 59, True),
        (18, 0, False),
        (23, 0, False),
    ],
)
def test_peak_hours_in_beijing_time(hour: int, minute: int, peak: bool) -> None:
    assert is_peak(datetime(2026, 11, 18, hour, minute, tzinfo=BEIJING)) is peak


def test_naive_datetimes_are_utc() -> None:
    assert is_peak(datetime(2026, 11, 18, 2, 0)) is True
    assert is_peak(datetime(2026, 11, 18, 12, 0)) is False


def test_usage_summary_and_cache_fallbacks() -> None:
    summary = summarize_usage(USAGE)
    assert (summary.input_tokens, summary.output_tokens, summary.total_tokens) == (3000, 1000, 4000)
    assert (summary.cache_hit_tokens, summary.cache_miss_tokens) == (1000, 2000)
    assert summary.reasoning_tokens == 400
    openai_style = Usage(
        prompt_tokens=500, completion_tokens=10, prompt_tokens_details={"cached_tokens": 128}
    )
    summary = summarize_usage(openai_style)
    assert (summary.cache_hit_tokens, summary.cache_miss_tokens) == (128, 372)
    assert summary.total_tokens == 510
    assert summary.reasoning_tokens == 0


# ---- capabilities -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    ["deepseek-flash", "deepseek-v4-pro", "deepseek-v4-flash", "deepseek-v4-flash-vision-exp"],
)
def test_v4_family_has_a_million_token_context(model: str) -> None:
    caps = get_capabilities(model)
    assert caps.known
    assert caps.context_window == 1_048_576
    assert caps.max_output_tokens == 393_216
    assert caps.thinking_default is True
    assert caps.effort_levels == ("low", "high", "max")


def test_image_input_only_on_flash() -> None:
    assert get_capabilities("deepseek-flash").image_input
    assert get_capabilities("deepseek-v4-flash-vision-exp").image_input
    assert not get_capabilities("deepseek-v4-pro").image_input


def test_legacy_names_and_canonical_ids() -> None:
    assert get_capabilities("deepseek-chat").thinking_default is False
    assert get_capabilities("deepseek-reasoner").thinking_default is True
    assert get_capabilities("deepseek-v4-flash").canonical == "deepseek-flash"
    assert get_capabilities("deepseek-v4-pro").canonical == "deepseek-v4-pro"
    assert set(KNOWN_MODELS) >= {
        "deepseek-flash",
        "deepseek-v4-pro",
        "deepseek-v4-flash",
        "deepseek-chat",
        "deepseek-reasoner",
    }


def test_unknown_model_is_conservative_and_overridable() -> None:
    caps = get_capabilities("deepseek-v9-ultra")
    assert caps.known is False
    assert caps.canonical == "deepseek-v9-ultra"
    assert caps.context_window <= 131_072
    assert caps.max_output_tokens <= 8_192
    assert not caps.image_input
    assert not caps.fim
    assert not caps.thinking_default
    bigger = get_capabilities("deepseek-v9-ultra", context_window=2_000_000, image_input=True)
    assert (bigger.context_window, bigger.image_input) == (2_000_000, True)


# ---- token estimates (docs/deepseek-api.md §9)  --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("a" * 10, 3),
        ("hello world", 4),
        ("中" * 10, 6),
        ("ab中", 2),
        ("こんにちは", 3),
        ("안녕하세요", 3),
        ("a" * 1000, 300),
        ("é" * 10, 3),
    ],
)
def test_count_tokens_estimate_uses_the_documented_ratios(text: str, tokens: int) -> None:
    assert count_tokens(text, method="estimate") == tokens


def test_count_message_tokens_adds_overhead_and_images() -> None:
    assert count_message_tokens([UserMessage("a" * 10)], method="estimate") == 3 + 4
    with_image = UserMessage((TextPart("a" * 10), ImagePart("https://x/y.png")))
    assert count_message_tokens([with_image], method="estimate") == 3 + 1024 + 4


def test_exact_counts_when_the_tokenizer_extra_is_installed() -> None:
    if not has_exact_tokenizer():
        with pytest.raises(ImportError, match="tokenizer"):
            count_tokens("hello", method="exact")
        return
    exact = count_tokens("Hello, world! 你好世界", method="exact")
    assert exact == count_tokens("Hello, world! 你好世界")  # `auto` prefers exact
    assert 3 <= exact <= 12
    assert count_tokens("", method="exact") == 0


async def test_an_explicit_timeout_applies_to_an_injected_http_client(mode: str) -> None:
    seen: list[httpx.Request] = []
    await call_chat(make_client(mode, recording(seen), timeout=12.5), simple_request())
    assert seen[0].extensions["timeout"]["read"] == 12.5
    # Without one, the injected client keeps its own (httpx's default is 5 s).
    await call_chat(make_client(mode, recording(seen)), simple_request())
    assert seen[1].extensions["timeout"]["read"] == 5.0
