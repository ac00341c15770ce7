"""Terminal output: reasoning apart from the answer, colour rules, progress, redaction."""

from __future__ import annotations

import io
import time

import pytest

from deepseek_ext_cli._output import Progress, Transcript, redact, use_color


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_reasoning_lines_are_prefixed_and_kept_apart_from_the_answer() -> None:
    out, thoughts = io.StringIO(), io.StringIO()
    transcript = Transcript(out, reasoning_out=thoughts)
    for piece in ("Let me", " think.\nThe", " answer is 4."):
        transcript.reasoning(piece)
    transcript.answer("4")
    transcript.answer(".")
    transcript.end_block()

    assert thoughts.getvalue() == "  | Let me think.\n  | The answer is 4.\n"
    assert out.getvalue() == "4.\n"


def test_one_stream_transcript_with_label_and_tools() -> None:
    out = io.StringIO()
    transcript = Transcript(out, answer_label="deepseek> ")
    transcript.user("hi")
    transcript.reasoning("call it")
    transcript.tool_call("get_weather", '{"city": "Paris"}')
    transcript.tool_result("get_weather", "dry")
    transcript.answer("Dry.")
    transcript.note("done")

    assert out.getvalue() == (
        "you> hi\n  | call it\n"
        '  -> get_weather({"city": "Paris"})\n  <- get_weather: dry\n'
        "deepseek> Dry.\ndone\n"
    )


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(_Terminal()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Terminal()) is False

    out = io.StringIO()
    transcript = Transcript(out, color=True)
    transcript.reasoning("hmm")
    transcript.answer("ok")
    assert out.getvalue() == "\x1b[2m  | \x1b[0m\x1b[2mhmm\x1b[0m\nok"


def test_progress_spinner_on_a_terminal_is_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = _Terminal()
    with Progress(stream, "deepseek-flash is thinking", delay=0.0) as progress:
        deadline = time.monotonic() + 2
        while not progress.shown and time.monotonic() < deadline:
            time.sleep(0.01)
        progress.stop()
    text = stream.getvalue()
    assert "deepseek-flash is thinking 0s" in text
    assert text.endswith("\r\x1b[K")


def test_progress_stopped_early_writes_nothing() -> None:
    stream = io.StringIO()
    with Progress(stream, "waiting", delay=5.0):
        pass
    assert stream.getvalue() == ""


def test_redact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-abc123")
    assert redact("key sk-abc123 twice sk-abc123") == "key *** twice ***"
    assert redact("x", secret="") == "x"
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    assert redact("nothing to hide") == "nothing to hide"


def test_a_short_key_is_masked_as_a_whole_token_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # DEEPSEEK_API_KEY=e once made "error: refusing ... example.com" read
    # "***rror: r***fusing ... ***xampl***.com".
    monkeypatch.setenv("DEEPSEEK_API_KEY", "e")
    message = "error: refusing plain http:// to example.com (base_url)"
    assert redact(message) == message
    assert redact("the key e was refused") == "the key *** was refused"
    monkeypatch.setenv("DEEPSEEK_API_KEY", "abc-1")
    assert redact("tokens abc-12 and xabc-1 stay; abc-1, goes") == (
        "tokens abc-12 and xabc-1 stay; ***, goes"
    )


def test_a_real_length_key_is_masked_anywhere_even_inside_other_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "sk-" + "0123456789abcdef" * 2
    monkeypatch.setenv("DEEPSEEK_API_KEY", key + "\n")  # as read from a file
    assert redact(f"Bearer {key}") == "Bearer ***"
    assert redact(f"x{key}y and '{key}'") == "x***y and '***'"
    assert key not in redact(f"Illegal header value b'Bearer {key}\\n'")


def test_echoed_parts_and_escaped_forms_of_a_real_key_are_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "sk-" + "0f1e2d3c4b5a6978" * 2
    monkeypatch.setenv("DEEPSEEK_API_KEY", key + "\n")
    assert redact(f"gateway: key {key[:15]}... rejected") == "gateway: key ***... rejected"
    assert redact(f"header b'Bearer {key}\\n'") == "header b'Bearer ***'"
    assert redact(f"only {key[-4:]} shown") == f"only {key[-4:]} shown"  # 4 characters say nothing
