"""Tables and target verdicts, as printed by `run.py` (plain text that pastes into Markdown)."""

from __future__ import annotations

from dataclasses import dataclass

from _contenders import ANCHOR_OF, CONTENDERS, FLOOR_OF
from _measure import Series, paired_ratio


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    unit: str
    scale: float
    """Multiplier from seconds (or bytes) to `unit`."""
    wall: bool = False
    """Report wall time instead of CPU time."""
    paired: bool = True
    """Samples of one round belong together (interleaved figures); else ratios of medians."""


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def ratio(a: Series, b: Series, figure: Figure) -> tuple[float, float]:
    if figure.paired:
        return paired_ratio(a, b, wall=figure.wall)
    return a.median(figure.wall) / b.median(figure.wall), max(
        a.spread(figure.wall), b.spread(figure.wall)
    )


def table(
    figure: Figure,
    data: dict[str, Series],
    skipped: dict[str, str],
    floor_of: dict[str, str] = FLOOR_OF,
    anchor_of: dict[str, str] = ANCHOR_OF,
) -> list[str]:
    """One Markdown table: median, spread, ratio to the floor, speed-up over the anchor."""
    lines = [
        f"### {figure.title}",
        "",
        f"| contender | {figure.unit} | spread | vs floor | anchor / ours |",
        "|---|---:|---:|---|---|",
    ]
    names = [n for n in CONTENDERS if n in data or n in skipped]
    for name in names + [n for n in data if n not in CONTENDERS]:
        if name in skipped:
            lines.append(f"| {name} | - | - | skipped: {skipped[name]} | |")
            continue
        if name not in data:
            continue
        series = data[name]
        value = series.median(figure.wall) * figure.scale
        spread = f"±{series.spread(figure.wall) * 100:.0f}%"
        floor = floor_of.get(name)
        is_floor = name in CONTENDERS and CONTENDERS[name].kind == "floor"
        vs_floor = "(floor)" if is_floor or name in floor_of.values() else ""
        if floor in data:
            r, s = ratio(series, data[floor], figure)
            vs_floor = f"{r:.2f}x {floor} ±{s * 100:.0f}%"
        anchor = anchor_of.get(name)
        vs_anchor = ""
        if anchor in data:
            r, s = ratio(data[anchor], series, figure)
            vs_anchor = f"{r:.2f}x ±{s * 100:.0f}%"
        lines.append(f"| {name} | {_fmt(value)} | {spread} | {vs_floor} | {vs_anchor} |")
    return [*lines, ""]


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.1f}%" if fraction < 0.1 else f"{fraction * 100:.0f}%"


@dataclass(frozen=True)
class Verdict:
    what: str
    value: float
    limit: float
    at_least: bool = False
    """True when the value must reach the limit (speed-ups), else stay under it."""
    unit: str = "x"
    bound: str = ""
    """For a target the floors themselves cannot meet: what bounds it, measured in the run."""

    @property
    def passed(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        if self.passed:
            margin = "met"
        elif self.at_least:
            margin = f"short by {_pct(1 - self.value / self.limit)}"
        else:
            margin = f"over by {_pct(self.value / self.limit - 1)}"
        if self.bound and not self.passed:
            margin += f"; bound: {self.bound}"
        word = "PASS" if self.passed else "MISS"
        limit = f"{sign} {self.limit:g}{self.unit}"
        return f"| {word} | {self.what} | {self.value:.2f}{self.unit} | {limit} | {margin} |"


def verdict_table(verdicts: list[Verdict]) -> list[str]:
    lines = [
        "### Targets",
        "",
        "| | target | measured | limit | |",
        "|---|---|---:|---:|---|",
    ]
    return [*lines, *(v.line() for v in verdicts), ""]
