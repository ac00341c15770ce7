"""Every ```python block in README.md and docs/ runs as written against the emulator.

Each block is a complete program, run from the repository root in a fresh interpreter with the
three variables `deepseek-ext emulator` prints pointing at an emulator (and nothing else: the
network is not reachable from the examples either). It must exit 0 and print what it shows. A
block that cannot run offline carries `<!-- skip-run: reason -->` on the line above its fence.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deepseek_ext_emulator import Emulator

from .limits.redis_server import redis_server

ROOT = Path(__file__).resolve().parents[1]
_NOT_EXAMPLES = {"deepseek-api.md"}
"""DeepSeek's API knowledge, kept as compiled: its blocks are wire examples, not programs."""
_SKIP = re.compile(r"<!-- skip-run: (?P<reason>\S.*?) -->")
_MOST_SKIPPED = 3
"""Blocks that may be marked skip-run in all: the docs run, only a real gateway may not."""


@dataclass(frozen=True)
class Example:
    path: Path
    line: int
    """1-based line of the opening fence."""
    code: str
    skip_reason: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def documents() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if p.name not in _NOT_EXAMPLES)
    return [ROOT / "README.md", *docs]


def examples_in(path: Path) -> Iterator[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            start = index
            index += 1
            body: list[str] = []
            while index < len(lines) and lines[index].strip() != "```":
                body.append(lines[index])
                index += 1
            above = lines[start - 1] if start else ""
            skip = _SKIP.fullmatch(above.strip())
            yield Example(path, start + 1, "\n".join(body) + "\n", skip and skip["reason"])
        index += 1


EXAMPLES = [example for path in documents() for example in examples_in(path)]


def test_the_docs_have_examples_and_few_are_skipped() -> None:
    assert len(EXAMPLES) >= 15
    skipped = [e.name for e in EXAMPLES if e.skip_reason]
    assert len(skipped) <= _MOST_SKIPPED, skipped


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=None) as emu:
        yield emu


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for the examples that share limits through one (`REDIS_URL`)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs_as_written(
    example: Example, emulator: Emulator, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if example.skip_reason:
        pytest.skip(example.skip_reason)
    extra = (
        {"REDIS_URL": request.getfixturevalue("redis_url")} if "REDIS_URL" in example.code else {}
    )
    script = tmp_path / "example.py"
    script.write_text(example.code, encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))},
        "DEEPSEEK_API_KEY": "emulator",
        "DEEPSEEK_BASE_URL": emulator.base_url,
        "DEEPSEEK_BETA_BASE_URL": emulator.beta_base_url,
        "PYTHONWARNINGS": "error::DeprecationWarning:__main__",
        **extra,
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"{example.name} failed:\n{result.stderr[-3000:]}"
    assert result.stdout.strip(), f"{example.name} printed nothing"
