"""Shared names for the batch tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from deepseek_ext_core import RetryPolicy
from deepseek_ext_core.batch import BatchReport, run_batch
from deepseek_ext_emulator import Emulator

KEY = "sk-batch-test-4e8b1d0c"
FAST_RETRIES = RetryPolicy(max_retries=2, initial_backoff=0.0, jitter=0.0)
LONG_SYSTEM = "You grade short answers against the rubric that follows. " * 160
"""About 2,000 tokens: long enough to be warmed up."""


def write_input(
    path: Path, count: int, *, system: str = "Be brief.", start: int = 0, extra: Sequence[str] = ()
) -> list[str]:
    """`count` chat lines sharing `system`; returns their custom_ids."""
    ids = []
    with path.open("a", encoding="utf-8") as file:
        for number in range(start, start + count):
            custom_id = f"request-{number}"
            ids.append(custom_id)
            messages = [
                {"role": "system", "content": system},
                {"role": "user", "content": f"Question {number}?"},
            ]
            body: dict[str, Any] = {"model": "deepseek-flash", "messages": messages}
            line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions"}
            file.write(json.dumps({**line, "body": body}) + "\n")
        for text in extra:
            file.write(text + "\n")
    return ids


def read_output(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


class FakeClock:
    """A clock that jumps instead of sleeping; the emulator can read it too."""

    def __init__(self, start: datetime) -> None:
        self.current = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def timestamp(self) -> float:
        return self.current.timestamp()


def run(emulator: Emulator, source: Path, target: Path, **options: Any) -> BatchReport:
    """`run_batch` against `emulator` with its key and quick retries."""
    options.setdefault("retry_policy", FAST_RETRIES)
    return run_batch(source, target, api_key=KEY, base_url=emulator.base_url, **options)
