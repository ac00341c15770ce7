"""Shared names for the CLI tests (a module of its own: test modules cannot import conftest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

KEY = "sk-cli-test-7f3a9c1e5b2d"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]
