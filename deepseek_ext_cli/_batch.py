"""`deepseek-ext batch`: a JSONL batch at DeepSeek's lowest price, with progress on stderr."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from deepseek_ext_cli._explain import ExitCode
from deepseek_ext_core.batch import BatchReport, Progress, Window, run_batch

__all__ = ["BatchCommand", "run_batch_command"]

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
    """Runs the batch; the report goes to `out`, progress and bad lines to `err`."""
    report = run_batch(
        command.input_path,
        command.output_path,
        base_url=base_url,
        beta_base_url=beta_base_url,
        window=command.window,
        max_cost_usd=command.max_cost,
        warmup=command.warmup,
        concurrency=command.concurrency,
        on_progress=_ProgressLines(err),
    )
    for line in report.bad_lines:
        err.write(f"bad {line}\n")
    if command.as_json:
        out.write(json.dumps(_as_json(report), indent=2) + "\n")
    else:
        out.write(report.summary() + "\n")
    if not report.complete:
        err.write("run the same command again to send what has no answer yet\n")
    return int(_exit_code(report))


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
    data["cache_hit_rate"] = report.cache_hit_rate
    data["saved_usd"] = report.saved_usd
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in data.items()}
