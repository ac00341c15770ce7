"""`deepseek-ext batch`: the report, exit codes, and resuming after the process is killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from deepseek_ext_emulator import Emulator

from ..batch.batch_support import LONG_SYSTEM, read_output, write_input
from ..reliability._tally import TALLY
from .cli_support import KEY, Run


def test_batch_prints_the_report_and_bad_lines(
    run: Run, emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 4, extra=["{not json"])

    result = run("batch", str(source), "-o", str(target), "--base-url", emulator.base_url)

    assert result.code == 2  # every valid line answered, but a line was bad
    assert "this run: 4 succeeded" in result.out
    assert "bad line 5: not JSON" in result.err
    assert len(read_output(target)) == 4
    assert KEY not in result.out + result.err


def test_batch_json_report_and_a_clean_exit(run: Run, emulator: Emulator, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 3, system=LONG_SYSTEM)

    result = run("batch", str(source), "-o", str(target), "--base-url", emulator.base_url, "--json")

    assert result.code == 0
    report = json.loads(result.out)
    assert (report["succeeded"], report["requests"], report["not_sent"]) == (3, 3, 0)
    assert float(report["peak_uncached_cost_usd"]) >= float(report["cost_usd"]) > 0


def test_batch_budget_stop_exits_1_and_says_to_raise_the_budget(
    run: Run, emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 50, system=LONG_SYSTEM)

    result = run(
        "batch", str(source), "-o", str(target), "--base-url", emulator.base_url,
        "--max-cost", "0.005", "--concurrency", "2", "--no-warmup",
    )  # fmt: skip

    assert result.code == 1
    assert "stopped: the job's budget of $0.005 would be passed" in result.out
    assert "raise it to send the rest" in result.err
    assert "run the same command again" not in result.err
    sent = len(emulator.requests)

    # The budget is the job's: a rerun with the same budget sends nothing more.
    again = run(
        "batch", str(source), "-o", str(target), "--base-url", emulator.base_url,
        "--max-cost", "0.005", "--concurrency", "2", "--no-warmup",
    )  # fmt: skip
    assert again.code == 1
    assert 0 < sent < 50
    assert len(emulator.requests) == sent
    assert "earlier runs: $" in again.out


def test_batch_refuses_bad_options(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    for option in (["--max-cost", "-2"], ["--concurrency", "0"], ["--window", "tonight"]):
        result = run("batch", str(source), "-o", str(tmp_path / "o.jsonl"), *option)
        assert result.code == 2, option


def test_a_batch_killed_mid_run_resumes_and_answers_each_request_exactly_once(
    tmp_path: Path,
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    ids = write_input(source, 60)
    executable = shutil.which("deepseek-ext", path=os.path.dirname(sys.executable))
    assert executable is not None, "the project is not installed in this environment"
    with Emulator(api_key=KEY, latency=0.05) as emulator:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DEEPSEEK_")},
            "DEEPSEEK_API_KEY": KEY,
            "DEEPSEEK_BASE_URL": emulator.base_url,
        }
        command = [executable, "batch", str(source), "-o", str(target), "--concurrency", "4"]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while _lines(target) < 10:
                assert process.poll() is None, "the batch ended before it could be killed"
                assert time.monotonic() < deadline
                time.sleep(0.01)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        killed_at = _lines(target)
        assert killed_at < 60
        with target.open("ab") as file:  # as if the kill had torn the line being written
            file.write(b'{"id":"batch_req_0","custom_id":"request-59","resp')
        sent_before = len(emulator.requests)
        emulator.latency = 0

        resumed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )

        assert resumed.returncode == 0, resumed.stderr
        assert f"{killed_at} answered by an earlier run" in resumed.stdout
        # Only what had no line was sent again (the requests in flight at the kill among them).
        assert len(emulator.requests) - sent_before == 60 - killed_at
    answered = Counter(line["custom_id"] for line in read_output(target))
    assert answered == Counter(ids)  # every custom_id exactly once, the torn line gone


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")


def test_batch_file_problems_are_one_line_and_exit_2(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    write_input(source, 1)
    cases = [
        ([str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")], "no input file"),
        ([str(tmp_path), "-o", str(tmp_path / "o.jsonl")], "is not a file"),
        ([str(source), "-o", str(tmp_path)], "is a directory"),
    ]
    (tmp_path / "foreign.jsonl").write_text("not an output line\n")
    cases.append(([str(source), "-o", str(tmp_path / "foreign.jsonl")], "not a batch output"))
    cases.append(([str(source), "-o", "/dev/null"], "not a regular file"))
    for argv, words in cases:
        result = run("batch", *argv, "--base-url", "http://127.0.0.1:9")
        assert result.code == 2, argv
        assert words in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert "Traceback" not in result.err


def test_batch_reports_bad_lines_before_sending_anything(
    run: Run, emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 2, extra=["{not json"])

    result = run("batch", str(source), "-o", str(target), "--base-url", emulator.base_url)

    assert result.err.splitlines()[0].startswith("bad line 3: not JSON")
    assert result.out.count("bad line 3") == 1  # the report repeats it once


def test_a_wrong_endpoint_stops_the_batch_with_advice_that_helps(
    run: Run, emulator: Emulator, tmp_path: Path
) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    line = {
        "custom_id": "fill",
        "method": "POST",
        "url": "/beta/completions",
        "body": {"model": "deepseek-flash", "prompt": "def f():"},
    }
    source.write_text(json.dumps(line) + "\n")

    result = run("batch", str(source), "-o", str(target), "--base-url", emulator.base_url)

    assert result.code == 1
    assert "--beta-base-url" in result.err
    assert target.read_text() == ""


def test_a_second_batch_run_on_one_output_is_refused_while_the_first_runs(
    run: Run, emulator: Emulator, tmp_path: Path
) -> None:
    from deepseek_ext_core.batch._output import BatchOutput

    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 3)
    with BatchOutput(target):  # the first run, still writing
        result = run("batch", str(source), "-o", str(target), "--base-url", emulator.base_url)
    assert result.code == 2
    assert "another batch run is writing" in result.err
    assert emulator.requests == []  # nothing sent, nothing billed twice
    TALLY.real_use("concurrent batch runs")
