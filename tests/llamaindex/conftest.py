"""Fixtures for the LlamaIndex suite: an offline emulator and LLMs pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deepseek_ext_emulator import Emulator

from .li_support import API_KEY, Emu


@pytest.fixture
def emu() -> Iterator[Emu]:
    emulator = Emulator(api_key=API_KEY)
    emulator.start()
    try:
        yield Emu(emulator)
        assert not emulator.errors, emulator.errors
        assert emulator.pending == 0, "scripted replies left unused"
    finally:
        emulator.stop()
