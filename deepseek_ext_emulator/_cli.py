"""The blocking entry point behind ``deepseek-ext emulator --port N``."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from deepseek_ext_emulator._emulator import Emulator

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def export_lines(emulator: Emulator) -> str:
    """The three ``export`` lines that point this library, its adapters and its command line
    at ``emulator`` (any key is accepted, so the key is a placeholder)."""
    return (
        "export DEEPSEEK_API_KEY=emulator\n"
        f"export DEEPSEEK_BASE_URL={emulator.base_url}\n"
        f"export DEEPSEEK_BETA_BASE_URL={emulator.beta_base_url}\n"
    )


def serve(
    port: int,
    host: str = "127.0.0.1",
    cassette_dir: str | None = None,
    *,
    prefix_cache: bool = False,
    latency: float = 0.0,
) -> None:
    """Serve on ``host:port`` (loopback only) until SIGINT (Ctrl-C) or SIGTERM (``kill``).

    Any bearer key is accepted, since a developer pointing a tool at a local emulator
    should not need a real key. Cassettes under ``cassette_dir`` are replayed, each
    recording as often as it is asked for (a long-running server is not a single test).
    ``prefix_cache`` and ``latency`` are the :class:`Emulator`'s.

    Both signals are handled explicitly: a shell starts a background job (``... &``) with
    SIGINT ignored, and Python then installs no Ctrl-C handler of its own, so without this the
    emulator outlived ``kill -INT`` and the test runs that sent it.
    """
    emulator = Emulator(
        api_key=None, host=host, port=port, prefix_cache=prefix_cache, latency=latency
    )
    if cassette_dir is not None:
        count = emulator.load_cassette(cassette_dir, allow_repeats=True)
        sys.stderr.write(f"loaded {count} recorded interactions from {cassette_dir}\n")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in _STOP_SIGNALS}
    try:
        emulator.start()
        sys.stdout.write(
            f"DeepSeek emulator listening on {emulator.base_url} "
            "(Ctrl-C, or kill PID, stops it)\n"
            "# paste these lines to point deepseek-ext (library and command line) at it:\n"
            + export_lines(emulator)
        )
        sys.stdout.flush()
        while not stop.wait(0.2) and not emulator.stopping.is_set():
            pass
    finally:
        emulator.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
