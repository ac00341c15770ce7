"""Client CPU of the Responses path next to chat completions, in the same run.

Per call (a short answer) and per streamed chunk (a 1,000-delta answer), through the core's
sync client, against the benchmark server (`_server.py`, its own process), in alternating
rounds; medians of the per-round ratios. Target: `/responses` within 1.15x of chat per chunk.

    .venv/bin/python benchmarks/responses_path.py [--write-docs]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.figures, from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import start_server

from deepseek_ext_core import ChatRequest, DeepSeekClient, ResponsesRequest, UserMessage
from tests.figures import write_figures

ROUNDS, CALLS, STREAMS = 9, 200, 5
CHAT = ChatRequest(
    model="deepseek-flash", messages=[UserMessage("Say hello.")], thinking="disabled"
)
RESPONSES = ResponsesRequest(
    model="deepseek-flash", input="Say hello.", reasoning={"effort": "none"}
)


def _cpu(work: object) -> float:
    started = time.process_time()
    work()  # type: ignore[operator]
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    server, root, events = start_server((10, 10))
    try:
        with (
            DeepSeekClient(api_key="k", base_url=f"{root}/plain") as chat_plain,
            DeepSeekClient(api_key="k", base_url=f"{root}/s1000") as chat_stream,
            DeepSeekClient(api_key="k", base_url=f"{root}/rplain") as resp_plain,
            DeepSeekClient(api_key="k", base_url=f"{root}/r1000") as resp_stream,
        ):

            def chat_calls() -> None:
                for _ in range(CALLS):
                    chat_plain.chat(CHAT)

            def responses_calls() -> None:
                for _ in range(CALLS):
                    resp_plain.responses(RESPONSES)

            def chat_streams() -> None:
                for _ in range(STREAMS):
                    with chat_stream.stream_chat(CHAT) as stream:
                        for _ in stream:
                            pass

            def responses_streams() -> None:
                for _ in range(STREAMS):
                    with resp_stream.stream_responses(
                        RESPONSES.model_copy(update={"stream": True})
                    ) as stream:
                        for _ in stream:
                            pass

            for work in (chat_calls, responses_calls, chat_streams, responses_streams):
                work()  # warm-up
            call_ratios, chunk_ratios = [], []
            per_call: dict[str, list[float]] = {"chat": [], "responses": []}
            per_chunk: dict[str, list[float]] = {"chat": [], "responses": []}
            for _ in range(ROUNDS):
                c, r = _cpu(chat_calls) / CALLS, _cpu(responses_calls) / CALLS
                per_call["chat"].append(c)
                per_call["responses"].append(r)
                call_ratios.append(r / c)
                cs = _cpu(chat_streams) / (STREAMS * 1000)
                rs = _cpu(responses_streams) / (STREAMS * 1000)
                per_chunk["chat"].append(cs)
                per_chunk["responses"].append(rs)
                chunk_ratios.append(rs / cs)
    finally:
        server.terminate()
        server.wait()
    chunk_ratio = statistics.median(chunk_ratios)
    verdict = "PASS" if chunk_ratio <= 1.15 else "MISS"
    lines = [
        f"core sync client, {ROUNDS} alternating rounds (medians); a 1,000-delta stream each",
        "",
        "| | chat completions | /responses | ratio |",
        "|---|---:|---:|---:|",
        f"| CPU per call | {statistics.median(per_call['chat']) * 1e6:.0f} µs | "
        f"{statistics.median(per_call['responses']) * 1e6:.0f} µs | "
        f"{statistics.median(call_ratios):.2f}x |",
        f"| CPU per streamed chunk | {statistics.median(per_chunk['chat']) * 1e6:.1f} µs | "
        f"{statistics.median(per_chunk['responses']) * 1e6:.1f} µs | {chunk_ratio:.2f}x |",
        "",
        f"/responses per chunk: {chunk_ratio:.2f}x chat (target <= 1.15x: {verdict}); the "
        f"Responses stream has {events['r1000']} events for 1,000 text deltas",
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_figures("responses-path", "python benchmarks/responses_path.py --write-docs", lines)


if __name__ == "__main__":
    main()
