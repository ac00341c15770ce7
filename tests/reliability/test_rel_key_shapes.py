"""Keys of odd shapes and credentials outside `api_key` stay out of every surface.

A key read with its line ending (a secret made from a file, a CRLF env file), with a NUL byte or
with a non-ASCII character once reached h11, whose refusal quoted the whole Authorization header
into `APIConnectionError`, the CLI, both adapters' exceptions, DEBUG logs and spans; it was also
retried. Now the key is stripped of surrounding whitespace where it is resolved and refused,
without being quoted, when anything else in it is not visible ASCII. Credentials given as an
`api-key` header, a `key` query parameter or `user:pass@` are masked wherever settings are shown.
Every scan is counted in the session's figures.
"""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from langchain_core.load import dumps
from vcr.request import Request as VCRRequest

from deepseek_ext_cli import main
from deepseek_ext_core import (
    ChatRequest,
    DeepSeekClient,
    InvalidRequestError,
    UserMessage,
)
from deepseek_ext_core.integration import mask_url
from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek, DeepSeekFIM
from llamaindex_deepseek_ext import DeepSeek
from llamaindex_deepseek_ext import DeepSeekFIM as LlamaIndexFIM

from ..conftest import _scrub_request
from .rel_scan import LogRecords, Scanner

REQUEST = ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")])


def _shown(exc: BaseException) -> str:
    """Everything an error shows: its text, its chain and the formatted traceback."""
    return "".join(traceback.format_exception(exc))


@pytest.mark.parametrize("ending", ["\n", "\r\n", " ", "\t\n"], ids=["LF", "CRLF", "space", "tab"])
def test_a_key_with_surrounding_whitespace_is_used_without_it(
    key: str, emulator: Emulator, ending: str
) -> None:
    with DeepSeekClient(api_key=key + ending, base_url=emulator.base_url) as client:
        assert client.chat(REQUEST).message.content is not None
    assert emulator.last_request.headers["authorization"] == "<redacted>"  # accepted as `key`


