"""The test suite on every CPython the package claims, and on the lowest declared dependencies.

    python3 -m pip install nox && nox            # every session whose interpreter is found
    nox -s "tests-3.12"                          # one of them

`tests-3.10` ... `tests-3.13` install the project with its dev extras (the newest releases the
version ranges allow) into a fresh virtual environment of that interpreter and run the README's
test command there. `lowest` does the same on the oldest Python the package claims with every
direct dependency pinned to the lowest version `pyproject.toml` declares for it.

Interpreters are looked up as `python3.X` on PATH and, failing that, in pyenv's versions folder
(CI machines keep several CPythons there without putting them on PATH). What was found and what
was not is printed first; a missing interpreter skips its session and says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
# The dependencies whose lowest declared version the `lowest` session pins: the runtime ones and
# those of the extras the tests exercise (the test tools themselves stay current).
LOWEST_FROM = (
    "dependencies", "langchain", "llamaindex", "tokenizer", "otel", "redis", "speech"
)  # fmt: skip

nox.options.sessions = [*(f"tests-{version}" for version in PYTHONS), "lowest"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = False


def _pyenv_interpreter(version: str) -> Path | None:
    """The newest pyenv-installed CPython `version.*`, if pyenv is there."""
    try:
        root = subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    candidates = sorted(
        Path(root, "versions").glob(f"{version}.*/bin/python{version}"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parts[-3])],
    )
    return candidates[-1] if candidates else None


def _runs(interpreter: str) -> bool:
    """Whether `interpreter` starts (a pyenv shim for a version not selected does not)."""
    try:
        started = subprocess.run([interpreter, "-c", "pass"], capture_output=True, check=False)
    except OSError:
        return False
    return started.returncode == 0


def _find_interpreters() -> dict[str, str | None]:
    """`python3.X` for each claimed version: on PATH, else from pyenv (then put on PATH)."""
    found: dict[str, str | None] = {}
    for version in PYTHONS:
        on_path = shutil.which(f"python{version}")
        if on_path and _runs(on_path):
            found[version] = on_path
            continue
        pyenv = _pyenv_interpreter(version)
        if pyenv is not None:
            # nox looks interpreters up by name on PATH; pyenv's shims would refuse the
            # versions that are not selected, so the real folder goes first.
            os.environ["PATH"] = f"{pyenv.parent}{os.pathsep}{os.environ['PATH']}"
        found[version] = str(pyenv) if pyenv else None
    return found


INTERPRETERS = _find_interpreters()
print("nox: interpreters for the claimed Pythons:", file=sys.stderr)
for _version, _path in INTERPRETERS.items():
    print(f"  {_version}: {_path or 'NOT FOUND, its session is skipped'}", file=sys.stderr)


def _readme_test_args() -> list[str]:
    """The arguments of `pytest` in the README's test command (so every session runs the same)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- test-command -->", 1)[1].split("<!-- /test-command -->", 1)[0]
    command = next(line for line in block.splitlines() if "pytest" in line)
    return command.split("pytest", 1)[1].split()


def lowest_pins() -> list[str]:
    """`name==version` for each direct dependency, at the lowest version its range allows."""
    import tomllib  # nox itself runs on 3.11+ (the CI interpreter); the sessions may be older

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"dependencies": project["dependencies"], **project["optional-dependencies"]}
    pins = []
    for group in LOWEST_FROM:
        for requirement in groups[group]:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([^,<\s]+)(?:\s*,\s*<.*)?", requirement)
            if match is None:
                raise ValueError(f"{group}: {requirement!r} declares no lowest version")
            pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


def _run_tests(session: nox.Session) -> None:
    session.run("python", "-c", "import sys; print('python', sys.version)")
    session.run("pytest", *_readme_test_args(), *session.posargs)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite with the newest dependencies the ranges allow."""
    session.install("-q", "-e", ".[dev]")
    _run_tests(session)


@nox.session(python=PYTHONS[0])
def lowest(session: nox.Session) -> None:
    """The test suite with every direct dependency at its lowest declared version."""
    pins = lowest_pins()
    # Not `session.create_tmp()`: that also sets TMPDIR for the tests, inside this checkout, and
    # a test that runs pytest in a temporary folder would then find this project's settings.
    constraints = Path(tempfile.mkdtemp(prefix="nox-lowest-")) / "lowest.txt"
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    session.log("pinned: " + ", ".join(pins))
    session.install("-q", "-e", ".[dev]", "-c", str(constraints))
    session.run("pip", "list", "--format=freeze", silent=False)
    _run_tests(session)
