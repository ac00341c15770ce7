"""The blocking entry point behind ``deepseek-ext emulator --port N``."""

from __future__ import annotations

import sys

from deepseek_ext_emulator._emulator import Emulator


def serve(
    port: int,
    host: str = "127.0.0.1",
    cassette_dir: str | None = None,
    *,
    prefix_cache: bool = False,
    latency: float = 0.0,
) -> None:
    """Serve on ``host:port`` (loopback only) until Ctrl-C.

    Any bearer key is accepted, since a developer pointing a tool at a local emulator
    should not need a real key. Cassettes under ``cassette_dir`` are replayed, each
    recording as often as it is asked for (a long-running server is not a single test).
    ``prefix_cache`` and ``latency`` are the :class:`Emulator`'s.
    """
    emulator = Emulator(
        api_key=None, host=host, port=port, prefix_cache=prefix_cache, latency=latency
    )
    if cassette_dir is not None:
        count = emulator.load_cassette(cassette_dir, allow_repeats=True)
        sys.stderr.write(f"loaded {count} recorded interactions from {cassette_dir}\n")
    emulator.start()
    sys.stdout.write(
        f"DeepSeek emulator listening on {emulator.base_url} (Ctrl-C to stop)\n"
        f"  base_url={emulator.base_url}  beta_base_url={emulator.beta_base_url}\n"
    )
    sys.stdout.flush()
    try:
        while not emulator.stopping.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