def test_a_key_from_a_crlf_env_file_is_stripped(
    key: str, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", key + "\r\n")
    with DeepSeekClient(base_url=emulator.base_url) as client:
        assert client.chat(REQUEST).message.content is not None


_BAD_SHAPES = {
    "inner newline": lambda k: k[:10] + "\n" + k[10:],
    "NUL byte": lambda k: k + "\x00",
    "non-ASCII": lambda k: k[:-1] + "é",
    "inner space": lambda k: k[:10] + " " + k[10:],
}


@pytest.mark.parametrize("shape", list(_BAD_SHAPES))
@pytest.mark.parametrize("surface", ["core", "langchain", "langchain-fim", "llamaindex", "cli"])
def test_a_key_that_cannot_be_sent_is_refused_before_sending_without_being_quoted(
    key: str,
    emulator: Emulator,
    scanner: Scanner,
    all_logs: LogRecords,
    shape: str,
    surface: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if surface == "cli" and shape == "NUL byte":
        pytest.skip("an environment variable cannot hold a NUL byte")
    bad = _BAD_SHAPES[shape](key)
    shown = _refusal(surface, bad, emulator.base_url, monkeypatch, capsys)
    assert "API key" in shown
    assert emulator.requests == []  # nothing sent, so nothing retried either
    scanner.scan(f"{surface} refusal ({shape})", shown)
    scanner.scan(f"{surface} logs ({shape})", "\n".join(all_logs.texts))
    assert not scanner.leaks


def _refusal(
    surface: str,
    bad: str,
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    if surface == "cli":
        monkeypatch.setenv("DEEPSEEK_API_KEY", bad)
        assert main(["models", "--base-url", base_url]) == 2
        out, err = capsys.readouterr()
        return out + err
    with pytest.raises(Exception) as caught:
        if surface == "core":
            DeepSeekClient(api_key=bad, base_url=base_url).chat(REQUEST)
        elif surface == "langchain":
            ChatDeepSeek(api_key=bad, base_url=base_url).invoke("hi")
        elif surface == "langchain-fim":
            DeepSeekFIM(api_key=bad, base_url=base_url, beta_base_url=base_url).invoke("x")
        else:
            DeepSeek(api_key=bad, api_base=base_url).complete("hi")
    assert isinstance(caught.value, InvalidRequestError) or isinstance(
        caught.value.__cause__, InvalidRequestError
    ), caught.value
    return _shown(caught.value)


def test_a_header_value_that_cannot_be_sent_is_refused_by_name(
    key: str, emulator: Emulator, scanner: Scanner
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        DeepSeekClient(
            api_key=key, base_url=emulator.base_url, default_headers={"api-key": key + "\n"}
        )
    assert "default_headers['api-key']" in str(caught.value)
    scanner.scan("default_headers refusal", _shown(caught.value))
    assert not scanner.leaks


def test_a_gateways_401_echoing_the_key_is_redacted_in_the_batch_report(
    key: str,
    emulator: Emulator,
    scanner: Scanner,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "in.jsonl"
    line = '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": '
    source.write_text(
        line + '{"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]}}\n'
    )
    monkeypatch.setenv("DEEPSEEK_API_KEY", key)
    for as_json in (False, True):
        emulator.push(Reply.error(401, f"invalid key {key} (sent as Bearer {key[:20]}...)"))
        argv = ["batch", str(source), "-o", str(tmp_path / f"out{as_json}.jsonl")]
        assert main([*argv, "--base-url", emulator.base_url, *(["--json"] if as_json else [])]) == 3
        out, err = capsys.readouterr()
        assert "invalid key ***" in out
        scanner.scan(f"batch report (json={as_json})", out + err)
    assert not scanner.leaks


def _with_credentials(kind: str, key: str) -> Any:
    options: dict[str, Any] = {
        "default_headers": {"api-key": key, "x-trace": "visible"},
        "default_query": {"key": key, "api-version": "2024-05-01"},
    }
    url = f"https://user:{key}@gateway.example/v1"
    if kind == "core":
        return DeepSeekClient(api_key="sk-other", base_url=url, **options)
    if kind == "langchain":
        return ChatDeepSeek(api_key="sk-other", base_url=url, **options)
    if kind == "langchain-fim":
        return DeepSeekFIM(api_key="sk-other", base_url=url, **options)
    if kind == "llamaindex":
        return DeepSeek(api_key="sk-other", api_base=url, **options)
    return LlamaIndexFIM(api_key="sk-other", api_base=url, **options)


@pytest.mark.parametrize(
    "kind", ["core", "langchain", "langchain-fim", "llamaindex", "llamaindex-fim"]
)
def test_credentials_outside_api_key_are_masked_where_settings_are_shown(
    key: str, scanner: Scanner, kind: str
) -> None:
    model = _with_credentials(kind, key)
    shown = [repr(model), str(model)]
    if kind.startswith("langchain"):
        shown.append(dumps(model))
    elif kind.startswith("llamaindex"):
        shown += [str(model.to_dict()), model.to_json()]
    for number, text in enumerate(shown):
        scanner.scan(f"{kind} settings #{number}", text)
    assert not scanner.leaks
    if kind != "core":
        assert "visible" in repr(model)  # other headers are still shown


def test_the_recording_fixture_keeps_credentials_out_of_cassettes(
    key: str, scanner: Scanner
) -> None:
    request = VCRRequest(
        "POST",
        f"https://user:{key}@api.deepseek.com/chat/completions?key={key}&api-version=1",
        b"{}",
        {"authorization": f"Bearer {key}", "api-key": key, "x-api-key": key, "accept": "x"},
    )
    scrubbed = _scrub_request(request)
    scanner.scan("cassette request uri", scrubbed.uri)
    scanner.scan("cassette request headers", repr(dict(scrubbed.headers)))
    assert not scanner.leaks
    assert scrubbed.headers["api-key"] == scrubbed.headers["x-api-key"] == "REDACTED"
    assert "api-version=1" in scrubbed.uri


def test_mask_url_keeps_urls_without_credentials_as_they_are() -> None:
    assert mask_url("https://api.deepseek.com/v1?api-version=2") == (
        "https://api.deepseek.com/v1?api-version=2"
    )
