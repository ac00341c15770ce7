"""Emulator processes for tests: started, read, and always stopped, however the suite runs.

A suite run as a background job (`pytest &`) starts with SIGINT ignored, and its child
processes inherit that; a test that only sends SIGINT then leaves its server running. These
helpers stop with SIGINT (what the test checks), then SIGKILL whatever is still there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["EmulatorProcess", "cli_executable", "emulator_process"]

SHARED = Path(__file__).resolve().parents[1] / "shared"


def cli_executable() -> str:
    """The installed `deepseek-ext` of this interpreter's environment."""
    executable = shutil.which("deepseek-ext", path=os.path.dirname(sys.executable))
    assert executable is not None, "the project is not installed in this environment"
    return executable


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class EmulatorProcess:
    """A running emulator process and what its banner said."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        assert process.stdout is not None
        self.banner = process.stdout.readline()
        assert self.banner.startswith("DeepSeek emulator listening on http://127.0.0.1:"), (
            self.banner + (process.stderr.read() if process.stderr else "")
        )
        self.base_url = self.banner.split()[4]
        self.exports = [process.stdout.readline() for _ in range(4)][1:]

    def stop(self, signum: int = signal.SIGINT, timeout: float = 10) -> int:
        """Sends `signum` and returns the exit code."""
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


@contextmanager
def emulator_process(
    args: Sequence[str] = (), *, as_background_job: bool = False, module: bool = False
) -> Iterator[EmulatorProcess]:
    """`deepseek-ext emulator --port 0 ARGS` (or `serve(0)` in a bare interpreter with
    `module=True`); `as_background_job` starts it with SIGINT ignored, as `cmd &` does."""
    if module:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SHARED), os.environ.get("PYTHONPATH", "")]),
        }
        command = [sys.executable, "-c", "from deepseek_ext_emulator import serve; serve(0)"]
    else:
        env = dict(os.environ)
        command = [cli_executable(), "emulator", "--port", "0", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_ignore_sigint if as_background_job else None,  # noqa: PLW1509
    )
    try:
        yield EmulatorProcess(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
