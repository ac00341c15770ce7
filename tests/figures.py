"""Figures for the docs, written by the run that measured them (with the date and the machine),
never typed by hand: `docs/figures/*.md`, included into the pages by the site's snippets."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["FIGURES", "machine_line", "write_figures"]

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def machine_line() -> str:
    """When and where: UTC time, OS and architecture, cores, Python."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now}; {platform.system()} {platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}"
    )


def write_figures(name: str, command: str, lines: Sequence[str]) -> Path:
    """Writes `docs/figures/NAME.md`: who measured (the command), when and where, then `lines`."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f"{name}.md"
    header = [f"Measured by `{command}` on {machine_line()}.", ""]
    path.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")
    sys.stderr.write(f"wrote {path}\n")
    return path
