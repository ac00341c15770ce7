"""Limits one DeepSeek account shares: requests in flight, a spend cap, and back-off after 429s.

DeepSeek caps concurrency per account (docs/deepseek-api.md §10.1) and sends no rate-limit
headers, so a fleet of workers that each believe they own the cap overrun it. A `Limiter` is
asked for a slot before each request and told how it went after:

- `InProcessLimiter`: one process's threads and event loops (what `max_concurrency` does for one
  client, shared by as many clients as you give it);
- `RedisLimiter`: every process on every host that names the same Redis and `name`
  (`pip install 'deepseek-ext[redis]'`).

Both take `limiter=` on the core clients, both adapters' models, the web and files parts, and
batch jobs. A slot is held only while a request is in flight (an agent waiting on its tools
holds none), released on the answer, an error, a cancellation or a stream closed early.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Lease, Limiter, estimate_request_cost

if TYPE_CHECKING:
    from ._local import InProcessLimiter
    from ._redis import RedisLimiter


def __getattr__(name: str) -> object:
    # Loaded on first use: the clients import this package on every `import deepseek_ext_core`,
    # which must not pay for threading, asyncio and the Redis glue nobody asked for.
    if name == "InProcessLimiter":
        from ._local import InProcessLimiter

        return InProcessLimiter
    if name == "RedisLimiter":
        from ._redis import RedisLimiter

        return RedisLimiter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["InProcessLimiter", "Lease", "Limiter", "RedisLimiter", "estimate_request_cost"]
