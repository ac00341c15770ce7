"""deepseek-ext benchmarks: the client's cost against the physical floor and anchors.

Usage:

    pip install -e ".[bench]"         # in a venv of its own (README.md): import times depend on it
    python benchmarks/run.py          # full run, about 4 minutes on 2 cores
    python benchmarks/run.py --quick  # smoke run, under a minute: same tables, fewer samples
    python benchmarks/run.py --only call,stream  # figures: call stream think burst import memory

It starts `benchmarks/_server.py` in its own process: a loopback server that answers with bodies
the emulator rendered once (so the server's own cost stays small and off the client's CPU clock),
then measures in this process, with `time.process_time()` (the client process's CPU only):

- call:   CPU per non-streaming chat call, sequential requests
- stream: CPU per streamed chunk over 1,000-chunk answers
- think:  CPU per streamed chunk over one thinking stream of 50,000 chunks (10,000 with --quick)
- burst:  wall time of 200 concurrent async calls (`asyncio.gather`, one warm client)
and, in fresh interpreters (`_probe.py`):
- import: time to import each package
- memory: peak RSS after one request; RSS growth over the thinking stream, and over a control
          stream with the same text in ten times fewer chunks (the difference is per-chunk cost)

Contenders (`_contenders.py`): the floors (raw httpx; a minimal LangChain `BaseChatModel` and a
minimal LlamaIndex `LLM` over raw httpx, `_floors.py`), ours (the core client sync and async,
`ChatDeepSeek`, the LlamaIndex `DeepSeek`) and the anchors (langchain-deepseek,
llama-index-llms-deepseek; skipped with a note when not installed). Every figure is measured in
rounds, each round running every contender once in a rotating order, so machine drift falls on
all alike; figures are medians over rounds, ratios are medians of per-round ratios, spreads are
half the interquartile range. The output is Markdown, ready for `benchmarks/RESULTS.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # tests.figures, which writes the docs' figures

from _contenders import ANCHOR, CONTENDERS, FLOOR_OF, OURS  # noqa: E402
from _measure import Series, async_batch, round_robin, sync_batch  # noqa: E402
from _report import Figure, Verdict, ratio, table, verdict_table  # noqa: E402

from tests.figures import write_figures  # noqa: E402


@dataclass(frozen=True)
class Plan:
    call_rounds: int
    call_batch: int
    stream_rounds: int
    think: tuple[int, int]
    """Reasoning and answer chunks of the thinking stream."""
    think_rounds: int
    burst_rounds: int
    burst: int
    import_reps: int
    memory_reps: int
    anchors_everywhere: bool
    """Anchors also in burst, import and memory (which carry no anchor target)."""


FULL = Plan(40, 50, 25, (45_000, 5_000), 3, 10, 200, 9, 1, True)
QUICK = Plan(6, 20, 4, (4_500, 500), 1, 1, 200, 1, 1, False)

FIGURES = {
    "call": Figure("call", "CPU per non-streaming call", "ms/call", 1e3),
    "stream": Figure("stream", "CPU per streamed chunk, 1,000-chunk streams", "µs/chunk", 1e6),
    "think": Figure("think", "CPU per streamed chunk, thinking stream", "µs/chunk", 1e6),
    "burst": Figure("burst", "Wall time of 200 concurrent async calls", "ms", 1e3, wall=True),
    "import": Figure("import", "Import time, fresh interpreter", "ms", 1e3, paired=True),
    "rss": Figure("rss", "Peak RSS after one request, fresh interpreter", "MB", 1e-6, paired=False),
    "mem_think": Figure(
        "mem_think", "RSS growth over the thinking stream", "MB", 1e-6, paired=False
    ),
    "mem_control": Figure(
        "mem_control", "RSS growth, same text in 10x fewer chunks", "MB", 1e-6, paired=False
    ),
}

# Which operation each contender runs in each CPU figure (async contenders run their twins).
SEQUENTIAL = [
    "httpx",
    "httpx async",
    "LC floor",
    "LI floor",
    "core",
    "core async",
    "ChatDeepSeek",
    "LI DeepSeek",
    "langchain-deepseek",
    "llama-index-llms-deepseek",
]
SYNC_ONLY = [n for n in SEQUENTIAL if not n.endswith("async")]
BURST = [n for n in SEQUENTIAL if n not in ("httpx", "core")]

IMPORTS = {
    "httpx, pydantic": "import httpx, pydantic",
    "httpx + a pydantic model": "import httpx\nfrom pydantic import BaseModel\n"
    "class M(BaseModel):\n    x: int = 0",
    "deepseek_ext_core": "import deepseek_ext_core",
    "LangChain (framework)": "from langchain_core.language_models import BaseChatModel\n"
    "from langchain_core.messages import AIMessage\nfrom langchain_core.outputs import ChatResult",
    "langchain_deepseek_ext": "from langchain_deepseek_ext import ChatDeepSeek",
    "LlamaIndex (framework)": "from llama_index.core.llms import LLM\n"
    "from llama_index.core.llms.callbacks import llm_chat_callback",
    "llamaindex_deepseek_ext": "from llamaindex_deepseek_ext import DeepSeek",
    "langchain_deepseek": "from langchain_deepseek import ChatDeepSeek",
    "llama_index.llms.deepseek": "from llama_index.llms.deepseek import DeepSeek",
}
IMPORT_FLOOR = {
    "langchain_deepseek_ext": "LangChain (framework)",
    "llamaindex_deepseek_ext": "LlamaIndex (framework)",
}
IMPORT_FLOOR_ALL = {"deepseek_ext_core": "httpx, pydantic", **IMPORT_FLOOR}
IMPORT_ANCHOR = {
    "langchain_deepseek_ext": "langchain_deepseek",
    "llamaindex_deepseek_ext": "llama_index.llms.deepseek",
}
IMPORT_NEEDS = {
    "langchain_deepseek": "langchain_deepseek",
    "llama_index.llms.deepseek": "llama_index.llms.deepseek",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def start_server(think: tuple[int, int]) -> tuple[subprocess.Popen[str], str, dict[str, int]]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_server.py"), "--think", f"{think[0]},{think[1]}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    hello = json.loads(server.stdout.readline())
    return server, f"http://127.0.0.1:{hello['port']}", hello["events"]


class Bench:
    def __init__(self, plan: Plan, root: str, events: dict[str, int]) -> None:
        self.plan = plan
        self.root = root
        self.events = events
        self.loop = asyncio.new_event_loop()
        self.skipped = {c.name: "not installed" for c in CONTENDERS.values() if not c.available()}
        self.quick_skip = (
            set()
            if plan.anchors_everywhere
            else {n for n, c in CONTENDERS.items() if c.kind == ANCHOR}
        )
        self.results: dict[str, dict[str, Series]] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, name: str, route: str) -> Any:
        key = (name, route)
        if key not in self._clients:
            self._clients[key] = CONTENDERS[name].make(f"{self.root}/{route}")
        return self._clients[key]

    def names(self, names: list[str], *, all_figures: bool = True) -> list[str]:
        """The available ones; with `all_figures=False` also without anchors in --quick."""
        return [
            n for n in names if n not in self.skipped and (all_figures or n not in self.quick_skip)
        ]

    def _batch(self, name: str, route: str, repeat: int, units: float, stream: bool) -> Any:
        client = self.client(name, route)
        if name.endswith("async"):
            op = client.astream if stream else client.acall
            return async_batch(self.loop, op, repeat, units)
        return sync_batch(client.stream if stream else client.call, repeat, units)

    def cpu_figures(self, only: set[str]) -> None:
        p = self.plan
        if "call" in only:
            log(f"call: {p.call_rounds} rounds x {p.call_batch} calls")
            batches = {
                n: self._batch(n, "plain", p.call_batch, p.call_batch, False)
                for n in self.names(SEQUENTIAL)
            }
            self.results["call"] = round_robin(batches, p.call_rounds)
        if "stream" in only:
            log(f"stream: {p.stream_rounds} rounds of one 1,000-chunk stream")
            units = self.events["s1000"]
            batches = {n: self._batch(n, "s1000", 1, units, True) for n in self.names(SEQUENTIAL)}
            self.results["stream"] = round_robin(batches, p.stream_rounds)
        if "think" in only:
            log(f"think: {p.think_rounds} rounds of one {self.events['think']:,}-event stream")
            units = self.events["think"]
            batches = {n: self._batch(n, "think", 1, units, True) for n in self.names(SYNC_ONLY)}
            self.results["think"] = round_robin(
                batches, p.think_rounds, warmup=0, progress=lambda i: log(f"  think round {i + 1}")
            )
        if "burst" in only:
            log(f"burst: {p.burst_rounds} rounds of {p.burst} concurrent calls")
            batches = {
                n: async_batch(
                    self.loop, self.client(n, "plain").acall, p.burst, 1, concurrent=True
                )
                for n in self.names(BURST, all_figures=False)
            }
            self.results["burst"] = round_robin(batches, p.burst_rounds)

    def _probe(self, *args: str) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, str(HERE / "_probe.py"), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    def imports(self) -> None:
        import importlib.util

        names = [
            n
            for n in IMPORTS
            if n not in IMPORT_NEEDS
            or (
                self.plan.anchors_everywhere
                and importlib.util.find_spec(IMPORT_NEEDS[n]) is not None
            )
        ]
        log(f"import: {self.plan.import_reps} fresh interpreters per package")
        series = {n: Series() for n in names}
        for rep in range(self.plan.import_reps):
            shift = rep % len(names)
            for name in names[shift:] + names[:shift]:
                seconds = self._probe("import", IMPORTS[name])["seconds"]
                series[name].cpu.append(seconds)
                series[name].wall.append(seconds)
        self.results["import"] = series

    def memory(self) -> None:
        """Two probes at a time: memory figures do not depend on CPU contention."""
        names = self.names(SYNC_ONLY, all_figures=False)
        log(f"memory: {self.plan.memory_reps} x 2 fresh interpreters per contender")
        rss = {n: Series() for n in names}
        grow = {route: {n: Series() for n in names} for route in ("think", "control")}
        jobs = [
            (n, route)
            for _ in range(self.plan.memory_reps)
            for n in names
            for route in ("control", "think")
        ]
        with ThreadPoolExecutor(max_workers=2) as pool:
            outs = pool.map(lambda job: self._probe("memory", job[0], self.root, job[1]), jobs)
            for (name, route), out in zip(jobs, outs, strict=True):
                rss[name].cpu.append(out["peak_after_one_request"])
                grow[route][name].cpu.append(out["stream"]["peak"])
        for series in (rss, *grow.values()):
            for s in series.values():
                s.wall = s.cpu
        self.results["rss"] = rss
        self.results["mem_think"] = grow["think"]
        self.results["mem_control"] = grow["control"]


FRAMEWORK_FLOORS = ("LC floor", "LI floor")
"""The floors that are a framework over raw httpx (what a framework costs by itself)."""


def verdicts(bench: Bench) -> list[Verdict]:
    r, out = bench.results, []

    def check(fig: str, a: str, b: str, limit: float, what: str, *, faster: bool = False) -> None:
        data = r.get(fig, {})
        if a in data and b in data:
            first, second = (data[b], data[a]) if faster else (data[a], data[b])
            value, _ = ratio(first, second, FIGURES[fig])
            out.append(Verdict(what, value, limit, at_least=faster))

    check("call", "core", "httpx", 1.3, "core CPU/call vs httpx")
    check("call", "core async", "httpx async", 1.3, "core async CPU/call vs httpx async")
    check("stream", "core", "httpx", 1.5, "core CPU/chunk vs httpx (1,000-chunk)")
    check("stream", "core async", "httpx async", 1.5, "core async CPU/chunk vs httpx async")
    check("think", "core", "httpx", 1.5, "core CPU/chunk vs httpx (thinking stream)")
    check("burst", "core async", "httpx async", 1.2, "core 200 concurrent wall vs httpx async")
    for ours, floor, anchor in (
        ("ChatDeepSeek", "LC floor", "langchain-deepseek"),
        ("LI DeepSeek", "LI floor", "llama-index-llms-deepseek"),
    ):
        check("call", ours, floor, 1.15, f"{ours} CPU/call vs {floor}")
        check("stream", ours, floor, 1.15, f"{ours} CPU/chunk vs {floor} (1,000-chunk)")
        check("think", ours, floor, 1.15, f"{ours} CPU/chunk vs {floor} (thinking stream)")
        check("call", ours, anchor, 2.0, f"{ours} speed-up per call over {anchor}", faster=True)
        check("stream", ours, anchor, 2.5, f"{ours} speed-up per chunk over {anchor}", faster=True)
        check(
            "think",
            ours,
            anchor,
            2.5,
            f"{ours} speed-up per chunk over {anchor} (thinking)",
            faster=True,
        )
    imports = r.get("import", {})
    if {"deepseek_ext_core", "httpx, pydantic"} <= imports.keys():
        value, _ = ratio(
            imports["deepseek_ext_core"], imports["httpx, pydantic"], FIGURES["import"]
        )
        bound = ""
        if "httpx + a pydantic model" in imports:
            one_model, _ = ratio(
                imports["httpx + a pydantic model"], imports["httpx, pydantic"], FIGURES["import"]
            )
            bound = f"importing httpx and defining one pydantic model is {one_model:.2f}x"
        out.append(
            Verdict("import deepseek_ext_core vs import httpx, pydantic", value, 1.5, bound=bound)
        )
    for adapter, framework in IMPORT_FLOOR.items():
        if {adapter, framework} <= imports.keys():
            pairs = zip(imports[adapter].cpu, imports[framework].cpu, strict=True)
            added = statistics.median(a - f for a, f in pairs)  # same interpreter round
            out.append(
                Verdict(f"import {adapter}: added to {framework}", added * 1e3, 100, unit=" ms")
            )
    think, control = r.get("mem_think", {}), r.get("mem_control", {})
    extra_chunks = bench.events["think"] - bench.events["control"]
    if extra_chunks < 40_000:
        # --quick: tens of bytes a chunk over 9,000 chunks is within the noise of RSS itself
        # (pages, allocator arenas); the tables still print the growth.
        return out

    def per_chunk(name: str) -> float:
        return (think[name].median() - control[name].median()) / extra_chunks

    for name in (n for n in think if CONTENDERS[n].kind == OURS):
        # A framework that keeps every chunk (LangChain's `stream()` does) bounds the adapter:
        # its floor, the framework over raw httpx, misses the same limit.
        floor = FLOOR_OF.get(name, "")
        framework_bound = floor in FRAMEWORK_FLOORS and floor in think and floor in control
        bound = (
            f"{floor} grows {per_chunk(floor):,.0f} B per chunk"
            if framework_bound and per_chunk(floor) > 24
            else ""
        )
        out.append(
            Verdict(
                f"{name} memory per extra chunk (same text)",
                per_chunk(name),
                24,
                unit=" B",
                bound=bound,
            )
        )
    return out


def header(plan: Plan, events: dict[str, int], quick: bool) -> list[str]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "absent"

    dists = [
        "httpx",
        "pydantic",
        "langchain-core",
        "llama-index-core",
        "langchain-deepseek",
        "llama-index-llms-deepseek",
        "openai",
    ]
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    load = os.getloadavg()[0]
    return [
        f"## deepseek-ext benchmarks{' (--quick)' if quick else ''}",
        "",
        f"- {now}; {platform.system()} {platform.machine()}, {os.cpu_count()} cores "
        f"(load {load:.1f} at the end, shared); Python {platform.python_version()}",
        "- " + ", ".join(f"{d} {version(d)}" for d in dists),
        f"- {len(list(metadata.distributions()))} distributions installed; rich {version('rich')}"
        " (when rich, click and pygments are all installed, `import httpx` loads them for its"
        " command line, about 40 ms more for every client built on httpx)",
        f"- command: `python benchmarks/run.py{' --quick' if quick else ''}`{_overlay()}",
        f"- call: {plan.call_rounds} rounds x {plan.call_batch} calls; stream: {plan.stream_rounds}"
        f" x {events['s1000']:,} events; think: {plan.think_rounds} x {events['think']:,} events"
        f" ({plan.think[0]:,} reasoning + {plan.think[1]:,} answer); burst: {plan.burst_rounds}"
        f" x {plan.burst}; import: {plan.import_reps} runs; memory: {plan.memory_reps} runs",
        "- spread: ±half the interquartile range over rounds; ratios: median of per-round ratios",
        "",
    ]


def _overlay() -> str:
    """Where the measured packages come from, when not this checkout (a projection run)."""
    import deepseek_ext_core

    path = Path(deepseek_ext_core.__file__).resolve().parent.parent
    return "" if path == HERE.parent / "shared" else f" with `PYTHONPATH={path}` (a projection)"


def main() -> None:
    parser = argparse.ArgumentParser(description="deepseek-ext benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer samples, under a minute")
    parser.add_argument("--only", default="call,stream,think,burst,import,memory")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="also write the targets table to docs/figures/benchmarks.md",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    only = set(args.only.split(","))
    started = time.perf_counter()
    server, root, events = start_server(plan.think)
    try:
        bench = Bench(plan, root, events)
        bench.cpu_figures(only)
        if "import" in only:
            bench.imports()
        if "memory" in only:
            bench.memory()
        bench.loop.run_until_complete(bench.loop.shutdown_asyncgens())
    finally:
        server.terminate()
        server.wait()
    lines = header(plan, events, args.quick)
    for key, figure in FIGURES.items():
        if key == "import" and key in bench.results:
            lines += table(figure, bench.results[key], {}, IMPORT_FLOOR_ALL, IMPORT_ANCHOR)
        elif key in bench.results:
            titled = figure
            if key in ("think", "mem_think", "mem_control"):
                route = "control" if key == "mem_control" else "think"
                titled = replace(figure, title=f"{figure.title} ({events[route]:,} events)")
            lines += table(titled, bench.results[key], bench.skipped)
    lines += verdict_table(verdicts(bench))
    if bench.skipped:
        lines.append("Skipped: " + ", ".join(f"{n} ({why})" for n, why in bench.skipped.items()))
    print("\n".join(lines))
    if args.write_docs:
        command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
        write_figures("benchmarks", command + " --write-docs", lines)
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
