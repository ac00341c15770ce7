"""The batch tests' emulator: a started one that accepts only the tests' key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deepseek_ext_emulator import Emulator

from .batch_support import KEY


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu
