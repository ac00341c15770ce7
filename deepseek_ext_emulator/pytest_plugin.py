"""Pytest plugin (``pytest11`` entry point): the ``deepseek_emulator`` fixture.

Pytest imports this module in every project where deepseek-ext is installed, so it
must stay cheap and safe: it needs only pytest and the emulator package, which is
standard library only (PyYAML is imported by cassette replay, when first used).
With pytest-socket, allow loopback (``--allow-hosts=127.0.0.1``): the emulator is a
real server on 127.0.0.1 and ``--disable-socket`` alone would block it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from deepseek_ext_emulator._emulator import Emulator


@pytest.fixture
def deepseek_emulator() -> Iterator[Emulator]:
    """A started emulator (api key ``"test-key"``), stopped after the test."""
    from deepseek_ext_emulator._emulator import Emulator

    emulator = Emulator(api_key="test-key")
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
