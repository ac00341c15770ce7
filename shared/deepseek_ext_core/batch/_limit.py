"""How many requests a batch keeps in flight: a cap, halved on 429s, raised again as requests
succeed (additive increase, multiplicative decrease, as TCP does).

A burst of 429s from requests sent under the same limit halves it once, not once per 429: each
request carries the limit's generation from when it was sent, and only a 429 of the current
generation lowers it.
"""

from __future__ import annotations

__all__ = ["AdaptiveLimit"]


class AdaptiveLimit:
    """The in-flight cap of one batch job."""

    def __init__(self, ceiling: int) -> None:
        if ceiling < 1:
            raise ValueError("concurrency must be 1 or more")
        self.ceiling = ceiling
        self.limit = ceiling
        self.lowest = ceiling
        """The lowest the limit went (reported)."""
        self.generation = 0
        """Tag a request with this when sending it; pass it back to `rate_limited`."""
        self._successes = 0

    def rate_limited(self, generation: int) -> None:
        """A 429 for a request sent at `generation`."""
        if generation != self.generation:
            return  # the limit was lowered for this burst already
        self.limit = max(1, self.limit // 2)
        self.lowest = min(self.lowest, self.limit)
        self.generation += 1
        self._successes = 0

    def succeeded(self) -> None:
        """One answer: after as many answers as the limit, one more request may be in flight."""
        if self.limit >= self.ceiling:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self.limit += 1
            self._successes = 0
