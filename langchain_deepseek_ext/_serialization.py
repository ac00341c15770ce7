"""Make `loads(..., allowed_objects="all")` accept this package's classes.

langchain-core only revives classes listed in its serialization mappings; "all" means "every
class in that table", which is how partner integrations are trusted. There is no public hook to
join the table, so on import we add our own two class paths (and nothing else), and drop the
cached allowlist so that it is rebuilt with them. Users who prefer an explicit allowlist can
still pass `allowed_objects=[ChatDeepSeek]`.
"""

from __future__ import annotations

import importlib

_load = importlib.import_module("langchain_core.load.load")

__all__ = ["register_serializable"]

_PATHS = (
    ("langchain_deepseek_ext", "chat_models", "ChatDeepSeek"),
    ("langchain_deepseek_ext", "llms", "DeepSeekFIM"),
)


def register_serializable() -> None:
    """Add our class paths to langchain-core's trusted table (idempotent)."""
    table = getattr(_load, "ALL_SERIALIZABLE_MAPPINGS", None)
    if not isinstance(table, dict):  # a future langchain-core changed the mechanism
        return
    added = False
    for path in _PATHS:
        if path not in table:
            table[path] = path
            added = True
    cache = getattr(_load, "_default_class_paths_cache", None)
    if added and isinstance(cache, dict):
        cache.pop("all", None)
