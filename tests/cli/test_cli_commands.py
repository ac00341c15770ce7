"""Each command against the emulator: what reaches DeepSeek, and what the user sees."""

from __future__ import annotations

import io
import json
import signal
import sys

import pytest

from deepseek_ext_cli import main
from deepseek_ext_emulator import Emulator, Fault, Reply

from ..processes import emulator_process
from .cli_support import Run


def test_chat_streams_answers_to_stdout_and_reasoning_to_stderr(
    run: Run, emulator: Emulator
) -> None:
    emulator.push(
        Reply.text("Paris.", reasoning="France's capital\nis Paris.", chunks=2),
        Reply.text("Berlin.", reasoning="Germany's capital is Berlin."),
    )
    result = run(
        "chat", "--base-url", emulator.base_url, stdin="Capital of France?\n\nAnd Germany?\n"
    )

    assert result.code == 0
    assert result.out == "Paris.\nBerlin.\n"
    assert "  | France's capital\n  | is Paris.\n" in result.err
    assert "  | Germany's capital is Berlin.\n" in result.err
    assert "Paris" not in result.err.replace("is Paris.", "")


def test_chat_keeps_the_conversation_through_the_core(run: Run, emulator: Emulator) -> None:
    emulator.push(Reply.text("Paris.", reasoning="thinking"), Reply.text("About 2.1 million."))
    run(
        "chat",
        "--base-url",
        emulator.base_url,
        "--system",
        "Be brief.",
        stdin="Capital of France?\nHow many people live there?\n",
    )

    first, second = (request.body for request in emulator.requests)
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert second["messages"][:3] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
    assert second["messages"][3] == {"role": "user", "content": "How many people live there?"}
    assert second["stream"] is True
    assert second["model"] == "deepseek-flash"


def test_chat_reset_and_exit_words(run: Run, emulator: Emulator) -> None:
    result = run(
        "chat",
        "--base-url",
        emulator.base_url,
        stdin="one\n/reset\ntwo\n/exit\nthree\n",
    )

    assert result.code == 0
    assert [[m["content"] for m in r.body["messages"]] for r in emulator.requests] == [
        ["one"],
        ["two"],
    ]
    assert "(conversation forgotten)" in result.err


def test_chat_one_message_without_thinking(run: Run, emulator: Emulator) -> None:
    emulator.push(Reply.text("Hi!", reasoning="dropped: the server never sends it here"))
    result = run("chat", "--base-url", emulator.base_url, "--no-thinking", "Hello", stdin="ignored")

    assert (result.code, result.out) == (0, "Hi!\n")
    assert "  |" not in result.err
    assert len(emulator.requests) == 1
    assert emulator.last_request.body["thinking"] == {"type": "disabled"}


def test_chat_hide_reasoning(run: Run, emulator: Emulator) -> None:
    emulator.push(Reply.text("42", reasoning="six times seven"))
    result = run("chat", "--base-url", emulator.base_url, "--hide-reasoning", "6*7?")

    assert result.out == "42\n"
    assert "six times seven" not in result.err


def test_chat_shows_progress_while_the_model_thinks_silently(run: Run, emulator: Emulator) -> None:
    emulator.push(Fault.delay(0.8, reply=Reply.text("Done.", reasoning="slow")))
    result = run("chat", "--base-url", emulator.base_url, "Think hard.")

    assert result.out == "Done.\n"
    assert "(deepseek-flash is thinking...)\n" in result.err
    assert result.err.index("is thinking") < result.err.index("  | slow")


def test_fim_streams_the_middle(run: Run, emulator: Emulator) -> None:
    emulator.push(Reply.fim("    return a + b", chunks=3))
    result = run(
        "fim",
        "--base-url",
        emulator.base_url,
        "--beta-base-url",
        emulator.beta_base_url,
        "--prompt",
        "def add(a, b):\n",
        "--suffix",
        "\n",
    )

    assert (result.code, result.out) == (0, "    return a + b\n")
    request = emulator.last_request
    assert request.path == "/beta/completions"
    assert request.body["prompt"] == "def add(a, b):\n"
    assert request.body["suffix"] == "\n"
    assert request.body["stream"] is True


def test_fim_reads_the_prompt_from_stdin(run: Run, emulator: Emulator) -> None:
    emulator.push(Reply.fim("world\n"))
    result = run(
        "fim",
        "--base-url",
        emulator.base_url,
        "--beta-base-url",
        emulator.beta_base_url,
        "--prompt",
        "-",
        stdin="hello ",
    )

    assert result.out == "world\n"
    assert emulator.last_request.body["prompt"] == "hello "


