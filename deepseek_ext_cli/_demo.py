"""`deepseek-ext demo`: the framework parts, then a usage summary.

The command line is the application on top of both adapters (README "Layout"): its parts
live in this package (`_demo_langchain`, `_demo_llamaindex`), each named after the pip extra its
framework comes with. A part whose framework is not installed is skipped with the `pip install`
line that adds it; `deepseek-ext` itself needs only the core.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import TextIO, cast

from deepseek_ext_cli._demo_kit import DemoPart
from deepseek_ext_cli._output import Transcript, use_color
from deepseek_ext_cli._session import demo_responder
from deepseek_ext_core import (
    PRICES_AS_OF,
    DeepSeekClient,
    DeepSeekError,
    Usage,
    estimate_cost,
    summarize_usage,
)
from deepseek_ext_emulator import Emulator

__all__ = ["PartSpec", "UsageLog", "demo_parts", "run_demo"]

# Seconds between streamed pieces offline, on a terminal only, so the stream can be watched.
_PACE = 0.012


class UsageLog:
    """The usage recorder handed to the parts: `log(model, usage)` per response."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Usage, datetime]] = []
        self._lock = threading.Lock()

    def __call__(self, model: str, usage: Usage) -> None:
        with self._lock:
            self.entries.append((model, usage, datetime.now(timezone.utc)))

    def summary(self) -> str:
        """One line: requests, tokens, cache hits, reasoning tokens and the estimated cost."""
        summaries = [summarize_usage(usage) for _model, usage, _at in self.entries]
        costs = [estimate_cost(model, usage, at=at) for model, usage, at in self.entries]
        known = [cost for cost in costs if cost is not None]
        total = sum(known, Decimal(0))
        cost = f"${total:.6f}" if known else "unknown"
        if len(known) < len(costs) and known:
            cost += " (some models have no price)"
        return (
            f"Summary: {len(self.entries)} requests, "
            f"{sum(s.input_tokens for s in summaries):,} input tokens "
            f"({sum(s.cache_hit_tokens for s in summaries):,} cache hits), "
            f"{sum(s.output_tokens for s in summaries):,} output tokens "
            f"({sum(s.reasoning_tokens for s in summaries):,} reasoning), "
            f"estimated cost {cost} (DeepSeek prices as of {PRICES_AS_OF})"
        )


@dataclass(frozen=True)
class PartSpec:
    """One part of the demo: the pip extra it needs and the module whose `run` plays it."""

    extra: str
    module: str

    def load(self) -> DemoPart:
        """The part's `run`; ImportError when its framework is not installed."""
        return cast("DemoPart", importlib.import_module(self.module).run)


def demo_parts() -> list[PartSpec]:
    """The demo parts, in the README's order."""
    return [
        PartSpec("langchain", "deepseek_ext_cli._demo_langchain"),
        PartSpec("llamaindex", "deepseek_ext_cli._demo_llamaindex"),
        PartSpec("langchain", "deepseek_ext_cli._demo_web"),
        PartSpec("llamaindex", "deepseek_ext_cli._demo_ocr"),
    ]


def run_demo(*, offline: bool, base_url: str | None, out: TextIO, err: TextIO) -> int:
    """Runs every installed part; returns the exit code (2 when no part could run)."""
    parts = demo_parts()
    transcript = Transcript(out)
    key = os.environ.get("DEEPSEEK_API_KEY", "")
    offline = offline or not key
    log = UsageLog()
    with contextlib.ExitStack() as stack:
        emulator: Emulator | None = None
        if offline:
            key = "sk-demo-" + secrets.token_hex(12)
            emulator = stack.enter_context(Emulator(api_key=key))
            emulator.responder = demo_responder(pace=_PACE if use_color(out) else 0.0)
            url = emulator.base_url
            transcript.note(
                f"Offline: a DeepSeek emulator on {url} answers like DeepSeek would "
                "(set DEEPSEEK_API_KEY to run this against DeepSeek itself)."
            )
        else:
            with DeepSeekClient(base_url=base_url) as client:  # resolves DEEPSEEK_BASE_URL too
                url = client.base_url
            transcript.note(f"Live: against {url} with DEEPSEEK_API_KEY.")
        try:
            ran = _run_parts(parts, url, key, transcript, log)
        except DeepSeekError:
            if emulator is not None:
                for problem in emulator.errors:
                    err.write(f"emulator: {problem!r}\n")
            raise
    if not ran:
        return 2
    transcript.line("")
    transcript.line(log.summary())
    if offline:
        transcript.note("Nothing was sent to DeepSeek and nothing was billed.")
    return 0


def _run_parts(
    parts: list[PartSpec], url: str, key: str, transcript: Transcript, log: UsageLog
) -> int:
    ran = 0
    for part in parts:
        try:
            run = part.load()
        except ImportError as exc:
            transcript.heading(f"{part.extra} (skipped)")
            transcript.line(
                f"The {part.extra} part needs the '{part.extra}' extra: "
                f"pip install 'deepseek-ext[{part.extra}]' ({exc})"
            )
            continue
        run(url, key, transcript.out, log)
        ran += 1
    return ran
