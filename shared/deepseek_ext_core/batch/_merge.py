"""Merging the outputs of one job split in shards (`shard=(k, n)`): one file, and what was
answered twice or not at all."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._input import read_batch_input

__all__ = ["MergeReport", "merge_outputs"]


@dataclass(slots=True)
class MergeReport:
    """What `merge_outputs` wrote and found."""

    lines: int = 0
    """Lines written to the merged output (one per custom_id)."""
    duplicates: list[str] = field(default_factory=list)
    """custom_ids with more than one line across the shards (the first is kept)."""
    missing: list[str] = field(default_factory=list)
    """custom_ids of the input with no line in any shard (only with an input)."""

    @property
    def complete(self) -> bool:
        return not self.duplicates and not self.missing

    def summary(self) -> str:
        text = [f"merged {self.lines} answers"]
        if self.duplicates:
            text.append(f"answered twice: {', '.join(self.duplicates[:20])}")
        if self.missing:
            text.append(f"no answer: {', '.join(self.missing[:20])}")
        return "\n".join(text)


def merge_outputs(
    outputs: Sequence[str | Path], merged: str | Path, *, input_path: str | Path | None = None
) -> MergeReport:
    """Writes every line of `outputs` to `merged`, once per custom_id."""
    report = MergeReport()
    counts: Counter[str] = Counter()
    with Path(merged).open("w", encoding="utf-8") as target:
        for output in outputs:
            with Path(output).open(encoding="utf-8") as source:
                for raw in source:
                    if not raw.strip():
                        continue
                    custom_id = json.loads(raw)["custom_id"]
                    counts[custom_id] += 1
                    if counts[custom_id] == 1:
                        target.write(raw if raw.endswith("\n") else raw + "\n")
                        report.lines += 1
    report.duplicates = sorted(custom_id for custom_id, n in counts.items() if n > 1)
    if input_path is not None:
        requests, _ = read_batch_input(input_path)
        report.missing = [r.custom_id for r in requests if r.custom_id not in counts]
    return report
