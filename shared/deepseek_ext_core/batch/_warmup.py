"""Cache warm-up: requests that share a long prefix go after one of them has answered.

DeepSeek caches what a request's input shares with earlier requests' inputs, billed at 1/50 of
a miss (docs/deepseek-api.md §6.4, §8.1), but only once the earlier request has been processed.
Sent all at once, requests that share a system prompt and few-shot examples all miss. So the
requests are grouped by what comes before their last message (model, tools, and every message
but the last); in a group whose shared part is at least `min_prefix_tokens` long, the first
request goes alone, and the rest follow when it has answered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .._tokens import count_tokens
from ._input import BatchRequest

__all__ = ["DEFAULT_MIN_PREFIX_TOKENS", "WarmupGroup", "group_for_warmup"]

DEFAULT_MIN_PREFIX_TOKENS = 1024
"""Shorter shared parts are not worth holding requests back for: a miss on them costs little."""


class WarmupGroup:
    """A leader, sent first, and the requests that wait for its answer."""

    __slots__ = ("followers", "leader")

    def __init__(self, leader: BatchRequest) -> None:
        self.leader = leader
        self.followers: list[BatchRequest] = []


def _prefix(item: BatchRequest) -> str | None:
    messages = item.prepared.body.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None  # FIM, or nothing before the last message
    shared = {
        "model": item.model,
        "tools": item.prepared.body.get("tools"),
        "messages": messages[:-1],
    }
    return json.dumps(shared, ensure_ascii=False, sort_keys=True)


def group_for_warmup(
    requests: Sequence[BatchRequest], *, min_prefix_tokens: int = DEFAULT_MIN_PREFIX_TOKENS
) -> list[WarmupGroup]:
    """`requests` as groups in the order of their first member; a request without a long shared
    prefix is a group of its own."""
    groups: list[WarmupGroup] = []
    by_prefix: dict[str, WarmupGroup] = {}
    long_enough: dict[str, bool] = {}
    for item in requests:
        prefix = _prefix(item)
        if prefix is not None and prefix not in long_enough:
            # Counted once per distinct prefix: a group of 2,000 costs one count.
            long_enough[prefix] = count_tokens(prefix, method="estimate") >= min_prefix_tokens
        if prefix is None or not long_enough[prefix]:
            groups.append(WarmupGroup(item))
        elif prefix in by_prefix:
            by_prefix[prefix].followers.append(item)
        else:
            by_prefix[prefix] = group = WarmupGroup(item)
            groups.append(group)
    return groups
