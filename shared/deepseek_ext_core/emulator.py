"""Deprecated alias of `deepseek_ext_emulator`, kept for one release.

The emulator moved out of the client library into a package of its own. This module only exists
so that tests written against `from deepseek_ext_core.emulator import Emulator` keep working; it
is never imported by the core itself. Import `deepseek_ext_emulator` instead.
"""

from __future__ import annotations

import warnings

import deepseek_ext_emulator
from deepseek_ext_emulator import *  # noqa: F403 - the alias re-exports exactly that package

warnings.warn(
    "deepseek_ext_core.emulator is deprecated and will be removed in the next release; "
    "import deepseek_ext_emulator instead",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = list(deepseek_ext_emulator.__all__)