def test_models(run: Run, emulator: Emulator) -> None:
    result = run("models", "--base-url", emulator.base_url)

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split("\t") == ["deepseek-flash", "1,048,576 tokens", "thinking by default"]
    assert any(line.startswith("deepseek-v4-pro\t") for line in lines)

    as_json = run("models", "--json", "--base-url", emulator.base_url)
    ids = [model["id"] for model in json.loads(as_json.out)["data"]]
    assert ids == [line.split("\t")[0] for line in lines]


def test_balance(run: Run, emulator: Emulator) -> None:
    result = run("balance", "--base-url", emulator.base_url)
    assert (result.code, result.out) == (0, "110.00 CNY (granted 10.00, topped up 100.00)\n")

    emulator.balance_exhausted = True
    empty = run("balance", "--json", "--base-url", emulator.base_url)
    assert empty.code == 4
    assert json.loads(empty.out)["is_available"] is False
    assert "https://platform.deepseek.com/top_up" in empty.err


def test_base_url_from_the_environment(
    run: Run, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    assert run("models").code == 0
    assert emulator.last_request.path == "/models"


@pytest.mark.parametrize("background", [False, True], ids=["foreground", "background-job"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_emulator_command_serves_until_stopped(
    run: Run, monkeypatch: pytest.MonkeyPatch, background: bool, signum: int
) -> None:
    with emulator_process(as_background_job=background) as served:
        monkeypatch.setenv("DEEPSEEK_API_KEY", "any-key-works")
        result = run("balance", "--base-url", served.base_url)
        assert (result.code, result.out.split()[:2]) == (0, ["110.00", "CNY"])
        assert served.stop(signum) == 0


def test_emulator_command_prints_the_three_export_lines(run: Run) -> None:
    with emulator_process() as served:
        assert served.exports == [
            "export DEEPSEEK_API_KEY=emulator\n",
            f"export DEEPSEEK_BASE_URL={served.base_url}\n",
            f"export DEEPSEEK_BETA_BASE_URL={served.base_url}/beta\n",
        ]
        served.stop()


class _Keyboard(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_chat_survives_an_api_error(
    run: Run,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.push(Reply.error(400, "something was wrong"), Reply.text("Fine now."))
    monkeypatch.setattr(sys, "stdin", _Keyboard("first\nsecond\n"))
    code = main(["chat", "--base-url", emulator.base_url])
    out, err = capsys.readouterr()

    assert code == 0
    assert "Chatting with deepseek-flash" in err
    assert "error: DeepSeek API error 400: something was wrong" in err
    assert out == "you> you> Fine now.\nyou> "
    # The failed turn is not part of the conversation any more.
    assert [m["content"] for m in emulator.last_request.body["messages"]] == ["second"]


def test_interactive_chat_still_exits_on_a_rejected_key(
    run: Run, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-not-the-right-one")
    monkeypatch.setattr(sys, "stdin", _Keyboard("first\nsecond\n"))
    assert main(["chat", "--base-url", emulator.base_url]) == 3
    assert len(emulator.requests) == 1


def test_emulator_command_models_the_context_cache_when_asked() -> None:
    from deepseek_ext_core import ChatRequest, DeepSeekClient, SystemMessage, UserMessage

    with emulator_process(["--prefix-cache", "--latency", "0.01"]) as served:
        system = SystemMessage("The same long instructions for every question. " * 60)
        with DeepSeekClient(api_key="any", base_url=served.base_url) as client:
            hits = [
                client.chat(
                    ChatRequest(model="deepseek-flash", messages=(system, UserMessage(question)))
                ).usage.cache_hit_tokens  # type: ignore[union-attr]
                for question in ("one?", "two?")
            ]
    assert hits[0] == 0
    assert hits[1] >= 640


def test_slash_words_are_repl_commands_never_messages(run: Run, emulator: Emulator) -> None:
    emulator.push(Reply.text("Hello!"))
    result = run("chat", "--base-url", emulator.base_url, stdin="/help\n/nope\nhi\n")
    assert result.code == 0
    assert "commands: /reset" in result.err
    assert "unknown command /nope" in result.err
    assert len(emulator.requests) == 1
    assert [m["content"] for m in emulator.last_request.body["messages"]] == ["hi"]
