"""Make the ``deepseek_emulator`` fixture available when the package is not installed.

When deepseek-ext is installed, the ``pytest11`` entry point registers the plugin too;
re-exporting the fixture here shadows it harmlessly (a conftest fixture wins).
"""

from deepseek_ext_emulator.pytest_plugin import deepseek_emulator

__all__ = ["deepseek_emulator"]
