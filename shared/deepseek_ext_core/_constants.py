"""Every default of the client, once (the adapters and the command line read them from here).

Why each value is what it is: docs/deepseek-api.md, "Connection defaults".
"""

from __future__ import annotations

from functools import cache

from ._version import package_version

DEFAULT_BASE_URL = "https://api.deepseek.com"
"""DeepSeek's own host; `/beta` is added per request where an endpoint needs it."""

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to establish a connection."""

DEFAULT_READ_TIMEOUT = 600.0
"""Seconds between two reads: thinking answers take minutes, and DeepSeek's keep-alive bytes
reset httpx's per-read timer, so only a silent connection runs it out."""

DEFAULT_MAX_RETRIES = 2
"""Retries after the first attempt, in the one retry layer (`RetryPolicy`)."""

DEFAULT_MODEL = "deepseek-flash"
"""The model the adapters use when none is named."""


@cache
def user_agent() -> str:
    """Sent on every request, so DeepSeek's logs can tell this client apart."""
    return f"deepseek-ext/{package_version()}"
