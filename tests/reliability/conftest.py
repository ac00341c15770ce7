"""Fixtures for the reliability suite, and the end-of-run figures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deepseek_ext_emulator import Emulator

from ..figures import write_figures
from ._tally import TALLY
from .rel_scan import LogRecords, Scanner, every_log_record
from .rel_support import RetrySpy, fake_key


@pytest.fixture(autouse=True)
def _no_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every client here talks plain HTTP to loopback; skip loading a CA bundle per client.

    With `SSL_CERT_FILE` set (as on CI images), httpx parses the whole bundle for each client
    it builds, ~60 ms; the fault matrix builds hundreds of clients. No TLS is ever negotiated.
    """
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path_factory.getbasetemp()))


@pytest.fixture
def key() -> str:
    """A fresh, recognisable fake key for this test."""
    return fake_key()


@pytest.fixture
def emulator(key: str) -> Iterator[Emulator]:
    """A loopback emulator accepting only `key`; fails the test if the emulator itself broke."""
    with Emulator(api_key=key) as emu:
        yield emu
        assert not emu.errors, emu.errors


@pytest.fixture
def known_bug(request: pytest.FixtureRequest) -> bool:
    """Whether this test is marked xfail (a reported bug): the tally counts it apart."""
    return request.node.get_closest_marker("xfail") is not None


@pytest.fixture
def retry_spy(monkeypatch: pytest.MonkeyPatch) -> RetrySpy:
    """Records the waits the retry layer computes; real sleeps are capped at 20 ms."""
    return RetrySpy(monkeypatch, cap=0.02)


@pytest.fixture
def scanner(key: str, known_bug: bool) -> Scanner:
    """Scans text for this test's key; every scan is counted."""
    return Scanner(key, known_bug)


@pytest.fixture
def all_logs() -> Iterator[LogRecords]:
    """Every log record of the test, from every logger, at DEBUG."""
    with every_log_record() as records:
        yield records


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counted = (
        TALLY.faults_tried + TALLY.bad_inputs_tried + TALLY.secret_scans
        + TALLY.cancelled_streams + TALLY.load_requests + TALLY.real_use_tried
    )  # fmt: skip
    if not counted:
        return
    terminalreporter.section("reliability figures (tests/reliability)")
    for line in TALLY.lines():
        terminalreporter.write_line(line)
    if terminalreporter.config.getoption("--write-figures") and not TALLY.problems():
        arguments = " ".join(terminalreporter.config.invocation_params.args)
        write_figures(
            "reliability", f"pytest {arguments}".strip(), [f"- {line}" for line in TALLY.lines()]
        )
    for problem in TALLY.problems():
        terminalreporter.write_line(f"BROKEN PROMISE: {problem}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Lost data or a leaked key fails the run even if the test that saw it was deselected
    # from reporting (each test asserts its own part as well).
    if TALLY.problems() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
