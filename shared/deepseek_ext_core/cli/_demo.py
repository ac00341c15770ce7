"""`deepseek-ext demo`: the framework parts, found through entry points, then a usage summary.

The core never imports a framework (STYLE.md, the three layers): each part is registered by its
adapter in the `deepseek_ext.demos` entry-point group under the name of its pip extra, and a part
whose framework is not installed is skipped with the `pip install` line that adds it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from datetime import datetime, timezone
from decimal import Decimal
from importlib.metadata import EntryPoint, entry_points
from typing import TextIO

from deepseek_ext_core import (
    PRICES_AS_OF,
    DeepSeekClient,
    DeepSeekError,
    Usage,
    estimate_cost,
    summarize_usage,
)
from deepseek_ext_core.cli._output import Transcript, use_color
from deepseek_ext_core.cli._session import demo_responder
from deepseek_ext_core.cli.demo_kit import ENTRY_POINT_GROUP
from deepseek_ext_core.emulator import Emulator

__all__ = ["UsageLog", "demo_parts", "run_demo"]

# Known parts run in the README's order; any other registered part runs after them.
_ORDER = {"langchain": 0, "llamaindex": 1}
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


def demo_parts() -> list[EntryPoint]:
    """The registered demo parts, in running order."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(found.values(), key=lambda ep: (_ORDER.get(ep.name, len(_ORDER)), ep.name))


def run_demo(*, offline: bool, base_url: str | None, out: TextIO, err: TextIO) -> int:
    """Runs every installed part; returns the exit code (2 when no part could run)."""
    parts = demo_parts()
    transcript = Transcript(out)
    if not parts:
        err.write(
            "error: no demo parts are registered; install the package with its extras: "
            "pip install 'deepseek-ext[langchain,llamaindex]'\n"
        )
        return 2
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
    parts: list[EntryPoint], url: str, key: str, transcript: Transcript, log: UsageLog
) -> int:
    ran = 0
    for part in parts:
        try:
            run = part.load()
        except ImportError as exc:
            transcript.heading(f"{part.name} (skipped)")
            transcript.line(
                f"The {part.name} part needs the '{part.name}' extra: "
                f"pip install 'deepseek-ext[{part.name}]' ({exc})"
            )
            continue
        run(url, key, transcript.out, log)
        ran += 1
    return ran
