"""The wheel ships exactly five import packages, and nothing named shared, tests, cassettes."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "deepseek_ext_core",
    "langchain_deepseek_ext",
    "llamaindex_deepseek_ext",
    "deepseek_ext_emulator",
    "deepseek_ext_cli",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("deepseek_ext-*.whl")
    return built


def test_wheel_holds_exactly_the_five_packages(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {
        name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")
    }
    assert top_level == PACKAGES
    for package in PACKAGES:
        assert f"{package}/py.typed" in names
    assert "deepseek_ext_emulator/pytest_plugin.py" in names
    assert "deepseek_ext_cli/quarterly-report.pdf" in names  # the demo's OCR part reads it
    assert "deepseek_ext_core/emulator.py" not in names  # no alias of the emulator in the core


def test_wheel_declares_the_command_and_the_extras(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    text = archive.read(metadata).decode()
    for extra in ("langchain", "llamaindex", "dev"):
        assert f"Provides-Extra: {extra}" in text
    requires = [
        line
        for line in text.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert sorted(r.split()[1].split(">")[0].split("<")[0] for r in requires) == [
        "httpx",
        "pydantic",
        "tenacity",
    ]
    entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    assert "deepseek-ext = deepseek_ext_cli:main" in archive.read(entry_points).decode()


def test_installed_project_exposes_no_shared_tests_or_cassettes(tmp_path: Path) -> None:
    probe = (
        "import importlib.util as u, json;"
        "print(json.dumps({n: u.find_spec(n) is not None for n in "
        "('shared', 'tests', 'cassettes', 'deepseek_ext_core')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, check=True, capture_output=True, text=True
    )
    assert result.stdout.strip() == (
        '{"shared": false, "tests": false, "cassettes": false, "deepseek_ext_core": true}'
    )


def _modules_after(statement: str) -> set[str]:
    """The module names a fresh interpreter holds after running `statement`."""
    script = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_importing_the_core_leaves_asyncio_to_async_callers() -> None:
    # benchmarks/RESULTS.md: asyncio is 10 ms of `import deepseek_ext_core`.
    assert "asyncio" not in _modules_after("import deepseek_ext_core")
    assert "asyncio" in _modules_after(
        "from deepseek_ext_core import AsyncDeepSeekClient\n"
        "AsyncDeepSeekClient(api_key='sk-test', max_concurrency=2)"
    )


def test_chat_users_do_not_import_the_fim_model_or_yaml() -> None:
    loaded = _modules_after("from langchain_deepseek_ext import ChatDeepSeek")
    assert "langchain_deepseek_ext.llms" not in loaded
    assert "yaml" not in loaded
    loaded = _modules_after("from langchain_deepseek_ext import DeepSeekFIM\nDeepSeekFIM")
    assert "langchain_deepseek_ext.llms" in loaded


def test_chat_users_load_none_of_the_document_and_speech_parts() -> None:
    heavy = {
        "deepseek_ext_core.ocr",
        "deepseek_ext_core.speech",
        "langchain_deepseek_ext.documents",
        "langchain_deepseek_ext.speech",
        "llamaindex_deepseek_ext.documents",
        "websockets",
    }
    loaded = _modules_after(
        "from langchain_deepseek_ext import ChatDeepSeek\n"
        "from llamaindex_deepseek_ext import DeepSeek"
    )
    assert not heavy & loaded
    loaded = _modules_after("from langchain_deepseek_ext import DeepSeekOCRLoader")
    assert {"langchain_deepseek_ext.documents", "deepseek_ext_core.ocr"} <= loaded
    assert "websockets" not in loaded  # only a live TTS session brings it
    loaded = _modules_after("from llamaindex_deepseek_ext import DeepSeekOCRReader")
    assert "llamaindex_deepseek_ext.documents" in loaded


def test_every_name_in_all_resolves() -> None:
    import langchain_deepseek_ext
    import llamaindex_deepseek_ext

    for name in langchain_deepseek_ext.__all__:
        assert getattr(langchain_deepseek_ext, name) is not None
    for name in llamaindex_deepseek_ext.__all__:
        assert getattr(llamaindex_deepseek_ext, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        langchain_deepseek_ext.Nope  # noqa: B018


def test_one_version_read_from_the_package_metadata_after_import() -> None:
    from importlib.metadata import version

    import deepseek_ext_core
    import langchain_deepseek_ext
    import llamaindex_deepseek_ext

    installed = version("deepseek-ext")
    assert deepseek_ext_core.__version__ == installed
    assert langchain_deepseek_ext.__version__ == installed
    assert llamaindex_deepseek_ext.__version__ == installed
    # Importing the core does not look the metadata up (about 2 ms on every import).
    script = (
        "import deepseek_ext_core\n"
        "from deepseek_ext_core.integration import package_version\n"
        "print(package_version.cache_info().currsize)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"
