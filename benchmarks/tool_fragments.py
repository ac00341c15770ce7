"""A streamed tool call whose arguments arrive in many fragments, through `ChatDeepSeek.stream`.

A coding agent writing a file streams one tool call whose arguments come in thousands of
fragments. langchain-core merges every chunk `BaseChatModel.stream` yields into the message it
reports to callbacks, and each merge re-parses the partial JSON of the arguments so far: the
cost of a fragment grows with the arguments before it. This prints the client CPU time per
fragment for 1,000, 4,000 and 16,000 fragments, and the ratio of the largest to the smallest
(flat is 1.0x). Run it in the benchmark venv (benchmarks/README.md):

    .bench/bin/python benchmarks/tool_fragments.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from deepseek_ext_emulator import Emulator, Reply, ToolCall
from langchain_deepseek_ext import ChatDeepSeek
from tests.figures import write_figures

KEY = "sk-bench"
SIZES = (1_000, 4_000, 16_000)
TOOL = {
    "type": "function",
    "function": {
        "name": "write_file",
        "description": "Write a file.",
        "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
    },
}


def arguments_with(fragments: int) -> str:
    """Arguments the emulator streams in about `fragments` pieces (one per word)."""
    return json.dumps({"text": " ".join(f"w{i}" for i in range(fragments))})


def measure(fragments: int, *, merge: bool) -> tuple[int, float]:
    """(tool-argument chunks the caller received, client CPU seconds for the whole stream).

    `merge`: the caller also adds the chunks up as they come (`full = full + chunk`), as a UI
    that shows the arguments growing, or LangGraph's `stream_mode="messages"`, does.
    """
    with Emulator(api_key=KEY) as emulator:
        call = ToolCall(name="write_file", arguments=arguments_with(fragments))
        emulator.push(Reply.tool_calls([call]))
        model = ChatDeepSeek(
            model="deepseek-chat", api_key=KEY, base_url=emulator.base_url
        ).bind_tools([TOOL])
        received = 0
        full = None
        started = time.process_time()
        for chunk in model.stream("Write the file."):
            received += sum(1 for c in chunk.tool_call_chunks if c.get("args"))
            if merge:
                full = chunk if full is None else full + chunk
        return received, time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument(
        "--write-docs", action="store_true", help="also write docs/figures/tool-fragments.md"
    )
    args = parser.parse_args()
    lines: list[str] = []
    for merge in (False, True):
        per_fragment: list[float] = []
        caller = "the caller adds chunks up" if merge else "the caller only reads chunks"
        lines += [
            f"\n{caller}\n",
            "| fragments | chunks with arguments | client CPU | per fragment |",
        ]
        lines.append("|---:|---:|---:|---:|")
        for size in args.sizes:
            chunks, seconds = measure(size, merge=merge)
            per_fragment.append(seconds / size)
            lines.append(
                f"| {size:,} | {chunks:,} | {seconds:.2f} s | {seconds / size * 1e6:.0f} µs |"
            )
        ratio = per_fragment[-1] / per_fragment[0]
        lines.append(f"\nper-fragment cost, {args.sizes[-1]:,} vs {args.sizes[0]:,}: {ratio:.2f}x")
    print("\n".join(lines))
    if args.write_docs:
        write_figures("tool-fragments", "python benchmarks/tool_fragments.py --write-docs", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
