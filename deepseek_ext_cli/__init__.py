"""The `deepseek-ext` command: `chat`, `fim`, `models`, `balance`, `demo`, `emulator`.

Standard library only (argparse); every command talks to DeepSeek through the core client, so
`--base-url` or `DEEPSEEK_BASE_URL` points any of them at the emulator. Exit codes are stable
(`ExitCode`): 0 ok, 1 API error, 2 usage error, 3 missing or rejected key, 4 insufficient
balance, 130 interrupted. Demo parts plug in through `deepseek_ext_cli._demo_kit`.
"""

from deepseek_ext_cli._app import main
from deepseek_ext_cli._explain import ExitCode

__all__ = ["ExitCode", "main"]
