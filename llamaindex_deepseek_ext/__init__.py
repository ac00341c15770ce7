"""LlamaIndex adapter for DeepSeek, built on `deepseek_ext_core`.

`DeepSeek` is a `FunctionCallingLLM` for agents, query engines and RAG; `DeepSeekFIM` does
fill-in-the-middle completion.
"""

from deepseek_ext_core import __version__

from ._convert import PREFIX_KEY
from ._tokens import deepseek_tokenizer
from ._tools import ToolArgumentsError
from .base import DeepSeek
from .fim import DeepSeekFIM

__all__ = [
    "PREFIX_KEY",
    "DeepSeek",
    "DeepSeekFIM",
    "ToolArgumentsError",
    "__version__",
    "deepseek_tokenizer",
]
