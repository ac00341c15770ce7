"""Security promises beyond repr and logs: cassettes and CLI output hold no key,
`OPENAI_API_KEY` is never read, plain http:// goes to loopback only, redirects are not followed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vcr

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    DeepSeekClient,
    InvalidRequestError,
    MissingAPIKeyError,
)
from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek
from llamaindex_deepseek_ext import DeepSeek

from .. import json_body_serializer
from ._tally import TALLY
from .rel_scan import LogRecords, Scanner
from .rel_support import (
    DRIVERS,
    TEXT,
    Target,
    core_request,
    fake_key,
    make_langchain,
    make_llamaindex,
)

ROOT = Path(__file__).resolve().parents[2]
_KEY_SHAPED = re.compile(r"sk-[0-9A-Za-z]{16,}")
_AUTH_VALUE = re.compile(r"(?im)^\s*-?\s*authorization:\s*\n?\s*-?\s*(.+)$")


def _call_everything(emulator: Emulator, key: str) -> None:
    """One answered call per driver, so lazily built clients exist."""
    for driver in DRIVERS:
        emulator.push(Reply.text(TEXT))
        out = driver.run(Target(emulator.base_url, key))
        assert out.error is None, out.error


# ---------------------------------------------------------------------------------------------
# Cassettes
# ---------------------------------------------------------------------------------------------


def test_cassettes_in_the_repository_hold_no_key(scanner: Scanner) -> None:
    files = [p for p in (ROOT / "cassettes").rglob("*") if p.is_file()]
    assert files, "no cassettes found"
    shaped: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        scanner.scan(f"cassette {path.relative_to(ROOT)}", text)
        shaped += [f"{path.name}: {m}" for m in _KEY_SHAPED.findall(text)]
        shaped += [
            f"{path.name}: authorization {value}"
            for value in _AUTH_VALUE.findall(text)
            if value.strip().strip("'\"") not in ("Bearer REDACTED", "")
        ]
    assert not shaped, shaped
    assert not scanner.leaks


def test_a_cassette_recorded_with_the_suites_config_holds_no_key(
    key: str,
    emulator: Emulator,
    scanner: Scanner,
    tmp_path: Path,
    vcr_config: dict[str, Any],
) -> None:
    """Records core, LangChain and LlamaIndex calls (plain and streamed) the way the suite does."""
    config = {k: v for k, v in vcr_config.items() if k != "match_on"}
    recorder = vcr.VCR(**config)
    recorder.register_serializer("yaml", json_body_serializer)
    path = tmp_path / "recorded.yaml"
    target = Target(emulator.base_url, key)
    emulator.push(*[Reply.text(TEXT)] * 6)
    with recorder.use_cassette(str(path), record_mode="all"):
        with DeepSeekClient(api_key=key, base_url=emulator.base_url) as client:
            client.chat(core_request("hi"))
            with client.stream_chat(core_request("hi")) as stream:
                list(stream)
        make_langchain(target).invoke("hi")
        list(make_langchain(target).stream("hi"))
        make_llamaindex(target).complete("hi")
        list(make_llamaindex(target).stream_complete("hi"))
    text = path.read_text()
    assert text.count("Bearer REDACTED") == 6, "every request was recorded, its header filtered"
    scanner.scan("a freshly recorded cassette", text)
    assert not scanner.leaks


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def test_cli_output(
    key: str,
    emulator: Emulator,
    scanner: Scanner,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    all_logs: LogRecords,
) -> None:
    cli = pytest.importorskip("deepseek_ext_cli")
    monkeypatch.setenv("DEEPSEEK_API_KEY", key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    emulator.push(Reply.text(TEXT))
    runs = {
        "chat": ["chat", "hi"],
        "models": ["models"],
        "models --json": ["models", "--json"],
        "balance --json": ["balance", "--json"],
        "--help": ["--help"],
    }
    for name, argv in runs.items():
        code = cli.main(argv)
        captured = capsys.readouterr()
        assert code == 0, (name, captured.err)
        scanner.scan(f"cli {name}", captured.out + captured.err)
    with Emulator(api_key=fake_key()) as other:  # the key is rejected: a 401
        code = cli.main(["models", "--base-url", other.base_url])
    captured = capsys.readouterr()
    assert code == 3, captured.err
    scanner.scan("cli 401", captured.out + captured.err)
    for index, text in enumerate(all_logs.texts):
        scanner.scan(f"cli log record {index}", text)
    assert not scanner.leaks


# ---------------------------------------------------------------------------------------------
# OPENAI_API_KEY, plain http://, redirects
# ---------------------------------------------------------------------------------------------


class _SpyEnviron(dict[str, str]):
    """`os.environ` stand-in that remembers every name looked up."""

    def __init__(self, data: dict[str, str]) -> None:
        super().__init__(data)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        self.read.add(str(name))
        return super().__contains__(name)


def test_openai_api_key_is_never_read(
    key: str, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _SpyEnviron(dict(os.environ))
    spy["OPENAI_API_KEY"] = "sk-openai-" + key[3:]
    monkeypatch.setattr(os, "environ", spy)
    spy["DEEPSEEK_API_KEY"] = key
    spy.pop("DEEPSEEK_BASE_URL", None)
    spy.pop("DEEPSEEK_API_BASE", None)
    _call_everything(emulator, key)
    DeepSeekClient(base_url=emulator.base_url).close()
    make_langchain(Target(emulator.base_url, key)).client.close()
    assert "DEEPSEEK_API_KEY" in spy.read, "the spy saw the environment being read"
    assert "OPENAI_API_KEY" not in spy.read


def test_only_openai_api_key_set_means_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", fake_key())
    attempts: dict[str, Callable[[], object]] = {
        "core sync": DeepSeekClient,
        "core async": AsyncDeepSeekClient,
        "langchain": lambda: ChatDeepSeek().invoke("hi"),
        "llamaindex": lambda: DeepSeek().complete("hi"),
    }
    for attempt in attempts.values():
        with pytest.raises(MissingAPIKeyError, match="DEEPSEEK_API_KEY"):
            attempt()
        TALLY.bad_input(rejected_before_sending=True)


_REFUSED_HOSTS = [
    "http://api.example.com",
    "http://10.0.0.1:8080",
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "http://[::ffff:8.8.8.8]",
    "http://0x7f000001",
]
_LOOPBACK = ["http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:1", "http://[::1]:80"]


@pytest.mark.parametrize("url", _REFUSED_HOSTS)
def test_plain_http_to_a_remote_host_is_refused(
    url: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Target(url, key)
    refusals: dict[str, Callable[[], object]] = {
        "core sync": lambda: DeepSeekClient(api_key=key, base_url=url),
        "core async": lambda: AsyncDeepSeekClient(api_key=key, base_url=url),
        "langchain": lambda: make_langchain(target).invoke("hi"),
        "llamaindex": lambda: make_llamaindex(target).complete("hi"),
    }
    for attempt in refusals.values():
        with pytest.raises(InvalidRequestError, match="http"):
            attempt()
        TALLY.bad_input(rejected_before_sending=True)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", url)  # the environment is no way around it
    with pytest.raises(InvalidRequestError):
        DeepSeekClient(api_key=key)
    DeepSeekClient(api_key=key, base_url=url, allow_insecure_http=True).close()  # opted in


@pytest.mark.parametrize("url", _LOOPBACK)
def test_plain_http_to_loopback_is_allowed(url: str, key: str) -> None:
    DeepSeekClient(api_key=key, base_url=url).close()


def test_a_redirect_never_carries_the_key_elsewhere(key: str, emulator: Emulator) -> None:
    with Emulator(api_key=None) as elsewhere:
        location = elsewhere.base_url + "/chat/completions"
        emulator.push(*[Reply.raw_response(307, b"", headers=[("Location", location)])] * 12)
        for driver in DRIVERS:
            out = driver.run(Target(emulator.base_url, key, max_retries=0))
            assert out.error is not None, driver.name
        assert elsewhere.requests == [], "a request followed the redirect"
