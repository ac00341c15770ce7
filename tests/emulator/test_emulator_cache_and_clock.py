"""The emulator's context cache (hits in DeepSeek's 64-token units, once the earlier request has
been answered) and its pretended time."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import httpx

from deepseek_ext_emulator import Emulator
from deepseek_ext_emulator._cache import CACHE_UNIT_CHARS, PrefixCache

SYSTEM = "Shared instructions for every request. " * 100


def _chat(emulator: Emulator, question: str, *, system: str = SYSTEM) -> dict[str, Any]:
    body = {
        "model": "deepseek-flash",
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
        ],
    }
    response = httpx.post(
        f"{emulator.base_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer test-key"},
    )
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def test_a_repeated_prefix_is_a_cache_hit_in_64_token_units() -> None:
    with Emulator(prefix_cache=True) as emulator:
        first = _chat(emulator, "one?")["usage"]
        second = _chat(emulator, "two?")["usage"]
        other = _chat(emulator, "three?", system="Different instructions. " * 100)["usage"]

    assert first["prompt_cache_hit_tokens"] == 0
    assert first["prompt_cache_miss_tokens"] == first["prompt_tokens"]
    hits = second["prompt_cache_hit_tokens"]
    assert hits > 0
    assert hits % 64 == 0
    assert hits <= second["prompt_tokens"]
    assert second["prompt_tokens_details"]["cached_tokens"] == hits
    assert second["prompt_cache_miss_tokens"] == second["prompt_tokens"] - hits
    assert len(SYSTEM) // 4 - 128 <= hits  # about the shared system prompt
    assert other["prompt_cache_hit_tokens"] < 64  # only the model line and JSON framing shared


def test_without_prefix_cache_nothing_is_a_hit() -> None:
    with Emulator() as emulator:
        _chat(emulator, "one?")
        assert _chat(emulator, "two?")["usage"]["prompt_cache_hit_tokens"] == 0


def test_a_prefix_is_usable_only_once_its_request_has_been_answered() -> None:
    cache = PrefixCache()
    text = "x" * (CACHE_UNIT_CHARS * 4)
    now = time.monotonic()

    assert cache.hit_tokens(text, now=now, stored_at=now + 10) == 0
    assert cache.hit_tokens(text, now=now + 5, stored_at=now + 15) == 0  # still being answered
    assert cache.hit_tokens(text, now=now + 10, stored_at=now + 20) == 4 * 64
    assert cache.hit_tokens(text[:-1], now=now + 10, stored_at=now + 20) == 3 * 64
    cache.clear()
    assert cache.hit_tokens(text, now=now + 30, stored_at=now + 30) == 0


def test_reset_forgets_cached_prefixes() -> None:
    with Emulator(prefix_cache=True) as emulator:
        _chat(emulator, "one?")
        emulator.reset()
        assert _chat(emulator, "two?")["usage"]["prompt_cache_hit_tokens"] == 0


def test_answers_carry_the_pretended_time() -> None:
    at = datetime(2026, 12, 7, 2, 30, tzinfo=timezone.utc)
    with Emulator() as emulator:
        emulator.pretend_time(at)
        assert _chat(emulator, "when?")["created"] == int(at.timestamp())
        emulator.pretend_time(None)
        assert abs(_chat(emulator, "now?")["created"] - time.time()) < 60


def test_latency_delays_every_answer() -> None:
    with Emulator(latency=0.2) as emulator:
        started = time.monotonic()
        _chat(emulator, "slow?")
        assert time.monotonic() - started >= 0.2
