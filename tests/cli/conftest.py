"""Fixtures for `deepseek-ext` tests: an emulator, a clean environment, an in-process runner."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from deepseek_ext_cli import main
from deepseek_ext_emulator import Emulator

from .cli_support import KEY, Result, Run


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE", "DEEPSEEK_BETA_BASE_URL")
    for name in (*names, "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A started emulator that accepts only `KEY`, with `KEY` in the environment."""
    with Emulator(api_key=KEY) as emu:
        monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
        yield emu


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`run(*argv, stdin="")`: `main(argv)` in process, with stdin given and output captured."""

    def invoke(*argv: str, stdin: str = "") -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture(scope="session", autouse=True)
def demo_process(request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str] | None]:
    """`deepseek-ext demo --offline` in a real process, started with the session so it runs
    alongside the other tests (it spends seconds importing); None when its test is not selected.
    """
    if not any(
        item.name == "test_demo_command_in_a_real_process" for item in request.session.items
    ):
        yield None
        return
    executable = shutil.which("deepseek-ext", path=os.path.dirname(sys.executable))
    assert executable is not None, "the project is not installed in this environment"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPSEEK_")}
    process = subprocess.Popen(
        [executable, "demo", "--offline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()
