"""The batch's parts on their own: the output file, the off-peak gate, warm-up groups, and the
adaptive concurrency limit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from deepseek_ext_core import BadRequestError, next_off_peak_start, next_peak_start
from deepseek_ext_core.batch import parse_lines
from deepseek_ext_core.batch._limit import AdaptiveLimit
from deepseek_ext_core.batch._output import BatchOutput, error_line, success_line
from deepseek_ext_core.batch._schedule import window_gate
from deepseek_ext_core.batch._warmup import group_for_warmup

UTC = timezone.utc
MONDAY = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday
TEN_MINUTES = timedelta(minutes=10)

# -- output ------------------------------------------------------------------------------


def test_output_lines_follow_the_openai_batch_format(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with BatchOutput(path) as output:
        output.write(success_line("a", "req-1", {"choices": []}))
        error = BadRequestError("bad", status_code=400, request_id="req-2", body={"error": {}})
        output.write(error_line("b", error))

    first, second = (json.loads(text) for text in path.read_text().splitlines())
    assert first["id"].startswith("batch_req_")
    assert first["response"] == {"status_code": 200, "request_id": "req-1", "body": {"choices": []}}
    assert first["error"] is None
    assert second["response"]["status_code"] == 400
    assert second["response"]["body"] == {"error": {}}


def test_reopening_knows_what_is_done_and_cuts_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with BatchOutput(path) as output:
        output.write(success_line("a", None, {}))
        output.write(success_line("b", None, {}))
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"id": "batch_req_1", "custom_id": "c", "respo')  # killed mid-write

    with BatchOutput(path) as output:
        assert output.done == {"a", "b"}
        output.write(success_line("c", None, {}))

    lines = path.read_bytes().splitlines()
    assert [json.loads(text)["custom_id"] for text in lines] == ["a", "b", "c"]


def test_a_file_that_is_not_batch_output_is_refused_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes\nmore notes\n")

    with pytest.raises(ValueError, match="line 1 is not a batch output line"):
        BatchOutput(path)
    assert path.read_text() == "my notes\nmore notes\n"


# -- the off-peak gate -------------------------------------------------------------------


def test_peak_boundaries_come_from_the_price_table() -> None:
    # Peak: 01:00-04:00 and 06:00-10:00 UTC on weekdays (docs/deepseek-api.md §8.1).
    assert next_peak_start(MONDAY) == MONDAY.replace(hour=1)
    assert next_off_peak_start(MONDAY.replace(hour=2, minute=30)) == MONDAY.replace(hour=4)
    assert next_peak_start(MONDAY.replace(hour=4)) == MONDAY.replace(hour=6)
    friday_evening = MONDAY + timedelta(days=4, hours=11)
    assert next_peak_start(friday_evening) == MONDAY + timedelta(days=7, hours=1)  # weekend free
    assert next_off_peak_start(MONDAY.replace(hour=12)) == MONDAY.replace(hour=12)


@pytest.mark.parametrize(
    ("at", "is_open", "change"),
    [
        (MONDAY.replace(hour=0, minute=10), True, MONDAY.replace(hour=0, minute=50)),
        (MONDAY.replace(hour=0, minute=55), False, MONDAY.replace(hour=4)),  # inside the margin
        (MONDAY.replace(hour=2), False, MONDAY.replace(hour=4)),  # peak
        (MONDAY.replace(hour=4), True, MONDAY.replace(hour=5, minute=50)),
        (MONDAY.replace(hour=9, minute=59), False, MONDAY.replace(hour=10)),
        (MONDAY.replace(hour=10), True, MONDAY.replace(hour=0, minute=50) + timedelta(days=1)),
        (MONDAY + timedelta(days=5, hours=2), True, MONDAY + timedelta(days=7, minutes=50)),
    ],
)
def test_off_peak_gate(at: datetime, is_open: bool, change: datetime) -> None:
    gate = window_gate("off-peak", at, TEN_MINUTES)

    assert (gate.open, gate.change) == (is_open, change)


def test_the_now_window_is_always_open() -> None:
    gate = window_gate("now", MONDAY.replace(hour=2), TEN_MINUTES)

    assert gate.open
    assert gate.change is None


# -- warm-up groups ----------------------------------------------------------------------


def _line(custom_id: str, system: str, question: str) -> str:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    body = {"model": "deepseek-flash", "messages": messages}
    return json.dumps({"custom_id": custom_id, "url": "/chat/completions", "body": body})


def test_requests_sharing_a_long_prefix_form_one_group_led_by_the_first() -> None:
    long_a = "Rules of the house. " * 400
    long_b = "Other rules entirely. " * 400
    requests, _ = parse_lines(
        [
            _line("a1", long_a, "q1"),
            _line("b1", long_b, "q1"),
            _line("short", "Be brief.", "q"),
            _line("a2", long_a, "q2"),
            _line("b2", long_b, "q2"),
            _line("a3", long_a, "q3"),
            _line("short2", "Be brief.", "q2"),
        ]
    )
    groups = group_for_warmup(requests, min_prefix_tokens=1024)

    led = {g.leader.custom_id: [f.custom_id for f in g.followers] for g in groups}
    assert led == {"a1": ["a2", "a3"], "b1": ["b2"], "short": [], "short2": []}
    assert [g.leader.custom_id for g in groups] == ["a1", "b1", "short", "short2"]


def test_a_different_model_or_tools_is_a_different_prefix() -> None:
    long = "Rules of the house. " * 400
    other_model = json.loads(_line("x", long, "q"))
    other_model["body"]["model"] = "deepseek-v4-pro"
    requests, _ = parse_lines([_line("a", long, "q1"), json.dumps(other_model)])

    assert len(group_for_warmup(requests, min_prefix_tokens=1024)) == 2


# -- adaptive concurrency ----------------------------------------------------------------


def test_a_burst_of_429s_halves_the_limit_once_and_successes_raise_it_again() -> None:
    limit = AdaptiveLimit(16)
    sent_at = limit.generation
    for _ in range(10):  # ten requests of the same generation answered 429
        limit.rate_limited(sent_at)
    assert limit.limit == 8

    limit.rate_limited(limit.generation)  # a 429 of a request sent after the cut
    assert limit.limit == 4
    assert limit.lowest == 4

    for _ in range(4 + 5 + 6 + 7):
        limit.succeeded()
    assert limit.limit == 8
    for _ in range(1000):
        limit.succeeded()
    assert limit.limit == 16  # never above the cap


def test_the_limit_never_falls_below_one() -> None:
    limit = AdaptiveLimit(2)
    for _ in range(5):
        limit.rate_limited(limit.generation)

    assert limit.limit == 1
    with pytest.raises(ValueError, match="concurrency"):
        AdaptiveLimit(0)
