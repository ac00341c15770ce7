"""An offline tokenizer for LlamaIndex's `TokenCountingHandler`.

The handler's default tokenizer is tiktoken's, which downloads its encoding on first use and
does not know DeepSeek's vocabulary. The handler prefers the usage DeepSeek reports and only
counts text itself when there is none, and then only needs `len()` of what the tokenizer returns.
"""

from __future__ import annotations

from deepseek_ext_core import count_tokens


def deepseek_tokenizer(text: str) -> list[int]:
    """One entry per token of `text`: exact with the `tokenizer` extra, else DeepSeek's ratios.

    The entries are placeholders (only their number is meaningful):
    `TokenCountingHandler(tokenizer=deepseek_tokenizer)`.
    """
    return [0] * count_tokens(text)
