"""Fixtures: a real Redis for the session, and a fresh account name per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from .redis_server import RedisServer, redis_server


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def account() -> str:
    """A name no other test uses: tests share one Redis, never one account."""
    return f"test-{uuid.uuid4().hex[:12]}"
