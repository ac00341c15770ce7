"""Comments and docs point only at things a reader of this repository can open.

Every `§N.M` names a section of `docs/deepseek-api.md` that exists; nothing points outside the
repository (the team's reference shelf beside the checkout) or at this project's issue tracker.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API_DOC = ROOT / "docs" / "deepseek-api.md"
# A citation may wrap onto the next line of a comment or docstring.
CITATION = re.compile(r"docs/deepseek-api\.md((?:(?:[\s,#-]|and)*§[0-9.]*[0-9])+)")
SECTION = re.compile(r"§([0-9]+(?:\.[0-9]+)*)")


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.toml", ".ci/run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # The recordings quote other projects' text verbatim; they are data, not our prose.
    return [ROOT / name for name in listed if not name.startswith("tests/data/")]


def _doc_sections() -> set[str]:
    headings = re.findall(r"^#{2,3} ([0-9]+(?:\.[0-9]+)*)[. ]", API_DOC.read_text(), re.M)
    return set(headings)


def test_every_section_cited_exists_in_the_api_doc() -> None:
    sections = _doc_sections()
    assert {"2.3", "4.1", "7.1", "8.2"} <= sections
    missing = []
    for path in _tracked_text_files():
        text = path.read_text(encoding="utf-8")
        for citation in CITATION.finditer(text):
            for number in SECTION.findall(citation.group(1)):
                if number not in sections:
                    missing.append(f"{path.relative_to(ROOT)}: §{number}")
    assert missing == []


def test_no_bare_section_sign_outside_the_api_doc() -> None:
    bare = []
    for path in _tracked_text_files():
        if path == API_DOC:
            continue
        text = path.read_text(encoding="utf-8")
        cited = {m.start(1) + s.start() for m in CITATION.finditer(text) for s in
                 SECTION.finditer(m.group(1))}  # fmt: skip
        for sign in SECTION.finditer(text):
            if sign.start() not in cited:
                line = text.count("\n", 0, sign.start()) + 1
                bare.append(f"{path.relative_to(ROOT)}:{line}: §{sign.group(1)}")
    assert bare == []


def test_nothing_points_outside_the_repository_or_at_the_tracker() -> None:
    outside = re.compile(r"\.\./shared|shared/docs|shared/reference-traffic|\bissue \d+\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _tracked_text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line) and path.name != "test_references.py"
    ]
    assert found == []
