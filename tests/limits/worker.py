"""One worker of a fleet, run as a process by the multi-process tests: 40 concurrent requests
through one client surface, with or without the shared Redis limiter.

    python -m tests.limits.worker MODE BASE_URL REDIS_URL|- ACCOUNT [OUT]

MODE is langchain, llamaindex or batch. Prints one JSON line: answered, failed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

REQUESTS = 40
KEY = "test-key"


def _limiter(redis_url: str, account: str) -> Any:
    if redis_url == "-":
        return None
    from deepseek_ext_core import RedisLimiter

    return RedisLimiter.from_url(redis_url, name=account, max_concurrency=16, lease_seconds=5)


async def _langchain(base_url: str, limiter: Any) -> tuple[int, int]:
    from langchain_deepseek_ext import ChatDeepSeek

    model = ChatDeepSeek(api_key=KEY, base_url=base_url, limiter=limiter, max_retries=2)
    results = await asyncio.gather(
        *(model.ainvoke(f"question {n}") for n in range(REQUESTS)), return_exceptions=True
    )
    failed = sum(isinstance(r, BaseException) for r in results)
    return REQUESTS - failed, failed


async def _llamaindex(base_url: str, limiter: Any) -> tuple[int, int]:
    from llama_index.core.llms import ChatMessage

    from llamaindex_deepseek_ext import DeepSeek

    llm = DeepSeek(api_key=KEY, api_base=base_url, limiter=limiter, max_retries=2)
    results = await asyncio.gather(
        *(llm.achat([ChatMessage(role="user", content=f"q {n}")]) for n in range(REQUESTS)),
        return_exceptions=True,
    )
    failed = sum(isinstance(r, BaseException) for r in results)
    return REQUESTS - failed, failed


def _batch(base_url: str, limiter: Any, folder: Path) -> tuple[int, int]:
    from deepseek_ext_core.batch import run_batch

    source = folder / "in.jsonl"
    with source.open("w") as file:
        for n in range(REQUESTS):
            body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": f"b{n}"}]}
            line = {"custom_id": f"r{n}", "method": "POST", "url": "/v1/chat/completions"}
            file.write(json.dumps({**line, "body": body}) + "\n")
    report = run_batch(
        source, folder / "out.jsonl", api_key=KEY, base_url=base_url,
        concurrency=REQUESTS, warmup=False, limiter=limiter,
    )  # fmt: skip
    return report.succeeded, report.failed + report.not_sent


def main() -> None:
    mode, base_url, redis_url, account = sys.argv[1:5]
    limiter = _limiter(redis_url, account)
    if mode == "langchain":
        answered, failed = asyncio.run(_langchain(base_url, limiter))
    elif mode == "llamaindex":
        answered, failed = asyncio.run(_llamaindex(base_url, limiter))
    else:
        answered, failed = _batch(base_url, limiter, Path(sys.argv[5]))
    print(json.dumps({"answered": answered, "failed": failed}))


if __name__ == "__main__":
    main()
