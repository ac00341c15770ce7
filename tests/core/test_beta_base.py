"""`DEEPSEEK_BETA_BASE_URL` beside `DEEPSEEK_BASE_URL`, and what a 404 at a custom base says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deepseek_ext_core import (
    APIStatusError,
    AsyncDeepSeekClient,
    DeepSeekClient,
    FIMRequest,
)
from deepseek_ext_emulator import Emulator

FIM = FIMRequest(model="deepseek-flash", prompt="def add(a, b):\n")


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=None) as emu:
        yield emu


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE", "DEEPSEEK_BETA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_the_beta_base_is_read_with_the_base_from_the_environment(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emulator.beta_base_url)
    with DeepSeekClient(api_key="any") as client:
        assert client.beta_base_url == emulator.beta_base_url
        assert client.fim(FIM).text
    assert emulator.last_request.path == "/beta/completions"


async def test_the_async_client_reads_it_too(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emulator.beta_base_url)
    async with AsyncDeepSeekClient(api_key="any") as client:
        assert (await client.fim(FIM)).text
    assert emulator.last_request.path == "/beta/completions"


def test_an_explicit_other_base_ignores_the_environments_beta_base(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client given DeepSeek's host never sends its beta requests (and key) to the emulator
    # the environment names.
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emulator.beta_base_url)
    client = DeepSeekClient(api_key="any", base_url="https://api.deepseek.com")
    assert client.beta_base_url == "https://api.deepseek.com/beta"
    named = DeepSeekClient(
        api_key="any", base_url=emulator.base_url, beta_base_url="http://127.0.0.1:1/x"
    )
    assert named.beta_base_url == "http://127.0.0.1:1/x"


def test_a_fim_404_at_a_custom_base_names_the_fix(emulator: Emulator) -> None:
    with DeepSeekClient(api_key="any", base_url=emulator.base_url) as client:
        with pytest.raises(APIStatusError) as caught:
            client.fim(FIM)
    assert caught.value.status_code == 404
    message = str(caught.value)
    assert "/beta/completions" in message  # the emulator says where FIM is served
    assert "beta_base_url" in message and "DEEPSEEK_BETA_BASE_URL" in message
    assert len(emulator.requests) == 1  # a 404 is not retried
