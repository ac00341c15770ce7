"""The ``deepseek_emulator`` pytest fixture, in this session and in a clean project."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from deepseek_ext_emulator import Emulator

from .emu_ref import AUTH, chat

ROOT = Path(__file__).resolve().parents[2]

INNER = textwrap.dedent(
    """
    import httpx

    PORTS = []

    def test_started(deepseek_emulator):
        PORTS.append(deepseek_emulator.port)
        response = httpx.post(
            deepseek_emulator.base_url + "/chat/completions",
            json={"model": "deepseek-chat", "messages": [{"role": "user", "content": "x"}]},
            headers={"Authorization": "Bearer test-key"},
        )
        assert response.status_code == 200

    def test_stopped_after_previous_test():
        try:
            httpx.get("http://127.0.0.1:%d/models" % PORTS[0], timeout=1)
        except httpx.ConnectError:
            return
        raise AssertionError("the emulator was still serving after its test")
    """
)


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    # Only the plugin under test: no entry points from whatever else is installed.
    return {**os.environ, "PYTHONPATH": path, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def test_fixture_yields_a_started_emulator(deepseek_emulator: Emulator) -> None:
    assert isinstance(deepseek_emulator, Emulator)
    response = httpx.post(
        f"{deepseek_emulator.base_url}/chat/completions", json=chat(), headers=AUTH
    )
    assert response.status_code == 200
    assert deepseek_emulator.api_key == "test-key"


def test_plugin_works_in_a_bare_project(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "deepseek_ext_emulator.pytest_plugin",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_inner.py"),
        ],
        check=False,
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_plugin_import_stays_light() -> None:
    # PyYAML is only needed for replay and must not be required to load the plugin.
    code = (
        "import sys, deepseek_ext_emulator.pytest_plugin as p; "
        "assert hasattr(p, 'deepseek_emulator'); "
        "heavy = {'yaml', 'vcr'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_emulator_imports_only_stdlib_and_itself() -> None:
    """An independent server: no client code, no third-party runtime dependency."""
    allowed_third_party = {"pytest"}  # the plugin module only
    for module in sorted((ROOT / "deepseek_ext_emulator").glob("*.py")):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "deepseek_ext_emulator":
                    continue
                if top not in sys.stdlib_module_names and top != "__future__":
                    assert top in allowed_third_party, (module.name, name)


def test_entry_point_names_the_plugin_module() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert 'deepseek_emulator = "deepseek_ext_emulator.pytest_plugin"' in pyproject
