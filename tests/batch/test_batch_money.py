"""Batch money that never escapes the budget, and crashes that never make a rerun pay again."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deepseek_ext_core.batch import read_batch_input, run_batch
from deepseek_ext_core.batch._output import BatchOutput
from deepseek_ext_emulator import Emulator, Reply, Usage

from ..reliability._tally import TALLY
from .batch_support import KEY, read_output, run, write_input


def _line(custom_id: str, body: dict[str, Any] | None = None) -> str:
    body = body or {"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]}
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
    )


def test_a_second_run_on_the_same_output_is_refused_while_the_first_writes(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.jsonl"
    with BatchOutput(target), pytest.raises(ValueError, match="another batch run is writing"):
        BatchOutput(target)
    with BatchOutput(target):  # released when the first closed
        pass
    TALLY.real_use("concurrent batch runs")


def test_cut_answers_are_billed_and_counted_even_when_discarded(
    emulator: Emulator, tmp_path: Path
) -> None:
    usage = Usage(prompt_tokens=1000, completion_tokens=2000)
    cut = Reply.text("half", finish_reason="insufficient_system_resource", usage=usage)
    emulator.push(cut, Reply.text("whole", usage=usage))
    write_input(tmp_path / "in.jsonl", 1)

    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl")

    assert (report.succeeded, report.discarded) == (1, 1)
    assert report.completion_tokens == 4000  # both answers were billed
    assert "discarded: 1 answers cut by DeepSeek" in report.summary()
    (line,) = read_output(tmp_path / "out.jsonl")
    assert line["response"]["body"]["choices"][0]["message"]["content"] == "whole"
    TALLY.real_use("cut answers in budgets")


def test_a_budget_for_a_model_without_a_price_is_refused_before_sending(
    emulator: Emulator, tmp_path: Path
) -> None:
    body = {"model": "deepseek/deepseek-chat", "messages": [{"role": "user", "content": "hi"}]}
    (tmp_path / "in.jsonl").write_text(_line("a", body) + "\n")
    with pytest.raises(ValueError, match="deepseek/deepseek-chat"):
        run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", max_cost_usd=0.05)
    assert emulator.requests == []


def test_with_a_budget_the_first_request_goes_alone(emulator: Emulator, tmp_path: Path) -> None:
    # 16 thinking answers of 30,000 tokens priced at a 1,024-token guess spent 19 budgets.
    big = Usage(prompt_tokens=100, completion_tokens=30_000)
    emulator.responder = lambda body: Reply.text("long thought", usage=big)
    emulator.latency = 0.02
    write_input(tmp_path / "in.jsonl", 16)

    report = run(
        emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", max_cost_usd=0.05, concurrency=16
    )

    one = report.cost_usd / report.succeeded
    assert report.stopped is not None and "budget" in report.stopped
    assert report.cost_usd <= Decimal("0.05") + one  # at most one answer past it, not 16


def test_a_created_in_milliseconds_is_priced_as_now(emulator: Emulator, tmp_path: Path) -> None:
    emulator.pretend_time(None)
    emulator.clock = lambda: 1_796_000_000_000.0  # a gateway's milliseconds
    write_input(tmp_path / "in.jsonl", 2)

    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", max_cost_usd=1)

    assert report.succeeded == 2
    assert report.cost_usd > 0
    again = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", max_cost_usd=1)
    assert again.earlier_cost_usd == report.cost_usd  # the rerun reads them without crashing


def test_bad_lines_of_every_kind_are_reported_and_the_rest_runs(
    emulator: Emulator, tmp_path: Path
) -> None:
    nested = "[" * 100_000 + '"deep"' + "]" * 100_000
    lines = [
        b"\xef\xbb\xbf" + _line("bom-first").encode(),  # a UTF-8 byte order mark: line 1 is fine
        _line("bad-byte").encode()[:-2] + b'\xff"}',
        ('{"custom_id": "deep", "body": ' + nested + "}").encode(),
        _line(
            "lone\udc80id".encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
        ).encode("utf-8", "surrogatepass"),
        _line(
            "lone-in-message",
            {"model": "deepseek-flash", "messages": [{"role": "user", "content": "a\ud800b"}]},
        ).encode("utf-8", "surrogatepass"),
        json.dumps({"custom_id": "escaped\\ud800", "x": 1}).encode(),
        _line("fine").encode(),
    ]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")

    requests, bad = read_batch_input(tmp_path / "in.jsonl")

    assert [r.custom_id for r in requests] == ["bom-first", "fine"]
    reasons = {line.line_number: line.message for line in bad}
    assert "not UTF-8" in reasons[2]
    assert "nested too deeply" in reasons[3] or "not JSON" in reasons[3]
    assert "lone surrogate" in reasons[4] or "not UTF-8" in reasons[4]
    assert "lone surrogate" in reasons[5] or "not UTF-8" in reasons[5]
    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert report.succeeded == 2
    assert len(emulator.requests) == 2  # no bad line was sent
    for _ in bad:
        TALLY.bad_input(rejected_before_sending=True)


def test_a_lone_surrogate_escape_in_a_custom_id_is_a_bad_line(tmp_path: Path) -> None:
    escaped = json.dumps({"custom_id": "a\ud800", "method": "POST"})  # "a\\ud800" on disk
    (tmp_path / "in.jsonl").write_text(escaped + "\n")
    _, bad = read_batch_input(tmp_path / "in.jsonl")
    assert "lone surrogate" in bad[0].message


def test_a_lone_surrogate_in_a_message_is_refused_before_sending_by_the_core(
    emulator: Emulator,
) -> None:
    from deepseek_ext_core import ChatRequest, DeepSeekClient, InvalidRequestError, UserMessage

    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        with pytest.raises(InvalidRequestError, match="lone surrogate"):
            client.chat(ChatRequest(model="deepseek-flash", messages=[UserMessage("a\ud800")]))
    assert emulator.requests == []


def test_a_whole_last_line_without_its_newline_is_kept(emulator: Emulator, tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 2)
    run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    target = tmp_path / "out.jsonl"
    target.write_bytes(target.read_bytes().rstrip(b"\n"))  # as an editor may save it
    sent = len(emulator.requests)

    again = run(emulator, tmp_path / "in.jsonl", target)

    assert again.already_done == 2
    assert len(emulator.requests) == sent  # nothing paid for twice
    assert len(read_output(target)) == 2


def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 1)
    for target in (tmp_path, Path("/dev/null")):
        with pytest.raises(ValueError, match="not a regular file"):
            run_batch(tmp_path / "in.jsonl", target, api_key=KEY, base_url="http://127.0.0.1:9")


def test_standard_input_is_read_with_a_dash(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(_line("from-stdin") + "\n"))
    report = run(emulator, Path("-"), tmp_path / "out.jsonl")
    assert report.succeeded == 1
    assert read_output(tmp_path / "out.jsonl")[0]["custom_id"] == "from-stdin"


def test_the_report_says_why_a_request_failed(emulator: Emulator, tmp_path: Path) -> None:
    def busy_for_the_first(body: dict[str, Any]) -> Reply:
        first = body["messages"][-1]["content"] == "Question 0?"
        return Reply.error(503, "Server busy") if first else Reply.text("ok")

    emulator.responder = busy_for_the_first
    write_input(tmp_path / "in.jsonl", 2)

    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1)

    assert report.failed == 1
    ((custom_id, why),) = report.failures
    assert custom_id == "request-0"
    assert "503" in why
    assert f"failed request-0: {why}" in report.summary()


def test_a_full_disk_when_closing_does_not_hide_the_first_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = BatchOutput(tmp_path / "out.jsonl")
    with pytest.raises(RuntimeError, match="the first error"), output:
        monkeypatch.setattr(output._file, "flush", _no_space)
        raise RuntimeError("the first error")


def _no_space() -> None:
    raise OSError(28, "No space left on device")
