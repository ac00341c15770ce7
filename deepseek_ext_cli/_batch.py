"""`deepseek-ext batch`: a JSONL batch at DeepSeek's lowest price, with progress on stderr."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from deepseek_ext_cli._explain import ExitCode
from deepseek_ext_cli._output import redact
from deepseek_ext_core.batch import (
    BadLine,
    BatchReport,
    Progress,
    Window,
    merge_outputs,
    run_batch,
)

__all__ = ["BatchCommand", "run_batch_command", "run_merge_command"]

_PROGRESS_EVERY = 1.0
"""Seconds between two progress lines (a waiting line is printed at once)."""


@dataclass(frozen=True, slots=True)
class BatchCommand:
    """The parsed arguments of one `deepseek-ext batch` run."""

    input_path: Path
    output_path: Path
    window: Window
    max_cost: Decimal | None
    warmup: bool
    concurrency: int
    as_json: bool
    redis_url: str | None = None
    """Share the account's slots, back-off and budget through this Redis."""
    account: str = "default"
    shard: tuple[int, int] | None = None


class _ProgressLines:
    """Progress to stderr, at most one line a second."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.waiting_until is None and now - self.last < _PROGRESS_EVERY:
            return
        self.last = now
        self.err.write(f"{progress}\n")
        self.err.flush()


def run_batch_command(
    command: BatchCommand,
    *,
    base_url: str | None,
    beta_base_url: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Runs the batch; the report goes to `out`, progress and bad lines to `err` (bad lines
    before anything is sent)."""
    problem = _path_problem(command)
    if problem is not None:
        err.write(f"error: {problem}\n")
        return int(ExitCode.USAGE)

    def bad_line(line: BadLine) -> None:
        err.write(redact(f"bad {line}") + "\n")
        err.flush()

    try:
        limiter = _limiter(command)
        report = run_batch(
            command.input_path,
            command.output_path,
            base_url=base_url,
            beta_base_url=beta_base_url,
            window=command.window,
            # With Redis the budget is the account's, across every job that shares it.
            max_cost_usd=None if limiter is not None else command.max_cost,
            warmup=command.warmup,
            concurrency=command.concurrency,
            on_progress=_ProgressLines(err),
            on_bad_line=bad_line,
            limiter=limiter,
            shard=command.shard,
        )
    except ImportError as exc:
        err.write(f"error: {exc}\n")
        return int(ExitCode.USAGE)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err.write(f"error: {_file_error(exc)}\n")
        return int(ExitCode.USAGE)
    # The report quotes what the server said when it stopped the job: a gateway's 401 may
    # echo the key, so it is redacted like every other message.
    if command.as_json:
        out.write(redact(json.dumps(_as_json(report), indent=2)) + "\n")
    else:
        out.write(redact(report.summary()) + "\n")
    advice = _advice(report)
    if advice:
        err.write(advice + "\n")
    return int(_exit_code(report))


def _limiter(command: BatchCommand) -> Any:
    if command.redis_url is None:
        return None
    from deepseek_ext_core import RedisLimiter

    return RedisLimiter.from_url(
        command.redis_url,
        name=command.account,
        max_concurrency=command.concurrency,
        max_cost_usd=command.max_cost,
    )


def run_merge_command(
    outputs: list[Path], merged: Path, input_path: Path | None, *, out: TextIO, err: TextIO
) -> int:
    """`deepseek-ext batch-merge`: one output from the shards' outputs; exit 1 when a
    custom_id was answered twice or not at all."""
    for path in [*outputs, *([input_path] if input_path else [])]:
        if not path.is_file():
            err.write(f"error: no file {str(path)!r}\n")
            return int(ExitCode.USAGE)
    try:
        report = merge_outputs(outputs, merged, input_path=input_path)
    except (OSError, ValueError, KeyError) as exc:
        err.write(f"error: {exc}\n")
        return int(ExitCode.USAGE)
    out.write(report.summary() + "\n")
    return int(ExitCode.OK if report.complete else ExitCode.API_ERROR)


def _path_problem(command: BatchCommand) -> str | None:
    """What is wrong with the input or output path, found before anything is read or sent."""
    source, target = command.input_path, command.output_path
    if str(source) == "-":
        pass  # standard input
    elif not source.exists():
        return f"no input file {str(source)!r}"
    elif not source.is_file():
        return f"the input {str(source)!r} is not a file"
    elif not os.access(source, os.R_OK):
        return f"cannot read the input file {str(source)!r} (permission denied)"
    if target.is_dir():
        return f"the output {str(target)!r} is a directory; name a file"
    if target.exists() and not target.is_file():
        return f"the output {str(target)!r} is not a regular file (it is read again to resume)"
    if target.exists() and not os.access(target, os.R_OK | os.W_OK):
        return f"cannot read and append to the output file {str(target)!r} (permission denied)"
    return None


def _file_error(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc)


def _advice(report: BatchReport) -> str | None:
    """What to do about an incomplete job; None where running it again cannot help."""
    if report.complete:
        return None
    status = report.stopped_status
    if status == 401:
        return "set DEEPSEEK_API_KEY to a valid key, then run the same command again"
    if status == 402:
        return "top up at https://platform.deepseek.com/top_up, then run the same command again"
    if status in (404, 405):
        return "fix the base URL (or --beta-base-url for FIM lines), then run the command again"
    if report.stopped is not None and "budget" in report.stopped:
        return (
            "--max-cost is the job's budget across runs (it counts what earlier runs spent): "
            "raise it to send the rest"
        )
    return "run the same command again to send what has no answer yet"


def _exit_code(report: BatchReport) -> ExitCode:
    if report.stopped_status == 401:
        return ExitCode.AUTH
    if report.stopped_status in (402, 429):
        return ExitCode.BALANCE
    if not report.complete:
        return ExitCode.API_ERROR
    return ExitCode.USAGE if report.bad_lines else ExitCode.OK


def _as_json(report: BatchReport) -> dict[str, Any]:
    data = asdict(report)
    data["bad_lines"] = [asdict(line) for line in report.bad_lines]
    data["failures"] = [{"custom_id": cid, "error": why} for cid, why in report.failures]
    data["cache_hit_rate"] = report.cache_hit_rate
    data["saved_usd"] = report.saved_usd
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in data.items()}
