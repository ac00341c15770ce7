"""`deepseek-ext models` and `deepseek-ext balance`: one fact per line, or JSON with `--json`."""

from __future__ import annotations

import json
from typing import TextIO

from deepseek_ext_cli._explain import TOP_UP_URL
from deepseek_ext_core import DeepSeekClient, get_capabilities

__all__ = ["run_balance", "run_models"]


def run_models(client: DeepSeekClient, *, as_json: bool, out: TextIO) -> int:
    """Lists the model ids the account can use, with context window and thinking default."""
    models = client.list_models()
    if as_json:
        out.write(json.dumps(models.model_dump(mode="json"), indent=2) + "\n")
        return 0
    for model in models.data:
        caps = get_capabilities(model.id)
        if caps.known:
            window = model.context_window or caps.context_window
            thinking = "thinking by default" if caps.thinking_default else "non-thinking"
            out.write(f"{model.id}\t{window:,} tokens\t{thinking}\n")
        else:
            out.write(f"{model.id}\n")
    return 0


def run_balance(client: DeepSeekClient, *, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Prints the balance per currency; exit code 4 when the account cannot make requests."""
    balance = client.get_balance()
    if as_json:
        out.write(json.dumps(balance.model_dump(mode="json"), indent=2) + "\n")
    else:
        for info in balance.balance_infos:
            out.write(
                f"{info.total_balance} {info.currency}"
                f" (granted {info.granted_balance}, topped up {info.topped_up_balance})\n"
            )
    if not balance.is_available:
        err.write(f"The balance is not enough to make requests; top up at {TOP_UP_URL}\n")
        return 4
    return 0
