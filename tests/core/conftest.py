"""Fixtures for the core unit tests."""

from __future__ import annotations

import pytest

from .core_support import MODES


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """`sync` or `async`: which client a shared test drives."""
    return str(request.param)
