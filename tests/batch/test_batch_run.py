"""Batch jobs against the emulator: answers, resume, refusals, budget, off-peak hours, 429s and
cache warm-up, each with the output file and the report checked."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deepseek_ext_core import RetryPolicy, is_peak
from deepseek_ext_core.batch import Progress, arun_batch, run_batch
from deepseek_ext_emulator import Emulator, Fault, Reply

from .batch_support import KEY, LONG_SYSTEM, FakeClock, read_output, run, write_input

UTC = timezone.utc


def test_every_request_is_answered_once_in_the_openai_output_format(
    emulator: Emulator, tmp_path: Path
) -> None:
    ids = write_input(tmp_path / "in.jsonl", 30)
    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl")

    lines = read_output(tmp_path / "out.jsonl")
    assert sorted(line["custom_id"] for line in lines) == sorted(ids)
    answer = next(line for line in lines if line["custom_id"] == "request-7")
    assert answer["response"]["status_code"] == 200
    assert answer["response"]["request_id"]
    body = answer["response"]["body"]
    assert body["choices"][0]["message"]["content"] == "Echo: Question 7?"
    assert body["object"] == "chat.completion"
    assert (report.succeeded, report.failed, report.not_sent, report.requests) == (30, 0, 0, 30)
    assert report.complete
    assert report.prompt_tokens == sum(
        line["response"]["body"]["usage"]["prompt_tokens"] for line in lines
    )
    assert report.cost_usd > 0
    assert KEY not in (tmp_path / "out.jsonl").read_text()


def test_a_rerun_sends_only_what_has_no_answer(emulator: Emulator, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 10)
    run(emulator, source, target)
    write_input(source, 5, start=10)  # the file grew
    emulator.reset()

    report = run(emulator, source, target)

    assert len(emulator.requests) == 5
    assert (report.already_done, report.succeeded) == (10, 5)
    assert len(read_output(target)) == 15


def test_bad_lines_are_reported_and_the_others_still_run(
    emulator: Emulator, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    write_input(source, 3, extra=['{"custom_id": "broken", "url": "/v1/chat/completions"}'])
    write_input(source, 1, start=3)

    report = run(emulator, source, tmp_path / "out.jsonl")

    assert report.succeeded == 4
    assert [(bad.line_number, bad.custom_id) for bad in report.bad_lines] == [(4, "broken")]
    assert "body must be a JSON object" in report.bad_lines[0].message
    assert "line 4 (broken)" in report.summary()


def test_a_request_deepseek_refuses_is_written_with_its_status_and_not_sent_again(
    emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 3)
    error = {"error": {"message": "This request is wrong", "type": "invalid_request_error"}}
    emulator.push(Fault.status(400, body=json.dumps(error)))

    report = run(emulator, source, target, concurrency=1)

    refused = [line for line in read_output(target) if line["response"]["status_code"] == 400]
    assert len(refused) == 1
    assert "This request is wrong" in json.dumps(refused[0]["response"]["body"])
    assert (report.succeeded, report.refused) == (2, 1)
    emulator.reset()
    assert run(emulator, source, target).already_done == 3
    assert emulator.requests == []


def test_a_passing_failure_gets_no_line_and_the_next_run_retries_it(
    emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 2)

    def first_always_unavailable(body: dict[str, Any]) -> Fault | None:
        asked = body["messages"][-1]["content"]
        return Fault.status(503) if asked == "Question 0?" else None

    emulator.responder = first_always_unavailable

    report = run(emulator, source, target, concurrency=1)

    assert (report.succeeded, report.failed) == (1, 1)
    assert not report.complete
    assert [line["custom_id"] for line in read_output(target)] == ["request-1"]
    assert len(emulator.requests) == 3 + 1  # FAST_RETRIES: three attempts
    emulator.responder = None
    second = run(emulator, source, target)
    assert (second.succeeded, second.already_done) == (1, 1)
    assert sorted(line["custom_id"] for line in read_output(target)) == ["request-0", "request-1"]


def test_an_empty_balance_stops_the_job_and_keeps_the_rest_unsent(
    emulator: Emulator, tmp_path: Path
) -> None:
    write_input(tmp_path / "in.jsonl", 5)
    emulator.balance_exhausted = True

    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1)

    assert report.stopped_status == 402
    assert report.not_sent == 5
    assert len(emulator.requests) == 1  # not retried, and nothing sent after it
    assert "402" in (report.stopped or "")


def test_a_429_storm_lowers_the_concurrency_and_every_request_still_succeeds(
    emulator: Emulator, tmp_path: Path
) -> None:
    write_input(tmp_path / "in.jsonl", 60)
    emulator.push(*[Fault.status(429, retry_after=0)] * 12)
    policy = RetryPolicy(max_retries=6, initial_backoff=0.0, jitter=0.0)

    report = run(
        emulator,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        concurrency=8,
        retry_policy=policy,
    )

    assert report.succeeded == 60
    assert report.rate_limited == 12
    assert report.lowest_concurrency < 8
    assert len(emulator.requests) == 72
    assert len(read_output(tmp_path / "out.jsonl")) == 60


def test_the_budget_stops_sending_before_it_would_be_passed(
    emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 100, system=LONG_SYSTEM)
    emulator.pretend_time(datetime(2026, 12, 5, 12, tzinfo=UTC))  # a Saturday: off-peak
    clock = FakeClock(datetime(2026, 12, 5, 12, tzinfo=UTC))
    budget = Decimal("0.004")

    report = run(emulator, source, target, max_cost_usd=budget, clock=clock, concurrency=4)

    assert 0 < report.succeeded < 100
    assert report.cost_usd <= budget
    assert report.not_sent == 100 - report.succeeded
    assert report.stopped is not None
    assert "budget of $0.004 would be passed" in report.stopped
    assert len(read_output(target)) == report.succeeded


def test_an_off_peak_job_waits_for_off_peak_hours_and_stops_before_the_next_peak(
    emulator: Emulator, tmp_path: Path
) -> None:
    # Monday 00:00 UTC: off-peak until 01:00, peak until 04:00, off-peak until 06:00.
    clock = FakeClock(datetime(2026, 12, 7, 0, 0, tzinfo=UTC))
    emulator.clock = clock.timestamp

    def five_minutes_each(body: dict[str, Any]) -> None:
        clock.advance(300)  # every answer takes five minutes of pretended time

    emulator.responder = five_minutes_each
    write_input(tmp_path / "in.jsonl", 20)

    report = run(
        emulator,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        window="off-peak",
        clock=clock,
        concurrency=1,  # one at a time, so pretended time passes in order
    )

    created = [
        datetime.fromtimestamp(line["response"]["body"]["created"], tz=UTC)
        for line in read_output(tmp_path / "out.jsonl")
    ]
    assert len(created) == 20
    assert not any(is_peak(at) for at in created)  # every answer completed off-peak
    assert min(created) < datetime(2026, 12, 7, 1, tzinfo=UTC) < max(created)
    assert report.waited_seconds >= 3 * 3600 - 600  # waited through the 01:00-04:00 peak
    assert clock.slept  # and waited by sleeping on the clock it was given


def test_an_off_peak_job_started_in_peak_hours_sends_nothing_until_they_end(
    emulator: Emulator, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 12, 7, 7, 30, tzinfo=UTC))  # Monday, peak until 10:00
    emulator.clock = clock.timestamp
    write_input(tmp_path / "in.jsonl", 3)
    seen: list[Progress] = []

    report = run(
        emulator,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        window="off-peak",
        clock=clock,
        on_progress=seen.append,
    )

    assert clock.slept == [2.5 * 3600]
    assert seen[0].waiting_until == "2026-12-07T10:00:00+00:00"
    created = [line["response"]["body"]["created"] for line in read_output(tmp_path / "out.jsonl")]
    assert min(created) >= datetime(2026, 12, 7, 10, tzinfo=UTC).timestamp()
    assert report.succeeded == 3
    assert report.waited_seconds == 2.5 * 3600


def test_warm_up_sends_one_request_of_a_shared_prefix_first(tmp_path: Path) -> None:
    results = {}
    for warmup in (True, False):
        with Emulator(api_key=KEY, prefix_cache=True, latency=0.3) as emulator:
            source, target = tmp_path / f"in-{warmup}.jsonl", tmp_path / f"out-{warmup}.jsonl"
            write_input(source, 24, system=LONG_SYSTEM)
            report = run(emulator, source, target, concurrency=8, warmup=warmup)
            usage = [line["response"]["body"]["usage"] for line in read_output(target)]
            misses = [u for u in usage if u["prompt_cache_hit_tokens"] == 0]
            results[warmup] = (report, len(misses))

    (warm, warm_misses), (cold, cold_misses) = results[True], results[False]
    assert warm_misses == 1  # only the leader missed
    assert cold_misses == 8  # the first eight went together, and all missed
    assert warm.cache_hit_rate > cold.cache_hit_rate
    assert warm.cost_usd < cold.cost_usd
    assert warm.peak_uncached_cost_usd == cold.peak_uncached_cost_usd


def test_progress_is_reported_after_answers(emulator: Emulator, tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 5)
    seen: list[Progress] = []

    run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", on_progress=seen.append)

    assert seen[-1].done == 5
    assert seen[-1].remaining == 0
    assert seen[-1].seconds_left == 0
    assert "done 5 · failed 0 · in flight 0" in str(seen[-1])


async def test_arun_batch_is_awaitable_and_run_batch_refuses_a_running_loop(
    emulator: Emulator, tmp_path: Path
) -> None:
    write_input(tmp_path / "in.jsonl", 2)
    report = await arun_batch(
        tmp_path / "in.jsonl", tmp_path / "out.jsonl", api_key=KEY, base_url=emulator.base_url
    )
    assert report.succeeded == 2
    with pytest.raises(RuntimeError, match="await arun_batch"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"concurrency": 0}, "concurrency must be 1 or more"),
        ({"max_cost_usd": -1}, "max_cost_usd must be above 0"),
        ({"window": "tonight"}, "window must be 'now' or 'off-peak'"),
    ],
)
def test_bad_options_are_refused_before_anything_is_read_or_sent(
    emulator: Emulator, tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        run(emulator, tmp_path / "missing.jsonl", tmp_path / "out.jsonl", **options)
    assert not (tmp_path / "out.jsonl").exists()
    assert emulator.requests == []


def test_ctrl_c_keeps_the_lines_already_written(emulator: Emulator, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 40)
    emulator.latency = 0.05

    async def interrupted() -> None:
        job = asyncio.ensure_future(
            arun_batch(source, target, api_key=KEY, base_url=emulator.base_url, concurrency=2)
        )
        while not target.exists() or len(target.read_text().splitlines()) < 4:
            await asyncio.sleep(0.01)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    asyncio.run(interrupted())
    kept = read_output(target)
    assert 4 <= len(kept) < 40
    emulator.latency = 0
    report = run(emulator, source, target)
    assert report.already_done == len(kept)
    assert sorted(line["custom_id"] for line in read_output(target)) == sorted(
        f"request-{n}" for n in range(40)
    )


def test_fim_lines_go_to_the_beta_base(emulator: Emulator, tmp_path: Path) -> None:
    line = {
        "custom_id": "fill",
        "method": "POST",
        "url": "/beta/completions",
        "body": {"model": "deepseek-flash", "prompt": "def add(a, b):\n", "suffix": "\n"},
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(line) + "\n")

    report = run(
        emulator,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        beta_base_url=emulator.beta_base_url,
    )

    (answer,) = read_output(tmp_path / "out.jsonl")
    assert report.succeeded == 1
    assert emulator.last_request.path == "/beta/completions"
    assert answer["response"]["body"]["object"] == "text_completion"
    assert answer["response"]["body"]["choices"][0]["text"]


def test_an_answer_cut_by_deepseek_is_retried_and_kept_when_retries_run_out(
    emulator: Emulator, tmp_path: Path
) -> None:
    cut = Reply.text("half an", finish_reason="insufficient_system_resource")
    finish_reasons = []
    for cuts in (1, 3):  # FAST_RETRIES: three attempts at most
        emulator.reset()
        emulator.push(*[cut] * cuts)
        source, target = tmp_path / f"in-{cuts}.jsonl", tmp_path / f"out-{cuts}.jsonl"
        write_input(source, 1)

        report = run(emulator, source, target)

        (line,) = read_output(target)
        assert report.succeeded == 1
        assert len(emulator.requests) == min(cuts + 1, 3)
        finish_reasons.append(line["response"]["body"]["choices"][0]["finish_reason"])
    assert finish_reasons == ["stop", "insufficient_system_resource"]


def test_fim_lines_without_a_beta_base_stop_the_job_and_are_written_nowhere(
    emulator: Emulator, tmp_path: Path
) -> None:
    # The emulator serves FIM at /beta only, as DeepSeek does; at the plain base every line
    # would get the same 404, so none is recorded as its final answer and a rerun sends them.
    lines = [
        {
            "custom_id": f"fill-{n}",
            "method": "POST",
            "url": "/beta/completions",
            "body": {"model": "deepseek-flash", "prompt": "def add(a, b):\n"},
        }
        for n in range(3)
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))

    report = run(emulator, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1)

    assert report.stopped_status == 404
    assert "DEEPSEEK_BETA_BASE_URL" in (report.stopped or "")
    assert report.not_sent == 3
    assert not (tmp_path / "out.jsonl").read_text()
    again = run(
        emulator,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        beta_base_url=emulator.beta_base_url,
    )
    assert (again.succeeded, again.already_done) == (3, 0)


def test_the_beta_base_comes_from_the_environment_with_the_base(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
    monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emulator.beta_base_url)
    line = {
        "custom_id": "fill",
        "method": "POST",
        "url": "/beta/completions",
        "body": {"model": "deepseek-flash", "prompt": "def add(a, b):\n"},
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(line) + "\n")

    report = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", api_key=KEY)

    assert report.succeeded == 1
    assert emulator.last_request.path == "/beta/completions"


def test_no_time_left_is_guessed_before_a_wave_of_answers_is_in(
    emulator: Emulator, tmp_path: Path
) -> None:
    write_input(tmp_path / "in.jsonl", 12)
    seen: list[Progress] = []

    run(
        emulator,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        concurrency=4,
        on_progress=seen.append,
    )

    # Answers may come back several at once, so which snapshots exist varies; the rule holds
    # for each: no estimate until as many have finished as run at once (4).
    for progress in seen:
        assert (progress.seconds_left is None) == (progress.done + progress.failed < 4), progress
    assert seen[-1].seconds_left == 0
