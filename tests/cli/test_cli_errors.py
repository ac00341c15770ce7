"""Exit codes scripts rely on, the messages behind them, and a key that never shows up."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deepseek_ext_cli import ExitCode
from deepseek_ext_cli import _app as app
from deepseek_ext_emulator import Emulator, Reply

from .cli_support import KEY, Run


def test_exit_code_values_are_the_documented_ones() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "API_ERROR": 1,
        "USAGE": 2,
        "AUTH": 3,
        "BALANCE": 4,
        "INTERRUPTED": 130,
    }


@pytest.mark.parametrize(
    "command", [["chat", "hi"], ["models"], ["balance"], ["fim", "--prompt", "x"]]
)
def test_missing_key_exits_3_before_sending(run: Run, command: list[str]) -> None:
    result = run(*command)  # DeepSeek's own host, no key: refused before any connection

    assert result.code == 3
    assert "DEEPSEEK_API_KEY" in result.err
    assert "https://platform.deepseek.com/api_keys" in result.err
    assert result.out == ""


def test_wrong_key_exits_3(run: Run, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-wrong-0123456789")
    result = run("chat", "--base-url", emulator.base_url, "hi")

    assert result.code == 3
    assert "rejected the API key (401 Authentication Fails" in result.err
    assert "DEEPSEEK_API_KEY" in result.err


def test_no_key_against_another_host_exits_3(run: Run) -> None:
    with Emulator(api_key=None) as emu:  # no key sent at all: the server answers 401
        result = run("models", "--base-url", emu.base_url)

    assert result.code == 3
    assert "no API key was sent" in result.err


def test_insufficient_balance_exits_4_with_where_to_top_up(run: Run, emulator: Emulator) -> None:
    emulator.balance_exhausted = True
    result = run("chat", "--base-url", emulator.base_url, "hi")

    assert result.code == 4
    assert "402 Insufficient Balance" in result.err
    assert "https://platform.deepseek.com/top_up" in result.err


def test_api_error_exits_1_with_deepseeks_message(run: Run, emulator: Emulator) -> None:
    result = run("chat", "--base-url", emulator.base_url, "--model", "deepseek-nope", "hi")

    assert result.code == 1
    assert result.err.startswith("error: DeepSeek API error 400: ")
    assert "request id" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fim"],
        ["chat", "--max-tokens", "many"],
        ["chat", "--max-tokens", "0", "hi"],
        ["models", "--base-url", "http://example.com"],
        ["emulator", "--latency", "-1"],
        ["emulator", "--latency", "soon"],
        ["emulator", "--cassettes", "/nonexistent"],
        ["models", "--beta-base-url", "http://127.0.0.1:9/beta"],
        ["balance", "--beta-base-url", "http://127.0.0.1:9/beta"],
        ["demo", "--beta-base-url", "http://127.0.0.1:9/beta"],
        ["batch", "in.jsonl", "-o", "out.jsonl", "--concurrency", "many"],
    ],
    ids=[
        "no-command",
        "fim-without-prompt",
        "not-a-number",
        "out-of-range",
        "insecure-http",
        "negative-latency",
        "latency-not-a-number",
        "no-cassette-directory",
        "beta-base-on-models",
        "beta-base-on-balance",
        "beta-base-on-demo",
        "concurrency-not-a-number",
    ],
)
def test_usage_errors_exit_2(run: Run, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    result = run(*argv)

    assert result.code == 2
    assert result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_help_and_version_exit_0(run: Run) -> None:
    help_text = run("--help")
    assert help_text.code == 0
    assert "exit codes:" in help_text.out
    assert "https://platform.deepseek.com/top_up" in help_text.out
    assert run("--version").out.startswith("deepseek-ext ")


def test_ctrl_c_exits_130(run: Run, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(app, "run_chat", interrupted)
    result = run("chat", "--base-url", emulator.base_url, "hi")

    assert result.code == 130
    assert "interrupted" in result.err


def test_the_key_never_shows_up(
    run: Run, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server message quoting the key in full is the worst case: it is redacted.
    emulator.push(Reply.text("fine", reasoning="ok"), Reply.error(400, f"bad request for {KEY}"))
    outputs = [
        run("chat", "--base-url", emulator.base_url, "hi"),
        run("chat", "--base-url", emulator.base_url, "hi again"),
        run("models", "--base-url", emulator.base_url),
        run("balance", "--json", "--base-url", emulator.base_url),
    ]
    assert outputs[1].code == 1
    assert "bad request for ***" in outputs[1].err
    emulator.balance_exhausted = True
    outputs.append(run("chat", "--base-url", emulator.base_url, "hi"))
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY + "-revoked")
    outputs.append(run("models", "--base-url", emulator.base_url))
    assert [result.code for result in outputs] == [0, 1, 0, 0, 4, 3]
    for result in outputs:
        assert KEY not in result.out + result.err
        assert KEY[-8:] not in result.out + result.err


def test_cassettes_without_pyyaml_is_one_line_and_exit_2(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    (tmp_path / "one.yaml").write_text("interactions: []\n")
    result = run("emulator", "--cassettes", str(tmp_path))
    assert result.code == 2
    assert result.err == (
        "error: --cassettes needs PyYAML (yaml is not installed): pip install pyyaml\n"
    )


def test_help_texts_say_what_the_commands_do(run: Run) -> None:
    demo = run("demo", "--help").out
    assert "three parts" in demo and "--beta-base-url" not in demo
    assert "--beta-base-url" in run("fim", "--help").out
    assert "across runs" in run("batch", "--help").out
