"""The version of the `deepseek-ext` distribution, read from its installed metadata once.

Read on first use, not at import: the metadata lookup scans `sys.path` (about 2 ms), which
`import deepseek_ext_core` does not pay. `deepseek_ext_core.__version__` and the adapters'
`__version__` call `package_version()`.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def package_version() -> str:
    """The installed version of `deepseek-ext` (`0.0.0+unknown` from a bare source tree)."""
    try:
        return version("deepseek-ext")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0.0.0+unknown"
