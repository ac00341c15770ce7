"""The README demo as a script: `python examples/demo.py [--offline]`.

It runs exactly what `deepseek-ext demo` runs: a LangChain agent with two tools in thinking mode,
then a LlamaIndex query engine over README.md, then a summary of tokens, cache hits and estimated
cost. Offline (a loopback DeepSeek emulator) unless DEEPSEEK_API_KEY is set; `--offline` forces
the emulator. Needs `pip install -e '.[langchain,llamaindex]'`.
"""

from __future__ import annotations

import sys

from deepseek_ext_cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
