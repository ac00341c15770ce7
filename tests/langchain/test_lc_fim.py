"""DeepSeekFIM (fill in the middle) against the emulator."""

from __future__ import annotations

import pytest
from langchain_core.load import dumpd

from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import DeepSeekFIM, RateLimitError


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_prompt_and_suffix(fim: DeepSeekFIM, emulator: Emulator, mode: str) -> None:
    emulator.push(Reply.fim("    a, b = 0, 1", chunks=3))
    prompt, suffix = "def fib(n):\n", "\n    return a"
    if mode == "invoke":
        text = fim.invoke(prompt, suffix=suffix)
    elif mode == "ainvoke":
        text = await fim.ainvoke(prompt, suffix=suffix)
    elif mode == "stream":
        pieces = list(fim.stream(prompt, suffix=suffix))
        assert len([p for p in pieces if p]) == 3
        text = "".join(pieces)
    else:
        text = "".join([p async for p in fim.astream(prompt, suffix=suffix)])
    assert text == "    a, b = 0, 1"
    request = emulator.last_request
    assert request.path == "/beta/completions"
    assert (request.body["prompt"], request.body["suffix"]) == (prompt, suffix)
    assert request.body["stream"] is mode.endswith("stream")


async def test_generate_reports_usage_and_finish_reason(
    fim: DeepSeekFIM, emulator: Emulator
) -> None:
    emulator.push(Reply.fim("x", finish_reason="length"), Reply.fim("y"))
    result = fim.generate(["a", "b"], max_tokens=5)
    assert [g[0].text for g in result.generations] == ["x", "y"]
    assert result.generations[0][0].generation_info == {"finish_reason": "length", "logprobs": None}
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["total_tokens"] > 0
    assert emulator.last_request.body["max_tokens"] == 5


async def test_constructor_suffix_and_stop(emulator: Emulator) -> None:
    fim = DeepSeekFIM(
        api_key="test-key",
        base_url=emulator.base_url,
        beta_base_url=emulator.beta_base_url,
        suffix="END",
        stop=["\n\n"],
        max_tokens=9,
    )
    emulator.push(Reply.fim("mid"))
    assert fim.invoke("start") == "mid"
    body = emulator.last_request.body
    assert (body["suffix"], body["stop"], body["max_tokens"]) == ("END", ["\n\n"], 9)


async def test_errors_are_langchain_errors(fim: DeepSeekFIM, emulator: Emulator) -> None:
    emulator.push(Reply.error(429, "Rate Limit Reached"))
    with pytest.raises(RateLimitError):
        fim.invoke("x")


def test_serialization_hides_key() -> None:
    dumped = dumpd(DeepSeekFIM(api_key="sk-hidden"))
    assert "sk-hidden" not in str(dumped)
    assert dumped["id"] == ["langchain_deepseek_ext", "llms", "DeepSeekFIM"]
    assert DeepSeekFIM(api_key="sk-x")._get_ls_params()["ls_provider"] == "deepseek"


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_the_environments_beta_base_is_used(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # What the emulator's three export lines set up: FIM reaches its /beta.
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emulator.beta_base_url)
    emulator.push(Reply.fim("    return a + b"))
    fim = DeepSeekFIM(max_retries=0)
    text = fim.invoke("def add(a, b):\n") if mode == "invoke" else await fim.ainvoke("x")
    assert text == "    return a + b"
    assert emulator.last_request.path == "/beta/completions"
